// What twilld's bundle needs beyond the plugins' esbuild options. The agent takes only
// KubeConfig from @kubernetes/client-node (daemonset/kube/kubeconfig.ts) and sends over
// node:https, yet client-node's config module imports undici and its generated API (gen/: 900
// models, a fetch client) at its top. So:
// - undici is aliased to a stub that throws if reached (nothing the agent calls reaches it);
// - client-node's gen/ modules are marked free of side effects: their top levels only define
//   classes and tables, and esbuild then keeps just what KubeConfig's code refers to.
// Measured: the bundle 1.7 MB → ~0.5 MB; less code for Node to load and keep, in a process whose
// RSS is budgeted (README, twilld).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const CLIENT_NODE_DIST = `${join('node_modules', '@kubernetes', 'client-node', 'dist')}/`;

/** esbuild plugin: relative imports inside client-node's dist/ that land in dist/gen/ have no side effects. */
const clientNodeGenIsPure = {
  name: 'client-node-gen-is-pure',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.includes(CLIENT_NODE_DIST)) return undefined;
      const path = resolve(args.resolveDir, args.path);
      return path.includes(`${CLIENT_NODE_DIST}gen/`) ? { path, sideEffects: false } : undefined;
    });
  },
};

export const agentBundleOptions = {
  alias: { undici: join(here, 'undici-stub.mjs') },
  plugins: [clientNodeGenIsPure],
  metafile: true,
};

/** Throws when the agent's bundle still holds undici or client-node's API models (an import crept back). */
export function checkAgentBundle(metafile) {
  const inputs = Object.values(metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([k]) => k));
  const unwanted = inputs.filter((p) => p.includes('node_modules/undici/') || p.includes(`${CLIENT_NODE_DIST}gen/models/`));
  if (unwanted.length) throw new Error(`twilld's bundle holds ${unwanted.length} module(s) it must not (e.g. ${unwanted[0]}): see cni/build/agent/bundle-options.mjs`);
}
