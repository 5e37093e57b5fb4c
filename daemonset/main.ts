import { runTwilld } from './cli/dispatch';

const stopSignal = new Promise<string>((resolve) => ['SIGTERM', 'SIGINT'].forEach((s) => process.once(s, () => resolve(s))));
runTwilld({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr, stopSignal, selfPath: process.argv[1] }).then((code) => process.exit(code));
