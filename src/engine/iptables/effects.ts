import { formatIpv4 } from '../net/ipv4';
import { hex } from './format';
import type { Effect } from './ops';
import type { Target } from './ruleset';
import type { PacketCtx } from './types';

// Side effects of the non-terminating targets. Text for the timeline is only built when a step
// callback is present: with the timeline off the walk does no string work.

/** The kernel log line of LOG (nf_log_syslog.c), without the MAC the model does not track here. */
export function logLine(prefix: string, ctx: PacketCtx): string {
  const ip = ctx.ip;
  let s = `${prefix}IN=${ctx.inDev} OUT=${ctx.outDev} `;
  if (ctx.bridged) {
    if (ctx.physIn) s += `PHYSIN=${ctx.physIn} `;
    if (ctx.physOut) s += `PHYSOUT=${ctx.physOut} `;
  }
  s += `SRC=${formatIpv4(ip.src)} DST=${formatIpv4(ip.dst)} LEN=${ip.len} TOS=0x00 PREC=0x00 TTL=${ip.ttl} ID=${ip.id} `;
  const l4 = ip.l4;
  if (l4.proto === 6) {
    s += `PROTO=TCP SPT=${l4.sport} DPT=${l4.dport} WINDOW=${l4.window} RES=0x00 `;
    const names: [number, string][] = [
      [0x10, 'ACK'],
      [0x08, 'PSH'],
      [0x04, 'RST'],
      [0x02, 'SYN'],
      [0x01, 'FIN'],
    ];
    for (const [bit, n] of names) if (l4.flags & bit) s += `${n} `;
    s += 'URGP=0 ';
  } else if (l4.proto === 17) {
    s += `PROTO=UDP SPT=${l4.sport} DPT=${l4.dport} LEN=${l4.payloadLen + 8} `;
  } else if (l4.proto === 1) {
    s += `PROTO=ICMP TYPE=${l4.type} CODE=${l4.code} `;
    if (l4.type === 0 || l4.type === 8) s += `ID=${l4.id} SEQ=${l4.seq} `;
  } else s += `PROTO=${ip.proto} `;
  if (ctx.mark !== 0) s += `MARK=${hex(ctx.mark)} `;
  return s.trimEnd();
}

export function compileEffect(t: Target): Effect | null {
  switch (t.kind) {
    case 'LOG': {
      const prefix = t.prefix ?? '';
      return (ctx, onStep) => {
        if (onStep) onStep({ kind: 'target', target: 'LOG', text: logLine(prefix, ctx) });
      };
    }
    case 'MARK': {
      const { value, mask } = t;
      return (ctx, onStep) => {
        const before = ctx.mark;
        ctx.mark = ((before & ~mask) ^ value) >>> 0;
        if (onStep)
          onStep({ kind: 'target', target: 'MARK', text: `mark ${hex(before)} -> ${hex(ctx.mark)}` });
      };
    }
    case 'CONNMARK': {
      const mode = t.mode;
      return (ctx, onStep) => {
        const ct = ctx.ct;
        if (ct === undefined) {
          if (onStep)
            onStep({ kind: 'target', target: 'CONNMARK', text: 'no conntrack entry: nothing to do' });
          return;
        }
        const ctBefore = ct.mark;
        const nfBefore = ctx.mark;
        if (t.mode === 'set') ct.mark = ((ct.mark & ~t.ctmask) ^ t.ctmark) >>> 0;
        else if (t.mode === 'save') ct.mark = ((ct.mark & ~t.ctmask) ^ (ctx.mark & t.nfmask)) >>> 0;
        else ctx.mark = ((ctx.mark & ~t.nfmask) ^ (ct.mark & t.ctmask)) >>> 0;
        if (onStep) {
          const text =
            mode === 'restore'
              ? `restore: mark ${hex(nfBefore)} -> ${hex(ctx.mark)}`
              : `${mode}: ctmark ${hex(ctBefore)} -> ${hex(ct.mark)}`;
          onStep({ kind: 'target', target: 'CONNMARK', text });
        }
      };
    }
    case 'TRACE':
      return (ctx, onStep) => {
        ctx.trace = true;
        if (onStep) onStep({ kind: 'target', target: 'TRACE', text: 'packet marked for tracing' });
      };
    case 'NOTRACK':
      return (ctx, onStep) => {
        ctx.notrack = true;
        if (onStep)
          onStep({ kind: 'target', target: 'NOTRACK', text: 'conntrack skips this packet (UNTRACKED)' });
      };
    case 'CT': {
      const { notrack, zone } = t;
      return (ctx, onStep) => {
        if (notrack) ctx.notrack = true;
        if (zone !== undefined) ctx.zone = zone;
        if (onStep)
          onStep({
            kind: 'target',
            target: 'CT',
            text: notrack ? 'conntrack skips this packet (UNTRACKED)' : `conntrack zone ${zone ?? 0}`,
          });
      };
    }
    default:
      return null;
  }
}
