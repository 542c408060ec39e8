import { z } from 'zod';

// The scenario file format (version 1). Names follow `ip` and sysctl spelling so that users
// can paste what their machines print; see shared/design.md section 4.

const text = z.object({ en: z.string(), zh: z.string() });

export const interfaceSchema = z
  .object({
    name: z.string().min(1).max(15), // IFNAMSIZ - 1
    kind: z.enum(['loopback', 'veth', 'bridge', 'ethernet']),
    addresses: z.array(z.string()).default([]),
    /** Fixed MAC; otherwise derived deterministically from host and interface name. */
    mac: z.string().optional(),
    /** The bridge this port is enslaved to (veth or ethernet). */
    master: z.string().optional(),
    /** Bridge port hairpin_mode. */
    hairpin: z.boolean().optional(),
    /** Bridge options as `ip link add ... type bridge` takes them, with the kernel's defaults. */
    stp_state: z.union([z.literal(0), z.literal(1)]).optional(),
    vlan_filtering: z.union([z.literal(0), z.literal(1)]).optional(),
    mcast_snooping: z.union([z.literal(0), z.literal(1)]).optional(),
    /** Centiseconds, as `ip -d link` prints it (kernel default 1500); used with stp_state 1. */
    forward_delay: z.number().int().nonnegative().optional(),
    /** The other end of a veth pair or of a point-to-point ethernet link. */
    peer: z.object({ host: z.string(), ifname: z.string() }).optional(),
    up: z.boolean().default(true),
    mtu: z.number().int().positive().optional(),
  })
  .strict();

export const routeSchema = z
  .object({
    /** `default` or a CIDR. */
    dst: z.string(),
    via: z.string().optional(),
    dev: z.string().optional(),
    metric: z.number().int().nonnegative().optional(),
    src: z.string().optional(),
    type: z.enum(['unicast', 'blackhole', 'unreachable', 'prohibit']).optional(),
  })
  .strict();

export const hostSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes'),
    /** What the host stands for in the story, e.g. "Kubernetes node", "web server". */
    role: text.optional(),
    interfaces: z.array(interfaceSchema),
    routes: z.array(routeSchema).default([]),
    sysctls: z.record(z.string(), z.string()).default({}),
    /** The host's ruleset as `iptables-save` prints it. */
    iptables_save: z.string().optional(),
    /** Native nftables, as `nft list ruleset` prints it (loaded after iptables_save, as parity does). */
    nft_ruleset: z.string().optional(),
    /** Layout hint for the topology view, 0..1 across and down. */
    position: z.object({ x: z.number(), y: z.number() }).optional(),
  })
  .strict();

const endpoint = z.string(); // "ip:port" or "ip"

const sessionAction = z.union([
  z.object({ at: z.number().nonnegative(), send: z.string() }).strict(),
  z.object({ at: z.number().nonnegative(), close: z.literal(true) }).strict(),
]);

/** A sequence number relative to the socket at that moment, as a raw socket would craft it. */
const seqSpec = z.union([
  z.number().int().min(0).max(0xffffffff),
  z.string().regex(/^(snd_nxt|rcv_nxt)([+-]\d{1,10})?$/, 'snd_nxt, rcv_nxt, either ±N, or a number'),
]);

