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

  constructor(
    readonly seed: number,
    /** Record the timeline; off in benchmarks, where no event object is ever built. */
    readonly tl: boolean,
  ) {}

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
