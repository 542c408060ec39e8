import { describe, expect, it } from 'vitest';
import { memoryWorkers, settle } from '../memoryWorkers';
import { createAppStore } from '../store';
import { installAutosave, loadWork, SAVE_DELAY_MS, WORK_KEY } from './savedWork';

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    map: m,
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function editedWork(storage: ReturnType<typeof memoryStorage>, pageHash = '') {
  const store = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
  const auto = installAutosave(store, storage, () => pageHash);
  await store.getState().start('');
  await store.getState().setSetting('a:net.ipv4.ip_forward', '1');
  store.getState().step();
  await wait(SAVE_DELAY_MS + 50);
  auto.stop();
  return store;
}

describe('the work kept in the browser', () => {
  it('is saved a moment after a change and restored by a reload: settings and playhead', async () => {
    const storage = memoryStorage();
    await editedWork(storage);
    const saved = loadWork(storage);
    expect(saved?.link).toBe('');
    const again = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await again.getState().start('', saved);
    await settle();
    expect(again.getState()).toMatchObject({
      settings: { 'a:net.ipv4.ip_forward': '1' },
      playhead: 1,
      notice: null,
    });
  });

  it('a bad link shows its error and opens the saved work, which stays saved', async () => {
    const storage = memoryStorage();
    await editedWork(storage);
    const before = storage.map.get(WORK_KEY);
    const again = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    const auto = installAutosave(again, storage, () => '#v=1&doc=N4XyA');
    await again.getState().start('#v=1&doc=N4XyA', loadWork(storage));
    await settle();
    expect(again.getState().notice).toMatchObject({ key: 'badLink', instead: 'work' });
    expect(again.getState().settings).toEqual({ 'a:net.ipv4.ip_forward': '1' });
    auto.flush();
    auto.stop();
    // The same work, now remembered as coming from the page with the bad hash.
    expect(JSON.parse(storage.map.get(WORK_KEY)!).hash).toBe(JSON.parse(before!).hash);
  });

  it('a good link other than the one the work came from opens that link', async () => {
    const storage = memoryStorage();
    await editedWork(storage, '#v=2&s=fixture');
    const again = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await again.getState().start('#v=2&s=fixture&ix=2', loadWork(storage));
    expect(again.getState()).toMatchObject({ settings: {}, playhead: 2 });
    // A reload of the page the work was saved on restores the work, not the link in its address.
    const reload = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await reload.getState().start('#v=2&s=fixture', loadWork(storage));
    expect(reload.getState()).toMatchObject({ settings: { 'a:net.ipv4.ip_forward': '1' }, playhead: 1 });
  });

  it('ignores what it cannot read', () => {
    const s = memoryStorage();
    expect(loadWork(s)).toBeNull();
    s.setItem(WORK_KEY, '{"v":1,"hash":3}');
    expect(loadWork(s)).toBeNull();
    s.setItem(WORK_KEY, 'not json');
    expect(loadWork(s)).toBeNull();
    expect(loadWork(null)).toBeNull();
  });
});

describe('work the browser will not keep', () => {
  it('drops the older saved work and says once that a reload will not bring this back', async () => {
    const storage = {
      ...memoryStorage(),
      setItem: () => {
        throw new DOMException('quota', 'QuotaExceededError');
      },
      removed: 0,
    };
    storage.map.set(WORK_KEY, JSON.stringify({ v: 1, hash: 'older', link: '' }));
    const store = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    const auto = installAutosave(
      store,
      { ...storage, removeItem: (k) => void storage.map.delete(k) },
      () => '',
    );
    await store.getState().start('');
    await store.getState().setSetting('a:net.ipv4.ip_forward', '1');
    await wait(SAVE_DELAY_MS + 50);
    expect(storage.map.has(WORK_KEY)).toBe(false);
    expect(store.getState().notice?.key).toBe('workNotSaved');
    store.getState().dismissNotice();
    store.getState().step();
    await wait(SAVE_DELAY_MS + 50);
    auto.stop();
    // The same work refused again at another playhead: no second notice.
    expect(store.getState().notice).toBe(null);
  });
});
