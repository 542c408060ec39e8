// "Paste your own node": a dialog with one box per output a machine prints (or files opened or
// dropped, each placed by what it is), a host picker (new or existing), and the reading and
// the run after it shown as they go. The reading happens in the worker (store.pasteNode); the
// boxes are uncontrolled, so a 10 MB paste is never copied through React state.
import { useEffect, useId, useRef, useState } from 'react';
import { detectPasteKind } from '../../engine/import/detect';
import { PASTE_COMMAND, type PasteKind, pasteErrorText } from '../../engine/import/types';
import { useApp, useAppStore } from '../react';
import { type PasteDict, pasteStrings } from './strings';
import './paste.css';

const KINDS: readonly PasteKind[] = ['iptables-save', 'ip-addr', 'ip-route', 'sysctl'];
/** Files larger than this stay out of their box (a textarea holding megabytes is slow to lay out). */
const INLINE_FILE_CHARS = 256 * 1024;
const MAX_FILE_MB = 64;

interface FileText {
  readonly name: string;
  readonly text: string;
}

/** A name for a new host that the scenario does not use yet. */
function freeName(taken: readonly string[]): string {
  for (let i = 1; ; i++) {
    const name = i === 1 ? 'my-node' : `my-node-${i}`;
    if (!taken.includes(name)) return name;
  }
}

