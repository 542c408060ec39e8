// Runs the headless runner on one hostile case in a child process under `/usr/bin/time -v`
// and reports exit status, stderr, wall time and peak memory (maximum resident set size).
// Used by hostile.test.ts and by `npm run -s hostile` (the figures table).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostileCase } from './testdata/hostile';

const here = import.meta.dirname;
const TIME = '/usr/bin/time';

export interface HostileRun {
  readonly code: number | null;
  readonly stderr: string;
  /** Wall-clock seconds, as time(1) measured them (undefined without /usr/bin/time). */
  readonly seconds?: number;
  /** Peak resident set size in MB (undefined without /usr/bin/time). */
  readonly peakMb?: number;
}

export function runHostile(c: HostileCase, format = 'outcome'): HostileRun {
  const dir = mkdtempSync(join(tmpdir(), 'nflab-hostile-'));
  try {
    const file = join(dir, `${c.name}.json`);
    writeFileSync(file, c.text);
    const report = join(dir, 'time.txt');
    const node = [
      process.execPath,
      '--import',
      'tsx',
      join(here, 'sim.ts'),
      file,
      '--format',
      format,
      ...(c.args ?? []),
    ];
    const timed = existsSync(TIME);
    const r = spawnSync(timed ? TIME : node[0]!, timed ? ['-v', '-o', report, ...node] : node.slice(1), {
      cwd: join(here, '../..'),
      encoding: 'utf8',
      // The output itself is not looked at here, and may be hundreds of MB.
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 180_000,
    });
    const t = timed && existsSync(report) ? readTime(report) : {};
    return { code: r.status, stderr: r.stderr, ...t };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readTime(file: string): { seconds?: number; peakMb?: number } {
  const text = readFileSync(file, 'utf8');
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(text);
  return {
    ...(rss ? { peakMb: Math.round(Number(rss[1]) / 1024) } : {}),
    ...(wall ? { seconds: Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) } : {}),
  };
}
