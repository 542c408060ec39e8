import type { Cidr, Mac } from '../net/ipv4';
import type { Host } from './host';

/** One network device in one namespace. Bridges keep their ports and forwarding database. */
export interface Iface {
  readonly host: Host;
  readonly name: string;
  readonly kind: 'loopback' | 'veth' | 'bridge' | 'ethernet';
  readonly mac: Mac;
  readonly addrs: readonly Cidr[];
  up: boolean;
  /** The bridge this device is a port of. */
  master?: Iface;
  /** Bridge port flag hairpin_mode: a frame may leave through the port it came in on. */
  hairpin: boolean;
  /** The other end of the wire (veth peer, or the ethernet link partner). */
  peer?: Iface;
  /** Bridge only. */
  readonly ports: Iface[];
  /** Bridge only, stp_state 1: kernel STP with forward_delay in µs (see stp.ts). */
  readonly stp?: { readonly forwardDelay: number };
  /** Bridge only: MAC -> port, learned from source addresses. */
  readonly fdb: Map<Mac, Iface>;
  /** Neighbour table of this device: IPv4 -> MAC (`ip neigh`). */
  readonly neigh: Map<number, Mac>;
}
