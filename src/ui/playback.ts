// Drives playback: while the store says `playing`, advance it on every animation frame by
// the wall time elapsed. Lives outside React so frames never wait on a render.
import type { AppStore } from './store';

export function startPlaybackLoop(store: AppStore): () => void {
  let raf = 0;
  let last = 0;
  const frame = (now: number) => {
    const dt = last ? now - last : 16.7;
    last = now;
    store.getState().tick(dt);
    if (store.getState().playing) raf = requestAnimationFrame(frame);
    else raf = 0;
  };
  const sync = () => {
    if (store.getState().playing && !raf) {
      last = 0;
      raf = requestAnimationFrame(frame);
    }
  };
  const unsub = store.subscribe((s, prev) => {
    if (s.playing !== prev.playing) sync();
  });
  sync();
  return () => {
    unsub();
    if (raf) cancelAnimationFrame(raf);
  };
}

/** Space plays/pauses, arrows step, Home/End jump, F toggles presentation mode; keys typed into controls are left alone. */
export function installKeyboard(store: AppStore): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const el = e.target as HTMLElement | null;
    const s = store.getState();
    // F means nothing to a button, so it works wherever focus is but in a field typed into.
    if (
      (e.key === 'f' || e.key === 'F') &&
      !el?.closest?.('input, select, textarea, [contenteditable="true"]')
    ) {
      s.togglePresentation();
      e.preventDefault();
      return;
    }
    if (el?.closest?.('input, select, textarea, button, [role="switch"], summary, [contenteditable="true"]'))
      return;
    switch (e.key) {
      case ' ':
        s.togglePlay();
        break;
      case 'ArrowRight':
        s.step();
        break;
      case 'ArrowLeft':
        s.stepBack();
        break;
      case 'Home':
        s.restart();
        break;
      case 'End':
        s.end();
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
