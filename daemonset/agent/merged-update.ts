/**
 * An update that runs one at a time and merges what waits: while one runs, every later request
 * joins a single queued one, which computes its input when it starts (the newest) and verifies
 * when any of its requests asked to. Under churn the NAT exemption is then written once per
 * update time with the latest destinations, not once per event with each event's (and the
 * 5,000-entry destination list is built once per write, not once per event).
 */
export class MergedUpdate<T> {
  private tail: Promise<unknown> = Promise.resolve();
  private queued: { verify: boolean; done: Promise<void> } | undefined;
  /** The input last written, as a key: an unverified request for the same input writes nothing. */
  private lastKey: string | undefined;

  constructor(private readonly o: { input: () => T; key: (input: T) => string; apply: (input: T, verify: boolean) => Promise<unknown> }) {}

  /** Resolves when an update that started after this call has finished (with this call's input or a newer one). */
  request(verify: boolean): Promise<void> {
    if (this.queued) {
      this.queued.verify ||= verify;
      return this.queued.done;
    }
    const job: { verify: boolean; done: Promise<void> } = { verify, done: Promise.resolve() };
    job.done = this.tail.catch(() => undefined).then(() => this.run(job));
    this.queued = job;
    this.tail = job.done;
    return job.done;
  }

  private async run(job: { verify: boolean }): Promise<void> {
    if (this.queued === job) this.queued = undefined;
    const input = this.o.input();
    const key = this.o.key(input);
    if (!job.verify && key === this.lastKey) return;
    this.lastKey = undefined; // unknown until this write succeeds
    await this.o.apply(input, job.verify);
    this.lastKey = key;
  }
}