export const trafficSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('tcp-listen'),
      host: z.string(),
      port: z.number().int().min(1).max(65535),
      address: z.string().default('0.0.0.0'),
      /** What the server writes after each request (or at once with close_first). */
      reply: z.string().optional(),
      /** Answer each message with the message itself instead of `reply` (an echo server). */
      echo: z.boolean().default(false),
      /** HTTP/1.0 style: write `reply` right after accept and close first, without reading. */
      close_first: z.boolean().default(false),
      /** Milliseconds the server takes before it answers (a slow backend). */
      delay: z.number().nonnegative().max(60000).default(0),
    })
    .strict(),
  z
    .object({
      kind: z.literal('udp-listen'),
      host: z.string(),
      port: z.number().int().min(1).max(65535),
      address: z.string().default('0.0.0.0'),
      reply: z.string().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('tcp-connect'),
      host: z.string(),
      to: endpoint,
      /** Start time in milliseconds of virtual time. */
      at: z.number().nonnegative().default(0),
      /** Fixed source port; otherwise the host's ephemeral allocator picks one. */
      sport: z.number().int().min(1).max(65535).optional(),
      send: z.string().optional(),
      /** The client gives up after this many milliseconds (a connect timeout, as `nc -w`). */
      timeout: z.number().positive().default(4000),
      label: text.optional(),
    })
    .strict(),
  /**
   * One TCP connection kept open across timed rounds: connect at `at`, then each action at
   * its own time (milliseconds on the same clock as every `at`): send a message, or close.
   */
  z
    .object({
      kind: z.literal('tcp-session'),
      host: z.string(),
      to: endpoint,
      at: z.number().nonnegative().default(0),
      sport: z.number().int().min(1).max(65535).optional(),
      /** Connect timeout in milliseconds. */
      timeout: z.number().positive().default(4000),
      actions: z.array(sessionAction).min(1).max(100),
      label: text.optional(),
    })
    .strict(),
  /**
   * One crafted segment on an existing connection's 4-tuple, sent from a raw socket on `host`:
   * `sport` is the local port of the socket it borrows its numbers from, `to` its peer.
   */
  z
    .object({
      kind: z.literal('tcp-inject'),
      host: z.string(),
      sport: z.number().int().min(1).max(65535),
      to: endpoint,
      at: z.number().nonnegative().default(0),
      /** tcpdump's letters: S, F, R, P and A (or `.`) for ACK, e.g. "PA". */
      flags: z.string().regex(/^[SFRPA.]+$/, 'letters of S, F, R, P, A (or . for ACK)'),
      seq: seqSpec.default('snd_nxt'),
      ack: seqSpec.default('rcv_nxt'),
      /** Payload bytes. */
      len: z.number().int().min(0).max(1400).default(0),
      /** Advertised window as on the wire (unscaled); otherwise the socket's. */
      window: z.number().int().min(0).max(65535).optional(),
      label: text.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('udp-send'),
      host: z.string(),
      to: endpoint,
      at: z.number().nonnegative().default(0),
      sport: z.number().int().min(1).max(65535).optional(),
      send: z.string().default('query'),
      /** Wait this long for an answer (to each message). */
      timeout: z.number().positive().default(2000),
      /**
       * connect() first (the default): the socket then takes datagrams only from `to`. False:
       * an unconnected socket (sendto), which accepts an answer from any address.
       */
      connected: z.boolean().default(true),
      /** Further messages on the same socket, each at its own time (ms, same clock as `at`). */
      more: z
        .array(z.object({ at: z.number().nonnegative(), send: z.string() }).strict())
        .max(100)
        .default([]),
      label: text.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('ping'),
      host: z.string(),
      to: z.string(),
      at: z.number().nonnegative().default(0),
      count: z.number().int().min(1).max(100).default(1),
      /** Echo id; otherwise derived from the host, deterministically. */
      id: z.number().int().min(0).max(65535).optional(),
      timeout: z.number().positive().default(2000),
      label: text.optional(),
    })
    .strict(),
  /** Many short flows at once, for table-size scenarios. */
  z
    .object({
      kind: z.literal('udp-flood'),
      host: z.string(),
      to: endpoint,
      at: z.number().nonnegative().default(0),
      flows: z.number().int().min(1).max(300000),
      /** Time between flows, ms. */
      interval: z.number().nonnegative().default(1),
      label: text.optional(),
    })
    .strict(),
]);

/**
 * What a person does during the run, as the command they would type on that host
 * (design.md section 4): `{ "at": 1500, "host": "node", "command": "sysctl -w ..." }`.
 */
export const changeSchema = z
  .object({
    /** Virtual time in milliseconds. */
    at: z.number().nonnegative(),
    host: z.string(),
    command: z.string().min(1).max(100_000),
    /** What the command reads on stdin (iptables-restore). */
    stdin: z.string().max(10_000_000).optional(),
  })
  .strict();

/**
 * A moment of the timeline, named by what happens rather than by an event index, so a lesson
 * keeps pointing at the same thing when the run changes (a setting, a console command): the
 * `nth` event of kind `event` (on `host`, at `hook`, of the packet in TCP role `packet`, ...).
 * `start` is before anything happened.
 */
export const momentSchema = z
  .object({
    event: z.enum([
      'start',
      'packet',
      'xmit',
      'rcv',
      'hook',
      'rule',
      'rewrite',
      'conntrack',
      'drop',
      'deliver',
      'outcome',
    ]),
    host: z.string().optional(),
    /** A hook as the kernel spells it (hook events; for rewrite events, where NAT happened). */
    hook: z.string().optional(),
    /** rewrite: DNAT, un-DNAT, ...; conntrack: new, confirmed, update, ...; drop: its reason. */
    what: z.string().optional(),
    /** The TCP segment's role as tcpdump's flags tell it, or the protocol for others. */
    packet: z.enum(['SYN', 'SYN-ACK', 'ACK', 'RST', 'FIN', 'UDP', 'ICMP']).optional(),
    /** outcome: a success or a failure. */
    ok: z.boolean().optional(),
    /** 1-based: the second retransmitted SYN is nth 2. */
    nth: z.number().int().min(1).max(1000).default(1),
  })
  .strict();

