// Every network's controller run as one: a pass reconciles them in config order, and one
// network's failure neither stops the others' reconcile nor is hidden (the pass still fails, so
// the loop retries). Ready only when every network is; the reason names the network.
import { errorMessage } from '../kube/log';
import type { NodeController, ReconcileOutcome } from './controller';
import type { KernelEntry } from './kernel-watch';

/** Some networks' passes failed; each is named with its error. */
export class NetworksFailedError extends Error {
  constructor(readonly failures: ReadonlyArray<{ network: string; error: unknown }>) {
    super(failures.map((f) => `network ${f.network}: ${errorMessage(f.error)}`).join('; '));
    this.name = 'NetworksFailedError';
  }
}

export class NetworkControllers {
  constructor(readonly controllers: readonly NodeController[]) {}

  /** One pass of every network, in order; throws NetworksFailedError after all ran when any failed. */
  async reconcile(full: boolean): Promise<ReconcileOutcome[]> {
    const outcomes: ReconcileOutcome[] = [];
    const failures: Array<{ network: string; error: unknown }> = [];
    for (const c of this.controllers) {
      try {
        outcomes.push(await c.reconcile(full));
      } catch (error) {
        failures.push({ network: c.network.name, error });
      }
    }
    if (failures.length) throw new NetworksFailedError(failures);
    return outcomes;
  }

  get isReady(): boolean {
    return this.controllers.every((c) => c.isReady);
  }

  /** The first network not ready, and why. */
  get notReadyReason(): string {
    const c = this.controllers.find((x) => !x.isReady);
    return c ? `network ${c.network.name}: ${c.notReadyReason}` : 'ok';
  }

  /** Whether any network still wants the entry (its deletion is damage). */
  wants(entry: KernelEntry): boolean {
    return this.controllers.some((c) => c.wants(entry));
  }

  nodesChanged(): void {
    for (const c of this.controllers) c.nodesChanged();
  }

  /** Every network's VXLAN device. */
  get devices(): string[] {
    return this.controllers.map((c) => c.device);
  }
}