/** Character offsets of 1-based `line` in `text` (start, end), for selecting it in its box. */
function lineRange(text: string, line: number): [number, number] {
  let start = 0;
  for (let k = 1; k < line; k++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return [text.length, text.length];
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  return [start, end < 0 ? text.length : end];
}

function Status({ t, onDone }: { t: PasteDict; onDone: () => void }) {
  const paste = useApp((s) => s.paste);
  const phase = useApp((s) => s.phase);
  const progress = useApp((s) => s.progress);
  const landed = paste.phase === 'done' && phase !== 'running';
  const ref = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, when the run lands
  useEffect(() => {
    if (landed) onDone();
  }, [landed]);
  if (paste.phase === 'idle') return null;
  if (paste.phase === 'failed')
    return (
      <div role="alert" className="paste-error">
        <span className="mono">{pasteErrorText(paste.error)}</span> <span>{t.failed}</span>
      </div>
    );
  let bar: { value?: number; max?: number };
  let text: string;
  if (paste.phase === 'reading') {
    const step = paste.step ? (PASTE_COMMAND[paste.step as PasteKind] ?? paste.step) : '';
    bar = paste.total ? { value: paste.lines, max: paste.total } : {};
    text = paste.total ? t.readingLines(step, paste.lines, paste.total) : t.reading(step || '…');
  } else if (!landed) {
    bar = progress?.horizon ? { value: Math.min(progress.now, progress.horizon), max: progress.horizon } : {};
    text = t.running;
  } else {
    bar = { value: 1, max: 1 };
    text = t.done(paste.host);
  }
  return (
    <div ref={ref} className="paste-status">
      <progress aria-label="Paste progress" {...bar} />
      <div role="status" aria-label="Paste status">
        {text}
      </div>
      {landed && paste.notes.length ? (
        <details className="paste-notes">
          <summary>
            {t.notes} ({paste.notes.length})
          </summary>
          <ul className="mono small">
            {paste.notes.map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function PasteDialog({ onClose }: { onClose: () => void }) {
  const store = useAppStore();
  const lang = useApp((s) => s.lang);
  const t = pasteStrings[lang];
  const scenario = useApp((s) => s.scenario);
  const hosts = scenario?.hosts.map((h) => h.name) ?? [];
  const paste = useApp((s) => s.paste);
  const busy = useApp(
    (s) => s.paste.phase === 'reading' || (s.paste.phase === 'done' && s.phase === 'running'),
  );
  const [target, setTarget] = useState('');
  const [name, setName] = useState(() => freeName(hosts));
  const [files, setFiles] = useState<Partial<Record<PasteKind, FileText>>>({});
  const [filled, setFilled] = useState<Partial<Record<PasteKind, boolean>>>({});
  const [looks, setLooks] = useState<Partial<Record<PasteKind, PasteKind>>>({});
  const [fileError, setFileError] = useState('');
  const boxes = useRef<Partial<Record<PasteKind, HTMLTextAreaElement | null>>>({});
  const dialog = useRef<HTMLDialogElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const ids = useId();

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    store.getState().clearPaste();
    store.getState().preparePaste();
    return () => store.getState().dropPaste();
  }, [store]);

  const textOf = (k: PasteKind): string => files[k]?.text ?? boxes.current[k]?.value ?? '';
  const any = KINDS.some((k) => files[k] || filled[k]);

  function onInput(k: PasteKind, value: string) {
    setFilled((f) => ({ ...f, [k]: value.trim() !== '' }));
    const d = value.trim() ? detectPasteKind(value) : undefined;
    setLooks((l) => ({ ...l, [k]: d && d !== k ? d : undefined }));
  }

  async function openFiles(list: FileList | readonly File[]) {
    setFileError('');
    for (const f of Array.from(list)) {
      if (f.size > MAX_FILE_MB * 1024 * 1024) {
        setFileError(t.tooLarge(f.name, MAX_FILE_MB));
        continue;
      }
      const text = await f.text();
      const kind = detectPasteKind(text);
      if (!kind) {
        setFileError(t.notRecognised(f.name));
        continue;
      }
      const box = boxes.current[kind];
      if (text.length <= INLINE_FILE_CHARS && box) {
        box.value = text;
        setFiles(({ [kind]: _, ...rest }) => rest);
        onInput(kind, text);
      } else {
        if (box) box.value = '';
        setFiles((x) => ({ ...x, [kind]: { name: f.name, text } }));
        setLooks((l) => ({ ...l, [kind]: undefined }));
      }
    }
  }

  async function doImport() {
    const pieces: Partial<Record<PasteKind, string>> = {};
    for (const k of KINDS) {
      const text = textOf(k);
      if (text.trim() !== '') pieces[k] = text;
    }
    const ok = await store.getState().pasteNode({
      target: target === '' ? { kind: 'new', name: name.trim() } : { kind: 'host', name: target },
      pieces,
    });
    if (ok) return;
    // Show where: the offending line selected in its box.
    const p = store.getState().paste;
    if (p.phase !== 'failed' || p.error.kind === 'target') return;
    const box = boxes.current[p.error.kind];
    if (!box || files[p.error.kind] || p.error.line <= 0) return;
    const [a, b] = lineRange(box.value, p.error.line);
    box.focus();
    box.setSelectionRange(a, b);
  }

  const close = () => {
    if (paste.phase === 'reading') store.getState().cancelPaste();
    onClose();
  };

  return (
    <dialog
      ref={dialog}
      className="paste-dialog"
      aria-labelledby={`${ids}-title`}
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        if (e.dataTransfer.files.length) void openFiles(e.dataTransfer.files);
      }}
    >
      <h2 id={`${ids}-title`}>{t.title}</h2>
      <p className="dim small">{t.intro}</p>
      <div className="paste-target">
        <label>
          <span>{t.host}</span>
          <select
            aria-label="Host"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            disabled={busy}
          >
            <option value="">{t.newHost}</option>
            {hosts.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        </label>
        {target === '' ? (
          <label>
            <span>{t.newName}</span>
            <input
              type="text"
              className="mono"
              aria-label="New host name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              disabled={busy}
              spellCheck={false}
            />
          </label>
        ) : null}
      </div>
      <div className="paste-boxes">
        {KINDS.map((k) => {
          const file = files[k];
          const bad = paste.phase === 'failed' && paste.error.kind === k;
          const hintId = `${ids}-${k}-hint`;
          return (
            <div key={k} className="paste-box">
              <label htmlFor={`${ids}-${k}`} className="mono">
                {PASTE_COMMAND[k]}
              </label>
              <span id={hintId} className="dim small">
                {looks[k] ? t.looksLike(PASTE_COMMAND[looks[k]!]) : t.hint(PASTE_COMMAND[k])}
              </span>
              {file ? (
                <div className="paste-file mono small">
                  {t.fromFile(file.name, (file.text.length / 1024 / 1024).toFixed(1))}{' '}
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => setFiles(({ [k]: _, ...rest }) => rest)}
                  >
                    {t.clear}
                  </button>
                </div>
              ) : null}
              <textarea
                id={`${ids}-${k}`}
                ref={(el) => {
                  boxes.current[k] = el;
                }}
                className="mono"
                aria-describedby={hintId}
                aria-invalid={bad || undefined}
                hidden={file !== undefined}
                spellCheck={false}
                wrap="off"
                rows={5}
                disabled={busy}
                onInput={(e) => onInput(k, e.currentTarget.value)}
              />
            </div>
          );
        })}
      </div>
      <div className="paste-files">
        <button type="button" onClick={() => fileInput.current?.click()} disabled={busy}>
          {t.openFiles}
        </button>
        <span className="dim small">{t.dropHint}</span>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          aria-label="Paste files"
          onChange={async (e) => {
            const list = e.target.files;
            if (list) await openFiles(Array.from(list));
            e.target.value = '';
          }}
        />
        {fileError ? (
          <span role="alert" className="paste-error">
            {fileError}
          </span>
        ) : null}
      </div>
      <Status t={t} onDone={() => closeButton.current?.focus()} />
      <div className="paste-actions">
        <button
          type="button"
          className="primary"
          aria-label="Import"
          disabled={busy || !any || (target === '' && name.trim() === '')}
          onClick={() => void doImport()}
        >
          {t.import}
        </button>
        {paste.phase === 'reading' ? (
          <button type="button" aria-label="Cancel" onClick={() => store.getState().cancelPaste()}>
            {t.cancel}
          </button>
        ) : null}
        <button type="button" ref={closeButton} aria-label="Close" onClick={close}>
          {t.close}
        </button>
      </div>
    </dialog>
  );
}

/** The header's button and the dialog it opens. */
export function PasteNode() {
  const lang = useApp((s) => s.lang);
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-label="Paste node" onClick={() => setOpen(true)}>
        {pasteStrings[lang].button}
      </button>
      {open ? <PasteDialog onClose={() => setOpen(false)} /> : null}
    </>
  );
}
