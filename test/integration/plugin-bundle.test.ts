// The per-pod bundles carry only what the hot path uses: the agent's async runner lives in
// cni/host beside the sync one, and esbuild must leave it out of dist/twill and dist/twill-ipam.
// The same esbuild settings applied to an entry that does import it show the marker is real.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST } from '../helpers/exec-plugin';

const ROOT = join(__dirname, '..', '..');
/** Only the async runner kills a command (on its timeout). */
const MARKER = 'SIGKILL';

describe('bundles', () => {
  it('an entry that imports the async runner carries it', async () => {
    const out = await build({
      stdin: { contents: "import { createAsyncRunner } from './cni/host/run-async'; console.log(createAsyncRunner);", resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      minify: true,
      write: false,
    });
    expect(out.outputFiles[0].text).toContain(MARKER);
  });

  it.each(['twill', 'twill-ipam'])('dist/%s does not', (name) => {
    expect(readFileSync(join(DIST, name), 'utf8')).not.toContain(MARKER);
  });
});
