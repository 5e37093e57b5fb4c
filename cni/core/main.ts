import { readFileSync, writeSync } from 'node:fs';
import { dispatch, type Plugin } from './dispatch';

/** The raw bytes: decoding them strictly (cni/core/utf8.ts) is the dispatcher's job. */
function readStdin(): Uint8Array | string {
  try {
    return readFileSync(0);
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
