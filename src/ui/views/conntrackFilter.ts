// Filtering `conntrack -L` lines by address, as engineers type addresses: a whole address
// matches only itself (10.0.0.1 does not find 10.0.0.12), a partial one matches whole octets
// (10.244.1 finds 10.244.1.x, not 10.244.10.x), a trailing dot is a plain prefix.
export function conntrackFilter(query: string): ((line: string) => boolean) | undefined {
  const f = query.trim();
  if (!f) return undefined;
  const esc = f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const whole = /^\d+\.\d+\.\d+\.\d+$/.test(f);
  const tail = whole ? '(?= |$)' : f.endsWith('.') ? '' : '(?=[. ]|$)';
  const re = new RegExp(`(?:src|dst)=${esc}${tail}`);
  return (line) => re.test(line);
}
