// Form fields that commit an edit and show what the engine said about it right at the field.
// A text field commits on Enter or when it loses focus, a select or a checkbox when it
// changes; a refused edit keeps the typed text in the field, marked invalid, with the message.
import { type ReactNode, useId, useState } from 'react';
import type { Problem } from './check';
import type { EditorDict } from './strings';

export type Commit<V> = (value: V) => Promise<Problem | null>;

export function ProblemText({ id, problem, t }: { id: string; problem: Problem | null; t: EditorDict }) {
  if (!problem) return null;
  return (
    <p id={id} className="ed-problem" role="alert">
      {t.refused(problem.where)} <span className="mono">{problem.message}</span>
    </p>
  );
}

/** A labelled text box; `name` is its accessible name (English), `label` what it shows. */
export function TextField(props: {
  name: string;
  label: string;
  value: string;
  onCommit: Commit<string>;
  t: EditorDict;
  mono?: boolean;
  hint?: string;
  size?: number;
}) {
  const { value, onCommit } = props;
  const id = useId();
  const [draft, setDraft] = useState(value);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  // A new value from outside (undo, another field) replaces an unedited draft.
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setDraft(value);
    setProblem(null);
  }
  async function commit(): Promise<void> {
    if (draft === value || busy) return;
    setBusy(true);
    const p = await onCommit(draft);
    setBusy(false);
    setProblem(p);
  }
  return (
    <label className="ed-field">
      <span>{props.label}</span>
      <input
        type="text"
        aria-label={props.name}
        className={props.mono === false ? '' : 'mono'}
        value={draft}
        size={props.size}
        spellCheck={false}
        autoComplete="off"
        title={props.hint}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-p` : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => void commit()}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void commit();
          } else if (e.key === 'Escape') {
            setDraft(value);
            setProblem(null);
          }
        }}
      />
      <ProblemText id={`${id}-p`} problem={problem} t={props.t} />
    </label>
  );
}

export function SelectField(props: {
  name: string;
  label: string;
  value: string;
  options: readonly (readonly [value: string, text: string])[];
  onCommit: Commit<string>;
  t: EditorDict;
}) {
  const id = useId();
  const [problem, setProblem] = useState<Problem | null>(null);
  // A new value from outside clears what was said about the refused one.
  const [seen, setSeen] = useState(props.value);
  if (seen !== props.value) {
    setSeen(props.value);
    setProblem(null);
  }
  return (
    <label className="ed-field">
      <span>{props.label}</span>
      <select
        aria-label={props.name}
        value={props.value}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-p` : undefined}
        onChange={async (e) => setProblem(await props.onCommit(e.target.value))}
      >
        {props.options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      <ProblemText id={`${id}-p`} problem={problem} t={props.t} />
    </label>
  );
}

export function CheckField(props: {
  name: string;
  label: string;
  checked: boolean;
  onCommit: Commit<boolean>;
  t: EditorDict;
}) {
  const id = useId();
  const [problem, setProblem] = useState<Problem | null>(null);
  return (
    <label className="ed-field ed-check">
      <input
        type="checkbox"
        aria-label={props.name}
        checked={props.checked}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-p` : undefined}
        onChange={async (e) => setProblem(await props.onCommit(e.target.checked))}
      />
      <span>{props.label}</span>
      <ProblemText id={`${id}-p`} problem={problem} t={props.t} />
    </label>
  );
}

/**
 * A form that adds something: its fields are plain controlled inputs of the caller; the submit
 * button commits, and the form is cleared by the caller's `onDone` only when the edit landed.
 */
export function AddForm(props: {
  name: string;
  button: string;
  buttonName: string;
  onSubmit: () => Promise<Problem | null>;
  onDone: () => void;
  t: EditorDict;
  children: ReactNode;
}) {
  const id = useId();
  const [problem, setProblem] = useState<Problem | null>(null);
  return (
    <form
      className="ed-add"
      aria-label={props.name}
      onSubmit={async (e) => {
        e.preventDefault();
        const p = await props.onSubmit();
        setProblem(p);
        if (!p) props.onDone();
      }}
    >
      {props.children}
      <button type="submit" aria-label={props.buttonName} aria-describedby={problem ? `${id}-p` : undefined}>
        {props.button}
      </button>
      <ProblemText id={`${id}-p`} problem={problem} t={props.t} />
    </form>
  );
}

/** A plain input for an add form (the form commits it). */
export function Input(props: {
  name: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  size?: number;
  placeholder?: string;
}) {
  return (
    <label className="ed-field">
      <span>{props.label}</span>
      <input
        type="text"
        aria-label={props.name}
        className="mono"
        value={props.value}
        size={props.size}
        placeholder={props.placeholder}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

export function Choice(props: {
  name: string;
  label: string;
  value: string;
  options: readonly (readonly [value: string, text: string])[];
  onChange: (v: string) => void;
}) {
  return (
    <label className="ed-field">
      <span>{props.label}</span>
      <select aria-label={props.name} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
