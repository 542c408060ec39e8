// What the lesson panel derives from the state: the lessons one can choose, whether a hands-on
// step is done (judged by the run's outcome, never by the text typed), what a highlight points at.
import type { Outcome, Scenario } from '../engine/api';
import type { Highlight, LessonStep } from '../engine/scenario/schema';
import type { Lang } from './i18n';

export interface LessonOption {
  /** `<scenario id>/<lesson id>`, the combobox value. */
  readonly value: string;
  readonly scenarioId: string;
  readonly id: string;
  readonly title: string;
}

/** Lessons of the built-in scenarios, then those of a scenario on screen that is not built in. */
export function lessonOptions(
  catalog: readonly Scenario[],
  shown: Scenario | null,
  lang: Lang,
): LessonOption[] {
  const list = [...catalog];
  if (shown && !catalog.some((s) => s.id === shown.id)) list.push(shown);
  return list.flatMap((s) =>
    s.lessons.map((l) => ({ value: `${s.id}/${l.id}`, scenarioId: s.id, id: l.id, title: l.title[lang] })),
  );
}

/** A hands-on step is done when every outcome it names (or all) is as expected. */
export function taskDone(task: NonNullable<LessonStep['task']>, outcomes: readonly Outcome[]): boolean {
  const mine =
    task.expect.conn === undefined ? outcomes : outcomes.filter((o) => o.conn === task.expect.conn);
  return mine.length > 0 && mine.every((o) => o.ok === task.expect.ok);
}

/** The highlight in words, for the panel (the views mark the same thing). */
export function highlightText(h: Highlight): string {
  switch (h.kind) {
    case 'hook':
      return `pipeline ${h.host}: ${h.hook}`;
    case 'rule':
      return `${h.host}: -t ${h.table} ${h.chain} #${h.rulenum}`;
    case 'conntrack':
      return `conntrack ${h.host}`;
    case 'field':
      return `packet: ${h.field}`;
  }
}
