import { describe, expect, it } from 'vitest';
import { tokenize } from './tokenize';

describe('tokenize', () => {
  it('splits words on blanks and keeps quoted blanks', () => {
    expect(tokenize(`iptables -A INPUT -m comment --comment "a b" -j 'ACCEPT'`)).toEqual({
      ok: true,
      stages: [['iptables', '-A', 'INPUT', '-m', 'comment', '--comment', 'a b', '-j', 'ACCEPT']],
    });
  });
  it('honours escapes inside double quotes and outside quotes', () => {
    expect(tokenize(String.raw`echo "a\"b" c\ d 'e\f'`)).toEqual({
      ok: true,
      stages: [['echo', 'a"b', 'c d', String.raw`e\f`]],
    });
  });
  it('splits a pipeline, but not a quoted bar', () => {
    expect(tokenize('sysctl -a | grep "a|b"')).toEqual({
      ok: true,
      stages: [
        ['sysctl', '-a'],
        ['grep', 'a|b'],
      ],
    });
  });
  it('says what is wrong with a broken line', () => {
    expect(tokenize('echo "abc')).toEqual({
      ok: false,
      error: 'sh: syntax error: unterminated quoted string',
    });
    expect(tokenize('| grep x')).toEqual({ ok: false, error: "sh: syntax error near unexpected token `|'" });
    expect(tokenize('sysctl -a |')).toEqual({ ok: false, error: 'sh: syntax error: unexpected end of file' });
  });
  it('an empty line has one empty stage', () => {
    expect(tokenize('   ')).toEqual({ ok: true, stages: [[]] });
  });
});
