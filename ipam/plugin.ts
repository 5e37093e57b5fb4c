import type { Plugin } from '../cni/core/dispatch';
import { ipamKeys } from '../cni/generated/ipam-keys';
import { ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus } from './index';

/** The standalone twill-ipam binary: what the reference bridge (or any plugin) execs from CNI_PATH. */
export const ipamPlugin: Plugin = {
  add: ({ conf, env }) => ipamAdd({ conf, env }),
  del: ({ conf, env }) => ipamDel({ conf, env }),
  check: ({ conf, env }) => ipamCheck({ conf, env }),
  status: ({ conf }) => ipamStatus(conf),
  gc: ({ conf, log }) => ipamGc(conf, log),
  keys: ipamKeys,
};
