import { CniError } from '../../cni/core/errors';

/** Runs fn, which must throw a CniError, and returns it for the test to inspect. */
export function failure(fn: () => unknown): CniError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    return err as CniError;
  }
  throw new Error('expected a CniError, nothing was thrown');
}
