/**
 * Names and paths twill writes into `ip -batch`, `nft -f` and `iptables-restore` scripts. Their
 * parsers give "#" (comment), quotes, backslashes, whitespace, "*" (nft) and "+" (iptables) a
 * meaning of their own and none of them can escape "#", so rather than quoting for three
 * dialects, what twill creates or is handed is held to characters all of them read literally.
 * The kernel allows more; CNI runtimes and Kubernetes use none of it.
 */
const SAFE_IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const SAFE_PATH = /^\/[A-Za-z0-9_.:@+=,~%/-]*$/;

/** A decoder put U+FFFD where the bytes were not UTF-8 (Node decodes the environment that way). */
export function holdsNonUtf8(value: string): boolean {
  return value.includes('\uFFFD');
}

const NOT_UTF8 = 'holds bytes that are not UTF-8';

/** Why an interface name (already valid for the kernel) is not one twill writes into a script. */
export function unsafeIfname(name: string): string | undefined {
  if (holdsNonUtf8(name)) return `${JSON.stringify(name)} ${NOT_UTF8}`;
  if (!SAFE_IFNAME.test(name)) return `${JSON.stringify(name)} may hold only letters, digits, "_", "." and "-", and may not start with "." or "-"`;
  return undefined;
}

/** Why an absolute path (a network namespace's) is not one twill writes into a script. */
export function unsafePath(path: string): string | undefined {
  if (holdsNonUtf8(path)) return `${JSON.stringify(path)} ${NOT_UTF8}`;
  if (!SAFE_PATH.test(path)) return `${JSON.stringify(path)} may hold only letters, digits and "/_.:@+=,~%-"`;
  return undefined;
}

/** Why a value read from the environment cannot be trusted to be what the runtime meant. */
export function nonUtf8Problem(value: string): string | undefined {
  return holdsNonUtf8(value) ? NOT_UTF8 : undefined;
}
