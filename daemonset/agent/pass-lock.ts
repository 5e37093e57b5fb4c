// One network's passes, one at a time: an event's pass holds the lock from start to end; a full
// pass gives it up while it reads the kernel (Lease.outside), so events are programmed meanwhile
// instead of waiting a second behind it. First come, first served.

/** The holder's hand on the lock. */
export interface Lease {
  /** Runs `fn` without the lock; resolves once the lock is held again (after whoever queued meanwhile). */
  outside<T>(fn: () => Promise<T>): Promise<T>;
}

export class PassLock {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: (lease: Lease) => Promise<T>): Promise<T> {
    let release = await this.acquire();
    const lease: Lease = {
      outside: async (inner) => {
        release();
        try {
          return await inner();
        } finally {
          release = await this.acquire();
        }
      },
    };
    try {
      return await fn(lease);
    } finally {
      release();
    }
  }

  /** Resolves with the release once everyone queued before has released. */
  private acquire(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const before = this.tail;
    this.tail = before.then(() => mine);
    return before.then(() => release);
  }
}
