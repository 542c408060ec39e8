// The topology forms of one host (its name, interfaces with their bridge ports and addresses,
// veth pairs, routes, sysctls) and the scenario's traffic. Every edit reads the item it changes
// from the work it is applied to (not from what was rendered), so edits made while a run is in
// flight build on each other.
import { useState } from 'react';
import type {
  HostSpec,
  InterfaceSpec,
  RouteSpec,
  SessionAction,
  TrafficSpec,
} from '../../engine/scenario/schema';
import type { Problem } from './check';
import { AddForm, CheckField, Choice, Input, SelectField, TextField } from './fields';
import {
  addHost,
  addInterface,
  addVethPair,
  removeHost,
  removeInterface,
  renameHost,
  setAddresses,
  setRoutes,
  setSysctl,
  setTraffic,
  updateInterface,
  type Work,
  withItem,
} from './model';
import type { EditorDict } from './strings';

export type CommitEdit = (edit: (w: Work) => Work) => Promise<Problem | null>;

interface FormProps {
  host: HostSpec;
  hosts: readonly string[];
  commit: CommitEdit;
  t: EditorDict;
}

const scen = (w: Work, f: (s: Work['scenario']) => Work['scenario']): Work => ({
  ...w,
  scenario: f(w.scenario),
});

/** A number where the text is one; otherwise the text, for the validator to name. */
function num(v: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
}

/** Sets `key` to `v`, or removes it when `v` is blank. */
function withField<T extends object>(o: T, key: string, v: unknown): T {
  const out = { ...o } as Record<string, unknown>;
  if (v === '' || v === undefined) delete out[key];
  else out[key] = v;
  return out as T;
}

export function HostForm(props: FormProps & { onSelect: (host: string) => void }) {
  const { host, commit, t } = props;
  const [name, setName] = useState('');
  return (
    <div className="ed-host">
      <TextField
        name="Host name"
        label={t.hostName}
        value={host.name}
        t={t}
        onCommit={async (v) => {
          const p = await commit((w) => renameHost(w, host.name, v.trim()));
          if (!p) props.onSelect(v.trim());
          return p;
        }}
      />
      <button
        type="button"
        aria-label={`Remove host ${host.name}`}
        disabled={props.hosts.length < 2}
        onClick={() => void commit((w) => removeHost(w, host.name))}
      >
        {t.removeHost}
      </button>
      <AddForm
        name="Add a host"
        button={t.addHost}
        buttonName="Add host"
        t={t}
        onSubmit={() => commit((w) => addHost(w, name.trim()))}
        onDone={() => {
          props.onSelect(name.trim());
          setName('');
        }}
      >
        <Input name="New host" label={t.newHost} value={name} onChange={setName} size={12} />
      </AddForm>
    </div>
  );
}

