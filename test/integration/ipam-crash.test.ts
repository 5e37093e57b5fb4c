// Crash safety: rounds of concurrent ADDs (and DELs, and retried ADDs) with some processes
// SIGKILLed at random moments. After every round the store must be sound (no address held
// twice, every reservation whole) and every completed ADD must still hold what it returned; at
// the end one GC with an empty valid list must recover every leaked address.
import { NETWORK, NO_ATTACHMENT, addressesOf, expectOk, holdings, readStore, run, spawnPlugin, storeProblems, useFixture } from './ipam-support';

const fixture = useFixture();

const ROUNDS = 30;
const ADDS_PER_ROUND = 8;
const DELS_PER_ROUND = 2;
const RETRIES_PER_ROUND = 2;
const KILL_PROBABILITY = 0.5;
const MAX_KILL_DELAY_MS = 40;

/** mulberry32: a seeded generator, so a failing run can be replayed from the seed it reports. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function take<T>(items: T[], n: number, random: () => number): T[] {
  const out: T[] = [];
  while (out.length < n && items.length) out.push(items.splice(Math.floor(random() * items.length), 1)[0]);
  return out;
}

interface Op {
  command: 'ADD' | 'DEL';
  containerId: string;
}

test(`${ROUNDS} rounds of ADD/DEL with random SIGKILLs leave a sound store; GC recovers every leak`, async () => {
  const seed = Number(process.env.TWILL_CRASH_SEED ?? Date.now() % 2 ** 31);
  const random = prng(seed);
  const fx = fixture();
  const conf = fx.conf({ ranges: [[{ subnet: '10.250.0.0/22' }], [{ subnet: 'fd00:250:14::/112' }]] });

  /** Completed ADDs not since touched by a DEL: they must keep exactly what they were given. */
  const settled = new Map<string, string[]>();
  /** ADDs that were killed and not yet retried: a runtime would retry them. */
  const interrupted: string[] = [];
  const tally = { killed: 0, completed: 0 };

  for (let round = 0; round < ROUNDS; round++) {
    const ops: Op[] = [
      ...Array.from({ length: ADDS_PER_ROUND }, (_, i): Op => ({ command: 'ADD', containerId: `r${round}-${i}` })),
      ...take(interrupted, RETRIES_PER_ROUND, random).map((containerId): Op => ({ command: 'ADD', containerId })),
      ...take([...settled.keys()], DELS_PER_ROUND, random).map((containerId): Op => ({ command: 'DEL', containerId })),
    ];
    for (const op of ops) if (op.command === 'DEL') settled.delete(op.containerId);

    const procs = ops.map((op) => spawnPlugin(op.command, conf, { containerId: op.containerId }));
    for (const { child } of procs) {
      if (random() < KILL_PROBABILITY) setTimeout(() => child.kill('SIGKILL'), random() * MAX_KILL_DELAY_MS);
    }
    const results = await Promise.all(procs.map((p) => p.done));

    results.forEach((r, i) => {
      const op = ops[i];
      if (r.code === null) {
        tally.killed++;
        if (op.command === 'ADD') interrupted.push(op.containerId);
        return;
      }
      tally.completed++;
      expect({ seed, round, op, code: r.code, stdout: r.stdout }).toMatchObject({ code: 0 });
      if (op.command === 'ADD') settled.set(op.containerId, addressesOf(r).sort());
    });

    const view = readStore(fx.storeDir());
    expect({ seed, round, problems: storeProblems(view) }).toEqual({ seed, round, problems: [] });
    const held = holdings(view);
    for (const [id, ips] of settled) expect({ seed, round, id, held: held.get(`${id}:eth0`) }).toEqual({ seed, round, id, held: ips });
  }
  // Both outcomes must actually have happened for the test to mean anything.
  expect(tally.killed).toBeGreaterThan(0);
  expect(tally.completed).toBeGreaterThan(0);

  expectOk(run('GC', { ...conf, 'cni.dev/valid-attachments': [] }, NO_ATTACHMENT));
  const view = readStore(fx.storeDir());
  expect({ seed, reservations: [...view.reservations.keys()], entries: [...view.entries.keys()] }).toEqual({ seed, reservations: [], entries: [] });
  expect(view.others.filter((n) => n !== 'attachments' && !/^last_reserved_ip\.\d+$/.test(n))).toEqual([]);
  fx.keepOnly(NETWORK, []);
}, 60_000);
