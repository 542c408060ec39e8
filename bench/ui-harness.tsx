// Bench-only page (built by bench/ui.vite.config.ts, never shipped): mounts the real views on
// synthetic data too large for a scenario — 500 packets in flight at once, a conntrack table
// of 262,144 entries — and exposes window.__bench for bench/ui.bench.ts to drive.
import { createRoot } from 'react-dom/client';
import type { HookRegistration, RunResult } from '../src/engine/api';
import type { Ipv4 } from '../src/engine/net/ipv4';
import type { Frame } from '../src/engine/packet';
import type { TimelineEvent } from '../src/engine/timeline/events';
import { dictionaries } from '../src/ui/i18n';
import { startPlaybackLoop } from '../src/ui/playback';
import { StoreContext, useApp } from '../src/ui/react';
import { createAppStore } from '../src/ui/store';
import { indexTimeline } from '../src/ui/timeline';
import { ConntrackTable } from '../src/ui/views/ConntrackTable';
import { Pipeline } from '../src/ui/views/Pipeline';
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
  // Filler, so that every packet is still on the wire while the playhead crosses it.
  for (let k = 0; k < packets; k++)
    events.push({ t: packets + k, host: names[k % 4]!, type: 'app', text: 'tick' });
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
startPlaybackLoop(store);
const rows = conntrackRows(262_144);

/** The pipeline as the app shows it: the host and packet of the event at the playhead. */
function BenchPipeline() {
  const shown = useApp((s) => s.presenting);
  const result = useApp((s) => s.result);
  const index = useApp((s) => s.index);
  const playhead = useApp((s) => s.playhead);
  if (!result || !index || !shown) return null;
  const ev = result.events[Math.max(0, playhead - 1)];
  const pkt = ev && 'pkt' in ev ? ev.pkt : undefined;
  return (
    <section className="panel pipeline-panel" aria-label={`pipeline ${ev?.host ?? 'alpha'}`}>
      <div className="body pl-body">
        <Pipeline
          result={result}
          index={index}
          host={ev?.host ?? 'alpha'}
          pkt={pkt}
          playhead={playhead}
          t={dictionaries.en}
          onRule={() => {}}
        />
      </div>
    </section>
  );
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
