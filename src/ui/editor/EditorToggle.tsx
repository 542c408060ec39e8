// The header's Editor button and the slot the editor opens in. Light on purpose: the editor's
// chunk (forms, the engine's checks) loads the first time it opens.
import { lazy, type ReactNode, Suspense } from 'react';
import { useStore } from 'zustand';
import { useApp, useAppStore } from '../react';
import { editorFor } from './editorStore';
import { editorDicts } from './strings';
import { editorToggle } from './toggle';

const EditorPanel = lazy(() => import('./EditorPanel'));

/** Whether the editor is open; called by the page on every render, it also makes the editor. */
export function useEditorOpen(): boolean {
  const app = useAppStore();
  editorFor(app);
  return useStore(editorToggle(app), (s) => s.open);
}

export function EditorButton() {
  const toggle = editorToggle(useAppStore());
  const open = useStore(toggle, (s) => s.open);
  const lang = useApp((s) => s.lang);
  return (
    <button
      type="button"
      aria-label="Editor"
      aria-pressed={open}
      className={open ? 'active' : ''}
      onClick={() => toggle.getState().setOpen(!open)}
    >
      {editorDicts[lang].editor}
    </button>
  );
}

/**
 * The editor panel. `hostActions` puts controls for the host being edited beside its picker
 * (where pasting a node's own `iptables-save`/`ip -j addr` belongs; useReplaceHost in
 * EditorPanel.tsx applies a whole host spec as one checked, undoable edit).
 */
export function EditorSlot({ hostActions }: { hostActions?: (host: string) => ReactNode }) {
  const lang = useApp((s) => s.lang);
  return (
    <Suspense fallback={<p className="dim">{editorDicts[lang].rulesetChecking}</p>}>
      <EditorPanel {...(hostActions ? { hostActions } : {})} />
    </Suspense>
  );
}
