// A scrolling box keyboard users can reach (axe: scrollable-region-focusable): it takes focus
// so arrow keys and Page Up/Down scroll it, as WCAG 2.1.1 asks for content that only scrolls.
import type { ReactNode, Ref } from 'react';

export function Scroll(props: {
  className: string;
  children: ReactNode;
  ref?: Ref<HTMLDivElement>;
  testId?: string;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scroll container must be focusable to scroll by keyboard
    <div className={props.className} ref={props.ref} tabIndex={0} data-testid={props.testId}>
      {props.children}
    </div>
  );
}
