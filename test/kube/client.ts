// client-node wired to a test API server, and small waiting helpers for tests that drive it.
import * as k8s from '@kubernetes/client-node';
import type { TestApiServer } from './apiserver';

export function kubeConfigFor(api: TestApiServer, user?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(api.kubeconfig(user));
  return kc;
}

export interface Clients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  coordination: k8s.CoordinationV1Api;
}

export function clientsFor(api: TestApiServer, user?: string): Clients {
  const kc = kubeConfigFor(api, user);
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), coordination: kc.makeApiClient(k8s.CoordinationV1Api) };
}

/** Per-call options that set a PATCH's Content-Type (client-node's default is JSON patch). */
export const asMergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
export const asStrategicMergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

/** The HTTP code and Status body of a failed client-node call. */
export async function failureOf(call: Promise<unknown>): Promise<{ code: number; body: { reason?: string; message?: string; code?: number; details?: unknown } }> {
  try {
    await call;
  } catch (e) {
    const err = e as k8s.ApiException<unknown>;
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, body: typeof err.body === 'string' ? JSON.parse(err.body) : (err.body as object) };
  }
  throw new Error('expected the call to fail');
}

/** Polls `check` until it returns without throwing (or the time is up, then rethrows). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
