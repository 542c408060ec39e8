// The one typed protocol between the UI thread and the engine worker (duckdb-wasm style):
// every message is an envelope `{ messageId, type, data }`; a response names the request it
// answers; errors travel as data, never as thrown objects, because `postMessage` cannot clone
// an Error faithfully across every browser.
import type { Outcome, RunResult, Scenario, Settings } from '../engine/api';
import type { Fix, FixReport } from '../engine/fix/search';
import type { PasteDone, PasteInput } from '../engine/import/build';
import type { PasteError } from '../engine/import/types';
import type { LoadResult } from '../engine/scenario/load';
import type { TableName, TimelineEvent } from '../engine/timeline/events';
import type { RulesOutline, RulesView } from '../engine/timeline/views';
import type { ChunkIndex } from '../ui/timeline';

export type {
  Fix,
  FixReport,
  LoadResult,
  Outcome,
  PasteDone,
  PasteError,
  PasteInput,
  RulesOutline,
  RulesView,
  RunResult,
  Scenario,
  Settings,
  TimelineEvent,
};

/** A paste read into a host: the new scenario, or the first error naming the paste and line. */
export type PasteResult =
  | ({ readonly ok: true } & PasteDone)
  | { readonly ok: false; readonly error: PasteError };

/** Bumped on any incompatible change; the client refuses a worker that speaks another version. */
export const PROTOCOL_VERSION = 4;

export type RunId = number;

/** What the UI asks. `type` doubles as the key of {@link ResultOf}. */
export type Request =
  /** The built-in scenarios, in menu order. */
  | { readonly type: 'catalog'; readonly data: Record<string, never> }
  /** Validate untrusted scenario JSON (a file, a share link) with the engine's schema. */
  | { readonly type: 'load'; readonly data: { readonly json: unknown; readonly source: string } }
  /** Run a scenario; the worker keeps the result under the returned id for `snapshot`. */
  | { readonly type: 'run'; readonly data: { readonly scenario: Scenario; readonly settings: Settings } }
  /** The views' text for the world after the first `index` events of a run. */
  | { readonly type: 'snapshot'; readonly data: { readonly runId: RunId; readonly index: number } }
  /** A console line on a host at a point of a run, as the tool prints it (engine/console). */
  | {
      readonly type: 'command';
      readonly data: {
        readonly runId: RunId;
        readonly index: number;
        readonly host: string;
        readonly line: string;
      };
    }
  /**
   * "What would make this work?": the fix search over a scenario in its settings (engine/fix).
   * It reports progress (`runs` of `planned`); cancelling is terminating the worker it runs in.
   */
  | { readonly type: 'fixes'; readonly data: { readonly scenario: Scenario; readonly settings: Settings } }
  /** The pcap of one interface over the whole run (engine/export/pcap.ts). */
  | {
      readonly type: 'pcap';
      readonly data: { readonly runId: RunId; readonly host: string; readonly ifname: string };
    }
  /**
   * "Paste your own node": what a machine printed (`iptables-save`, `ip -j addr`, ...) read into
   * a new or an existing host of `scenario` (engine/import). Reports progress while it reads a
   * long ruleset (`lines` of `total`); cancelling is terminating the worker it runs in.
   */
  | { readonly type: 'import'; readonly data: { readonly scenario: Scenario; readonly input: PasteInput } }
  /**
   * Lines `from` .. `from + count - 1` of one rules text of `host` after the first `index`
   * events, for a ruleset the snapshot only outlines (HostSnapshot.rulesOutline); with `find`,
   * also the line of that rule (the rules view scrolls to it).
   */
  | {
      readonly type: 'rules';
      readonly data: {
        readonly runId: RunId;
        readonly index: number;
        readonly host: string;
        readonly view: RulesView;
        readonly from: number;
        readonly count: number;
        readonly find?: RuleRef;
      };
    }
  /**
   * A scenario as a share link carries it: lz-string's compressToEncodedURIComponent of its
   * JSON. A pasted node's takes tens of seconds, which the page must not spend.
   */
  | { readonly type: 'compress'; readonly data: { readonly json: unknown } }
  /** Forget a run the UI no longer shows. */
  | { readonly type: 'release'; readonly data: { readonly runId: RunId } }
  /** Ends the run in progress at its next slice; its answer then holds the timeline so far. */
  | { readonly type: 'cancel'; readonly data: Record<string, never> }
  /** Heartbeat: an idle worker answers at once; one that does not is replaced. */
  | { readonly type: 'ping'; readonly data: Record<string, never> };

export type RequestType = Request['type'];

export interface ConntrackRow {
  /** The entry's stable id within the run, for highlighting. */
  readonly id: number;
  /** Exactly as `conntrack -L` prints it at that moment. */
  readonly line: string;
}

/** A rule by its place, as the pipeline names it (`family` for an nft table). */
export interface RuleRef {
  readonly table: string;
  readonly chain: string;
  /** 1-based; 0 is the chain's policy line. */
  readonly rulenum: number;
  readonly family?: string;
}

/**
 * Rules (iptables rules, nft rules and set elements) above which a snapshot leaves a host's
 * rules texts out and outlines them: a kube-proxy node's are 30 MB at every playhead, of which
 * the view shows a screenful. The view asks for those lines (`rules`).
 */
export const RULES_OUTLINE_OVER = 5000;

/** Lines of a rules text per `rules` request, at most. */
export const MAX_RULES_LINES = 5000;

