import type { Plugin } from '../core/dispatch';
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { preparePluginRun } from './context';
import { cmdDel } from './del';
import { cmdGc } from './gc';
import { withCniErrors } from './host-errors';
import { cmdStatus } from './status';

/** The twill plugin: each verb loads the config once, then does its job; host errors get their CNI code here. */
export const twillPlugin: Plugin = {
  add: withCniErrors((ctx) => cmdAdd(preparePluginRun(ctx))),
  del: withCniErrors((ctx) => cmdDel(preparePluginRun(ctx))),
  check: withCniErrors((ctx) => cmdCheck(preparePluginRun(ctx))),
  status: withCniErrors((ctx) => cmdStatus(preparePluginRun(ctx))),
  gc: withCniErrors((ctx) => cmdGc(preparePluginRun(ctx))),
};
