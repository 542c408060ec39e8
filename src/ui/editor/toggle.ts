// Whether the editor is open, per app: a few bytes the header and the page layout read without
// loading the editor itself (its chunk, with the engine's checks, loads when it first opens).
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppStore } from '../store';

export type EditorToggle = StoreApi<{ readonly open: boolean; setOpen(open: boolean): void }>;

const toggles = new WeakMap<AppStore, EditorToggle>();

export function editorToggle(app: AppStore): EditorToggle {
  let t = toggles.get(app);
  if (!t) {
    t = createStore<{ readonly open: boolean; setOpen(open: boolean): void }>()((set) => ({
      open: false,
      setOpen: (open) => set({ open }),
    }));
    toggles.set(app, t);
  }
  return t;
}