function InterfaceRow({
  host,
  iface,
  commit,
  t,
}: {
  host: HostSpec;
  iface: InterfaceSpec;
  commit: CommitEdit;
  t: EditorDict;
}) {
  const name = iface.name;
  const upd = (f: (cur: InterfaceSpec) => InterfaceSpec) =>
    commit((w) => updateInterface(w, host.name, name, f));
  const bridges = host.interfaces.filter((i) => i.kind === 'bridge' && i.name !== name).map((i) => i.name);
  const port = iface.kind === 'veth' || iface.kind === 'ethernet';
  return (
    <fieldset className="ed-row" aria-label={`interface ${name}`}>
      <legend className="mono">
        {name} <span className="dim">{iface.kind}</span>
        {iface.peer ? (
          <span className="dim">
            {' '}
            {t.peer} {iface.peer.host}/{iface.peer.ifname}
          </span>
        ) : null}
      </legend>
      <TextField
        name="Interface name"
        label={t.name}
        value={name}
        size={10}
        t={t}
        onCommit={(v) => upd((cur) => ({ ...cur, name: v.trim() }))}
      />
      <TextField
        name="Addresses"
        label={t.addresses}
        hint={t.addressesHint}
        value={iface.addresses.join(' ')}
        size={22}
        t={t}
        onCommit={(v) =>
          commit((w) => scen(w, (s) => setAddresses(s, host.name, name, v.split(/[\s,]+/).filter(Boolean))))
        }
      />
      {port ? (
        <SelectField
          name="Bridge"
          label={t.bridge}
          value={iface.master ?? ''}
          options={[['', t.none], ...bridges.map((b) => [b, b] as const)]}
          t={t}
          onCommit={(v) =>
            upd((cur) => {
              if (v) return { ...cur, master: v };
              const { master: _m, hairpin: _h, ...rest } = cur;
              return rest;
            })
          }
        />
      ) : null}
      {iface.master ? (
        <CheckField
          name="hairpin"
          label={t.hairpin}
          checked={iface.hairpin ?? false}
          t={t}
          onCommit={(v) => upd((cur) => ({ ...cur, hairpin: v }))}
        />
      ) : null}
      <CheckField
        name="up"
        label={t.up}
        checked={iface.up}
        t={t}
        onCommit={(v) => upd((cur) => ({ ...cur, up: v }))}
      />
      <button
        type="button"
        aria-label={`Remove interface ${name}`}
        onClick={() => void commit((w) => removeInterface(w, host.name, name))}
      >
        {t.remove}
      </button>
    </fieldset>
  );
}

export function InterfacesForm({ host, hosts, commit, t }: FormProps) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'bridge' | 'ethernet' | 'loopback'>('bridge');
  const [end, setEnd] = useState('');
  const [peerHost, setPeerHost] = useState('');
  const [peerName, setPeerName] = useState('');
  const [master, setMaster] = useState('');
  const bridges = host.interfaces.filter((i) => i.kind === 'bridge').map((i) => i.name);
  const other =
    peerHost && hosts.includes(peerHost) ? peerHost : (hosts.find((h) => h !== host.name) ?? host.name);
  return (
    <section className="ed-section" aria-label="Interfaces">
      <h3>{t.interfaces}</h3>
      {host.interfaces.map((i) => (
        <InterfaceRow key={i.name} host={host} iface={i} commit={commit} t={t} />
      ))}
      <AddForm
        name="Add an interface"
        button={t.addInterface}
        buttonName="Add interface"
        t={t}
        onSubmit={() =>
          commit((w) =>
            scen(w, (s) => addInterface(s, host.name, { name: name.trim(), kind, addresses: [], up: true })),
          )
        }
        onDone={() => setName('')}
      >
        <Input name="New interface" label={t.newInterface} value={name} onChange={setName} size={10} />
        <Choice
          name="Kind"
          label={t.kind}
          value={kind}
          options={[
            ['bridge', 'bridge'],
            ['ethernet', 'ethernet'],
            ['loopback', 'loopback'],
          ]}
          onChange={(v) => setKind(v as typeof kind)}
        />
      </AddForm>
      <AddForm
        name="Add a veth pair"
        button={t.addVeth}
        buttonName="Add veth pair"
        t={t}
        onSubmit={() =>
          commit((w) =>
            scen(w, (s) =>
              addVethPair(
                s,
                { host: host.name, ifname: end.trim(), ...(master ? { master } : {}) },
                { host: other, ifname: peerName.trim() },
              ),
            ),
          )
        }
        onDone={() => {
          setEnd('');
          setPeerName('');
        }}
      >
        <span className="ed-add-title">{t.vethPair}</span>
        <Input name="This end" label={t.thisEnd} value={end} onChange={setEnd} size={10} />
        <Choice
          name="Bridge of this end"
          label={t.bridge}
          value={master}
          options={[['', t.none], ...bridges.map((b) => [b, b] as const)]}
          onChange={setMaster}
        />
        <Choice
          name="Peer host"
          label={t.peerHost}
          value={other}
          options={hosts.map((h) => [h, h] as const)}
          onChange={setPeerHost}
        />
        <Input name="Peer end" label={t.peerName} value={peerName} onChange={setPeerName} size={10} />
      </AddForm>
    </section>
  );
}

