// A parser for the nftables ruleset language as `nft list ruleset` prints it and `nft -f`
// loads it (the block form: `table <family> <name> { set|map|chain ... }`), for what nflab
// models. Like `nft -f`, a file is loaded whole or not at all: the result is either a complete
// ruleset or the first error, with its line, columns and the words nft would use.

import { isFlagType, parseScalar } from './datatypes';
import { lex, type Token } from './lex';
import type {
  BaseChainSpec,
  Chain,
  ChainType,
  DataType,
  Element,
  Family,
  Key,
  NatSpec,
  NftError,
  NftHook,
  NftSet,
  RelOp,
  Rhs,
  Rule,
  Ruleset,
  Scalar,
  Selector,
  SelectorKey,
  Stmt,
  Table,
  ValueExpr,
  Verdict,
} from './types';

export type NftParseResult = { ok: true; ruleset: Ruleset } | { ok: false; error: NftError };

class Fail {
  constructor(readonly error: NftError) {}
}

const FAMILIES: ReadonlySet<string> = new Set(['ip', 'inet', 'bridge']);
const HOOKS: ReadonlySet<string> = new Set(['prerouting', 'input', 'forward', 'output', 'postrouting']);
const TYPE_NAMES: ReadonlySet<string> = new Set([
  'ipv4_addr',
  'inet_proto',
  'inet_service',
  'mark',
  'ifname',
  'ct_state',
  'ct_status',
  'fib_addrtype',
  'integer',
  'nf_proto',
  'ether_type',
  'icmp_type',
  'tcp_flag',
  'verdict',
]);

/** Standard priorities (nft's std_prios and bridge_std_prios). */
export const STD_PRIO: Record<string, number> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};
export const BRIDGE_PRIO: Record<string, number> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

/** Where a named priority may be used (nft's std_prio_family_hook_compat). */
export function prioAllowed(family: Family, name: string, hook: NftHook): boolean {
  if (family === 'bridge') {
    if (name === 'dstnat') return hook === 'prerouting';
    if (name === 'srcnat') return hook === 'postrouting';
    if (name === 'out') return hook === 'output';
    return name === 'filter';
  }
  if (name === 'dstnat') return hook === 'prerouting';
  if (name === 'srcnat') return hook === 'postrouting';
  return true;
}

const SELECTOR_TYPE: Record<SelectorKey, DataType> = {
  'ip saddr': 'ipv4_addr',
  'ip daddr': 'ipv4_addr',
  'ip protocol': 'inet_proto',
  'meta l4proto': 'inet_proto',
  'meta mark': 'mark',
  'meta nfproto': 'nf_proto',
  iifname: 'ifname',
  oifname: 'ifname',
  iif: 'ifname',
  oif: 'ifname',
  'th sport': 'inet_service',
  'th dport': 'inet_service',
  'tcp sport': 'inet_service',
  'tcp dport': 'inet_service',
  'udp sport': 'inet_service',
  'udp dport': 'inet_service',
  'tcp flags': 'tcp_flag',
  'icmp type': 'icmp_type',
  'ct state': 'ct_state',
  'ct status': 'ct_status',
  'ct mark': 'mark',
  'fib daddr type': 'fib_addrtype',
  'ether type': 'ether_type',
  numgen: 'integer',
};

export function selectorType(s: Selector): DataType {
  return SELECTOR_TYPE[s.key];
}

/** Statements nft has that nflab does not model: refused by name rather than half-understood. */
const UNMODELLED = new Set([
  'queue',
  'limit',
  'quota',
  'meter',
  'synproxy',
  'tproxy',
  'dup',
  'fwd',
  'flow',
  'osf',
  'secmark',
  'ip6',
  'icmpv6',
  'arp',
  'vlan',
  'sctp',
  'dccp',
  'ah',
  'esp',
  'comp',
  'rt',
  'exthdr',
  'socket',
  'xt',
  'hash',
  'jhash',
  'symhash',
]);

interface Pending {
  readonly table: Table;
  readonly tok: Token;
  readonly kind: 'chain' | 'set';
  readonly name: string;
  /** A jump/goto target must be a regular chain. */
  readonly jump?: boolean;
}

