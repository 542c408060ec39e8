import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

// Every command the harness runs goes through here: argument vectors (never a shell string),
// a time bound on each, and every background process remembered by PID so it can be ended.

export interface ShResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly cmd: string;
}

/** Runs one command to completion, bounded by `timeoutMs` (default 10 s). Never throws. */
export function sh(argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): ShResult {
  const [file, ...args] = argv;
  const r = spawnSync(file!, args, {
    input: opts.input,
    timeout: opts.timeoutMs ?? 10_000,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    code: r.status ?? (r.error ? 127 : 128),
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '') + (r.error ? String(r.error.message) : ''),
    cmd: argv.join(' '),
  };
}

/** Like `sh` but throws with the command and its stderr when it fails. */
export function shOk(argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  const r = sh(argv, opts);
  if (r.code !== 0) throw new Error(`${r.cmd}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** `ip netns exec NS argv...` */
export function inNs(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

export function hasCommand(name: string): boolean {
  return sh(['sh', '-c', `command -v ${name}`], { timeoutMs: 2000 }).code === 0;
}

/** A background process whose output is collected line by line. */
export interface Bg {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly stderr: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/**
 * Starts a background process. `hardLimitMs` kills it (SIGKILL, by PID) if it is still
 * running then, so nothing outlives a hung run.
 */
export function spawnBg(name: string, argv: readonly string[], hardLimitMs: number, stdin = false): Bg {
  const [file, ...args] = argv;
  const child = spawn(file!, args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  child.stdin?.on('error', () => {}); // the process may be gone before we write
  running.add(child);
  const lines: string[] = [];
  const stderr: string[] = [];
  collectLines(child.stdout!, lines);
  collectLines(child.stderr!, stderr);
  const limit = setTimeout(() => killPid(child, 'SIGKILL'), hardLimitMs);
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(limit);
      running.delete(child);
      resolve(code);
    });
    child.on('error', () => {
      clearTimeout(limit);
      running.delete(child);
      resolve(127);
    });
  });
  return { name, child, lines, stderr, exited };
}

function collectLines(stream: NodeJS.ReadableStream, into: string[]): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    into.push(...parts);
  });
  stream.on('end', () => {
    if (rest) into.push(rest);
  });
}

function killPid(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, signal);
  } catch {
    // already gone
  }
}

/** Ends one background process: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopBg(bg: Bg, graceMs = 1000): Promise<void> {
  killPid(bg.child, 'SIGTERM');
  const t = setTimeout(() => killPid(bg.child, 'SIGKILL'), graceMs);
  await bg.exited;
  clearTimeout(t);
}

/** For the Ctrl-C path: SIGKILL every process this harness started, each by its PID. */
export function killAllStarted(): void {
  for (const c of running) killPid(c, 'SIGKILL');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
