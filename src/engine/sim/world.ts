import type { RunStop } from '../api';
import { type Budgets, DEFAULT_BUDGETS, stopOf } from '../budget';
import type { Host } from '../stack/host';
import type { ConnId, Micros, PacketId, TimelineEvent } from '../timeline/events';
import { Scheduler } from './scheduler';

/** Time a frame takes to cross a veth pair or a wire: small, but visible in the animation. */
export const LINK_DELAY: Micros = 100;

/** Everything of one run: the hosts, the virtual clock and the timeline being recorded. */
export class World {
  readonly sched = new Scheduler();
  readonly hosts = new Map<string, Host>();
  readonly events: TimelineEvent[] = [];
  private nextPacket = 1;
  /** Frames put on a link so far (budget.frames). */
  frames = 0;
  /** Frames that came back to a bridge they had crossed, with no IP stack in between. */
  looped = 0;
  /**
   * The number of bridges in the world. Without a loop a frame crosses each bridge at most
   * once between two IP stacks, so a frame with more bridge crossings than this went round a loop.
   */
  bridges = 0;
  /** Set inside a task when a budget is hit; the run loop ends the run after that task. */
  stop: RunStop | undefined;

  constructor(
    readonly seed: number,
    /** Record the timeline; off in benchmarks, where no event object is ever built. */
    readonly tl: boolean,
    readonly budgets: Budgets = DEFAULT_BUDGETS,
  ) {}

  /**
   * A frame entered bridge `bridge` on `host` after `crossings` bridge crossings in a row.
   * Beyond `bridges` it is going round an L2 loop: the kernel (no STP) would flood for ever,
   * so the storm is counted and cut off after budgets.stormFrames such frames.
   */
  bridgeCrossing(crossings: number, host: string, bridge: string): void {
    if (crossings <= this.bridges) return;
    if (++this.looped >= this.budgets.stormFrames && this.stop === undefined)
      this.stop = stopOf('storm', {
        frames: this.frames,
        looped: this.looped,
        limit: this.budgets.stormFrames,
        bridge,
        host,
      });
  }

  get now(): Micros {
    return this.sched.now;
  }

  packetId(): PacketId {
    return this.nextPacket++;
  }

  emit(ev: TimelineEvent): void {
    this.events.push(ev);
  }

  /** An application's own step (listen, connect, recv, give up), when the timeline is on. */
  app(host: string, conn: ConnId | undefined, text: string): void {
    if (this.tl)
      this.events.push({ t: this.now, host, type: 'app', ...(conn !== undefined ? { conn } : {}), text });
  }
}
