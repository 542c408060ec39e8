// Bench-only page (built by bench/ui.vite.config.ts, never shipped): mounts the real views on
// synthetic data too large for a scenario — 500 packets in flight at once, a conntrack table
// of 262,144 entries — and exposes window.__bench for bench/ui.bench.ts to drive.
import { createRoot } from 'react-dom/client';
import type { HookRegistration, RunResult } from '../src/engine/api';
import type { Ipv4 } from '../src/engine/net/ipv4';
import type { Frame } from '../src/engine/packet';
import type { TimelineEvent } from '../src/engine/timeline/events';
import { dictionaries } from '../src/ui/i18n';
import { PipelinePanel } from '../src/ui/App';
import { StoreContext, useApp } from '../src/ui/react';
import { createAppStore } from '../src/ui/store';
import { currentHost, currentPacket, indexTimeline } from '../src/ui/timeline';
import { ConntrackTable } from '../src/ui/views/ConntrackTable';
import { Topology } from '../src/ui/views/Topology';
import '../src/ui/styles.css';

const ip = (a: number, b: number, c: number, d: number) =>
  (((a << 24) | (b << 16) | (c << 8) | d) >>> 0) as Ipv4;

function frame(k: number): Frame {
  return {
    src: '02:00:00:00:00:01',
    dst: '02:00:00:00:00:02',
    type: 0x0800,
    ip: {
      src: ip(10, 0, (k >> 8) & 255, k & 255),
      dst: ip(10, 1, 0, 1),
      ttl: 64,
      id: k,
      proto: 6,
      len: 60,
      l4: { proto: 6, sport: 10000 + k, dport: 80, flags: 2, seq: 0, ack: 0, window: 64240, payloadLen: 0 },
    },
  };
}

/** Packet ids of the packets forwarded while the 500 fly, clear of theirs. */
const FORWARDED = 100_000;
const FORWARD_EVENTS = 10;

/** Event `n` (0..9) of a packet forwarded by a host: in eth1, PREROUTING, FORWARD, POSTROUTING. */
function forwardEvent(at: { t: number; host: string; pkt: number }, n: number, f: Frame): TimelineEvent {
  switch (n) {
    case 0:
      return { ...at, type: 'rcv', dev: 'eth1', frame: f };
    case 1:
      return { ...at, type: 'hook', family: 'ipv4', hook: 'PREROUTING', in: 'eth1' };
    case 2:
      return { ...at, type: 'chain', table: 'raw', chain: 'PREROUTING', hook: 'PREROUTING' };
    case 3:
      return { ...at, type: 'policy', table: 'raw', chain: 'PREROUTING', policy: 'ACCEPT', bytes: 60 };
    case 4:
      return { ...at, type: 'ctstate', ctstate: 'NEW', note: 'no entry' };
    case 5:
      return {
        ...at,
        type: 'route',
        dst: ip(10, 1, 0, 1),
        decision: { kind: 'unicast', dev: 'eth0', text: '10.1.0.1 dev eth0' },
      };
    case 6:
      return { ...at, type: 'hook', family: 'ipv4', hook: 'FORWARD', in: 'eth1', out: 'eth0' };
    case 7:
      return { ...at, type: 'chain', table: 'filter', chain: 'FORWARD', hook: 'FORWARD' };
    case 8:
      return {
        ...at,
        type: 'rule',
        table: 'filter',
        chain: 'FORWARD',
        rulenum: 1,
        text: '-A FORWARD -d 10.1.0.0/16 -j ACCEPT',
        verdict: 'accept',
        bytes: 60,
      };
    default:
      return { ...at, type: 'hook', family: 'ipv4', hook: 'POSTROUTING', out: 'eth0' };
  }
}

const reg = (kind: HookRegistration['kind'], name: string, priority: number): HookRegistration => ({
  kind,
  name,
  priority,
});