export interface HostSnapshot {
  readonly conntrack: readonly ConntrackRow[];
  /** `iptables-save -c` at that moment (empty when the host has no ruleset). */
  readonly iptablesSave: string;
  /** `iptables -t <table> -L -n -v` per table present in the ruleset, in table order. */
  readonly iptablesList: readonly { readonly table: TableName; readonly text: string }[];
  /** `nft list ruleset` (the iptables-nft tables and the native ones) with their counters; '' when none. */
  readonly nft?: string;
  /** True when the host has native nftables tables (not only those iptables-nft made). */
  readonly nftNative?: boolean;
  /** Set for a ruleset over RULES_OUTLINE_OVER rules: the texts above are '' and stay in the worker. */
  readonly rulesOutline?: RulesOutline;
}

/** Lines of one rules text at one playhead (the answer to `rules`). */
export interface RulesWindow {
  readonly index: number;
  readonly view: RulesView;
  /** Lines in the whole text. */
  readonly total: number;
  readonly from: number;
  readonly lines: readonly string[];
  /** The line of `find`, -1 when it is not in this text or none was asked for. */
  readonly found: number;
}

/** What a console line printed, and whether it changes the host (then it becomes a `changes` item). */
export interface CommandReply {
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: number;
  readonly change: boolean;
  /** Both as a terminal shows them where the tool interleaves them (nft's warnings); else stdout + stderr. */
  readonly text?: string;
}

export interface Snapshot {
  readonly runId: RunId;
  readonly index: number;
  /** Virtual time (µs) of that moment. */
  readonly now: number;
  readonly hosts: Readonly<Record<string, HostSnapshot>>;
}

/** Ties each request to the data of its successful response. */
export interface ResultOf {
  catalog: { readonly scenarios: readonly Scenario[] };
  load: LoadResult;
  /**
   * On the wire, a run's timeline travels ahead of this answer in `events` messages (their
   * count in `streamed`) and `result.events` is empty: one structured clone of a million events
   * blocked the UI thread for 2.4-6.5 s. The client puts the timeline back (as a
   * ChunkedTimeline) before it resolves, so callers always get the whole RunResult. A host
   * whose `iptables_save` is over 512 k characters has `iptablesSave` '' in `result.hosts`: it
   * is megabytes that no view reads whole (they ask for the rules at the playhead, `rules`).
   * Long strings of the request come back as marks the client replaces (echo.ts).
   */
  run: {
    readonly runId: RunId;
    readonly result: RunResult;
    readonly streamed?: number;
    /** The lessons' moments resolved on the timeline ([momentKey, playhead or null]). */
    readonly moments?: readonly (readonly [string, number | null])[];
  };
  snapshot: Snapshot;
  command: CommandReply;
  rules: RulesWindow;
  compress: { readonly doc: string };
  fixes: FixReport;
  /** The file's bytes; null when the host has no such interface. */
  pcap: { readonly bytes: Uint8Array | null };
  import: PasteResult;
  release: { readonly released: boolean };
  cancel: { readonly cancelled: boolean };
  ping: { readonly pong: true };
}

/** How far a run has come: sent while it runs, at most a few times a second. */
export interface Progress {
  /** Timeline events recorded so far. */
  readonly events: number;
  /** Virtual time reached (µs); 0 for a fix search, whose runs each start at 0. */
  readonly now: number;
  /** A fix search: the runs made so far, and those planned (it grows when pairs are tried). */
  readonly runs?: number;
  readonly planned?: number;
  /** A run: when the traffic script's last timer fires (µs), so `now / horizon` is a fair fraction. */
  readonly horizon?: number;
  /** An import: the part being read, and for iptables-save the lines read of all. */
  readonly step?: string;
  readonly lines?: number;
  readonly total?: number;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/**
 * A run's timeline events `from` .. `from + count - 1`, sent in order before its answer, as
 * the JSON text of their array: text crosses postMessage as one string (a copy, no objects
 * to build) and the UI thread keeps it so until a view reads there (chunkedTimeline.ts).
 */
export interface EventsChunk {
  readonly from: number;
  readonly count: number;
  readonly json: string;
  /**
   * What the chunk adds to the UI's index of the timeline (columns of t, host, type and packet
   * of each event, the packets, flights and account events), built here where the events are
   * objects: the UI thread indexes the chunk without parsing its text.
   */
  readonly index: ChunkIndex;
}

/**
 * Events per `events` message, so that parsing and indexing one (about 330 kB of JSON for the
 * biggest flood) stays far below 50 ms on the UI thread of a loaded machine.
 */
export const EVENTS_PER_MESSAGE = 2048;

/** An envelope from the UI to the worker. */
export type RequestMessage = { readonly messageId: number } & Request;

/** What the worker sends: answers carry `requestId`; `ready` and `log` are unsolicited. */
export type ResponseMessage =
  | {
      readonly messageId: number;
      readonly type: 'progress';
      readonly requestId: number;
      readonly data: Progress;
    }
  | {
      readonly messageId: number;
      readonly type: 'events';
      readonly requestId: number;
      readonly data: EventsChunk;
    }
  | { readonly messageId: number; readonly type: 'ready'; readonly data: { readonly version: number } }
  | {
      readonly messageId: number;
      readonly type: 'log';
      readonly data: { readonly level: 'info' | 'warn'; readonly text: string };
    }
  | {
      readonly messageId: number;
      readonly type: 'ok';
      readonly requestId: number;
      readonly data: ResultOf[RequestType];
    }
  | {
      readonly messageId: number;
      readonly type: 'error';
      readonly requestId: number;
      readonly data: SerializedError;
    };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  return { name: 'Error', message: String(e) };
}

/** An error that came back from the worker, with the worker-side name and stack kept. */
export class WorkerError extends Error {
  constructor(data: SerializedError) {
    super(data.message);
    this.name = data.name;
    if (data.stack) this.stack = data.stack;
  }
}

/** Every pending request fails with this when the worker dies or is terminated. */
export class WorkerDiedError extends Error {
  override name = 'WorkerDiedError';
}