const ROUTE_TYPES = ['unicast', 'blackhole', 'unreachable', 'prohibit'] as const;

export function RoutesForm({ host, commit, t }: FormProps) {
  const [dst, setDst] = useState('');
  const [via, setVia] = useState('');
  const [dev, setDev] = useState('');
  const devs = host.interfaces.map((i) => [i.name, i.name] as const);
  const upd = (k: number, field: string, v: unknown) =>
    commit((w) =>
      scen(w, (s) => {
        const routes = s.hosts.find((h) => h.name === host.name)?.routes ?? [];
        const cur = routes[k];
        if (!cur) throw new Error(`${host.name} has no route ${k + 1}`);
        return setRoutes(s, host.name, withItem(routes, k, withField(cur, field, v)));
      }),
    );
  return (
    <section className="ed-section" aria-label="Routes">
      <h3>{t.routes}</h3>
      {host.routes.length === 0 ? <p className="dim">{t.noRoutes}</p> : null}
      {host.routes.map((r, k) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a route is its place in the list
        <fieldset key={k} className="ed-row" aria-label={`route ${k + 1}`}>
          <legend className="mono">
            {r.type && r.type !== 'unicast' ? `${r.type} ` : ''}
            {r.dst}
            {r.via ? ` via ${r.via}` : ''}
            {r.dev ? ` dev ${r.dev}` : ''}
          </legend>
          <TextField
            name="Destination"
            label={t.dst}
            value={r.dst}
            size={16}
            t={t}
            onCommit={(v) => upd(k, 'dst', v.trim())}
          />
          <TextField
            name="Via"
            label={t.via}
            value={r.via ?? ''}
            size={14}
            t={t}
            onCommit={(v) => upd(k, 'via', v.trim())}
          />
          <SelectField
            name="Device"
            label={t.dev}
            value={r.dev ?? ''}
            options={[['', t.none], ...devs]}
            t={t}
            onCommit={(v) => upd(k, 'dev', v)}
          />
          <TextField
            name="Metric"
            label={t.metric}
            value={r.metric === undefined ? '' : String(r.metric)}
            size={5}
            t={t}
            onCommit={(v) => upd(k, 'metric', v.trim() === '' ? '' : num(v))}
          />
          <SelectField
            name="Type"
            label={t.type}
            value={r.type ?? 'unicast'}
            options={ROUTE_TYPES.map((x) => [x, x] as const)}
            t={t}
            onCommit={(v) => upd(k, 'type', v === 'unicast' ? '' : v)}
          />
          <button
            type="button"
            aria-label={`Remove route ${k + 1}`}
            onClick={() =>
              void commit((w) =>
                scen(w, (s) =>
                  setRoutes(
                    s,
                    host.name,
                    withItem(s.hosts.find((h) => h.name === host.name)?.routes ?? [], k, null),
                  ),
                ),
              )
            }
          >
            {t.remove}
          </button>
        </fieldset>
      ))}
      <AddForm
        name="Add a route"
        button={t.addRoute}
        buttonName="Add route"
        t={t}
        onSubmit={() =>
          commit((w) =>
            scen(w, (s) => {
              const routes = s.hosts.find((h) => h.name === host.name)?.routes ?? [];
              let r: RouteSpec = { dst: dst.trim() };
              r = withField(r, 'via', via.trim());
              r = withField(r, 'dev', dev);
              return setRoutes(s, host.name, [...routes, r]);
            }),
          )
        }
        onDone={() => {
          setDst('');
          setVia('');
        }}
      >
        <Input
          name="New route destination"
          label={t.dst}
          value={dst}
          onChange={setDst}
          size={14}
          placeholder="default"
        />
        <Input name="New route via" label={t.via} value={via} onChange={setVia} size={12} />
        <Choice
          name="New route device"
          label={t.dev}
          value={dev}
          options={[['', t.none], ...devs]}
          onChange={setDev}
        />
      </AddForm>
    </section>
  );
}

