import { formatConntrackL } from '../conntrack';
import { formatFrame } from '../format/packet';
import { formatIpv4 } from '../net/ipv4';
import type { TimelineEvent } from './events';

// `--format trace`: one line per event, in time order, readable by someone who knows
// tcpdump, iptables and conntrack. The golden files are made of these lines.

export function formatTime(t: number): string {
  const s = Math.floor(t / 1_000_000);
  return `${String(s).padStart(5, ' ')}.${String(t % 1_000_000).padStart(6, '0')}`;
}

export function formatTraceLine(ev: TimelineEvent): string {
  const head = `[${formatTime(ev.t)}] ${ev.host.padEnd(10)}`;
  const pkt = 'pkt' in ev && ev.pkt !== undefined ? `#${ev.pkt} ` : '';
  return `${head} ${pkt}${body(ev)}`;
}

function body(ev: TimelineEvent): string {
  switch (ev.type) {
    case 'app':
      return `app${ev.conn !== undefined ? `[${ev.conn}]` : ''}: ${ev.text}`;
    case 'packet':
      return `new ${ev.origin}${ev.parent !== undefined ? ` (from #${ev.parent})` : ''}: ${formatFrame(ev.frame)}`;
    case 'xmit':
      return `xmit ${ev.dev}${ev.to ? ` -> ${ev.to.host}/${ev.to.dev}` : ''} ${ev.frame.src} > ${ev.frame.dst}: ${formatFrame(ev.frame)}`;
    case 'rcv':
      return `rcv ${ev.dev} ${ev.frame.src} > ${ev.frame.dst}: ${formatFrame(ev.frame)}`;
    case 'bridge':
      return `bridge ${ev.bridge} in ${ev.inPort}: ${ev.decision}${ev.outPorts.length ? ` -> ${ev.outPorts.join(',')}` : ''}${ev.learned ? ` (learned ${ev.learned.mac} on ${ev.learned.port})` : ''}`;
    case 'hook':
      return `hook ${ev.hook}${ev.in ? ` in=${ev.in}` : ''}${ev.out ? ` out=${ev.out}` : ''}${ev.bridged ? ' (br_netfilter)' : ''}`;
    case 'chain':
      return `table ${ev.table} ${ev.chain}`;
    case 'rule':
      return `rule ${ev.table} ${ev.chain} #${ev.rulenum} ${ev.text} => ${ev.verdict}`;
    case 'policy':
      return `policy ${ev.table} ${ev.chain} ${ev.policy}`;
    case 'target':
      return `target ${ev.target}: ${ev.text}`;
    case 'rewrite':
      return `${ev.what}${ev.hook ? ` at ${ev.hook}` : ''}: ${formatFrame(ev.before)} => ${formatFrame(ev.after)}`;
    case 'conntrack':
      return `conntrack ${ev.op}${ev.ctstate ? ` ctstate=${ev.ctstate}` : ''}${ev.dir ? ` dir=${ev.dir}` : ''}: ${formatConntrackL(ev.entry, ev.t)}${ev.note ? ` (${ev.note})` : ''}`;
    case 'ctstate':
      return `ctstate ${ev.ctstate}: ${ev.note}`;
    case 'route':
      return `route ${ev.decision.kind}: ${ev.decision.text}`;
    case 'neigh':
      return `neigh ${ev.op} ${formatIpv4(ev.ip)}${ev.mac ? ` lladdr ${ev.mac}` : ''} dev ${ev.dev}`;
    case 'deliver':
      return `deliver to ${ev.to}`;
    case 'drop':
      return `DROP (${ev.reason}): ${ev.text}`;
    case 'cloned':
      return `cloned into ${ev.copies.map((c) => `#${c}`).join(' ')}`;
    case 'outcome':
      return `outcome: ${ev.line}`;
    case 'change':
      return `change: ${ev.command}${ev.exit !== 0 ? ` (exit ${ev.exit}: ${ev.stderr.trim().split('\n')[0]})` : ''}`;
    case 'stopped':
      return ev.text;
  }
}
