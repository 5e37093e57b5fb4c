/** CNI error codes: 0-99 are the spec's, 100+ are twill's own (documented in README). */
export const ErrorCode = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  io: 5,
  decode: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  notAvailable: 50,
  notAvailableDisrupted: 51,
  /** twill: every address of a range set is taken. */
  rangeExhausted: 100,
  /** twill: a requested address is held by another attachment. */
  addressInUse: 101,
  /** twill: a kernel-side change (ip, nft) failed. */
  hostSetup: 102,
  /** twill: CHECK found the attachment differs from what ADD set up. */
  drift: 103,
  /** twill: a host port is already published by another pod. */
  portInUse: 104,
  internal: 999,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode] | number;

/** The one error type every layer raises; the dispatcher turns it into the spec's error JSON. */
export class CniError extends Error {
  readonly code: ErrorCodeValue;
  readonly details: string | undefined;

  constructor(code: ErrorCodeValue, msg: string, details?: string) {
    super(msg);
    this.name = 'CniError';
    this.code = code;
    this.details = details;
  }
}

/** A delegated plugin's error, printed unchanged so the runtime sees the original. */
export class DelegatedError extends CniError {
  readonly raw: Record<string, unknown>;

  constructor(raw: Record<string, unknown>) {
    super(Number(raw.code) || ErrorCode.internal, String(raw.msg ?? 'delegated plugin failed'), raw.details as string | undefined);
    this.raw = raw;
  }
}

export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string') {
    return new CniError(ErrorCode.io, `${e.syscall} ${e.path ?? ''}: ${e.code}`.replace('  ', ' '), e.message);
  }
  return new CniError(ErrorCode.internal, e?.message ?? String(err), e?.stack);
}
