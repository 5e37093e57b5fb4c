import type { AsyncRunner } from './run-async';

/** One offload feature as `ethtool -k` shows it. */
export interface Feature {
  on: boolean;
  /** "[fixed]": the driver does not let it change. */
  fixed: boolean;
}

/** `ethtool -k` output ("name: on [fixed]" lines, some indented) by feature name. */
export function parseFeatures(text: string): Map<string, Feature> {
  const out = new Map<string, Feature>();
  for (const line of text.split('\n')) {
    const m = /^\s*([\w-]+):\s+(on|off)(.*)$/.exec(line);
    if (m) out.set(m[1], { on: m[2] === 'on', fixed: m[3].includes('[fixed]') });
  }
  return out;
}

export async function readFeatures(runner: AsyncRunner, dev: string): Promise<Map<string, Feature>> {
  return parseFeatures((await runner(['ethtool', '-k', dev])).stdout);
}

/** `ethtool -K dev name on|off …` in one exec. */
export async function setFeatures(runner: AsyncRunner, dev: string, features: Record<string, boolean>): Promise<void> {
  const args = Object.entries(features).flatMap(([name, on]) => [name, on ? 'on' : 'off']);
  if (args.length) await runner(['ethtool', '-K', dev, ...args]);
}
