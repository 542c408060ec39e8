// One short, tool-like text per packet (`tcp 10.244.1.2:P1 > 10.96.0.10:80 S`), built the same
// way from a kernel trace line and from an engine frame, so the two sides can be matched.

export interface PacketFields {
  readonly saddr: string;
  readonly daddr: string;
  /** `tcp`, `udp`, `icmp` or the protocol number. */
  readonly proto: string;
  readonly sport?: number;
  readonly dport?: number;
  /** TCP flag bits as on the wire (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  readonly flags?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  readonly icmpId?: number;
}

/** tcpdump's flag letters: `S`, `S.`, `.`, `P.`, `F.`, `R`, `R.`. */
export function tcpFlagText(flags: number): string {
  let s = '';
  if (flags & 0x01) s += 'F';
  if (flags & 0x02) s += 'S';
  if (flags & 0x04) s += 'R';
  if (flags & 0x08) s += 'P';
  if (flags & 0x20) s += 'U';
  if (flags & 0x10) s += '.';
  return s || 'none';
}

/** Labels for the values the kernel picks freely (ports, echo ids); identity by default. */
export interface Labeller {
  port(p: number): string;
  icmpId(id: number): string;
}

export const identityLabeller: Labeller = { port: String, icmpId: String };

export function summarize(f: PacketFields, l: Labeller = identityLabeller): string {
  if (f.proto === 'tcp' || f.proto === 'udp') {
    const base = `${f.proto} ${f.saddr}:${l.port(f.sport ?? 0)} > ${f.daddr}:${l.port(f.dport ?? 0)}`;
    return f.proto === 'tcp' ? `${base} ${tcpFlagText(f.flags ?? 0)}` : base;
  }
  if (f.proto === 'icmp') {
    const t = f.icmpType ?? -1;
    const echo = t === 0 || t === 8;
    const what = t === 8 ? 'echo-request' : t === 0 ? 'echo-reply' : `type ${t} code ${f.icmpCode ?? 0}`;
    return `icmp ${f.saddr} > ${f.daddr} ${what}${echo ? ` id=${l.icmpId(f.icmpId ?? 0)}` : ''}`;
  }
  return `${f.proto} ${f.saddr} > ${f.daddr}`;
}
