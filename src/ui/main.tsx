// Entry point: one store over a real engine worker, the share link (if any) from the hash.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { workerTransport } from '../worker/client';
import { App } from './App';
import { editorFor } from './editor/editorStore';
import { restoreHistory } from './editor/savedHistory';
import { installAutosave, loadWork } from './editor/savedWork';
import { isEmbed } from './embed';
import type { Lang } from './i18n';
import { StoreContext } from './react';
import { createAppStore, type Theme } from './store';
import './styles.css';

function prefs(): { theme?: Theme; lang?: Lang } {
  let saved: { theme?: unknown; lang?: unknown } = {};
  try {
    saved = JSON.parse(localStorage.getItem('nflab.prefs') ?? '{}') as typeof saved;
  } catch {
    // Unreadable preferences are ignored.
  }
  const theme: Theme =
    saved.theme === 'dark' || saved.theme === 'light'
      ? saved.theme
      : matchMedia?.('(prefers-color-scheme: dark)').matches
        ? 'dark'
        : 'light';
  const lang: Lang =
    saved.lang === 'zh' || saved.lang === 'en'
      ? saved.lang
      : navigator.language.startsWith('zh')
        ? 'zh'
        : 'en';
  return { theme, lang };
}

/** localStorage, or null where the browser refuses it (a sandboxed frame, storage turned off). */
function browserStorage(): Storage | null {
  try {
    return localStorage;
  } catch {
    return null;
  }
}

const store = createAppStore({ transport: workerTransport, ...prefs() });
document.documentElement.dataset.theme = store.getState().theme;
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App embed={isEmbed(location)} />
    </StoreContext.Provider>
  </StrictMode>,
);
// Marks the moment the first run is on screen, for `npm run bench:ui` and anyone profiling.
const unmark = store.subscribe((s) => {
  if (s.result) {
    unmark();
    requestAnimationFrame(() => performance.mark('nflab:first-run'));
  }
});
// The last work comes back on a reload and stays when a link is bad (editor/savedWork.ts). An
// embedded view shows its link only and keeps nothing.
const embed = isEmbed(location);
const storage = embed ? null : browserStorage();
// The page's link: the one it opened with, or the one Share put in the address bar since. Not
// location.hash itself: a link pasted into this tab changes it before the page goes away.
const openedWith = location.hash;
const pageLink = () => {
  const shared = store.getState().shareLink;
  return shared ? shared.slice(shared.indexOf('#')) : openedWith;
};
const autosave = installAutosave(store, storage, pageLink);
addEventListener('pagehide', () => autosave.flush());
// The editor's undo history comes back with the work it belongs to, and is kept from then on.
void store
  .getState()
  .start(location.hash, loadWork(storage))
  .then(() => restoreHistory(store, editorFor(store), storage))
  .then((history) => addEventListener('pagehide', () => history.flush()));
window.addEventListener('hashchange', () => {
  // A pasted link in the same tab: open it as if freshly loaded.
  if (location.hash !== store.getState().shareLink.slice(store.getState().shareLink.indexOf('#')))
    location.reload();
});
