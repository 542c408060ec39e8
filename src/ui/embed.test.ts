import { describe, expect, it } from 'vitest';
import { isEmbed } from './embed';
import { decodeShareHash } from './shareLink';

describe('embed=1', () => {
  it('is read from the query or the hash', () => {
    expect(isEmbed({ search: '?embed=1', hash: '' })).toBe(true);
    expect(isEmbed({ search: '', hash: '#v=1&s=hook-paths&at=3&embed=1' })).toBe(true);
    expect(isEmbed({ search: '?embed=0', hash: '#v=1&s=hook-paths' })).toBe(false);
    expect(isEmbed({ search: '', hash: '' })).toBe(false);
  });

  it('leaves the share link around it readable', () => {
    const r = decodeShareHash('#v=1&s=hook-paths&at=3&embed=1');
    expect(r.ok === true && r.state.at).toEqual({ kind: 'index', index: 3 });
  });
});
