// The last work, kept in the browser: what is on screen (the scenario as edited, its settings
// and changes, the playhead and the selected packet) as a share hash in localStorage, written a
// moment after each change and when the page goes away. main.tsx hands it to the store's
// start(), which opens it on a reload and, after its notice, when a link is bad, so neither a
// reload nor a bad link loses it.
import type { AppStore, SavedWork } from '../store';

export const WORK_KEY = 'nflab.work';
/** Quiet time before a save: playback moves the playhead many times a second. */
export const SAVE_DELAY_MS = 400;

type KV = Pick<Storage, 'getItem' | 'setItem'> & Partial<Pick<Storage, 'removeItem'>>;

/** The saved work, or null when there is none or it is not ours to read. */
export function loadWork(storage: KV | null): SavedWork | null {
  let raw: string | null = null;
  try {
    raw = storage?.getItem(WORK_KEY) ?? null;
  } catch {
    return null; // storage disabled
  }
  if (raw === null) return null;
  try {
    const v = JSON.parse(raw) as { v?: unknown; hash?: unknown; link?: unknown };
    if (v.v !== 1 || typeof v.hash !== 'string' || typeof v.link !== 'string') return null;
    return { hash: v.hash, link: v.link };
  } catch {
    return null;
  }
}

export interface Autosave {
  /** Saves now if anything changed since the last save. */
  flush(): void;
  stop(): void;
}

/**
 * Keeps `store`'s work in `storage` from the first run on. `pageHash` is the address bar's hash
 * at save time: a reload with it restores the work rather than reopening the link it came from.
 */
export function installAutosave(store: AppStore, storage: KV | null, pageHash: () => string): Autosave {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = '';
  /** Told that the storage refused the work: once, not at each step, until a save works again. */
  let warned = false;
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const s = store.getState();
    if (s.phase !== 'ready') return;
    const hash = s.workHash();
    const record = JSON.stringify({ v: 1, hash, link: pageHash() });
    if (!hash || record === last) return;
    try {
      storage?.setItem(WORK_KEY, record);
      last = record;
      warned = false;
    } catch {
      // Full (a pasted 10k-Service node can outgrow localStorage) or disabled storage. Older
      // work left in place would come back on a reload as if it were the latest, so it goes,
      // and the user is told (once) that a reload will not bring this back.
      try {
        storage?.removeItem?.(WORK_KEY);
      } catch {
        // disabled storage: nothing was kept anyway
      }
      if (!warned) {
        warned = true;
        store
          .getState()
          .report({ key: 'workNotSaved', detail: `${(record.length / 1e6).toFixed(1)} M characters` });
      }
    }
  };
  const unsub = store.subscribe((s, prev) => {
    if (
      s.phase === 'ready' &&
      s.result !== null &&
      (s.result !== prev.result ||
        s.playhead !== prev.playhead ||
        s.selectedPacket !== prev.selectedPacket ||
        s.lesson !== prev.lesson ||
        s.linkTexts !== prev.linkTexts ||
        s.phase !== prev.phase)
    ) {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(flush, SAVE_DELAY_MS);
    }
  });
  return {
    flush,
    stop() {
      unsub();
      if (timer !== null) clearTimeout(timer);
    },
  };
}
