// The watch cache's event window for one resource: a bounded ring of the latest events. A watch
// may resume from any resourceVersion the window still covers; older ones get 410 Expired, as
// from kube-apiserver's watch cache ("too old resource version: X (Y)").
import type { KubeObject } from './types';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  object: KubeObject;
  /** The object before the change (for MODIFIED and DELETED), to tell selector transitions. */
  prev?: KubeObject;
  rv: number;
}

export class History {
  private ring: StoreEvent[] = [];
  private start = 0;
  /** Watches from a resourceVersion below this are expired. */
  private floor: number;

  constructor(
    private readonly capacity: number,
    floor: number,
  ) {
    this.floor = floor;
  }

  get size(): number {
    return this.ring.length;
  }

  push(event: StoreEvent): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(event);
      return;
    }
    this.ring[this.start] = event;
    this.start = (this.start + 1) % this.capacity;
    // As the watch cache does: the oldest servable version is one before the oldest event held.
    this.floor = this.ring[this.start].rv - 1;
  }

  /** Forgets every event up to `rv` (compaction, a restart's fresh cache). */
  compact(rv: number): void {
    this.ring = this.ordered().filter((e) => e.rv > rv);
    this.start = 0;
    this.floor = Math.max(this.floor, rv);
  }

  /** The events after `rv`, or the floor when `rv` is older than the window. */
  since(rv: number): StoreEvent[] | { expiredBelow: number } {
    if (rv < this.floor) return { expiredBelow: this.floor };
    return this.ordered().filter((e) => e.rv > rv);
  }

  private ordered(): StoreEvent[] {
    return [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
  }
}