/** What a lesson step points at in the views. */
export const highlightSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hook'), host: z.string(), hook: z.string() }).strict(),
  z
    .object({
      kind: z.literal('rule'),
      host: z.string(),
      table: z.string(),
      chain: z.string(),
      rulenum: z.number().int().min(0),
    })
    .strict(),
  z.object({ kind: z.literal('conntrack'), host: z.string() }).strict(),
  z.object({ kind: z.literal('field'), field: z.enum(['src', 'dst', 'sport', 'dport', 'ttl']) }).strict(),
]);

export const lessonStepSchema = z
  .object({
    text: text,
    at: momentSchema,
    highlight: highlightSchema.optional(),
    /** The step's text is the question; the run then plays on to `reveal` and `why` is said. */
    predict: z
      .object({
        choices: z.array(text).min(2).max(6),
        /** 0-based index into choices. */
        answer: z.number().int().min(0),
        why: text,
        reveal: momentSchema,
      })
      .strict()
      .refine((p) => p.answer < p.choices.length, {
        message: 'answer is not one of the choices',
        path: ['answer'],
      })
      .optional(),
    /**
     * Hands-on: the learner types a command in the console on `host`; the step is done when
     * the run's outcome is `expect` (the outcome is checked, never the text typed).
     */
    task: z
      .object({
        host: z.string(),
        /** Shown as the suggestion; any command with the same effect does. */
        command: z.string(),
        expect: z.object({ conn: z.number().int().min(0).optional(), ok: z.boolean() }).strict(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const lessonSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: text,
    steps: z.array(lessonStepSchema).min(1).max(100),
  })
  .strict();

/** A setting the scenario offers in the UI and through `--set`: one sysctl or a named variant. */
export const settingSchema = z
  .object({
    host: z.string(),
    key: z.string(),
    values: z.array(z.string()).min(1),
    label: text.optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    version: z.literal(1),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: text.optional(),
    summary: text.optional(),
    /** Teaching text: the story, step by step, in English and Chinese. */
    teaching: z.object({ en: z.array(z.string()), zh: z.array(z.string()) }).optional(),
    /** Which figure of the course this reproduces, e.g. "Figure 3-11". */
    figure: z.string().optional(),
    hosts: z.array(hostSchema).min(1),
    traffic: z.array(trafficSchema).default([]),
    settings: z.array(settingSchema).default([]),
    /**
     * Variants of the ruleset selectable as a setting, e.g. MASQUERADE vs SNAT --to-source
     * (`variant=<name>`). A variant named `<key>=<value>` is what the setting `<key>` with that
     * value puts in place, e.g. `kube-proxy-mode=nftables`; a value with no variant of its own
     * is the scenario as written.
     */
    variants: z
      .record(
        z.string(),
        z.object({
          label: text.optional(),
          iptables_save: z.record(z.string(), z.string()).default({}),
          nft_ruleset: z.record(z.string(), z.string()).optional(),
        }),
      )
      .optional(),
    /** Commands typed during the run, in the order given; each runs at its virtual time. */
    changes: z.array(changeSchema).default([]),
    /** Random seed for everything the kernel picks at random (ports, statistic match). */
    seed: z.number().int().default(1),
    /** Where the model deliberately differs from the kernel for this scenario. */
    limitations: z.array(text).default([]),
    /** Guided lessons on this scenario (steps as data; see lessonSchema). */
    lessons: z.array(lessonSchema).max(20).default([]),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type HostSpec = z.infer<typeof hostSchema>;
export type InterfaceSpec = z.infer<typeof interfaceSchema>;
export type RouteSpec = z.infer<typeof routeSchema>;
export type TrafficSpec = z.infer<typeof trafficSchema>;
export type SettingSpec = z.infer<typeof settingSchema>;
export type SessionAction = z.infer<typeof sessionAction>;
export type SeqSpec = z.infer<typeof seqSpec>;
export type ChangeSpec = z.infer<typeof changeSchema>;
export type Moment = z.infer<typeof momentSchema>;
export type Highlight = z.infer<typeof highlightSchema>;
export type LessonStep = z.infer<typeof lessonStepSchema>;
export type Lesson = z.infer<typeof lessonSchema>;
