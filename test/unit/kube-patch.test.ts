// The test API server's patch engines and selectors, without HTTP.
import { ApiError } from '../kube/apiserver/errors';
import { applyJsonPatch } from '../kube/apiserver/patch/json-patch';
import { mergePatch } from '../kube/apiserver/patch/merge';
import { strategicMergePatch } from '../kube/apiserver/patch/strategic';
import { nodes } from '../kube/apiserver/resources';
import { parseFieldSelector, parseLabelSelector } from '../kube/apiserver/selectors';
import type { Json, KubeObject } from '../kube/apiserver/types';

const smp = (original: Json, patch: Json) => strategicMergePatch(original, patch, nodes.schema);
const cond = (type: string, status = 'True') => ({ type, status });
const statusCode = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as ApiError).status.code;
  }
  return 200;
};

describe('strategic merge patch (Node schema)', () => {
  test('conditions merge by type: changed in place, new ones before the items they meet', () => {
    const original = { status: { conditions: [cond('Ready'), cond('MemoryPressure', 'False')] } };
    const out = smp(original, { status: { conditions: [cond('Ready', 'False'), cond('NetworkUnavailable', 'False')] } });
    expect(out).toEqual({ status: { conditions: [cond('Ready', 'False'), cond('NetworkUnavailable', 'False'), cond('MemoryPressure', 'False')] } });
  });

  test('a patch item merges into the existing item (fields it does not name stay)', () => {
    const original = { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } };
    expect(smp(original, { status: { conditions: [{ type: 'Ready', status: 'False' }] } })).toEqual({ status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletReady' }] } });
  });

  test('$patch: delete removes by merge key; $patch: replace makes the patch the list', () => {
    const original = { status: { conditions: [cond('A'), cond('B')] } };
    expect(smp(original, { status: { conditions: [{ type: 'A', $patch: 'delete' }] } })).toEqual({ status: { conditions: [cond('B')] } });
    expect(smp(original, { status: { conditions: [cond('C'), { $patch: 'replace' }] } })).toEqual({ status: { conditions: [cond('C')] } });
  });

  test('maps merge, null deletes, $patch: replace on a map replaces it', () => {
    const original = { metadata: { labels: { a: '1', b: '2' }, annotations: { x: 'y' } } };
    expect(smp(original, { metadata: { labels: { b: null, c: '3' } } })).toEqual({ metadata: { labels: { a: '1', c: '3' }, annotations: { x: 'y' } } });
    expect(smp(original, { metadata: { labels: { $patch: 'replace', z: '9' } } })).toEqual({ metadata: { labels: { z: '9' }, annotations: { x: 'y' } } });
  });

  test('scalar lists with the merge strategy are sets; $deleteFromPrimitiveList removes', () => {
    const original = { metadata: { finalizers: ['a', 'b'] } };
    expect(smp(original, { metadata: { finalizers: ['b', 'c'] } })).toEqual({ metadata: { finalizers: ['a', 'b', 'c'] } });
    expect(smp(original, { metadata: { $deleteFromPrimitiveList: undefined, '$deleteFromPrimitiveList/finalizers': ['a'] } } as unknown as Json)).toEqual({ metadata: { finalizers: ['b'] } });
  });

  test('lists without a strategy (taints) are replaced', () => {
    const original = { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } };
    expect(smp(original, { spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] } })).toEqual({ spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] } });
  });

  test('$setElementOrder orders the merged list', () => {
    const original = { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }] } };
    const patch = { status: { '$setElementOrder/addresses': [{ type: 'Hostname' }, { type: 'InternalIP' }], addresses: [{ type: 'Hostname', address: 'n1' }] } };
    expect((smp(original, patch) as { status: { addresses: { type: string }[] } }).status.addresses.map((a) => a.type)).toEqual(['Hostname', 'InternalIP']);
  });

  test('a merge-list item without its merge key is a server error, as in the library', () => {
    expect(statusCode(() => smp({ status: { conditions: [cond('A')] } }, { status: { conditions: [{ status: 'x' }] } }))).toBe(500);
  });
});

describe('merge patch', () => {
  test('merges objects, replaces lists, null deletes', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] })).toEqual({ a: { b: 1, d: 3 }, l: [3] });
  });
});

describe('JSON patch', () => {
  const doc = { metadata: { labels: { a: '1' } }, list: [1, 2, 3] };

  test('add, replace, remove, move, copy, test', () => {
    const ops: Json = [
      { op: 'add', path: '/metadata/labels/b~1c', value: '2' },
      { op: 'replace', path: '/list/0', value: 9 },
      { op: 'remove', path: '/list/1' },
      { op: 'add', path: '/list/-', value: 4 },
      { op: 'copy', from: '/list/0', path: '/first' },
      { op: 'move', from: '/metadata/labels/a', path: '/moved' },
      { op: 'test', path: '/first', value: 9 },
    ];
    expect(applyJsonPatch(doc, ops)).toEqual({ metadata: { labels: { 'b/c': '2' } }, list: [9, 3, 4], first: 9, moved: '1' });
    expect(doc.list).toEqual([1, 2, 3]);
  });

  test('a failed test, a missing path or a bad index is 422; a malformed patch is 400', () => {
    expect(statusCode(() => applyJsonPatch(doc, [{ op: 'test', path: '/list/0', value: 2 }]))).toBe(422);
    expect(statusCode(() => applyJsonPatch(doc, [{ op: 'remove', path: '/nope' }]))).toBe(422);
    expect(statusCode(() => applyJsonPatch(doc, [{ op: 'replace', path: '/list/7', value: 1 }]))).toBe(422);
    expect(statusCode(() => applyJsonPatch(doc, { op: 'add' }))).toBe(400);
  });
});

describe('selectors', () => {
  const obj = (labels: Record<string, string>, name = 'n'): KubeObject => ({ metadata: { name, labels } });

  test('label selector forms', () => {
    const cases: [string, Record<string, string>, boolean][] = [
      ['a=1', { a: '1' }, true],
      ['a==1,b!=2', { a: '1', b: '3' }, true],
      ['a!=1', {}, true],
      ['a in (1, 2),c', { a: '2', c: '' }, true],
      ['a notin (1,2)', { a: '2' }, false],
      ['!a', { b: '1' }, true],
      ['a>3', { a: '10' }, true],
      ['', {}, true],
    ];
    for (const [sel, labels, want] of cases) expect([sel, parseLabelSelector(sel)(obj(labels))]).toEqual([sel, want]);
    expect(statusCode(() => parseLabelSelector('a b c'))).toBe(400);
  });

  test('field selectors: metadata.name and spec.unschedulable on nodes, others refused', () => {
    expect(parseFieldSelector(nodes, 'metadata.name=n1')(obj({}, 'n1'))).toBe(true);
    expect(parseFieldSelector(nodes, 'metadata.name!=n1,spec.unschedulable=false')(obj({}, 'n2'))).toBe(true);
    expect(statusCode(() => parseFieldSelector(nodes, 'status.phase=Ready'))).toBe(400);
  });
});
