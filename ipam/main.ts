import { runMain } from '../cni/core/main';
import { ipamPlugin } from './plugin';

runMain(ipamPlugin);
