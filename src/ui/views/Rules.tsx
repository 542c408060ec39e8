// A host's ruleset with counters at the playhead, as `iptables-save -c` or `iptables -L -n -v`.
import { useId, useState } from 'react';
import type { HostSnapshot } from '../../worker/protocol';
import type { Dict } from '../i18n';
import { Scroll } from '../Scroll';

export function Rules({ host, snap, t }: { host: string; snap: HostSnapshot | undefined; t: Dict }) {
  const [mode, setMode] = useState<string>('save');
  const id = useId();
  if (!snap || (snap.iptablesSave === '' && snap.iptablesList.length === 0)) return null;
  const text =
    mode === 'save' ? snap.iptablesSave : (snap.iptablesList.find((x) => x.table === mode)?.text ?? '');
  return (
    <details className="rules">
      <summary>
        {t.rules} <span className="dim mono">iptables</span>
      </summary>
      <label htmlFor={id} className="sr-only">
        {`Rules view ${host}`}
      </label>
      <select id={id} value={mode} onChange={(e) => setMode(e.target.value)}>
        <option value="save">iptables-save -c</option>
        {snap.iptablesList.map((x) => (
          <option key={x.table} value={x.table}>{`iptables -t ${x.table} -L -n -v`}</option>
        ))}
      </select>
      <Scroll className="rules-scroll">
        <pre className="mono rules-text">{text}</pre>
      </Scroll>
    </details>
  );
}