/** Four hosts in a ring of veth links; packet k crosses link k % 4 and lands 1000 events after it left. */
function syntheticRun(packets: number): RunResult {
  const names = ['alpha', 'bravo', 'charlie', 'delta'];
  const hosts = names.map((name, h) => ({
    name,
    interfaces: [
      {
        name: 'eth0',
        kind: 'veth' as const,
        mac: '02:00:00:00:00:01',
        addresses: [`10.0.${h}.1/24`],
        peer: { host: names[(h + 1) % 4]!, ifname: 'eth1' },
      },
      {
        name: 'eth1',
        kind: 'veth' as const,
        mac: '02:00:00:00:00:02',
        addresses: [`10.0.${h}.2/24`],
        peer: { host: names[(h + 3) % 4]!, ifname: 'eth0' },
      },
    ],
    routes: [],
    sysctls: {},
    iptablesSave: '',
    // A Kubernetes node's registrations, so the pipeline draws every kind of box.
    hooks: {
      PREROUTING: [reg('table', 'raw', -300), reg('conntrack', 'conntrack', -200), reg('nat', 'nat', -100)],
      INPUT: [reg('table', 'filter', 0), reg('nat', 'nat', 100), reg('confirm', 'confirm', 2147483647)],
      FORWARD: [reg('table', 'mangle', -150), reg('table', 'filter', 0)],
      OUTPUT: [reg('conntrack', 'conntrack', -200), reg('nat', 'nat', -100), reg('table', 'filter', 0)],
      POSTROUTING: [reg('nat', 'nat', 100), reg('confirm', 'confirm', 2147483647)],
    },
  }));
  const events: TimelineEvent[] = [];
  for (let k = 0; k < packets; k++) {
    const h = k % 4;
    events.push({
      t: k,
      host: names[h]!,
      type: 'xmit',
      pkt: k,
      dev: 'eth0',
      frame: frame(k),
      to: { host: names[(h + 1) % 4]!, dev: 'eth1' },
    });
  }
  // While every packet is still on the wire, other packets are forwarded through the hosts,
  // ten events each, so that the pipeline (which follows the playhead) really changes as it
  // plays: the hook and the function the packet is in move on at every event.
  for (let k = 0; k < packets; k++) {
    const m = Math.floor(k / FORWARD_EVENTS);
    const at = { t: packets + k, host: names[m % 4]!, pkt: FORWARDED + m };
    events.push(forwardEvent(at, k % FORWARD_EVENTS, frame(m)));
  }
  for (let k = 0; k < packets; k++)
    events.push({
      t: 2 * packets + k,
      host: names[(k + 1) % 4]!,
      type: 'rcv',
      pkt: k,
      dev: 'eth1',
      frame: frame(k),
    });
  const positions = [
    { x: 0, y: 0 },
    { x: 1, y: 0 },
    { x: 1, y: 1 },
    { x: 0, y: 1 },
  ];
  return {
    scenario: {
      version: 1,
      id: 'bench-synthetic',
      hosts: names.map((name, h) => ({
        name,
        interfaces: [],
        routes: [],
        sysctls: {},
        position: positions[h],
      })),
      traffic: [],
      settings: [],
      seed: 1,
      limitations: [],
    } as unknown as RunResult['scenario'],
    settings: {},
    hosts,
    events,
    endTime: 3 * packets,
    outcomes: [],
  };
}

function conntrackRows(n: number) {
  const rows = new Array(n);
  for (let k = 0; k < n; k++) {
    const a = `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
    const sport = 1024 + (k % 60000);
    rows[k] = {
      id: k + 1,
      line: `udp      17 ${29 - (k % 30)} src=${a} dst=10.0.0.2 sport=${sport} dport=53 [UNREPLIED] src=10.0.0.2 dst=${a} sport=53 dport=${sport} mark=0 use=1`,
    };
  }
  return rows;
}

// A store with no worker behind it: the harness writes the run into it directly.
const store = createAppStore({
  transport: () => ({ post() {}, listen() {}, terminate() {} }),
});
const run = syntheticRun(500);
store.setState({
  phase: 'ready',
  result: run,
  index: indexTimeline(run.events),
  playhead: 500,
  cursor: 500,
  playing: false,
  speed: 160,
  // The harness reuses the presentation flag as "pipeline shown", for an A/B of its cost.
  presenting: true,
});
// Playback advanced by one 60 Hz frame's worth of time at every animation frame, whatever the
// time between frames: on a loaded machine fewer frames come, and advancing by the wall time
// between them (as the app does) would make each frame carry more events than it does on a
// person's machine, and its CPU time would measure the machine's load, not the page.
const FRAME_MS = 1000 / 60;
const loop = () => {
  if (store.getState().playing) store.getState().tick(FRAME_MS);
  requestAnimationFrame(loop);
};
requestAnimationFrame(loop);
const rows = conntrackRows(262_144);

/** The app's own pipeline panel, fed as the app feeds it: the host and packet at the playhead. */
function BenchPipeline() {
  const shown = useApp((s) => s.presenting);
  const result = useApp((s) => s.result);
  const index = useApp((s) => s.index);
  const playhead = useApp((s) => s.playhead);
  if (!result || !index || !shown) return null;
  return <PipelinePanel pkt={currentPacket(index, playhead)} curHost={currentHost(index, playhead)} />;
}

createRoot(document.getElementById('root')!).render(
  <StoreContext.Provider value={store}>
    <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 8, height: '100vh', padding: 8 }}>
      <div style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
        <section className="panel" style={{ height: 360 }}>
          <Topology label="synthetic topology" />
        </section>
        <BenchPipeline />
      </div>
      <div className="panel" style={{ padding: 8 }}>
        <ConntrackTable host="bench" rows={rows} tracking t={dictionaries.en} />
      </div>
    </div>
  </StoreContext.Provider>,
);

declare global {
  interface Window {
    __bench: { play(): void; stop(): void; inFlight(): number; pipeline(on: boolean): void };
  }
}
window.__bench = {
  play: () => store.setState({ playing: true, playhead: 500, cursor: 500 }),
  stop: () => store.setState({ playing: false }),
  inFlight: () => Number(document.querySelector<HTMLElement>('canvas.topology-packets')?.dataset.count ?? 0),
  pipeline: (on) => store.setState({ presenting: on }),
};
