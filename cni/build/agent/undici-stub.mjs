// What twilld's bundle gets for `undici` (agent-bundle.mjs aliases it here). client-node's
// config module imports undici for its fetch and dispatchers; the agent uses only KubeConfig's
// credentials and sends over node:https (daemonset/kube/http.ts), so nothing may reach these.
// If something does, it fails loudly instead of silently pulling 1 MB of undici back in.
function unreachable(name) {
  throw new Error(`twilld: undici.${name} reached, but twilld bundles no undici (cni/build/agent/undici-stub.mjs)`);
}

export function fetch() {
  unreachable('fetch');
}

export class Agent {
  constructor() {
    unreachable('Agent');
  }
}

export class ProxyAgent {
  constructor() {
    unreachable('ProxyAgent');
  }
}
