import type { Plugin } from '../core/dispatch';
import { mergeKeyShapes } from '../core/keys';
import { ipamKeys } from '../generated/ipam-keys';
import { twillKeys } from '../generated/twill-keys';
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { preparePluginRun, prepareTeardownRun } from './context';
import { cmdDel } from './del';
import { cmdGc } from './gc';
import { withCniErrors } from './host-errors';
import { cmdStatus } from './status';

/** The twill plugin: each verb loads the config once, then does its job; host errors get their CNI code here. */
export const twillPlugin: Plugin = {
  add: withCniErrors((ctx) => cmdAdd(preparePluginRun(ctx))),
  del: withCniErrors((ctx) => cmdDel(prepareTeardownRun(ctx))),
  check: withCniErrors((ctx) => cmdCheck(preparePluginRun(ctx))),
  status: withCniErrors((ctx) => cmdStatus(preparePluginRun(ctx))),
  gc: withCniErrors((ctx) => cmdGc(prepareTeardownRun(ctx))),
  // In-process twill-ipam reads the same configuration: its keys are folded too.
  keys: mergeKeyShapes(twillKeys, ipamKeys),
};
