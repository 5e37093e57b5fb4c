import { CniError, ErrorCode } from './errors';

/**
 * stdin must be UTF-8 (JSON text is, RFC 8259). A lenient decoder would turn a stray byte into
 * U+FFFD, and a name holding it would reach the kernel or a file as other bytes than the
 * runtime wrote, so invalid bytes are refused with code 6, naming the field that holds them.
 */
const strict = new TextDecoder('utf-8', { fatal: true });

function childPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

/** The first key or string value (as "a.b[0].c") that holds U+FFFD, where the lenient decoder put one. */
function replacedAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\uFFFD') ? path || '(config)' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    const here = childPath(path, k);
    if (typeof k === 'string' && k.includes('\uFFFD')) return here;
    const found = replacedAt(v, here);
    if (found) return found;
  }
  return undefined;
}

function notUtf8(bytes: Uint8Array): CniError {
  let field: string | undefined;
  try {
    field = replacedAt(JSON.parse(new TextDecoder().decode(bytes)), '');
  } catch {
    field = undefined; // not JSON either: the message cannot name a field
  }
  return new CniError(ErrorCode.decode, `${field ?? 'network configuration on stdin'}: holds bytes that are not UTF-8`, 'JSON text must be UTF-8');
}

/** stdin as text; code 6 when its bytes are not UTF-8. */
export function decodeUtf8(stdin: string | Uint8Array): string {
  if (typeof stdin === 'string') return stdin;
  try {
    return strict.decode(stdin);
  } catch {
    throw notUtf8(stdin);
  }
}

/** The text a lenient decoder sees, for best-effort reads (the version to answer errors in). */
export function lenientText(stdin: string | Uint8Array): string {
  return typeof stdin === 'string' ? stdin : new TextDecoder().decode(stdin);
}
