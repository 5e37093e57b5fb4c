// The bridge as an operator may have left it: an address from an old subnet ("cni0 already has
// an IP address different from …" with the reference plugin), another address in the subnet
// (forceAddress), or a non-bridge link under the bridge's name.
import { describeRoot } from '../helpers/netns';
import { netConf, useNode } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

describeRoot('twill plugin: an existing bridge', () => {
  beforeAll(() => requireTools(['ip', 'nft', 'ping']));
  const node = useNode();

  function preset(address?: string): void {
    node().ipIn(node().name, ['link', 'add', 'twbr0', 'type', 'bridge']);
    if (address) node().ipIn(node().name, ['addr', 'add', address, 'dev', 'twbr0']);
  }

  test('an address from an old subnet stays, the new gateway is added beside it, pods work', () => {
    preset('10.250.9.1/24');
    const { run, att } = node().add(netConf(node(), { extra: { isDefaultGateway: true } }));
    expect(run.code).toBe(0);
    expect(node().addrs('twbr0')).toEqual(expect.arrayContaining(['10.250.9.1/24', '10.250.1.1/24']));
    expect(node().ping(att.pod!, '10.250.1.1')).toBe(true);
  });

  test('another address in the subnet: kept without forceAddress, replaced with it', () => {
    preset('10.250.1.254/24');
    expect(node().add(netConf(node())).run.code).toBe(0);
    expect(node().addrs('twbr0')).toEqual(expect.arrayContaining(['10.250.1.254/24', '10.250.1.1/24']));
    const forced = node().add(netConf(node(), { extra: { forceAddress: true, isDefaultGateway: true } }));
    expect(forced.run.code).toBe(0);
    expect(node().addrs('twbr0').filter((a) => !a.startsWith('fe80:'))).toEqual(['10.250.1.1/24']);
    expect(node().ping(forced.att.pod!, '10.250.1.1')).toBe(true);
  });

  test('a link of another kind under the bridge name is refused with code 7, leaving nothing', () => {
    node().ipIn(node().name, ['link', 'add', 'twbr0', 'type', 'veth', 'peer', 'name', 'twbr0p']);
    const { run } = node().add(netConf(node()));
    expect(run.json).toMatchObject({ code: 7, msg: 'bridge: "twbr0" exists and is not a bridge' });
    expect(node().hostVeths()).toEqual([]);
    expect(node().reservations('twt-net').ips).toEqual([]);
  });
});
