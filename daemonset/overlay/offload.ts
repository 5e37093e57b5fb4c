import { readFeatures, setFeatures, type Feature } from '../../cni/host/ethtool';
import type { AsyncRunner } from '../../cni/host/run-async';

/**
 * The VXLAN checksum offload bug (flannel-io/flannel#1279, kubernetes#88986): with
 * tx-checksum-ip-generic on, some kernel/NIC combinations send encapsulated UDP with a bad
 * checksum and the peer drops it (63-second stalls). Switched off by default, as flannel does
 * since 0.15; with the workaround disabled, the kernel's default (on) is restored. One
 * `ethtool -k` per sync, a second exec only when the setting is wrong.
 */
export const CHECKSUM_FEATURE = 'tx-checksum-ip-generic';

/** The wanted setting when it differs from the device's and can change; undefined otherwise. */
export function offloadChange(features: Map<string, Feature> | undefined, workaround: boolean): boolean | undefined {
  const f = features?.get(CHECKSUM_FEATURE);
  if (!f || f.fixed || f.on === !workaround) return undefined;
  return !workaround;
}

/** The device's offload features; undefined when it does not exist (yet). Read beside the kernel state, in parallel. */
export async function readOffload(runner: AsyncRunner, dev: string): Promise<Map<string, Feature> | undefined> {
  try {
    return await readFeatures(runner, dev);
  } catch {
    return undefined;
  }
}

/** Returns true when it changed the device. */
export async function syncChecksumOffload(runner: AsyncRunner, o: { dev: string; features: Map<string, Feature> | undefined; workaround: boolean }): Promise<boolean> {
  const want = offloadChange(o.features, o.workaround);
  if (want === undefined) return false;
  await setFeatures(runner, o.dev, { [CHECKSUM_FEATURE]: want });
  return true;
}
