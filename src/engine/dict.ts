// Lookups keyed by user text (chain, match, target, option, host, variant and sysctl names)
// must not find what every JavaScript object inherits: `constructor`, `toString` and
// `__proto__` are valid iptables chain names and valid host names. Constant tables are built
// with a null prototype here; dynamic ones are Maps or `bag()`.

/** A frozen constant table with no prototype: absent keys are absent, whatever their name. */
export function dict<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

/** An empty mutable record with no prototype (for records keyed by user text). */
export function bag<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `obj[key]` only when obj has that key itself (for plain objects from JSON or zod). */
export function own<T>(obj: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}
