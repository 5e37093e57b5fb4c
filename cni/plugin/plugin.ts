import type { Plugin } from '../core/dispatch';
import { mergeKeyShapes } from '../core/keys';
import { ipamKeys } from '../generated/ipam-keys';
import { twillKeys } from '../generated/twill-keys';
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { preparePluginRun, prepareTeardownRun } from './context';
import { cmdDel } from './del';
import { cmdGc } from './gc';
import { cmdStatus } from './status';

/** The twill plugin: each verb loads the config once, then does its job. */
export const twillPlugin: Plugin = {
  add: (ctx) => cmdAdd(preparePluginRun(ctx)),
  del: (ctx) => cmdDel(prepareTeardownRun(ctx)),
  check: (ctx) => cmdCheck(preparePluginRun(ctx)),
  status: (ctx) => cmdStatus(preparePluginRun(ctx)),
  gc: (ctx) => cmdGc(prepareTeardownRun(ctx)),
  // In-process twill-ipam reads the same configuration: its keys are folded too.
  keys: mergeKeyShapes(twillKeys, ipamKeys),
};
