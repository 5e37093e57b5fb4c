import { CniError, ErrorCode } from '../core/errors';
import { CommandError } from '../host/errors';

/**
 * The plugin's edge, the one place host errors get a CNI code: a failed command is a host
 * setup failure (102), with its argv, exit and stderr as details. File-system errors keep
 * their errno fields and become code 5 in the dispatcher (toCniError); the rest is unchanged.
 */
export function cniErrorOf(err: unknown): unknown {
  if (err instanceof CommandError) return new CniError(ErrorCode.hostSetup, err.message, err.details);
  return err;
}

/** A verb with host errors mapped on the way out. */
export function withCniErrors<A extends unknown[], R>(verb: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return verb(...args);
    } catch (err) {
      throw cniErrorOf(err);
    }
  };
}
