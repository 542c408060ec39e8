// The text of a notice in the user's language. The detail often quotes untrusted input (a
// file name, a field of a link): control and bidirectional-override characters are shown as
// escapes, so a message can neither be reordered on screen nor hide what it names.
import type { Dict } from './i18n';
import type { Notice } from './store';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function printable(s: string): string {
  return s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function noticeText(t: Dict, n: Notice): string {
  const d = printable(n.detail);
  switch (n.key) {
    case 'workerDied':
      return t.workerDied(d);
    case 'badLink':
      return t.badLink(d, n.instead);
    case 'badFile':
      return t.badFile(d);
    case 'workNotSaved':
      return t.workNotSaved(d);
    case 'runFailed':
      return t.runFailed(d);
    case 'runStopped':
      return t.runStopped(n.partial);
    case 'runBudget':
      return t.runBudget(n.stop.key, n.stop.params, d);
    default: {
      const never: never = n;
      return never;
    }
  }
}
