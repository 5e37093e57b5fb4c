// Runtimes run different containers in parallel: 200 ADD processes at once must get 200
// distinct addresses, all recorded in the store, and 200 concurrent DELs must release them all.
import { NETWORK, addressesOf, expectOk, holdings, readStore, runAsync, storeProblems, useFixture } from './ipam-support';

const fixture = useFixture();

const PODS = 200;

test(`${PODS} concurrent ADDs get distinct addresses; ${PODS} concurrent DELs release them all`, async () => {
  const fx = fixture();
  const conf = fx.conf({ ranges: [[{ subnet: '10.250.0.0/16' }], [{ subnet: 'fd00:250::/112' }]] });
  const ids = Array.from({ length: PODS }, (_, i) => `pod-${i.toString().padStart(3, '0')}`);

  const adds = await Promise.all(ids.map((containerId) => runAsync('ADD', conf, { containerId })));
  adds.forEach(expectOk);
  const v4 = adds.map((r) => addressesOf(r)[0]);
  const v6 = adds.map((r) => addressesOf(r)[1]);
  expect(new Set(v4).size).toBe(PODS);
  expect(new Set(v6).size).toBe(PODS);

  // Every result is what the store says that attachment holds, and nothing else is reserved.
  const view = readStore(fx.storeDir());
  expect(storeProblems(view)).toEqual([]);
  const held = holdings(view);
  expect(view.reservations.size).toBe(2 * PODS);
  ids.forEach((id, i) => expect(held.get(`${id}:eth0`)).toEqual(addressesOf(adds[i]).sort()));

  const dels = await Promise.all(ids.map((containerId) => runAsync('DEL', conf, { containerId })));
  dels.forEach(expectOk);
  // (the ledger never recorded these: verify() afterwards expects an empty store)
  const after = readStore(fx.storeDir());
  expect(after.reservations.size).toBe(0);
  expect(after.entries.size).toBe(0);
}, 120_000);

test('concurrent ADDs into a range smaller than the crowd: exactly capacity succeed, the rest fail with 100', async () => {
  const fx = fixture();
  const conf = fx.conf({ ranges: [[{ subnet: '10.250.13.0/27' }]] }); // 30 usable minus the gateway
  const ids = Array.from({ length: 40 }, (_, i) => `crowd-${i}`);
  const runs = await Promise.all(ids.map((containerId) => runAsync('ADD', conf, { containerId })));
  const won = runs.flatMap((r, i) => (r.code === 0 ? [i] : []));
  expect(won).toHaveLength(29);
  for (const [i, r] of runs.entries()) {
    if (r.code === 0) fx.record(NETWORK, { containerId: ids[i] }, addressesOf(r));
    else expect(r.json).toMatchObject({ code: 100 });
  }
  expect(new Set(won.map((i) => addressesOf(runs[i])[0])).size).toBe(29);
}, 60_000);