export function SysctlsForm({ host, commit, t }: FormProps) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const entries = Object.entries(host.sysctls);
  return (
    <section className="ed-section" aria-label="Sysctls">
      <h3>{t.sysctls}</h3>
      {entries.length === 0 ? <p className="dim">{t.noSysctls}</p> : null}
      {entries.map(([k, v]) => (
        <div key={k} className="ed-row ed-sysctl">
          <TextField
            name={k}
            label={k}
            value={v}
            size={6}
            t={t}
            onCommit={(x) => commit((w) => scen(w, (s) => setSysctl(s, host.name, k, x.trim())))}
          />
          <button
            type="button"
            aria-label={`Remove ${k}`}
            onClick={() => void commit((w) => scen(w, (s) => setSysctl(s, host.name, k, null)))}
          >
            {t.remove}
          </button>
        </div>
      ))}
      <AddForm
        name="Add a sysctl"
        button={t.addSysctl}
        buttonName="Add sysctl"
        t={t}
        onSubmit={() => commit((w) => scen(w, (s) => setSysctl(s, host.name, key.trim(), value.trim())))}
        onDone={() => {
          setKey('');
          setValue('');
        }}
      >
        <Input
          name="New sysctl key"
          label={t.key}
          value={key}
          onChange={setKey}
          size={28}
          placeholder="net.ipv4.ip_forward"
        />
        <Input name="New sysctl value" label={t.value} value={value} onChange={setValue} size={5} />
      </AddForm>
    </section>
  );
}

type Kind = TrafficSpec['kind'];
const NEW_KINDS: readonly Kind[] = [
  'tcp-connect',
  'tcp-listen',
  'udp-send',
  'udp-listen',
  'ping',
  'tcp-session',
  'tcp-inject',
];

/** The fields a traffic item shows, by kind: [field, accessible name, label key]. */
function trafficFields(kind: Kind): readonly (readonly [string, string, keyof EditorDict])[] {
  switch (kind) {
    case 'tcp-listen':
    case 'udp-listen':
      return [
        ['port', 'Port', 'port'],
        ['reply', 'Reply', 'reply'],
      ];
    case 'tcp-connect':
    case 'udp-send':
      return [
        ['to', 'To', 'to'],
        ['at', 'At', 'at'],
        ['send', 'Send', 'send'],
      ];
    case 'ping':
      return [
        ['to', 'To', 'to'],
        ['at', 'At', 'at'],
        ['count', 'Count', 'count'],
      ];
    case 'tcp-session':
      return [
        ['to', 'To', 'to'],
        ['sport', 'Source port', 'sport'],
        ['at', 'At', 'at'],
        ['timeout', 'Timeout', 'timeout'],
      ];
    case 'tcp-inject':
      return [
        ['to', 'To', 'to'],
        ['sport', 'Source port', 'sport'],
        ['at', 'At', 'at'],
        ['flags', 'Flags', 'flags'],
        ['seq', 'Seq', 'seq'],
        ['ack', 'Ack', 'ack'],
        ['len', 'Length', 'len'],
        ['window', 'Window', 'window'],
      ];
    default:
      return [
        ['to', 'To', 'to'],
        ['at', 'At', 'at'],
      ];
  }
}

const NUMERIC = new Set(['port', 'at', 'count', 'sport', 'timeout', 'len', 'window']);
/** `seq`/`ack`: a number, or relative to the socket (`snd_nxt+N`, `rcv_nxt`). */
const SEQ = new Set(['seq', 'ack']);

