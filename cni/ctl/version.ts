import { version as packageVersion } from '../../package.json';

declare const TWILL_VERSION: string | undefined;

/** The build's version (cni/build/build.mjs defines TWILL_VERSION), else package.json's. */
export const CTL_VERSION: string = typeof TWILL_VERSION === 'string' ? TWILL_VERSION : packageVersion;
