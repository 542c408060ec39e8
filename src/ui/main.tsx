// Entry point: one store over a real engine worker, the share link (if any) from the hash.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { workerTransport } from '../worker/client';
import { App } from './App';
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
void store.getState().start(location.hash);
window.addEventListener('hashchange', () => {
  // A pasted link in the same tab: open it as if freshly loaded.
  if (location.hash !== store.getState().shareLink.slice(store.getState().shareLink.indexOf('#')))
    location.reload();
});
