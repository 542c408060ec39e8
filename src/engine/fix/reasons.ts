// A fix's reason as a key and its parameters (hosts, devices, rules, addresses), so each
// language renders it from its own template: the engine stays language-neutral, and its
// English rendering below is the runner's (`--explain-fix`, design.md section 3). The UI's
// Chinese templates are in src/ui/i18n.ts, keyed the same way.

export const FIX_REASON_KEYS = [
  'bnf',
  'masquerade',
  'snat',
  'route',
  'default-route',
  'link-down',
  'rule-delete',
  'rule-accept-above',
  'policy',
  'policy-append',
  'ip-forward',
  'rp-filter',
  'hairpin',
  'ct-max',
  'ct-liberal',
  'ct-liberal-nat',
  'invalid-drop',
  'dnat-ping',
  'dnat',
] as const;

export type FixReasonKey = (typeof FIX_REASON_KEYS)[number];

export type FixReasonParams = Readonly<Record<string, string>>;

/** Why a change might help, in the words of the mechanism. */
export interface FixReason {
  readonly key: FixReasonKey;
  readonly params: FixReasonParams;
}

type Template = (p: FixReasonParams) => string;

/** The English templates: every key has one (the type checker proves it). */
export const FIX_REASONS_EN: Readonly<Record<FixReasonKey, Template>> = {
  bnf: () => 'with br_netfilter on, bridged IPv4 traffic goes through iptables and conntrack',
  masquerade: (p) =>
    `masquerading on ${p.host} makes the answer come back through ${p.host}, whose conntrack undoes the NAT`,
  snat: (p) =>
    `SNAT to ${p.addr} on ${p.host} makes the answer come back through ${p.host}, whose conntrack undoes the NAT`,
  route: (p) => `route ${p.prefix} through ${p.via}`,
  'default-route': (p) => `default route through ${p.via}`,
  'link-down': (p) => `${p.dev} on ${p.host} is down`,
  'rule-delete': (p) => `without rule ${p.rulenum} of ${p.table} ${p.chain} (${p.rule}) nothing drops it`,
  'rule-accept-above': (p) => `an ACCEPT above rule ${p.rulenum} of ${p.table} ${p.chain} lets it through`,
  policy: (p) => `${p.table} ${p.chain}'s policy drops it`,
  'policy-append': (p) => `an ACCEPT at the end of ${p.table} ${p.chain} lets it through before the policy`,
  'ip-forward': (p) => `${p.host} does not forward (ip_forward=0)`,
  'rp-filter': () => 'reverse-path filtering drops it',
  hairpin: (p) => `with hairpin_mode the bridge may send a frame back out ${p.dev}, the port it came in on`,
  'ct-max': () => 'a bigger conntrack table has room for the new entry',
  'ct-liberal': () => 'conntrack stops marking out-of-window segments INVALID',
  'ct-liberal-nat': () =>
    'with be_liberal conntrack takes out-of-window segments as part of the connection and undoes their NAT',
  'invalid-drop': (p) =>
    `dropping INVALID packets in ${p.hook} on ${p.host} keeps the one conntrack could not place from reaching the peer`,
  'dnat-ping': (p) => `DNAT on ${p.host} sends it on to ${p.server} at ${p.addr}`,
  dnat: (p) => `DNAT on ${p.host} sends it on to the server at ${p.to}`,
};

export function reasonText(r: FixReason): string {
  return FIX_REASONS_EN[r.key](r.params);
}
