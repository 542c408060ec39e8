import type { Micros } from '../timeline/events';
import type { Iface } from './iface';

// Kernel STP (`ip link set br0 type bridge stp_state 1`, net/bridge/br_stp*.c) as far as a
// lone bridge shows it: every port that comes up spends forward_delay in `listening` (frames
// dropped, nothing learned), forward_delay in `learning` (source MACs learned, frames still
// dropped) and is `forwarding` from then on. Measured on Linux 6.18: with the default
// forward_delay 1500 (15 s) a ping across the bridge is first answered 30 s after the ports
// came up; with forward_delay 400, `bridge link` shows listening -> learning at ~4 s ->
// forwarding at ~8 s. BPDUs (sent every hello_time, 2 s) are not modelled: they are
// link-local frames no IPv4 hook sees. The model's ports all come up at 0 s.

/** The kernel's default forward_delay in centiseconds, as `ip -d link` prints it. */
export const DEFAULT_FORWARD_DELAY = 1500;

/**
 * forward_delay (centiseconds) in µs as a bridge with STP uses it: br_stp_start clamps it to
 * BR_MIN/MAX_FORWARD_DELAY, so `ip link add br0 type bridge stp_state 1 forward_delay 100`
 * is accepted and `ip -d link` then shows forward_delay 200 (seen on Linux 6.18).
 */
export function stpForwardDelay(centis = DEFAULT_FORWARD_DELAY): number {
  return Math.min(3000, Math.max(200, centis)) * 10_000;
}

export type StpPortState = 'listening' | 'learning' | 'forwarding';

/** The port's STP state at `now`; a port of a bridge without STP is always forwarding. */
export function stpPortState(port: Iface, now: Micros): StpPortState {
  const fd = port.master?.stp?.forwardDelay;
  if (fd === undefined) return 'forwarding';
  if (now < fd) return 'listening';
  if (now < 2 * fd) return 'learning';
  return 'forwarding';
}

/** Why a port in `state` drops a frame, for the recorded fate. */
export function stpDropText(port: Iface, state: StpPortState): string {
  const fd = port.master!.stp!.forwardDelay;
  return `${port.name} is in STP state ${state} (${port.master!.name} has stp_state 1); it forwards from ${(2 * fd) / 1e6} s, 2 x forward_delay after it came up`;
}
