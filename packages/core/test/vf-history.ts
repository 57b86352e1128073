// Histories shared by the mpdiff and annotation tests: the one Breezy's
// per_versionedfile test_make_mpdiffs builds (noeol variations and two
// 26-deep chains), plus merges and a ghost.
import type { Key } from '@versionedfiles/core';

export type HistoryStep = readonly [key: string, parents: readonly string[], lines: readonly string[]];

export function mpdiffHistory(): HistoryStep[] {
  const steps: HistoryStep[] = [
    ['base', [], ['line\n']],
    ['noeol', ['base'], ['line']],
    ['noeolsecond', ['noeol'], ['line\n', 'line']],
    ['noeolnotshared', ['noeolsecond'], ['line\n', 'phone']],
    ['eol', ['noeol'], ['phone\n']],
    ['eolline', ['noeol'], ['line\n']],
    ['noeolbase', [], ['line']],
    ['eolbeforefirstparent', ['noeolbase', 'noeol'], ['line']],
    ['noeoldup', ['noeol'], ['line']],
  ];
  for (const chain of ['chain1-', 'chain2-']) {
    let parent = 'base';
    let text = ['line\n'];
    for (let depth = 0; depth < 26; depth++) {
      text = [...text, 'line\n'];
      steps.push([`${chain}${depth}`, [parent], text]);
      parent = `${chain}${depth}`;
    }
  }
  steps.push(
    ['left', ['base'], ['line\n', 'left\n', 'more\n']],
    ['right', ['base', 'ghost'], ['start\n', 'line\n', 'right\n']],
    ['merged', ['left', 'right'], ['start\n', 'line\n', 'left\n', 'right\n', 'more\n', 'merged']],
    ['criss', ['right', 'left'], ['start\n', 'line\n', 'right\n', 'left\n', 'more\n']],
    ['empty', ['criss'], []],
  );
  return steps;
}

export const key1 = (name: string): Key => [name];
