// The reference model applies Breezy's rules for adds, and copies the way
// insertRecordStream does.
import { describe, expect, it } from 'vitest';
import { sha1Hex, utf8 } from '@versionedfiles/core';
import { ReferenceModel } from '@versionedfiles/conformance';

const lines = (...t: string[]): Uint8Array[] => t.map(utf8);

describe('ReferenceModel', () => {
  it('stores texts with sha1 and parents, and answers queries for present keys only', () => {
    const m = new ReferenceModel({ graph: true, ghosts: true });
    expect(m.expectAdd(['a'], [], lines('x\n'))).toEqual({ ok: true, sha1: sha1Hex(utf8('x\n')), size: 2 });
    m.add(['a'], [], lines('x\n'));
    m.add(['b'], [['a'], ['ghost']], lines('x\n', 'y'));
    expect([...m.parentMap([['b'], ['zz']])]).toEqual([[['b'], [['a'], ['ghost']]]]);
    expect([...m.sha1s([['a']])]).toEqual([[['a'], sha1Hex(utf8('x\n'))]]);
    expect(m.text(['b'])).toEqual(utf8('x\ny'));
    expect([...m.ancestry(['b'])]).toEqual([['b'], ['a']]);
    expect(m.reachesGhost(['b'])).toBe(true);
    expect(m.reachesGhost(['a'])).toBe(false);
  });

  it('predicts every error a bad add earns', () => {
    const m = new ReferenceModel({ graph: true, ghosts: false });
    m.add(['a'], [], []);
    expect(m.expectAdd(['a'], [], lines('x\n'))).toEqual({ ok: false, codes: ['RevisionAlreadyPresent'] });
    expect(m.expectAdd(['b'], [['nope']], [])).toEqual({ ok: false, codes: ['RevisionNotPresent'] });
    expect(m.expectAdd(['a'], [], [], sha1Hex(new Uint8Array()))).toEqual({ ok: false, codes: ['ExistingContent', 'RevisionAlreadyPresent'] });
    expect(m.expectAdd(['c'], [['a']], lines('z\n'), sha1Hex(utf8('other')))).toMatchObject({ ok: true });
  });

  it('copies keep what the target holds and drop parents in a graphless target', () => {
    const source = new ReferenceModel({ graph: true, ghosts: true });
    source.add(['a'], [], lines('a\n'));
    source.add(['b'], [['a']], lines('b\n'));
    const target = new ReferenceModel({ graph: false, ghosts: false });
    target.add(['a'], [], lines('kept\n'));
    target.copyFrom(source, [['a'], ['b'], ['missing']]);
    expect(target.text(['a'])).toEqual(utf8('kept\n'));
    expect([...target.parentMap([['a'], ['b']])]).toEqual([[['a'], null], [['b'], null]]);
    expect(target.keys().size).toBe(2);
  });
});

describe('ReferenceModel fallbacks', () => {
  it('lookups cascade, keys stay local, adds clash only locally', () => {
    const base = new ReferenceModel({ graph: true, ghosts: false });
    base.add(['a'], [], lines('a\n'));
    const top = new ReferenceModel({ graph: true, ghosts: false });
    top.addFallback(base);
    expect(top.has(['a'])).toBe(true);
    expect(top.keys().size).toBe(0);
    expect(top.expectAdd(['b'], [['a']], lines('b\n'))).toMatchObject({ ok: true });
    expect(top.expectAdd(['a'], [], lines('local a\n'))).toMatchObject({ ok: true });
    top.add(['a'], [], lines('local a\n'));
    expect(top.text(['a'])).toEqual(utf8('local a\n'));
    top.add(['b'], [['a']], lines('b\n'));
    expect([...top.ancestry(['b'])]).toEqual([['b'], ['a']]);
    expect(top.reachesGhost(['b'])).toBe(false);
  });
});
