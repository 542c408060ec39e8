// The console on every host (design.md "Later contracts"): a text box `command on <host>`
// whose line runs at the playhead, and a region `console <host>` with what the tool printed,
// stdout and stderr as a terminal shows both. A changing command joins the scenario's
// `changes` at the playhead's virtual time; the list below can remove, undo and redo them.
import { type KeyboardEvent, memo, useRef, useState } from 'react';
import type { ChangeSpec } from '../../engine/scenario/schema';
import { formatTime } from '../../engine/timeline/trace';
import type { Dict } from '../i18n';
import { useApp, useAppStore } from '../react';
import { chainsOf, complete } from './complete';
import './console.css';
import { saveFile } from '../exports';
import { changeAt, timeAt } from '../timeline';

interface Entry {
  readonly line: string;
  readonly text: string;
  readonly failed: boolean;
}

/** Kept per host, newest last; older entries scroll away. */
const KEEP = 200;

function HostConsole({
  host,
  t,
  onChange,
}: {
  host: string;
  t: Dict;
  onChange: (c: ChangeSpec) => Promise<void>;
}) {
  const run = useApp((s) => s.consoleRun);
  const result = useApp((s) => s.result);
  const index = useApp((s) => s.index);
  const snapshot = useApp((s) => s.snapshot);
  const scenario = useApp((s) => s.scenario);
  const playhead = useApp((s) => s.playhead);
  const [entries, setEntries] = useState<readonly Entry[]>([]);
  const [line, setLine] = useState('');
  const [hint, setHint] = useState('');
  const history = useRef<string[]>([]);
  const pos = useRef(0);

  async function submit(): Promise<void> {
    const cmd = line.trim();
    setLine('');
    setHint('');
    if (!cmd) return;
    history.current.push(cmd);
    pos.current = history.current.length;
    const at = index ? timeAt(index, playhead) / 1000 : 0;
    const reply = await run(host, cmd);
    if (!reply) return;
    setEntries((es) =>
      [...es, { line: cmd, text: reply.text ?? reply.stdout + reply.stderr, failed: reply.exit !== 0 }].slice(
        -KEEP,
      ),
    );
    // A command that changed something (and that the tool accepted) becomes a change.
    if (reply.change && reply.exit === 0) await onChange({ at, host, command: cmd });
  }

  function onKey(e: KeyboardEvent<HTMLInputElement>): void {
    if (e.key === 'Enter') {
      e.preventDefault();
      void submit();
    } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      const h = history.current;
      pos.current = Math.max(0, Math.min(h.length, pos.current + (e.key === 'ArrowUp' ? -1 : 1)));
      setLine(h[pos.current] ?? '');
    } else if (e.key === 'Tab') {
      e.preventDefault();
      const spec = result?.hosts.find((x) => x.name === host);
      const r = complete(line, {
        // A long ruleset is not in the snapshot: the host's own text names the same chains.
        chains: chainsOf(
          snapshot?.hosts[host]?.iptablesSave ||
            spec?.iptablesSave ||
            scenario?.hosts.find((x) => x.name === host)?.iptables_save ||
            '',
        ),
        interfaces: spec?.interfaces.map((i) => i.name) ?? [],
        sysctls: Object.keys(spec?.sysctls ?? {}),
      });
      setLine(r.line);
      setHint(r.options.join('  '));
    }
  }

  return (
    <div className="console-host">
      <section className="console-out mono" aria-label={`console ${host}`}>
        {entries.map((e, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: entries only ever append
          <div key={i} className={e.failed ? 'console-entry failed' : 'console-entry'}>
            <div className="console-cmd">
              {host}$ {e.line}
            </div>
            {e.text ? <pre>{e.text}</pre> : null}
          </div>
        ))}
      </section>
      <label className="console-in mono">
        <span aria-hidden="true">{host}$</span>
        <input
          type="text"
          aria-label={`command on ${host}`}
          spellCheck={false}
          autoComplete="off"
          value={line}
          onChange={(e) => setLine(e.target.value)}
          onKeyDown={onKey}
        />
      </label>
      {hint ? <div className="console-hint mono dim">{hint}</div> : null}
      <PcapDownload host={host} />
      <span className="sr-only">{t.consoleHint}</span>
    </div>
  );
}

