// Export buttons (issue 10, Exports): the topology and the pipeline as SVG and PNG, a host's
// tool outputs as the tools print them, the scenario with its changes as JSON. Every text comes
// from the engine's own formatters: the host files run the same command line the console runs,
// at the playhead, in the worker.
import { useState } from 'react';
import { fileName, htmlSvg, saveFile, svgToPng, topologySvg } from '../exports';
import type { Dict } from '../i18n';
import { useApp, useAppStore } from '../react';

/** Runs an export, showing its failure (a message, never a crash) beside the buttons. */
function useExport(): [string, (f: () => Promise<void>) => void] {
  const [error, setError] = useState('');
  return [
    error,
    (f) => {
      setError('');
      f().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    },
  ];
}

function ExportError({ error }: { error: string }) {
  return error ? (
    <span role="alert" className="export-error">
      {error}
    </span>
  ) : null;
}

/** SVG and PNG of a drawn view; `svg()` reads the view off the page when clicked. */
export function ViewExport(props: {
  what: 'topology' | 'pipeline';
  svg: () => string;
  name: string;
  t: Dict;
}) {
  const [error, run] = useExport();
  const svgName = `${props.name}.svg`;
  return (
    <span className="export-buttons">
      <button
        type="button"
        aria-label={`Save ${props.what} SVG`}
        title={props.t.exportSvg}
        onClick={() => run(async () => saveFile(svgName, props.svg(), 'image/svg+xml'))}
      >
        SVG
      </button>
      <button
        type="button"
        aria-label={`Save ${props.what} PNG`}
        title={props.t.exportPng}
        onClick={() =>
          run(async () => saveFile(`${props.name}.png`, await svgToPng(props.svg()), 'image/png'))
        }
      >
        PNG
      </button>
      <ExportError error={error} />
    </span>
  );
}

export function topologyExport(section: HTMLElement | null): string {
  const wrap = section?.querySelector<HTMLElement>('.topology-wrap');
  if (!wrap) throw new Error('no topology drawn');
  return topologySvg(wrap);
}

export function pipelineExport(section: HTMLElement | null, host: string): string {
  const el = section?.querySelector<HTMLElement>('.pipeline');
  if (!el) throw new Error('no pipeline drawn');
  // The view's container (its rules and container queries hang from it).
  return htmlSvg(el, 'pl-body', `pipeline ${host}`);
}

/** What a host's files hold: the command line whose stdout the file is. */
const HOST_FILES = [
  { label: 'iptables-save', line: 'iptables-save', file: 'iptables-save.txt' },
  { label: 'conntrack -L', line: 'conntrack -L', file: 'conntrack-L.txt' },
  { label: '/proc/net/nf_conntrack', line: 'cat /proc/net/nf_conntrack', file: 'nf_conntrack.txt' },
] as const;

/** A host's `iptables-save`, `conntrack -L` and `/proc/net/nf_conntrack` at the playhead, as files. */
export function HostExport({ host, t }: { host: string; t: Dict }) {
  const consoleRun = useApp((s) => s.consoleRun);
  const id = useApp((s) => s.scenario?.id ?? 'nflab');
  const [error, run] = useExport();
  return (
    <div className="export-buttons host-export">
      <span className="dim">{t.exportSave}</span>
      {HOST_FILES.map((f) => (
        <button
          key={f.line}
          type="button"
          className="mono"
          aria-label={`Save ${f.label}`}
          title={`${f.line} (${host})`}
          onClick={() =>
            run(async () => {
              const r = await consoleRun(host, f.line);
              if (!r) throw new Error(t.exportNoRun);
              // What `> file` would hold: the tool's stdout (conntrack's summary goes to stderr).
              saveFile(fileName(id, host, f.file), r.stdout, 'text/plain');
            })
          }
        >
          {f.label}
        </button>
      ))}
      <ExportError error={error} />
    </div>
  );
}

/** The scenario as it runs on screen: settings applied, the console's changes in `changes`. */
export function ScenarioExport({ t }: { t: Dict }) {
  const store = useAppStore();
  const [error, run] = useExport();
  return (
    <>
      <button
        type="button"
        aria-label="Save scenario JSON"
        onClick={() =>
          run(async () => {
            const s = store.getState();
            if (!s.scenario || !s.result) throw new Error(t.exportNoRun);
            // The run's scenario has the settings applied (sysctls, bridge ports, variants), but
            // the traffic the changes' clients added: the scenario's own traffic goes back in.
            const out = { ...s.result.scenario, traffic: s.scenario.traffic, changes: s.scenario.changes };
            saveFile(
              fileName(s.scenario.id, 'scenario.json'),
              `${JSON.stringify(out, null, 2)}\n`,
              'application/json',
            );
          })
        }
      >
        {t.exportScenario}
      </button>
      <ExportError error={error} />
    </>
  );
}
