import { runAgent } from './agent/run';

const stopSignal = new Promise<string>((resolve) => ['SIGTERM', 'SIGINT'].forEach((s) => process.once(s, () => resolve(s))));
runAgent({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr, stopSignal }).then((code) => process.exit(code));
