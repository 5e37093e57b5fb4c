// Concurrent ADDs of ONE attachment (the spec forbids them; runtimes retrying after a timeout, and
// bugs, send them anyway). All of them must end with one reservation per range set, return that
// same address, and a DEL must then release everything: no reservation may outlive the pod.
// GC must recover reservations nobody holds whatever their link count (an older twill left
// one file under several address names), and never one a valid attachment's entry is.
import { linkSync, lstatSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  NETWORK, NO_ATTACHMENT, addressesOf, expectOk, holdings, readStore, run, spawnWaiting, storeProblems, untilAllReadStdin,
  useFixture, type Json,
} from './ipam-support';

const fixture = useFixture();

const PARALLEL = 8;
const ROUNDS = 4;
const DUAL = { ranges: [[{ subnet: '10.250.40.0/24' }], [{ subnet: 'fd00:250:40::/112' }]] };

/** PARALLEL ADDs of one attachment, started together: each process is parked in read(stdin) first. */
async function concurrentAdds(conf: Json, containerId: string) {
  const procs = Array.from({ length: PARALLEL }, () => spawnWaiting('ADD', conf, { containerId }));
  await untilAllReadStdin(procs.map((p) => p.child));
  for (const p of procs) p.feed();
  return Promise.all(procs.map((p) => p.done));
}

test(`${PARALLEL} concurrent ADDs of one attachment, ${ROUNDS} times: one reservation per set, the same result for all, DEL releases everything`, async () => {
  const fx = fixture();
  const conf = fx.conf(DUAL);
  for (let round = 0; round < ROUNDS; round++) {
    const containerId = `same-${round}`;
    const runs = await concurrentAdds(conf, containerId);
    runs.forEach(expectOk);
    const results = new Set(runs.map((r) => addressesOf(r).join(' ')));
    const view = readStore(fx.storeDir());
    expect({ round, results: [...results], reservations: [...view.reservations.keys()].sort(), problems: storeProblems(view) }).toEqual({
      round,
      results: [addressesOf(runs[0]).join(' ')],
      reservations: [...addressesOf(runs[0])].sort(),
      problems: [],
    });
    expect(holdings(view).get(`${containerId}:eth0`)).toEqual([...addressesOf(runs[0])].sort());

    expectOk(run('DEL', conf, { containerId }));
    const after = readStore(fx.storeDir());
    expect({ round, reservations: [...after.reservations.keys()], entries: [...after.entries.keys()] }).toEqual({ round, reservations: [], entries: [] });
  }
  // Nothing for GC to find either.
  const gc = expectOk(run('GC', { ...conf, 'cni.dev/valid-attachments': [] }, NO_ATTACHMENT));
  expect(gc.stderr).not.toMatch(/gc (released|removed)/);
}, 120_000);

test('concurrent ADDs of one attachment, some SIGKILLed mid-way: a retried ADD succeeds, and DEL then leaves nothing', async () => {
  const fx = fixture();
  const conf = fx.conf(DUAL);
  let killed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const containerId = `killed-${round}`;
    const procs = Array.from({ length: PARALLEL }, () => spawnWaiting('ADD', conf, { containerId }));
    await untilAllReadStdin(procs.map((p) => p.child));
    for (const p of procs) p.feed();
    // Every other one dies somewhere in its work (reading, reserving, claiming, giving back).
    procs.forEach((p, i) => i % 2 && setTimeout(() => p.child.kill('SIGKILL'), Math.random() * 15));
    const runs = await Promise.all(procs.map((p) => p.done));
    killed += runs.filter((r) => r.code === null).length;
    for (const r of runs) if (r.code !== null) expectOk(r);
    expect({ round, problems: storeProblems(readStore(fx.storeDir())) }).toEqual({ round, problems: [] });

    const retried = expectOk(run('ADD', conf, { containerId }));
    expect(holdings(readStore(fx.storeDir())).get(`${containerId}:eth0`)).toEqual([...addressesOf(retried)].sort());
    expectOk(run('DEL', conf, { containerId }));
    const after = readStore(fx.storeDir());
    expect({ round, reservations: [...after.reservations.keys()], entries: [...after.entries.keys()] }).toEqual({ round, reservations: [], entries: [] });
  }
  expect(killed).toBeGreaterThan(0);
}, 120_000);

test(`${PARALLEL} concurrent ADDs of one attachment asking for one address all succeed with it`, async () => {
  const fx = fixture();
  const conf = fx.conf({ ranges: [[{ subnet: '10.250.41.0/24' }]] }, { runtimeConfig: { ips: ['10.250.41.77'] } });
  const runs = await concurrentAdds(conf, 'wants-77');
  for (const r of runs) expect({ code: r.code, stdout: r.stdout, addresses: addressesOf(r) }).toMatchObject({ code: 0, addresses: ['10.250.41.77'] });
  fx.record(NETWORK, { containerId: 'wants-77' }, ['10.250.41.77']);
  expect([...readStore(fx.storeDir()).reservations.keys()]).toEqual(['10.250.41.77']);
}, 60_000);

/** What an older twill left after concurrent ADDs: one reservation file under several address names. */
function linkExtraNames(storeDir: string, ip: string, extra: string[]): void {
  for (const name of extra) linkSync(join(storeDir, ip), join(storeDir, name));
  expect(lstatSync(join(storeDir, ip)).nlink).toBe(2 + extra.length);
}

test('GC frees reservations no valid attachment holds whatever their link count, and keeps every name of a valid entry', () => {
  const fx = fixture();
  const conf = fx.conf({ ranges: [[{ subnet: '10.250.42.0/24' }]] });
  const [gone] = addressesOf(fx.add(conf, { containerId: 'gone' }));
  const [live] = addressesOf(fx.add(conf, { containerId: 'live' }));
  linkExtraNames(fx.storeDir(), gone, ['10.250.42.100', '10.250.42.101']);
  // The same debris with its entry gone too: three names of one file that nothing holds.
  const [lost] = addressesOf(fx.add(conf, { containerId: 'lost' }));
  linkExtraNames(fx.storeDir(), lost, ['10.250.42.110', '10.250.42.111']);
  // An older twill's DEL removed only the name the entry's content gives, and the entry.
  rmSync(join(fx.storeDir(), lost));
  rmSync(join(fx.storeDir(), 'attachments', 'lost:eth0'), { recursive: true });
  linkExtraNames(fx.storeDir(), live, ['10.250.42.120']);

  const valid = [{ containerID: 'live', ifname: 'eth0' }];
  expectOk(run('GC', { ...conf, 'cni.dev/valid-attachments': valid }, NO_ATTACHMENT));
  fx.keepOnly(NETWORK, valid);
  // The live pod's interface may carry either name of its file (whichever ADD's result the
  // runtime kept): GC keeps both; its DEL then releases both.
  expect([...readStore(fx.storeDir()).reservations.keys()].sort()).toEqual([live, '10.250.42.120'].sort());
  fx.del(conf, { containerId: 'live' });
  expect([...readStore(fx.storeDir()).reservations.keys()]).toEqual([]);
});
