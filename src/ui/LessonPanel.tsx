// Guided lessons (issue 11): the `Lesson` combobox, the step in the learner's language with
// Back and Next, a prediction as the radio group `Your prediction` that plays on to its answer,
// and hands-on steps checked by the run's outcome after a command typed in the console.
// Accessible names are the contract's and stay English in both languages.
import { memo, useId } from 'react';
import { dictionaries } from './i18n';
import { highlightText, lessonOptions, taskDone } from './lesson';
import { useApp, useAppStore } from './react';
import { currentLesson, momentOn } from './store';

export function LessonPicker() {
  const store = useAppStore();
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const catalog = useApp((s) => s.catalog);
  const scenario = useApp((s) => s.scenario);
  const lesson = useApp((s) => s.lesson);
  const options = lessonOptions(catalog, scenario, lang);
  if (options.length === 0) return null;
  const value = lesson && scenario ? `${scenario.id}/${lesson.id}` : '';
  return (
    <label className="field lesson-pick">
      <span>{t.lesson}</span>
      <select
        aria-label="Lesson"
        value={options.some((o) => o.value === value) ? value : ''}
        onChange={(e) => {
          const o = options.find((x) => x.value === e.target.value);
          if (o) void store.getState().openLesson(o.scenarioId, o.id);
          else store.getState().closeLesson();
        }}
      >
        <option value="">{t.lessonNone}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.title}
          </option>
        ))}
      </select>
    </label>
  );
}

function LessonPanelView() {
  const store = useAppStore();
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  // Stable slices only: a selector building a new object each time would re-render for ever.
  const lessonState = useApp((s) => s.lesson);
  const scenario = useApp((s) => s.scenario);
  const cur = currentLesson({ lesson: lessonState, scenario });
  const guess = lessonState?.guess ?? null;
  const result = useApp((s) => s.result);
  const moments = useApp((s) => s.moments);
  const playhead = useApp((s) => s.playhead);
  const busy = useApp((s) => s.phase === 'running');
  const groupId = useId();
  if (!cur || !result) return null;
  const { lesson, step } = cur;
  const st = lesson.steps[step]!;
  const at = momentOn(result, moments, st.at);
  const p = st.predict;
  const reveal = p ? momentOn(result, moments, p.reveal) : null;
  const revealed = p !== undefined && guess !== null && (reveal === null || playhead >= reveal);
  const n = lesson.steps.length;
  return (
    <section aria-label="Lesson step" className="panel lesson">
      <h2>
        {lesson.title[lang]} <span className="dim">· {t.lessonStepOf(step + 1, n)}</span>
      </h2>
      <div className="body">
        <p className="lesson-text">{st.text[lang]}</p>
        {at === null ? <p className="small dim">{t.lessonNoMoment}</p> : null}
        {st.highlight ? (
          <p className="small">
            {t.lessonLook}: <code className="mono lesson-target">{highlightText(st.highlight)}</code>
          </p>
        ) : null}
        {p ? (
          <div role="radiogroup" aria-label="Your prediction" className="lesson-predict">
            {p.choices.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: choices are positional (answer is an index)
              <label key={i} className="lesson-choice">
                <input
                  type="radio"
                  name={groupId}
                  checked={guess === i}
                  disabled={guess !== null}
                  onChange={() => store.getState().predict(i)}
                />
                {c[lang]}
              </label>
            ))}
          </div>
        ) : null}
        {p && revealed ? (
          <div role="status" className={guess === p.answer ? 'lesson-verdict right' : 'lesson-verdict wrong'}>
            <strong>{guess === p.answer ? t.lessonRight : t.lessonWrong(p.choices[p.answer]![lang])}</strong>{' '}
            {p.why[lang]}
          </div>
        ) : null}
        {st.task ? (
          <div className="lesson-task">
            <p>
              {t.lessonTask(st.task.host)} <code className="mono">{st.task.command}</code>
            </p>
            <p role="status" className={taskDone(st.task, result.outcomes) ? 'lesson-verdict right' : 'dim'}>
              {busy ? t.running : taskDone(st.task, result.outcomes) ? t.lessonTaskDone : t.lessonTaskTodo}
            </p>
          </div>
        ) : null}
        <div className="lesson-nav">
          <button
            type="button"
            aria-label="Back"
            disabled={step === 0}
            onClick={() => store.getState().lessonGo(step - 1)}
          >
            {t.lessonBack}
          </button>
          <button
            type="button"
            aria-label="Next"
            disabled={step >= n - 1}
            onClick={() => store.getState().lessonGo(step + 1)}
          >
            {t.lessonNext}
          </button>
        </div>
      </div>
    </section>
  );
}

// Memoised: it reads the store itself, so it re-renders when what it reads changes, not
// whenever the page around it does (every playhead move while playing).
export const LessonPanel = memo(LessonPanelView);