function newTraffic(kind: Kind, host: string, target: string): TrafficSpec {
  const t = target.trim();
  switch (kind) {
    case 'tcp-listen':
      return {
        kind,
        host,
        port: num(t) as number,
        address: '0.0.0.0',
        echo: false,
        close_first: false,
        delay: 0,
      };
    case 'udp-listen':
      return { kind, host, port: num(t) as number, address: '0.0.0.0' };
    case 'tcp-connect':
      return { kind, host, to: t, at: 0, timeout: 4000 };
    case 'udp-send':
      return { kind, host, to: t, at: 0, send: 'query', timeout: 2000, connected: true, more: [] };
    case 'tcp-session':
      // A fixed source port, so a tcp-inject can name the connection's 4-tuple.
      return {
        kind,
        host,
        to: t,
        sport: 40000,
        at: 0,
        timeout: 4000,
        actions: [
          { at: 1000, send: 'hello' },
          { at: 2000, close: true },
        ],
      };
    case 'tcp-inject':
      return {
        kind,
        host,
        sport: 40000,
        to: t,
        at: 1500,
        flags: 'PA',
        seq: 'snd_nxt',
        ack: 'rcv_nxt',
        len: 16,
      };
    default:
      return { kind: 'ping', host, to: t, at: 0, count: 1, timeout: 2000 };
  }
}

/**
 * A tcp-session's actions, one row each (at its time: send a message, or close), with a form
 * to add one. Each edit replaces the item's `actions` and goes through the engine's check.
 */
function SessionActions({
  item,
  k,
  commit,
  t,
}: {
  item: Extract<TrafficSpec, { kind: 'tcp-session' }>;
  k: number;
  commit: CommitEdit;
  t: EditorDict;
}) {
  const [at, setAt] = useState('');
  const [what, setWhat] = useState<'send' | 'close'>('send');
  const [text, setText] = useState('');
  const setActions = (f: (a: SessionAction[]) => SessionAction[]) =>
    commit((w) =>
      scen(w, (s) => {
        const cur = s.traffic[k];
        if (cur?.kind !== 'tcp-session') throw new Error(`traffic item ${k + 1} is not a tcp-session`);
        return setTraffic(s, withItem(s.traffic, k, { ...cur, actions: f([...cur.actions]) }));
      }),
    );
  return (
    <fieldset className="ed-actions" aria-label={`actions of traffic ${k + 1}`}>
      {item.actions.map((a, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: an action is its place in the list
        <div key={i} className="ed-action">
          <TextField
            name={`Action ${i + 1} at`}
            label={t.at}
            value={String(a.at)}
            size={6}
            t={t}
            onCommit={(x) => setActions((as) => withItem(as, i, { ...as[i]!, at: num(x) as number }))}
          />
          {'send' in a ? (
            <TextField
              name={`Action ${i + 1} send`}
              label={t.send}
              value={toOneLine(a.send)}
              size={14}
              t={t}
              onCommit={(x) => setActions((as) => withItem(as, i, { at: as[i]!.at, send: fromOneLine(x) }))}
            />
          ) : (
            <span className="mono ed-close">close</span>
          )}
          <button
            type="button"
            aria-label={`Remove action ${i + 1} of traffic ${k + 1}`}
            onClick={() => void setActions((as) => withItem(as, i, null))}
          >
            {t.remove}
          </button>
        </div>
      ))}
      <AddForm
        name={`Add an action to traffic ${k + 1}`}
        button={t.addAction}
        buttonName="Add action"
        t={t}
        onSubmit={() =>
          setActions((as) => [
            ...as,
            what === 'close'
              ? { at: num(at) as number, close: true }
              : { at: num(at) as number, send: fromOneLine(text) },
          ])
        }
        onDone={() => {
          setAt('');
          setText('');
        }}
      >
        <Input name="New action at" label={t.at} value={at} onChange={setAt} size={6} placeholder="1000" />
        <Choice
          name="New action"
          label={t.action}
          value={what}
          options={[
            ['send', 'send'],
            ['close', 'close'],
          ]}
          onChange={(v) => setWhat(v as 'send' | 'close')}
        />
        {what === 'send' ? (
          <Input
            name="New action text"
            label={t.send}
            value={text}
            onChange={setText}
            size={14}
            placeholder={'GET /\\n'}
          />
        ) : null}
      </AddForm>
    </fieldset>
  );
}

