import { readFileSync, writeSync } from 'node:fs';
import { dispatch, type Plugin } from './dispatch';

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return ''; // no stdin (closed or a TTY error): decoding reports it
  }
}

/** The only code that touches `process`: builds the Io from it and sets the exit code. */
export function runMain(plugin: Plugin): void {
  const io = {
    env: process.env,
    stdin: process.env.CNI_COMMAND === 'VERSION' ? '' : readStdin(),
    stdout: (text: string) => void writeSync(1, text),
    stderr: (text: string) => void writeSync(2, text),
  };
  dispatch(plugin, io).then((code) => {
    process.exitCode = code;
  });
}