/** Saves what crossed one interface as a pcap file (Wireshark, tcpdump -r). */
function PcapDownload({ host }: { host: string }) {
  const pcap = useApp((s) => s.pcap);
  const result = useApp((s) => s.result);
  const ifaces = (result?.hosts.find((h) => h.name === host)?.interfaces ?? []).map((i) => i.name);
  const [pick, setPick] = useState('');
  const ifname = ifaces.includes(pick) ? pick : (ifaces.find((i) => i !== 'lo') ?? ifaces[0] ?? '');
  async function download(): Promise<void> {
    const bytes = await pcap(host, ifname);
    if (!bytes) return;
    saveFile(
      `${result?.scenario.id ?? 'nflab'}-${host}-${ifname}.pcap`,
      bytes as BlobPart,
      'application/vnd.tcpdump.pcap',
    );
  }
  // The host is the description, not the name: a host called "backend" must not make this
  // button answer to the name End (accessible names match by substring).
  const desc = `pcap-of-${host}`;
  return (
    <span className="console-pcap">
      <span id={desc} hidden>
        {host}
      </span>
      <select
        aria-label="Interface"
        aria-describedby={desc}
        className="mono"
        value={ifname}
        onChange={(e) => setPick(e.target.value)}
      >
        {ifaces.map((i) => (
          <option key={i} value={i}>
            {i}
          </option>
        ))}
      </select>
      <button type="button" aria-label="Save pcap" aria-describedby={desc} onClick={() => void download()}>
        pcap
      </button>
    </span>
  );
}

function ChangeList({
  changes,
  t,
  apply,
}: {
  changes: readonly ChangeSpec[];
  t: Dict;
  apply: (c: readonly ChangeSpec[]) => void;
}) {
  return (
    <section className="console-changes" aria-label="Changes">
      <h3>{t.changes}</h3>
      {changes.length === 0 ? <p className="dim">{t.noChanges}</p> : null}
      <ol>
        {changes.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a change is its place in the list
          <li key={i} className="mono">
            <span className="dim">[{formatTime(Math.round(c.at * 1000))}]</span> {c.host}$ {c.command}{' '}
            <button
              type="button"
              aria-label={`Remove change ${i + 1}`}
              onClick={() => apply(changes.filter((_, k) => k !== i))}
            >
              {t.remove}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}

function ConsolePanelView({ t }: { t: Dict }) {
  const store = useAppStore();
  const result = useApp((s) => s.result);
  const scenario = useApp((s) => s.scenario);
  const setChanges = useApp((s) => s.setChanges);
  const seek = useApp((s) => s.seek);
  // Undo and redo over whole lists: each step is what the list was before.
  const [past, setPast] = useState<(readonly ChangeSpec[])[]>([]);
  const [future, setFuture] = useState<(readonly ChangeSpec[])[]>([]);
  if (!result || !scenario) return null;
  const changes = scenario.changes ?? [];

  async function apply(next: readonly ChangeSpec[], record: 'do' | 'undo' | 'redo' = 'do'): Promise<void> {
    if (record === 'do') {
      setPast((p) => [...p, changes]);
      setFuture([]);
    } else if (record === 'undo') {
      setPast((p) => p.slice(0, -1));
      setFuture((f) => [...f, changes]);
    } else {
      setFuture((f) => f.slice(0, -1));
      setPast((p) => [...p, changes]);
    }
    await setChanges(next);
  }

  async function added(c: ChangeSpec): Promise<void> {
    await apply([...changes, c]);
    // The playhead goes just past the change, so the next command sees it.
    const at = Math.round(c.at * 1000);
    const { result: r, index: ix } = store.getState();
    const i = r && ix ? changeAt(ix, r.events, c.host, c.command, at) : -1;
    if (i >= 0) seek(i + 1);
  }

  return (
    <section className="panel console-panel" aria-label={t.console}>
      <h2>
        {t.console}{' '}
        <button type="button" disabled={past.length === 0} onClick={() => void apply(past.at(-1)!, 'undo')}>
          {t.undo}
        </button>
        <button
          type="button"
          disabled={future.length === 0}
          onClick={() => void apply(future.at(-1)!, 'redo')}
        >
          {t.redo}
        </button>
      </h2>
      <div className="body">
        {result.hosts.map((h) => (
          <HostConsole key={h.name} host={h.name} t={t} onChange={added} />
        ))}
        <ChangeList changes={changes} t={t} apply={(c) => void apply(c)} />
      </div>
    </section>
  );
}

// Memoised: it reads the store itself, so it re-renders when what it reads changes, not
// whenever the page around it does (every playhead move while playing).
export const ConsolePanel = memo(ConsolePanelView);