/** A message typed in one line: `\n` and `\t` stand for a newline and a tab, as in the JSON. */
function fromOneLine(x: string): string {
  return x.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

/** The other way: a message shown in one line. */
function toOneLine(x: string): string {
  return x.replace(/[\\\n\t]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : '\\\\'));
}

export function TrafficForm({
  traffic,
  hosts,
  commit,
  t,
}: {
  traffic: readonly TrafficSpec[];
  hosts: readonly string[];
  commit: CommitEdit;
  t: EditorDict;
}) {
  const [kind, setKind] = useState<Kind>('tcp-connect');
  const [host, setHost] = useState('');
  const [target, setTarget] = useState('');
  const who = host && hosts.includes(host) ? host : (hosts[0] ?? '');
  const upd = (k: number, field: string, v: unknown) =>
    commit((w) =>
      scen(w, (s) => {
        const cur = s.traffic[k];
        if (!cur) throw new Error(`no traffic item ${k + 1}`);
        return setTraffic(s, withItem(s.traffic, k, withField(cur, field, v)));
      }),
    );
  return (
    <section className="ed-section" aria-label="Traffic">
      <h3>{t.traffic}</h3>
      {traffic.length === 0 ? <p className="dim">{t.noTraffic}</p> : null}
      {traffic.map((item, k) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: an item is its place in the script
        <fieldset key={k} className="ed-row" aria-label={`traffic ${k + 1}`}>
          <legend className="mono">
            {k + 1}. {item.kind}
          </legend>
          <SelectField
            name="Host"
            label={t.host}
            value={item.host}
            options={hosts.map((h) => [h, h] as const)}
            t={t}
            onCommit={(v) => upd(k, 'host', v)}
          />
          {trafficFields(item.kind).map(([field, name, label]) => {
            const v = (item as Record<string, unknown>)[field];
            return (
              <TextField
                key={field}
                name={name}
                label={t[label] as string}
                value={v === undefined ? '' : String(v)}
                size={field === 'to' ? 16 : 8}
                t={t}
                onCommit={(x) => upd(k, field, NUMERIC.has(field) || SEQ.has(field) ? num(x) : x)}
              />
            );
          })}
          {item.kind === 'tcp-session' ? <SessionActions item={item} k={k} commit={commit} t={t} /> : null}
          <button
            type="button"
            aria-label={`Remove traffic ${k + 1}`}
            onClick={() => void commit((w) => scen(w, (s) => setTraffic(s, withItem(s.traffic, k, null))))}
          >
            {t.remove}
          </button>
        </fieldset>
      ))}
      <AddForm
        name="Add traffic"
        button={t.addTraffic}
        buttonName="Add traffic"
        t={t}
        onSubmit={() =>
          commit((w) => scen(w, (s) => setTraffic(s, [...s.traffic, newTraffic(kind, who, target)])))
        }
        onDone={() => setTarget('')}
      >
        <Choice
          name="New traffic kind"
          label={t.kind}
          value={kind}
          options={NEW_KINDS.map((x) => [x, x] as const)}
          onChange={(v) => setKind(v as Kind)}
        />
        <Choice
          name="New traffic host"
          label={t.host}
          value={who}
          options={hosts.map((h) => [h, h] as const)}
          onChange={setHost}
        />
        <Input
          name="New traffic target"
          label={kind.endsWith('listen') ? t.port : t.to}
          value={target}
          onChange={setTarget}
          size={16}
          placeholder={kind.endsWith('listen') ? '8080' : kind === 'ping' ? '10.0.0.2' : '10.0.0.2:80'}
        />
      </AddForm>
    </section>
  );
}
