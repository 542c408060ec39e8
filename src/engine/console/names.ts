// The words the console knows, with no imports: the UI's Tab completion reads them too.

/** Every command the console takes, reading or changing. */
export const COMMAND_NAMES: readonly string[] = [
  'bridge',
  'cat',
  'conntrack',
  'curl',
  'ip',
  'iptables',
  'iptables-restore',
  'iptables-save',
  'nc',
  'nft',
  'ping',
  'ss',
  'sysctl',
  'tcpdump',
];

export const TABLE_NAMES: readonly string[] = ['filter', 'nat', 'mangle', 'raw', 'security'];
