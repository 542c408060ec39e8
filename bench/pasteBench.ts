// `npm run bench:paste`: "paste your own node" with a kube-proxy node of 10,000 Services
// (bench/kubeRules.ts hairpinKubeNode, into `node` of same-bridge-hairpin), in Debian's Chromium
// against `vite preview` of a production build. Prints one JSON object:
//   pasteToTraceMs   click on Import -> the run on screen with its views at the playhead (the
//                    Outcome listed, the snapshot of the playhead landed): median and each run
//   readMs           click on Import -> the worker done reading (status "Running ...")
//   longTasks        main-thread tasks > 50 ms (PerformanceObserver 'longtask') from the file
//                    being opened to 2 s after the run landed: count and the longest, per run
//   load             /proc/loadavg when the runs started and ended (2 cores, shared)
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { hairpinKubeNode } from './kubeRules';

const ROOT = join(import.meta.dirname, '..');
const PORT = Number(process.env.BENCH_UI_PORT ?? 4178);
const BASE = `http://127.0.0.1:${PORT}`;
const RUNS = Number(process.env.PASTE_RUNS ?? 3);
const SERVICES = 10_000;

/** PASTE_PROFILE=1: the main thread's CPU profile of each paste, the top functions by self time, on stderr. */
const PROFILE = process.env.PASTE_PROFILE === '1';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function printProfile(profile: {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}) {
  const per = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples?.length ?? 1);
  const self = new Map<string, number>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (n.hitCount ?? 0) * per);
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 15);
  for (const [k, ms] of top) process.stderr.write(`${Math.round(ms).toString().padStart(7)} ms  ${k}\n`);
  process.stderr.write('\n');
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const r0 = (x: number) => Math.round(x);

async function waitServer(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(BASE)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('vite preview did not start');
}

interface One {
  readonly pasteToTraceMs: number;
  readonly readMs: number;
  readonly longTasks: readonly number[];
}

async function once(page: Page, rules: string): Promise<One> {
  await page.goto(`${BASE}/`);
  await page.waitForSelector('.app[data-phase="ready"]');
  await page.getByRole('combobox', { name: 'Scenario' }).selectOption('same-bridge-hairpin');
  await page.waitForSelector('.app[data-phase="ready"][data-scenario="same-bridge-hairpin"]');
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) {
        w.longTasks.push(e.duration);
        (w as unknown as { ltDetail: unknown[] }).ltDetail ??= [];
        (w as unknown as { ltDetail: unknown[] }).ltDetail.push({
          start: Math.round(e.startTime),
          d: Math.round(e.duration),
          name: e.name,
          attr: JSON.stringify((e as unknown as { attribution?: unknown[] }).attribution ?? []),
        });
      }
    }).observe({ type: 'longtask' });
  });
  await page.getByRole('button', { name: 'Paste node' }).click();
  const d = page.getByRole('dialog');
  await d.getByRole('combobox', { name: 'Host' }).selectOption('node');
  const chooser = page.waitForEvent('filechooser');
  await d.getByRole('button', { name: /Open files/ }).click();
  // From a path: Playwright hands a buffer to the page as base64 in one 10-second main-thread
  // task of its own, which a user picking a file never sees.
  await (await chooser).setFiles(rules);
  await d.getByText(/node\.rules: [\d.]+ MB/).waitFor();
  // The clock starts in the page at the click, and stops at the first frame where the views
  // show the run at its playhead.
  await page.evaluate(() => {
    const w = window as unknown as { t: { click: number; read: number; shown: number } };
    w.t = { click: 0, read: 0, shown: 0 };
    const button = document.querySelector<HTMLButtonElement>('.paste-dialog button[aria-label="Import"]')!;
    button.addEventListener(
      'click',
      () => {
        w.t.click = performance.now();
        const poll = () => {
          const app = document.querySelector<HTMLElement>('.app')!;
          const status = document.querySelector('[aria-label="Paste status"]')?.textContent ?? '';
          if (!w.t.read && /^Running|^Built/.test(status)) w.t.read = performance.now();
          const landed =
            /^Built node/.test(status) &&
            app.dataset.phase === 'ready' &&
            app.dataset.snapshot === app.dataset.playhead &&
            document.querySelector('[aria-label="Outcome"] li') !== null;
          if (landed) w.t.shown = performance.now();
          else requestAnimationFrame(poll);
        };
        requestAnimationFrame(poll);
      },
      { capture: true },
    );
  });
  const cdp = PROFILE ? await page.context().newCDPSession(page) : undefined;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
    await cdp.send('Profiler.start');
  }
  await d.getByRole('button', { name: 'Import' }).click();
  await page.waitForFunction(() => (window as unknown as { t: { shown: number } }).t.shown > 0, null, {
    timeout: 120_000,
    polling: 200,
  });
  await page.waitForTimeout(2000);
  if (cdp) {
    printProfile((await cdp.send('Profiler.stop')).profile);
    process.stderr.write(
      `${JSON.stringify(await page.evaluate(() => ({ t: (window as unknown as { t: unknown }).t, lt: (window as unknown as { ltDetail: unknown }).ltDetail })))}\n`,
    );
  }
  const out = await page.evaluate(() => {
    const w = window as unknown as { t: { click: number; read: number; shown: number }; longTasks: number[] };
    return { t: w.t, longTasks: w.longTasks };
  });
  const outcome = await page.getByRole('region', { name: 'Outcome' }).textContent();
  if (!outcome?.includes('10.96.0.10:80')) throw new Error(`no traced connection on screen: ${outcome}`);
  return {
    pasteToTraceMs: r0(out.t.shown - out.t.click),
    readMs: r0(out.t.read - out.t.click),
    longTasks: out.longTasks.map(r0),
  };
}

async function main(): Promise<void> {
  execFileSync('npx', ['vite', 'build', '-c', 'bench/ui.vite.config.ts', '--logLevel', 'error'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const server: ChildProcess = spawn(
    'npx',
    [
      'vite',
      'preview',
      '-c',
      'bench/ui.vite.config.ts',
      '--host',
      '127.0.0.1',
      '--port',
      String(PORT),
      '--strictPort',
    ],
    { cwd: ROOT, stdio: 'ignore', detached: true },
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await ctx.addInitScript('globalThis.__name = (f) => f;');
  try {
    await waitServer();
    const text = hairpinKubeNode(SERVICES);
    const rules = join(mkdtempSync(join(tmpdir(), 'nflab-paste-')), 'node.rules');
    writeFileSync(rules, text);
    const page = await ctx.newPage();
    const loadBefore = loadavg();
    const runs: One[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await once(page, rules));
    const sorted = runs.map((r) => r.pasteToTraceMs).sort((a, b) => a - b);
    const figures = {
      services: SERVICES,
      lines: text.split('\n').length - 1,
      mb: Math.round((text.length / 1024 / 1024) * 10) / 10,
      pasteToTraceMs: {
        median: sorted[Math.floor(sorted.length / 2)],
        runs: runs.map((r) => r.pasteToTraceMs),
      },
      readMs: runs.map((r) => r.readMs),
      longTasks: runs.map((r) => ({ count: r.longTasks.length, longestMs: Math.max(0, ...r.longTasks) })),
      goal: { pasteToTraceMs: 5000, longTaskMs: 50 },
      load: { before: loadBefore, after: loadavg() },
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await browser.close();
    if (server.pid) process.kill(-server.pid);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
