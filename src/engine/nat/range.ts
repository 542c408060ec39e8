import type { CtEntry } from '../conntrack/entry';
import type { NatRequest } from '../iptables/types';
import type { Ipv4 } from '../net/ipv4';

/** struct nf_nat_range2 as the NAT core uses it, after the target turned its options into one. */
export interface NatRangeSpec {
  /** NF_NAT_RANGE_MAP_IPS: the address is rewritten into [minIp, maxIp]. */
  readonly mapIps: boolean;
  readonly minIp: Ipv4;
  readonly maxIp: Ipv4;
  /** NF_NAT_RANGE_PROTO_SPECIFIED: the port (or ICMP id) is rewritten into [minPort, maxPort]. */
  readonly protoSpecified: boolean;
  readonly minPort: number;
  readonly maxPort: number;
  /** NF_NAT_RANGE_PROTO_OFFSET: base_proto, or -1 without the flag. */
  readonly basePort: number;
  /** NF_NAT_RANGE_PROTO_RANDOM_ALL (--random or --random-fully): never keep the port. */
  readonly randomAll: boolean;
  /** NF_NAT_RANGE_PERSISTENT: the address choice ignores the destination. */
  readonly persistent: boolean;
}

export type Manip = 'SRC' | 'DST';

export interface NatContext {
  /** The out interface's address MASQUERADE would pick (inet_select_addr); none = packet dropped. */
  readonly masqueradeAddress?: Ipv4;
  /** The in interface's primary address (127.0.0.1 in OUTPUT) for REDIRECT; none = packet dropped. */
  readonly redirectAddress?: Ipv4;
  /** Seeded uniform [0, 1): stands for get_random_u16(). */
  readonly random: () => number;
}

/** A range of one address (MASQUERADE, REDIRECT, the null binding), built without spreads: once per connection. */
function fixed(addr: Ipv4, req: NatRequest | null): NatRangeSpec {
  const min = req?.range.minPort;
  const max = min === undefined ? 0 : (req!.range.maxPort ?? min);
  return {
    mapIps: true,
    minIp: addr,
    maxIp: addr,
    protoSpecified: min !== undefined,
    minPort: min === undefined ? 0 : Math.min(min, max),
    maxPort: min === undefined ? 0 : Math.max(min, max),
    basePort: -1,
    randomAll: req !== null && (req.random || req.randomFully),
    persistent: req?.persistent ?? false,
  };
}

/**
 * The range a NAT target (or a null binding) asks for, or why the packet must be dropped.
 * Null binding: nf_nat_alloc_null_binding maps to the address the connection already uses.
 */
export function rangeFor(
  entry: CtEntry,
  manip: Manip,
  req: NatRequest | null,
  ctx: NatContext,
): NatRangeSpec | { readonly error: string } {
  if (req === null) return fixed(manip === 'SRC' ? entry.reply.dst : entry.reply.src, null);
  switch (req.target) {
    case 'MASQUERADE':
      if (ctx.masqueradeAddress === undefined)
        return { error: 'MASQUERADE: no address on the out interface' };
      return fixed(ctx.masqueradeAddress, req);
    case 'REDIRECT':
      if (ctx.redirectAddress === undefined) return { error: 'REDIRECT: no address on the in interface' };
      return fixed(ctx.redirectAddress, req);
    default: {
      const min = req.range.minIp;
      const max = req.range.maxIp ?? min;
      const lo = min === undefined || max === undefined ? 0 : Math.min(min, max);
      const hi = min === undefined || max === undefined ? 0 : Math.max(min, max);
      const minPort = req.range.minPort;
      const maxPort = minPort === undefined ? 0 : (req.range.maxPort ?? minPort);
      return {
        mapIps: min !== undefined,
        minIp: lo as Ipv4,
        maxIp: hi as Ipv4,
        protoSpecified: minPort !== undefined,
        minPort: minPort === undefined ? 0 : Math.min(minPort, maxPort),
        maxPort: minPort === undefined ? 0 : Math.max(minPort, maxPort),
        basePort: minPort === undefined ? -1 : (req.range.basePort ?? -1),
        randomAll: req.random || req.randomFully,
        persistent: req.persistent,
      };
    }
  }
}
