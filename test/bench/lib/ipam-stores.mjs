// The two IPAM stores' on-disk formats, written directly so a benchmark can start from
// thousands of allocations without thousands of plugin calls, and read back to check that a
// call really reserved or released an address.
//
// host-local (containernetworking/plugins v1.1.1, backend/disk):
//   <dataDir>/<network>/<ip>                "containerID\r\nifname"
//   <dataDir>/<network>/last_reserved_ip.0  the last address handed out in range set 0
//   <dataDir>/<network>/lock                created by the plugin when absent
// twill-ipam (ipam/store.ts):
//   <dataDir>/<network>/<ip>                           "containerID\nifname\nip\n"
//   <dataDir>/<network>/attachments/<cid>:<ifname>/0   the same inode (hard link)
//   <dataDir>/<network>/last_reserved_ip.0
import { existsSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function ipv4ToInt(s) {
  return s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIpv4(n) {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** `count` allocations of distinct containers on consecutive addresses from `firstIp`. */
export function allocations({ firstIp, count, prefix, ifname = 'eth0' }) {
  const base = ipv4ToInt(firstIp);
  return Array.from({ length: count }, (_, i) => ({ containerId: `${prefix}${i}`, ifname, ip: intToIpv4(base + i) }));
}

export const hostLocalStore = {
  name: 'host-local',
  populate(dataDir, network, allocs) {
    const dir = join(dataDir, network);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const a of allocs) writeFileSync(join(dir, a.ip), `${a.containerId}\r\n${a.ifname}`, { mode: 0o644 });
  },
  /** The round-robin hint: the next search starts after `ip`. */
  setHint(dataDir, network, ip) {
    writeFileSync(join(dataDir, network, 'last_reserved_ip.0'), ip, { mode: 0o644 });
  },
  isReserved(dataDir, network, ip) {
    return existsSync(join(dataDir, network, ip));
  },
  holdsNothing(dataDir, network, a) {
    return !existsSync(join(dataDir, network, a.ip));
  },
};

export const twillIpamStore = {
  name: 'twill-ipam',
  populate(dataDir, network, allocs) {
    const dir = join(dataDir, network);
    mkdirSync(join(dir, 'attachments'), { recursive: true, mode: 0o700 });
    for (const a of allocs) {
      const entryDir = join(dir, 'attachments', `${a.containerId}:${a.ifname}`);
      mkdirSync(entryDir, { mode: 0o700 });
      const entry = join(entryDir, '0');
      writeFileSync(entry, `${a.containerId}\n${a.ifname}\n${a.ip}\n`, { mode: 0o600 });
      linkSync(entry, join(dir, a.ip));
    }
  },
  setHint(dataDir, network, ip) {
    writeFileSync(join(dataDir, network, 'last_reserved_ip.0'), ip, { mode: 0o600 });
  },
  isReserved(dataDir, network, ip) {
    return existsSync(join(dataDir, network, ip));
  },
  holdsNothing(dataDir, network, a) {
    const dir = join(dataDir, network);
    return !existsSync(join(dir, a.ip)) && !existsSync(join(dir, 'attachments', `${a.containerId}:${a.ifname}`));
  },
};
