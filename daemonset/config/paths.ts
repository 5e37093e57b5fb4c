/** Config field paths as errors print them: "networks[0].nodePrefixLength.ipv4". */

/** "networks[0].mtu" → ["networks", 0, "mtu"]. */
export function pathSteps(path: string): (string | number)[] {
  return path.split(/\.|(?=\[)/).map((s) => (s.startsWith('[') ? Number(s.slice(1, -1)) : s));
}

/** Sets a nested value, creating the objects and arrays on the way. */
export function setPath(target: object, path: string, value: unknown): void {
  const steps = pathSteps(path);
  let node = target as Record<string | number, unknown>;
  steps.slice(0, -1).forEach((step, i) => {
    node[step] ??= typeof steps[i + 1] === 'number' ? [] : {};
    node = node[step] as Record<string | number, unknown>;
  });
  node[steps[steps.length - 1]] = value;
}

/** A nested value, or undefined when the path leads nowhere. */
export function getPath(source: unknown, path: string): unknown {
  return pathSteps(path).reduce<unknown>((node, step) => (node === null || typeof node !== 'object' ? undefined : (node as Record<string | number, unknown>)[step]), source);
}
