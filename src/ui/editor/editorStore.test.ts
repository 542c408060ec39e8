import { describe, expect, it } from 'vitest';
import { memoryWorkers } from '../memoryWorkers';
import { createAppStore } from '../store';
import type { Checked } from './check';
import { createEditorStore } from './editorStore';
import { addHost, renameHost, type Work } from './model';

const accept = (w: Work): Checked => ({ ok: true, work: w });
const hostNames = (app: ReturnType<typeof createAppStore>) =>
  app.getState().scenario!.hosts.map((h) => h.name);

async function setup(check: (w: Work) => Checked = accept) {
  const app = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
  await app.getState().start('');
  return { app, editor: createEditorStore(app, { check }) };
}

describe('editor history', () => {
  it('undoes and redoes edits, and the run follows each step', async () => {
    const { app, editor } = await setup();
    expect(await editor.getState().commit((w) => addHost(w, 'b'))).toBeNull();
    expect(await editor.getState().commit((w) => addHost(w, 'c'))).toBeNull();
    expect(hostNames(app)).toEqual(['a', 'b', 'c']);
    await editor.getState().undo();
    expect(hostNames(app)).toEqual(['a', 'b']);
    await editor.getState().undo();
    expect(hostNames(app)).toEqual(['a']);
    await editor.getState().undo(); // nothing left: nothing happens
    await editor.getState().redo();
    expect(hostNames(app)).toEqual(['a', 'b']);
    // A new edit forgets what could be redone.
    await editor.getState().commit((w) => addHost(w, 'd'));
    expect(editor.getState().future).toEqual([]);
    expect(hostNames(app)).toEqual(['a', 'b', 'd']);
  });

  it('keeps the changes typed in the console across undo, and settings a rename moved come back', async () => {
    const { app, editor } = await setup();
    await app.getState().setSetting('a:net.ipv4.ip_forward', '1');
    expect(await editor.getState().commit((w) => renameHost(w, 'a', 'z'))).toBeNull();
    expect(app.getState().settings).toEqual({ 'z:net.ipv4.ip_forward': '1' });
    await app.getState().setChanges([{ at: 0, host: 'z', command: 'sysctl -w net.ipv4.ip_forward=0' }]);
    expect(editor.getState().past).toHaveLength(1); // a command is not a replacement
    await editor.getState().commit((w) => addHost(w, 'b'));
    await editor.getState().undo();
    expect(app.getState().scenario!.changes).toHaveLength(1);
    expect(hostNames(app)).toEqual(['z']);
    await editor.getState().undo();
    expect(hostNames(app)).toEqual(['a']);
    expect(app.getState().settings).toEqual({ 'a:net.ipv4.ip_forward': '1' });
  });

  it('a refused edit changes nothing and says why; another scenario starts a fresh history', async () => {
    const refuse = (w: Work): Checked =>
      w.scenario.hosts.some((h) => h.name === 'bad')
        ? { ok: false, problem: { where: 'hosts[1].name', message: 'no' } }
        : { ok: true, work: w };
    const { app, editor } = await setup(refuse);
    await editor.getState().commit((w) => addHost(w, 'b'));
    expect(await editor.getState().commit((w) => addHost(w, 'bad'))).toEqual({
      where: 'hosts[1].name',
      message: 'no',
    });
    expect(hostNames(app)).toEqual(['a', 'b']);
    expect(editor.getState().past).toHaveLength(1);
    // Another scenario (here: an id of its own, put on screen without the editor) starts afresh.
    await app.getState().editScenario({ ...app.getState().scenario!, id: 'other' }, {});
    expect(editor.getState().past).toEqual([]);
  });

  it('the same scenario rebuilt elsewhere (a paste, its file opened) is a step Undo edit takes back', async () => {
    const { app, editor } = await setup();
    await editor.getState().commit((w) => addHost(w, 'b'));
    await app.getState().openScenarioJson({ id: 'fixture' }, 'fixture.json');
    expect(hostNames(app)).toEqual(['a']);
    await editor.getState().undo();
    expect(hostNames(app)).toEqual(['a', 'b']);
    await editor.getState().undo();
    expect(hostNames(app)).toEqual(['a']);
  });
});
