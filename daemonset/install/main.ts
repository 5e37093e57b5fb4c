// `twill-install --from DIR --to DIR`: what `make install` runs. One line per file on stdout; a
// failure is one line on stderr and exit status 1 (each file then holds either what it held
// before or its new content: see plan.ts).
import { parseArgs } from 'node:util';
import { installFiles } from './install-files';
import { describeStep } from './plan';

function options(): { from?: string; to?: string } {
  try {
    return parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } }).values;
  } catch (err) {
    process.stderr.write(`twill-install: ${(err as Error).message}\n`);
    return {};
  }
}

const { from, to } = options();
if (!from || !to) {
  process.stderr.write('usage: twill-install --from BUILD_DIR --to CNI_BIN_DIR\n');
  process.exitCode = 2;
} else {
  installFiles({ from, to, log: (step) => process.stdout.write(`${describeStep(step)}\n`) }).then(
    () => process.stdout.write(`twill installed in ${to}\n`),
    (err: Error) => {
      process.stderr.write(`twill-install: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
