// The editor (issue 10): the scenario on screen, edited in place. Per host its name, ruleset
// as iptables-save text and as native nftables, interfaces (bridges, ports, veth pairs, addresses), routes and
// sysctls; the scenario's traffic; undo/redo of edits (buttons and Ctrl+Z / Ctrl+Shift+Z).
// Every edit goes through the engine's validator and runs at once (model.ts,
// check.ts, editorStore.ts). Loaded on first open: the engine's checks come with it.
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { Scenario } from '../../engine/api';
import { useApp, useAppStore } from '../react';
import type { Problem } from './check';
import { type EditorStore, editorFor } from './editorStore';
import { HostForm, InterfacesForm, RoutesForm, SysctlsForm, TrafficForm } from './forms';
import { replaceHost, rulesetSlot, rulesetText, setRuleset, type Work } from './model';
import { RulesetEditor } from './RulesetEditor';
import { type EditorDict, editorDicts } from './strings';
import './editor.css';

/** Ctrl+Z / Ctrl+Shift+Z (and Ctrl+Y) undo and redo edits, except where a text field has its own. */
function useUndoKeys(editor: EditorStore): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k !== 'z' && k !== 'y') return;
      const el = e.target as HTMLElement | null;
      if (el?.closest?.('input[type="text"], textarea, [contenteditable="true"]')) return;
      e.preventDefault();
      if (k === 'y' || e.shiftKey) void editor.getState().redo();
      else void editor.getState().undo();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [editor]);
}

/**
 * The API for whatever builds a whole host at once (pasting a node's own output): replaces the
 * spec of `host` in the scenario on screen, through the same check, run and undo as any edit.
 */
export function useReplaceHost(): (host: string, spec: Scenario['hosts'][number]) => Promise<string | null> {
  const editor = editorFor(useAppStore());
  return useCallback(
    async (host, spec) => {
      const p = await editor.getState().commit((w: Work) => replaceHost(w, host, spec));
      return p ? `${p.where ? `${p.where}: ` : ''}${p.message}` : null;
    },
    [editor],
  );
}

/**
 * The host's native nftables, as `nft list ruleset` prints it, beside its iptables-save text
 * (both register base chains at the hooks by priority). Folded away on a host that has none.
 */
function NftSection(props: {
  host: string;
  text: string;
  slot: ReturnType<typeof rulesetSlot>;
  t: EditorDict;
  commit: (edit: (w: Work) => Work) => Promise<Problem | null>;
}) {
  const { host, text, slot, t, commit } = props;
  const [open, setOpen] = useState(text !== '');
  // Another host: open when it has a ruleset of this kind.
  const [seen, setSeen] = useState(host);
  if (seen !== host) {
    setSeen(host);
    setOpen(text !== '');
  }
  return (
    <details
      className="ed-section ed-nft"
      aria-label="nftables"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>
        {t.rulesetNftTitle}
        {slot.kind === 'variant' ? <span className="dim"> · {t.rulesetFrom(slot.name)}</span> : null}
      </summary>
      {open ? (
        <RulesetEditor
          key={`${host}-nft`}
          kind="nft_ruleset"
          host={host}
          text={text}
          t={t}
          onCommit={(x) => commit((w) => ({ ...w, scenario: setRuleset(w, host, x, 'nft_ruleset') }))}
        />
      ) : null}
    </details>
  );
}

export default function EditorPanel({ hostActions }: { hostActions?: (host: string) => ReactNode }) {
  const app = useAppStore();
  const editor = useMemo(() => editorFor(app), [app]);
  const lang = useApp((s) => s.lang);
  const scenario = useApp((s) => s.scenario);
  const settings = useApp((s) => s.settings);
  const picked = useStore(editor, (s) => s.host);
  const canUndo = useStore(editor, (s) => s.past.length > 0);
  const canRedo = useStore(editor, (s) => s.future.length > 0);
  const t = editorDicts[lang];
  useUndoKeys(editor);
  const commit = useCallback((edit: (w: Work) => Work) => editor.getState().commit(edit), [editor]);
  if (!scenario) return null;
  const hosts = scenario.hosts.map((h) => h.name);
  const host = scenario.hosts.find((h) => h.name === picked) ?? scenario.hosts[0]!;
  const slot = rulesetSlot(scenario, settings, host.name);
  const nftSlot = rulesetSlot(scenario, settings, host.name, 'nft_ruleset');
  const nftText = rulesetText(scenario, settings, host.name, 'nft_ruleset');
  const select = (h: string) => editor.getState().selectHost(h);
  return (
    <section className="panel editor-panel" aria-label="Editor">
      <h2>
        {t.editor}{' '}
        <button
          type="button"
          aria-label="Undo edit"
          disabled={!canUndo}
          onClick={() => void editor.getState().undo()}
          title="Ctrl+Z"
        >
          {t.undoEdit}
        </button>
        <button
          type="button"
          aria-label="Redo edit"
          disabled={!canRedo}
          onClick={() => void editor.getState().redo()}
          title="Ctrl+Shift+Z"
        >
          {t.redoEdit}
        </button>
      </h2>
      <div className="body ed-body">
        <p className="dim ed-hint">{t.editorHint}</p>
        <div className="ed-hostbar">
          <label className="ed-field">
            <span>{t.host}</span>
            <select
              aria-label="Host to edit"
              className="mono"
              value={host.name}
              onChange={(e) => select(e.target.value)}
            >
              {hosts.map((h) => (
                <option key={h} value={h}>
                  {h}
                </option>
              ))}
            </select>
          </label>
          {hostActions?.(host.name)}
        </div>
        <HostForm host={host} hosts={hosts} commit={commit} t={t} onSelect={select} />
        <section className="ed-section" aria-label="Ruleset">
          <h3>
            {t.ruleset}
            {slot.kind === 'variant' ? <span className="dim"> · {t.rulesetFrom(slot.name)}</span> : null}
          </h3>
          <RulesetEditor
            host={host.name}
            text={rulesetText(scenario, settings, host.name)}
            t={t}
            onCommit={(text) => commit((w) => ({ ...w, scenario: setRuleset(w, host.name, text) }))}
          />
        </section>
        <NftSection host={host.name} text={nftText} slot={nftSlot} t={t} commit={commit} />
        <InterfacesForm host={host} hosts={hosts} commit={commit} t={t} />
        <RoutesForm host={host} hosts={hosts} commit={commit} t={t} />
        <SysctlsForm host={host} hosts={hosts} commit={commit} t={t} />
        <TrafficForm traffic={scenario.traffic} hosts={hosts} commit={commit} t={t} />
      </div>
    </section>
  );
}
