// Decoding stdin as the reference plugins' Go decoder does: keys match our names exactly or else
// ignoring case (containerd's go-cni sends {"HostPort": …}); bytes that are not UTF-8 are refused
// with code 6, naming the field that holds them.
import { canonicalKeys, foldKey, mergeKeyShapes, type KeyShape } from '../../cni/core/keys';
import { decodeUtf8 } from '../../cni/core/utf8';
import { dispatch, type Context, type Plugin } from '../../cni/core/dispatch';
import { ErrorCode } from '../../cni/core/errors';
import { ipamKeys } from '../../cni/generated/ipam-keys';
import { twillKeys } from '../../cni/generated/twill-keys';
import { failure } from '../helpers/failure';

const TWILL: KeyShape = mergeKeyShapes(twillKeys, ipamKeys);

describe('foldKey: Go encoding/json case folding for our (ASCII) names', () => {
  test.each([
    ['HostPort', 'hostport'],
    ['HOSTIP', 'hostip'],
    ['ipMasq', 'ipmasq'],
    ['\u212Aey', 'key'], // KELVIN SIGN folds with k in Go
    ['ho\u017Ftport', 'hostport'], // LATIN SMALL LETTER LONG S folds with s in Go
    ['\u0130pMasq', '\u0130pmasq'], // İ has no simple fold to i in Go: no match
    ['ÉTÉ', 'ÉtÉ'], // non-ASCII letters never fold onto our ASCII names: left alone
  ])('%j → %j', (key, folded) => {
    expect(foldKey(key)).toBe(folded);
  });
});

describe('canonicalKeys', () => {
  const shape = TWILL;

  test('go-cni port mappings: Go field names become ours', () => {
    const raw = { runtimeConfig: { portMappings: [{ HostPort: 18080, ContainerPort: 8080, Protocol: 'tcp', HostIP: '' }] } };
    expect(canonicalKeys(raw, shape)).toEqual({ runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 8080, protocol: 'tcp', hostIP: '' }] } });
  });

  test('an exact match wins over a case-insensitive one, whatever the order', () => {
    expect(canonicalKeys({ Bridge: 'a', bridge: 'b' }, shape)).toMatchObject({ bridge: 'b' });
    expect(canonicalKeys({ bridge: 'b', Bridge: 'a' }, shape)).toMatchObject({ bridge: 'b' });
  });

  test('of several case-insensitive matches the last one wins, as Go keeps the last value', () => {
    expect(canonicalKeys({ BRIDGE: 'a', Bridge: 'b' }, shape)).toEqual({ bridge: 'b' });
  });

  test('nested sections: ipam, ranges (lists of lists), routes, args, dns capability', () => {
    const raw = {
      IPAM: { Type: 'twill-ipam', DataDir: '/d', Ranges: [[{ Subnet: '10.0.0.0/24', RangeStart: '10.0.0.5' }]], Routes: [{ Dst: '0.0.0.0/0', GW: '10.0.0.1' }] },
      Args: { CNI: { IPs: ['10.0.0.9'], MAC: '0a:00:00:00:00:01' } },
      RuntimeConfig: { DNS: { Servers: ['10.96.0.10'], Searches: ['svc'], Options: ['ndots:5'] }, IPRanges: [{ Subnet: '10.1.0.0/24' }] },
    };
    expect(canonicalKeys(raw, shape)).toEqual({
      ipam: { type: 'twill-ipam', dataDir: '/d', ranges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.0.5' }]], routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }] },
      args: { cni: { ips: ['10.0.0.9'], mac: '0a:00:00:00:00:01' } },
      runtimeConfig: { dns: { servers: ['10.96.0.10'], searches: ['svc'], options: ['ndots:5'] }, ipRanges: [{ subnet: '10.1.0.0/24' }] },
    });
  });

  test('unknown keys, maps (capabilities) and values of the wrong type pass through untouched', () => {
    const raw = { Capabilities: { PortMappings: true }, bandwidth: { IngressRate: 1 }, mtu: 'big', runtimeConfig: { portMappings: 'none', Extra: 1 } };
    expect(canonicalKeys(raw, shape)).toEqual({ capabilities: { PortMappings: true }, bandwidth: { IngressRate: 1 }, mtu: 'big', runtimeConfig: { portMappings: 'none', Extra: 1 } });
  });

  test('a "__proto__" key stays a key and does not change the prototype', () => {
    const raw = JSON.parse('{"__proto__": {"polluted": true}, "bridge": "b"}');
    const out = canonicalKeys(raw, shape) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['__proto__', 'bridge']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { polluted?: boolean }).polluted).toBeUndefined();
  });

  test('the input is not changed', () => {
    const raw = { Bridge: 'a' };
    canonicalKeys(raw, shape);
    expect(raw).toEqual({ Bridge: 'a' });
  });
});

describe('decodeUtf8', () => {
  const bytes = (text: string, at: string) => Buffer.concat(text.split(at).flatMap((p, i) => (i ? [Buffer.from([0xff]), Buffer.from(p)] : [Buffer.from(p)])));

  test('valid UTF-8 (multi-byte too) decodes as is', () => {
    expect(decodeUtf8(Buffer.from('{"name":"ünïcode ✓"}'))).toBe('{"name":"ünïcode ✓"}');
  });

  test.each([
    ['{"bridge":"br0@"}', 'bridge'],
    ['{"runtimeConfig":{"portMappings":[{"hostIP":"@"}]}}', 'runtimeConfig.portMappings[0].hostIP'],
    ['{"ipam":{"ranges":[[{"subnet":"@"}]]}}', 'ipam.ranges[0][0].subnet'],
    ['{"we@rd":1}', 'we\uFFFDrd'],
    ['not json @', 'network configuration on stdin'],
  ])('%s → code 6 naming %s', (text, field) => {
    const err = failure(() => decodeUtf8(bytes(text, '@')));
    expect(err.code).toBe(ErrorCode.decode);
    expect(err.message).toBe(`${field}: holds bytes that are not UTF-8`);
  });
});

describe('dispatch decodes keys before anything reads them', () => {
  async function run(stdin: string | Uint8Array, keys?: KeyShape): Promise<{ code: number; out: string; conf?: Context['conf'] }> {
    let out = '';
    let conf: Context['conf'] | undefined;
    const plugin: Plugin = {
      add: () => ({}),
      del: (ctx) => void (conf = ctx.conf),
      check: () => undefined,
      status: () => undefined,
      gc: () => undefined,
      keys,
    };
    const env = { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
    const code = await dispatch(plugin, { env, stdin, stdout: (t) => (out += t), stderr: () => undefined });
    return { code, out, conf };
  }

  test('common and plugin keys in Go spelling reach the plugin in ours', async () => {
    const r = await run(JSON.stringify({ CNIVersion: '1.0.0', Name: 'net1', Type: 'twill', RuntimeConfig: { PortMappings: [{ HostPort: 1, ContainerPort: 2 }] } }), TWILL);
    expect(r.code).toBe(0);
    expect(r.conf).toEqual({ cniVersion: '1.0.0', name: 'net1', type: 'twill', runtimeConfig: { portMappings: [{ hostPort: 1, containerPort: 2 }] } });
  });

  test('stdin bytes that are not UTF-8: code 6, in the requested version', async () => {
    const r = await run(Buffer.concat([Buffer.from('{"cniVersion":"0.4.0","name":"n'), Buffer.from([0xc3]), Buffer.from('","type":"x"}')]));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ cniVersion: '0.4.0', code: 6, msg: 'name: holds bytes that are not UTF-8', details: 'JSON text must be UTF-8' });
  });
});