export function parseNft(text: string): NftParseResult {
  const lx = lex(text);
  if (!lx.ok) return { ok: false, error: lx };
  try {
    return { ok: true, ruleset: new Parser(lx.tokens).file() };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    throw e;
  }
}

class Parser {
  private i = 0;
  private readonly tables: Table[] = [];
  private readonly pending: Pending[] = [];
  private table: Table | undefined;
  /** Chains by name per table: rulesets with tens of thousands of chains must not search lists. */
  private readonly chainIndex = new Map<Table, Map<string, Chain>>();

  constructor(private readonly toks: Token[]) {}

  // ---- token helpers

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.t !== 'eof') this.i++;
    return t;
  }
  private is(v: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.t === 'word' || t.t === 'punct') && t.v === v;
  }
  private accept(v: string): boolean {
    if (!this.is(v)) return false;
    this.i++;
    return true;
  }
  private fail(t: Token, message: string, end?: Token): never {
    throw new Fail({
      line: t.line,
      col: t.col,
      endCol: end && end.line === t.line ? end.endCol : t.endCol,
      message,
    });
  }
  /** bison's wording: `syntax error, unexpected <what>`. */
  private unexpected(t: Token, expecting?: string): never {
    const what =
      t.t === 'eof'
        ? 'end of file'
        : t.t === 'nl'
          ? 'newline'
          : t.t === 'string'
            ? 'quoted string'
            : t.t === 'punct'
              ? t.v === ';'
                ? 'semicolon'
                : `'${t.v}'`
              : KEYWORDS.has(t.v)
                ? t.v
                : 'string';
    this.fail(t, `syntax error, unexpected ${what}${expecting ? `, expecting ${expecting}` : ''}`);
  }
  private expect(v: string, expecting = v === '{' ? "'{'" : v === '}' ? "'}'" : v): Token {
    const t = this.peek();
    if (!this.is(v)) this.unexpected(t, expecting);
    return this.next();
  }
  private word(expecting: string): Token {
    const t = this.peek();
    if (t.t !== 'word' && t.t !== 'string') this.unexpected(t, expecting);
    return this.next();
  }
  private skipNl(): void {
    while (this.peek().t === 'nl' || this.is(';')) this.i++;
  }
  /** The end of a statement: newline or `;`, or the `}` closing the block. */
  private endOfLine(closeOk = false): void {
    const t = this.peek();
    if (t.t === 'nl' || this.is(';')) {
      this.i++;
      return;
    }
    if (t.t === 'eof' || (closeOk && this.is('}'))) return;
    this.unexpected(t, 'newline or semicolon');
  }
  private atEnd(): boolean {
    const t = this.peek();
    return t.t === 'nl' || t.t === 'eof' || this.is(';') || this.is('}');
  }

  // ---- file, table

  file(): Ruleset {
    for (;;) {
      this.skipNl();
      const t = this.peek();
      if (t.t === 'eof') break;
      if (this.is('table')) this.tableBlock();
      else if (this.is('flush') && this.is('ruleset', 1)) {
        this.i += 2;
        this.tables.length = 0;
      } else if (this.is('define') || this.is('include') || this.is('$'))
        this.fail(
          t,
          `${t.v === '$' ? 'variables' : `${t.v}`} are not modelled by nflab; paste the ruleset as \`nft list ruleset\` prints it`,
        );
      else if (['add', 'insert', 'create', 'delete', 'replace', 'list', 'flush'].includes(t.v))
        this.fail(
          t,
          `\`${t.v}\` commands are not modelled by nflab; paste the ruleset as \`nft list ruleset\` prints it`,
        );
      else this.unexpected(t);
      this.endOfLine();
    }
    for (const p of this.pending) this.resolve(p);
    return { tables: this.tables };
  }

  private resolve(p: Pending): void {
    if (p.kind === 'set') {
      if (!p.table.sets.some((s) => s.name === p.name)) this.fail(p.tok, 'No such file or directory');
      return;
    }
    const c = this.chainIndex.get(p.table)?.get(p.name);
    if (!c) this.fail(p.tok, 'Could not process rule: No such file or directory');
    if (c.base) this.fail(p.tok, 'Could not process rule: Operation not supported');
  }

  private tableBlock(): void {
    this.next();
    let family: Family = 'ip';
    if (FAMILIES.has(this.peek().v) && this.peek(1).t === 'word') family = this.next().v as Family;
    else if (['ip6', 'arp', 'netdev'].includes(this.peek().v) && this.peek(1).t === 'word')
      this.fail(
        this.peek(),
        `the ${this.peek().v} family is not modelled by nflab (ip, inet and bridge are)`,
      );
    const nameTok = this.word('string');
    if (this.peek().t === 'word') this.unexpected(this.peek(), 'end of file or newline or semicolon');
    let table = this.tables.find((t) => t.family === family && t.name === nameTok.v);
    if (!table) {
      table = { family, name: nameTok.v, sets: [], chains: [] };
      this.tables.push(table);
    }
    this.table = table;
    this.expect('{');
    for (;;) {
      this.skipNl();
      const t = this.peek();
      if (this.accept('}')) break;
      if (t.t === 'eof') this.unexpected(t);
      if (this.accept('chain')) this.chainBlock(table);
      else if (this.is('set') || this.is('map')) this.setBlock(table);
      else if (this.accept('comment')) table.comment = this.word('quoted string').v;
      else if (this.is('flags')) this.fail(t, 'table flags are not modelled by nflab');
      else this.unexpected(t);
      this.endOfLine();
    }
  }

  // ---- chain

  private chainBlock(table: Table): void {
    const nameTok = this.word('string');
    let index = this.chainIndex.get(table);
    if (!index) {
      index = new Map();
      this.chainIndex.set(table, index);
    }
    let chain = index.get(nameTok.v);
    if (!chain) {
      chain = { name: nameTok.v, rules: [] };
      table.chains.push(chain);
      index.set(chain.name, chain);
    }
    this.expect('{');
    for (;;) {
      this.skipNl();
      const t = this.peek();
      if (this.accept('}')) break;
      if (t.t === 'eof') this.unexpected(t);
      if (this.is('type') && this.is('hook', 2)) {
        chain = this.baseSpec(table, chain, nameTok);
        continue;
      }
      // The kernel refuses a policy on a regular chain; nft -f points at `policy <verdict>`.
      if (this.is('policy')) this.fail(t, 'Could not process rule: Operation not supported', this.peek(1));
      if (this.is('comment') && this.peek(1).t === 'string') {
        this.next();
        chain.comment = this.next().v;
        this.endOfLine(true);
        continue;
      }
      chain.rules.push(this.rule(table));
      this.endOfLine(true);
    }
  }

  private baseSpec(table: Table, chain: Chain, nameTok: Token): Chain {
    this.next();
    const typeTok = this.word('string');
    if (!['filter', 'nat', 'route'].includes(typeTok.v)) this.fail(typeTok, 'unknown chain type');
    this.expect('hook');
    const hookTok = this.word('string');
    if (!HOOKS.has(hookTok.v)) this.fail(hookTok, `unknown chain hook`);
    const hook = hookTok.v as NftHook;
    if (this.is('device')) this.fail(this.peek(), 'devices on base chains are not modelled by nflab');
    const prioTok = this.expect('priority');
    const priority = this.priority(table.family, hook, prioTok);
    this.endOfLine(true);
    let policy: 'accept' | 'drop' = 'accept';
    this.skipNl();
    if (this.is('policy')) {
      this.next();
      const p = this.peek();
      if (p.v !== 'accept' && p.v !== 'drop') this.unexpected(p, "accept or drop or '$'");
      policy = this.next().v as 'accept' | 'drop';
      this.endOfLine(true);
    }
    const type = typeTok.v as ChainType;
    const ok =
      table.family === 'bridge'
        ? type === 'filter'
        : type === 'filter' ||
          (type === 'nat' && hook !== 'forward') ||
          (type === 'route' && hook === 'output');
    if (!ok) this.fail(nameTok, 'Could not process rule: Operation not supported');
    if (chain.base) this.fail(typeTok, 'you cannot set chain type twice');
    chain.base = { type, hook, priority, policy } satisfies BaseChainSpec;
    return chain;
  }

  /** `priority -110`, `priority dstnat`, `priority filter + 10`, `priority mangle-5`. */
  private priority(family: Family, hook: NftHook, start: Token): number {
    const first = this.word('string');
    let end = first;
    const num = /^-?\d+$/.test(first.v) ? Number(first.v) : undefined;
    if (num !== undefined) return num;
    const m = /^([a-z]+)(?:([+-])(\d+))?$/.exec(first.v);
    const table = family === 'bridge' ? BRIDGE_PRIO : STD_PRIO;
    if (!m || table[m[1]!] === undefined || !prioAllowed(family, m[1]!, hook))
      this.fail(start, 'invalid priority expression value in this context.', first);
    let value = table[m[1]!]!;
    if (m[2]) value += (m[2] === '+' ? 1 : -1) * Number(m[3]);
    else if (this.is('+') || this.is('-')) {
      const sign = this.next().v === '+' ? 1 : -1;
      end = this.word('number');
      if (!/^\d+$/.test(end.v)) this.fail(end, 'invalid priority expression value in this context.');
      value += sign * Number(end.v);
    }
    return value;
  }

  // ---- sets and maps

  private setBlock(table: Table): void {
    const kind = this.next().v as 'set' | 'map';
    const nameTok = this.word('string');
    this.expect('{');
    let keyType: DataType[] | undefined;
    let dataType: DataType[] | undefined;
    let flags: string[] = [];
    let comment: string | undefined;
    let elemsAt: number | undefined;
    for (;;) {
      this.skipNl();
      const t = this.peek();
      if (this.accept('}')) break;
      if (t.t === 'eof') this.unexpected(t);
      if (this.accept('type')) {
        keyType = this.typeList();
        if (kind === 'map' && !this.is(':')) this.unexpected(this.peek(), 'colon or .');
        if (this.accept(':')) {
          if (kind === 'set') this.fail(t, 'set definition does not allow a data type, use a map');
          dataType = this.typeList();
        }
      } else if (this.is('typeof'))
        this.fail(t, '`typeof` set definitions are not modelled by nflab; use `type`');
      else if (this.accept('flags')) {
        flags = [];
        do {
          const f = this.word('string');
          if (f.v !== 'interval' && f.v !== 'constant')
            this.fail(f, `set flag ${f.v} is not modelled by nflab`);
          flags.push(f.v);
        } while (this.accept(','));
      } else if (this.accept('comment')) comment = this.word('quoted string').v;
      else if (this.is('elements')) {
        this.next();
        this.expect('=');
        elemsAt = this.i;
        this.skipBraces();
      } else if (this.is('size') || this.is('policy')) {
        this.next();
        this.word('string');
      } else this.unexpected(t);
      this.endOfLine(true);
    }
    if (!keyType) this.fail(nameTok, 'set definition does not specify key');
    if (kind === 'map' && !dataType) this.fail(nameTok, 'map definition does not specify mapping data type');
    if (table.sets.some((s) => s.name === nameTok.v))
      this.fail(nameTok, 'Could not process rule: File exists');
    const set: NftSet = {
      name: nameTok.v,
      kind,
      keyType,
      ...(dataType && { dataType }),
      flags,
      ...(comment !== undefined && { comment }),
      elements: [],
    };
    if (elemsAt !== undefined) {
      const save = this.i;
      this.i = elemsAt;
      set.elements.push(...this.elements(keyType, dataType));
      this.i = save;
    }
    table.sets.push(set);
  }

  private typeList(): DataType[] {
    const out: DataType[] = [];
    do {
      const t = this.word('string');
      if (!TYPE_NAMES.has(t.v))
        this.fail(
          t,
          t.v.match(/^[a-z0-9_]+$/) ? `unknown datatype ${t.v}` : 'syntax error, unexpected string',
        );
      out.push(t.v as DataType);
    } while (this.accept('.'));
    return out;
  }

  private skipBraces(): void {
    this.expect('{');
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.t === 'eof') this.unexpected(t);
      if (t.t === 'punct' && t.v === '{') depth++;
      if (t.t === 'punct' && t.v === '}') depth--;
    }
  }

  /** `{ key [comment "x"] [: data], ... }` with keys and data of the given types. */
  private elements(keyType: readonly DataType[], dataType: readonly DataType[] | undefined): Element[] {
    this.expect('{');
    const out: Element[] = [];
    for (;;) {
      while (this.peek().t === 'nl') this.i++;
      if (this.accept('}')) break;
      const keyStart = this.peek();
      const key = this.key(keyType, true);
      const keyAt: Token = { ...keyStart, endCol: this.toks[this.i - 1]!.endCol };
      let comment: string | undefined;
      if (this.accept('comment')) comment = this.word('quoted string').v;
      let verdict: Verdict | undefined;
      let data: Key | undefined;
      if (dataType) {
        this.expect(':', "':'");
        if (dataType.length === 1 && dataType[0] === 'verdict') verdict = this.verdict(keyAt);
        else data = this.key(dataType, false);
      }
      out.push({
        key,
        ...(verdict && { verdict }),
        ...(data && { data }),
        ...(comment !== undefined && { comment }),
      });
      while (this.peek().t === 'nl') this.i++;
      if (this.accept(',')) continue;
      if (this.accept('}')) break;
      this.unexpected(this.peek(), "comma or '}'");
    }
    return out;
  }

  /** A concatenation of values, `10.96.0.10 . tcp . 80`; flag types take comma lists outside sets. */
  private key(types: readonly DataType[], inSet: boolean): Key {
    const out: Scalar[] = [];
    for (let k = 0; k < types.length; k++) {
      if (k > 0) this.expect('.', "'.'");
      const t = types[k]!;
      out.push(this.scalar(t, inSet));
    }
    return out;
  }

  private scalar(t: DataType, inSet: boolean): Scalar {
    const tok = this.word('string');
    const v = parseScalar(t, tok.v);
    if (typeof v === 'string') this.fail(tok, v);
    if (isFlagType(t) && !inSet && this.is(',')) {
      let bits = v.lo;
      while (this.accept(',')) {
        const w = this.word('string');
        const x = parseScalar(t, w.v);
        if (typeof x === 'string') this.fail(w, x);
        bits |= x.lo;
      }
      return { lo: bits >>> 0, hi: bits >>> 0 };
    }
    return v;
  }

  /** `at`: where nft points when the target chain is missing (the element's key, in a map). */
  private verdict(at?: Token): Verdict {
    const t = this.word('string');
    switch (t.v) {
      case 'accept':
      case 'drop':
      case 'continue':
      case 'return':
        return { kind: t.v };
      case 'jump':
      case 'goto': {
        const c = this.word('string');
        this.pending.push({ table: this.table!, tok: at ?? c, kind: 'chain', name: c.v, jump: true });
        return { kind: t.v, chain: c.v };
      }
      case 'queue':
        return this.fail(t, 'queue is not modelled by nflab (no user-space queue to hand packets to)');
      default:
        return this.unexpected(t, 'verdict');
    }
  }

  // ---- rules

  private rule(table: Table): Rule {
    const line = this.peek().line;
    const stmts: Stmt[] = [];
    let comment: string | undefined;
    while (!this.atEnd()) {
      if (this.is('comment') && this.peek(1).t === 'string') {
        this.next();
        comment = this.next().v;
        if (!this.atEnd()) this.unexpected(this.peek(), 'newline or semicolon');
        break;
      }
      stmts.push(this.stmt(table));
    }
    return { stmts, line, ...(comment !== undefined && { comment }) };
  }

  private stmt(table: Table): Stmt {
    const t = this.peek();
    switch (t.v) {
      case 'accept':
      case 'drop':
      case 'continue':
      case 'return':
      case 'jump':
      case 'goto':
      case 'queue':
        return { k: 'verdict', v: this.verdict() };
      case 'counter':
        return this.counter();
      case 'log':
        return this.log();
      case 'notrack':
        this.next();
        return { k: 'notrack' };
      case 'dnat':
      case 'snat':
      case 'masquerade':
      case 'redirect':
        return this.nat(table);
      case 'reject':
        return this.reject();
    }
    if (t.t === 'word' && UNMODELLED.has(t.v))
      this.fail(t, `\`${t.v}\` is not modelled by nflab; the ruleset was not loaded`);
    if (t.t !== 'word') this.unexpected(t);
    // bison takes an unknown word as the start of an expression and stumbles on what follows.
    if (!SELECTOR_WORDS.has(t.v)) this.unexpected(this.peek(1));
    const lhs = this.selectors();
    if (this.is('set')) {
      const setTok = this.next();
      const target = lhs.length === 1 && !lhs[0]!.binop ? lhs[0]!.key : undefined;
      if (target !== 'meta mark' && target !== 'ct mark') this.fail(setTok, 'syntax error, unexpected set');
      return { k: 'set', target, value: this.valueExpr() };
    }
    if (this.is('vmap')) {
      this.next();
      return { k: 'vmap', lhs, rhs: this.rhs(lhs, ['verdict']) };
    }
    let op: RelOp | undefined;
    const o = this.peek().v;
    if (this.peek().t === 'word' && ['==', '!=', '<', '>', '<=', '>=', 'eq', 'ne'].includes(o)) {
      this.next();
      op = o === 'eq' ? '==' : o === 'ne' ? '!=' : (o as RelOp);
    }
    if (this.atEnd()) this.unexpected(this.peek());
    const rhs = this.rhs(lhs, undefined);
    if (this.is('/') && lhs.length === 1 && isFlagType(selectorType(lhs[0]!)) && rhs.kind === 'value') {
      this.next();
      const mask = this.scalar(selectorType(lhs[0]!), false);
      return { k: 'match', lhs, ...(op && { op }), rhs, mask: mask.lo };
    }
    return { k: 'match', lhs, ...(op && { op }), rhs };
  }

  /** One selector or a concatenation `ip daddr . meta l4proto . th dport`. */
  private selectors(): Selector[] {
    const out = [this.selector()];
    while (this.is('.')) {
      this.next();
      out.push(this.selector());
    }
    return out;
  }

  private selector(): Selector {
    const t = this.next();
    const sub = () => this.word('string');
    let key: SelectorKey | undefined;
    const two = (allowed: string[], prefix: string): SelectorKey => {
      const s = sub();
      if (!allowed.includes(s.v))
        this.fail(s, `syntax error, unexpected ${KEYWORDS.has(s.v) ? s.v : 'string'}`);
      return `${prefix} ${s.v}` as SelectorKey;
    };
    switch (t.v) {
      case 'ip':
        key = two(['saddr', 'daddr', 'protocol'], 'ip');
        break;
      case 'meta': {
        const s = sub();
        if (['iifname', 'oifname', 'iif', 'oif'].includes(s.v)) key = s.v as SelectorKey;
        else if (['l4proto', 'mark', 'nfproto'].includes(s.v)) key = `meta ${s.v}` as SelectorKey;
        else this.fail(s, `meta ${s.v} is not modelled by nflab`);
        break;
      }
      case 'mark':
        key = 'meta mark';
        break;
      case 'iifname':
      case 'oifname':
      case 'iif':
      case 'oif':
        key = t.v;
        break;
      case 'th':
        key = two(['sport', 'dport'], 'th');
        break;
      case 'tcp':
        key = two(['sport', 'dport', 'flags'], 'tcp');
        break;
      case 'udp':
        key = two(['sport', 'dport'], 'udp');
        break;
      case 'icmp':
        key = two(['type'], 'icmp');
        break;
      case 'ct': {
        const s = sub();
        if (!['state', 'status', 'mark'].includes(s.v)) this.fail(s, `ct ${s.v} is not modelled by nflab`);
        key = `ct ${s.v}` as SelectorKey;
        break;
      }
      case 'ether':
        key = two(['type'], 'ether');
        break;
      case 'fib': {
        const d = sub();
        if (d.v !== 'daddr') this.fail(d, `fib ${d.v} is not modelled by nflab (fib daddr type is)`);
        const ty = sub();
        if (ty.v !== 'type') this.fail(ty, `fib daddr ${ty.v} is not modelled by nflab (fib daddr type is)`);
        key = 'fib daddr type';
        break;
      }
      case 'numgen': {
        const r = sub();
        if (r.v !== 'random') this.fail(r, `numgen ${r.v} is not modelled by nflab (numgen random is)`);
        this.expect('mod');
        const m = sub();
        const mod = Number(m.v);
        if (!/^\d+$/.test(m.v) || mod === 0) this.fail(m, 'numgen modulus must be a positive number');
        let offset: number | undefined;
        if (this.accept('offset')) {
          const o = sub();
          if (!/^\d+$/.test(o.v)) this.fail(o, 'syntax error, unexpected string');
          offset = Number(o.v);
        }
        return { key: 'numgen', mod, ...(offset !== undefined && { offset }) };
      }
      default:
        this.unexpected(t);
    }
    const bin = BINOPS[this.peek().v];
    if (bin && (key === 'meta mark' || key === 'ct mark')) {
      this.next();
      const v = this.word('number');
      const x = parseScalar('mark', v.v);
      if (typeof x === 'string' || x.lo !== x.hi) this.fail(v, typeof x === 'string' ? x : 'syntax error');
      return { key, binop: { op: bin, value: x.lo } };
    }
    return { key };
  }

  /** `meta mark set 0x10`, `meta mark set meta mark | 0x4000`, `ct mark set meta mark`. */
  private valueExpr(): ValueExpr {
    const t = this.peek();
    if (t.t === 'word' && /^(0x[0-9a-f]+|\d+)$/i.test(t.v)) {
      this.next();
      const x = parseScalar('mark', t.v);
      if (typeof x === 'string') this.fail(t, x);
      return { kind: 'const', value: x.lo };
    }
    const sel = this.selector();
    if (sel.key !== 'meta mark' && sel.key !== 'ct mark')
      this.fail(t, 'datatype mismatch, expected packet mark');
    return { kind: 'sel', sel };
  }

  private rhs(lhs: readonly Selector[], data: readonly DataType[] | undefined): Rhs {
    const types = lhs.map(selectorType);
    const t = this.peek();
    if (this.accept('@')) {
      const n = this.word('string');
      this.pending.push({ table: this.table!, tok: { ...t, endCol: n.endCol }, kind: 'set', name: n.v });
      return { kind: 'ref', name: n.v };
    }
    if (this.is('{')) {
      const elements = this.elements(types, data);
      if (!data && types.length === 1 && elements.length === 1 && !elements[0]!.comment)
        return { kind: 'value', key: elements[0]!.key };
      return { kind: 'set', elements };
    }
    if (data) this.unexpected(t, "'{' or '@'");
    return { kind: 'value', key: this.key(types, false) };
  }

  private counter(): Stmt {
    this.next();
    let packets = 0;
    let bytes = 0;
    if (this.accept('packets')) {
      packets = this.number();
      this.expect('bytes');
      bytes = this.number();
    }
    return { k: 'counter', packets, bytes };
  }

  private number(): number {
    const t = this.word('number');
    if (!/^\d+$/.test(t.v)) this.unexpected(t, 'number');
    return Number(t.v);
  }

  private log(): Stmt {
    this.next();
    let prefix: string | undefined;
    let level: string | undefined;
    let flags: string | undefined;
    for (;;) {
      if (this.accept('prefix')) prefix = this.word('quoted string').v;
      else if (this.accept('level')) {
        const l = this.word('string');
        if (!LOG_LEVELS.includes(l.v)) this.fail(l, 'invalid log level');
        level = l.v;
      } else if (this.accept('flags')) {
        const parts: string[] = [];
        do parts.push(this.word('string').v);
        while (this.accept(','));
        flags = parts.join(',');
      } else break;
    }
    return {
      k: 'log',
      ...(prefix !== undefined && { prefix }),
      ...(level && { level }),
      ...(flags && { flags }),
    };
  }

  private nat(table: Table): Stmt {
    const typeTok = this.next();
    const type = typeTok.v as 'dnat' | 'snat' | 'masquerade' | 'redirect';
    let ipKeyword = false;
    let to: NatSpec | undefined;
    if (type === 'dnat' || type === 'snat') {
      if (this.accept('ip')) ipKeyword = true;
      else if (table.family === 'inet' && this.is('to'))
        this.fail(typeTok, 'ip or ip6 must be specified with address for inet tables.');
      this.expect('to');
      to = this.natTarget();
    } else if (this.accept('to')) {
      const p = this.word('string');
      if (!p.v.startsWith(':')) this.unexpected(p, "':'");
      to = { port: this.portOf(p, p.v.slice(1)) };
    }
    const flags: ('random' | 'fully-random' | 'persistent')[] = [];
    while (this.is('random') || this.is('fully-random') || this.is('persistent')) {
      flags.push(this.next().v as 'random');
      if (!this.accept(',')) break;
    }
    return { k: 'nat', type, ipKeyword, ...(to && { to }), flags };
  }

  private natTarget(): NatSpec {
    const t = this.peek();
    if (t.t === 'word' && !/^[\d:]/.test(t.v)) {
      const lhs = this.selectors();
      this.expect('map');
      return { map: { lhs, rhs: this.rhs(lhs, ['ipv4_addr', 'inet_service']) } };
    }
    const w = this.word('string');
    let addrText = w.v;
    let portText: string | undefined;
    const colon = w.v.indexOf(':');
    if (colon >= 0) {
      addrText = w.v.slice(0, colon);
      portText = w.v.slice(colon + 1);
    } else if (this.is(':') || this.peek().v.startsWith(':')) {
      const c = this.next();
      portText = c.v === ':' ? this.word('number').v : c.v.slice(1);
    }
    const spec: { addr?: Scalar; port?: Scalar } = {};
    if (addrText) {
      const a = parseScalar('ipv4_addr', addrText);
      if (typeof a === 'string') this.fail(w, a);
      spec.addr = a;
    }
    if (portText !== undefined) spec.port = this.portOf(w, portText);
    return spec;
  }

  private portOf(tok: Token, text: string): Scalar {
    const p = parseScalar('inet_service', text);
    if (typeof p === 'string') this.fail(tok, p);
    return p;
  }

  private reject(): Stmt {
    this.next();
    if (!this.accept('with')) return { k: 'reject' };
    const t = this.word('string');
    if (t.v === 'tcp') {
      this.expect('reset');
      return { k: 'reject', with: { type: 'tcp reset' } };
    }
    if (t.v !== 'icmp' && t.v !== 'icmpx') this.fail(t, `reject with ${t.v} is not modelled by nflab`);
    this.accept('type');
    const code = this.word('string');
    if (!REJECT_CODES.includes(code.v)) this.fail(code, `Could not parse icmp code`);
    return { k: 'reject', with: { type: t.v, code: code.v } };
  }
}

const SELECTOR_WORDS = new Set([
  'ip',
  'meta',
  'mark',
  'iifname',
  'oifname',
  'iif',
  'oif',
  'th',
  'tcp',
  'udp',
  'icmp',
  'ct',
  'ether',
  'fib',
  'numgen',
]);
const BINOPS: Record<string, '&' | '|' | '^'> = { '&': '&', and: '&', '|': '|', or: '|', '^': '^', xor: '^' };
const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug', 'audit'];
export const REJECT_CODES = [
  'net-unreachable',
  'host-unreachable',
  'prot-unreachable',
  'port-unreachable',
  'net-prohibited',
  'host-prohibited',
  'admin-prohibited',
  'no-route',
];
/** Words bison reports by name rather than as `string`. */
const KEYWORDS = new Set([
  'table',
  'chain',
  'set',
  'map',
  'type',
  'hook',
  'priority',
  'policy',
  'accept',
  'drop',
  'jump',
  'goto',
  'return',
  'continue',
  'counter',
  'comment',
  'elements',
  'flags',
  'ip',
  'meta',
  'ct',
  'tcp',
  'udp',
  'th',
  'vmap',
  'dnat',
  'snat',
  'masquerade',
  'reject',
  'log',
]);
