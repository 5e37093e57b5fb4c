// twill trusts its /run marker instead of asking nft on every ADD, but only for a minute: rules
// flushed behind its back (nft flush ruleset, an nftables.service restart) come back with the
// next ADD after that, even one that publishes no port.
import { readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describeRoot } from '../helpers/netns';
import { netConf, useNode } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

describeRoot('twill plugin: rules flushed behind its back', () => {
  beforeAll(() => requireTools(['ip', 'nft']));
  const node = useNode();

  const masqueraded = () => node().tableElements().filter((e) => e.set === 'masq4').map((e) => e.key);
  function ageMarkers(seconds: number): void {
    const dir = `/run/twill/ns-${node().inode}`;
    const past = new Date(Date.now() - seconds * 1000);
    for (const f of readdirSync(dir)) utimesSync(join(dir, f), past, past);
  }

  test('an ADD within a minute trusts the marker; one after it restores the rules', () => {
    const conf = netConf(node(), { extra: { ipMasq: true } });
    expect(node().add(conf).run.code).toBe(0);
    expect(masqueraded()).toEqual(['10.250.1.0/24']);
    node().exec(node().name, ['nft', 'flush', 'ruleset']);
    expect(node().add(conf).run.code).toBe(0);
    expect(masqueraded()).toEqual([]); // the marker is fresh: no nft exec on this ADD
    ageMarkers(61);
    expect(node().add(conf).run.code).toBe(0);
    expect(masqueraded()).toEqual(['10.250.1.0/24']);
  });
});
