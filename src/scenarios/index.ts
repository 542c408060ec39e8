// The built-in scenarios, as data. Each JSON file is the scenario format of
// src/engine/scenario/schema.ts and describes hosts that can also be built on a real kernel
// (network namespaces, veth, bridges, sysctls, `iptables-restore` of each host's `iptables_save`).
//
// Settings and variants: a scenario's `settings` list what the UI offers and what `--set` takes.
// - A sysctl key (`net.bridge.bridge-nf-call-iptables`) or the bridge-port attribute
//   `/sys/class/net/<port>/brport/hairpin_mode` overrides that value on the named host.
// - The key `variant` selects one entry of `variants`: `--set gateway:variant=snat` replaces the
//   `iptables_save` of every host named in `variants.snat.iptables_save` with the variant's text
//   (hosts it does not name keep theirs). The host's own `iptables_save` is the default variant,
//   and each scenario lists the default under `variants` too, so switching back is a setting as well.
import { type Scenario, scenarioSchema } from '../engine/scenario/schema';
import conntrackTableFull from './conntrack-table-full.json';
import dockerPortPublish from './docker-port-publish.json';
import fullNat from './full-nat.json';
import hookPaths from './hook-paths.json';
import hostConntrack from './host-conntrack.json';
import invalidOutOfWindow from './invalid-out-of-window.json';
import iptablesVsNftables from './iptables-vs-nftables.json';
import nodePortSnat from './node-port-snat.json';
import podToSelfHairpin from './pod-to-self-hairpin.json';
import sameBridgeHairpin from './same-bridge-hairpin.json';
import snatGateway from './snat-gateway.json';
import statefulFirewall from './stateful-firewall.json';
import statelessDnat from './stateless-dnat.json';

// The order of design.md section 4: the scenario picker and `--list` show them in this order.
const files: readonly unknown[] = [
  hostConntrack,
  snatGateway,
  fullNat,
  sameBridgeHairpin,
  podToSelfHairpin,
  statefulFirewall,
  dockerPortPublish,
  nodePortSnat,
  statelessDnat,
  hookPaths,
  conntrackTableFull,
  invalidOutOfWindow,
  iptablesVsNftables,
];

/** Parsed once at import: a broken built-in file fails loudly here, not in the middle of a run. */
export const builtinScenarios: readonly Scenario[] = Object.freeze(
  files.map((json) => scenarioSchema.parse(json)),
);

const byId: ReadonlyMap<string, Scenario> = new Map(builtinScenarios.map((s) => [s.id, s]));

export function getBuiltinScenario(id: string): Scenario | undefined {
  return byId.get(id);
}
