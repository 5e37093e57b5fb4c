import { runMain } from '../core/main';
import { twillPlugin } from './plugin';

runMain(twillPlugin);
