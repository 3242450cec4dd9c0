import type { Replica } from './replica.js';

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** The replicas one broker hosts, by topic and partition. */
export class ReplicaSet {
  private readonly byKey = new Map<string, Replica>();

  get(topic: string, partition: number): Replica | undefined {
    return this.byKey.get(key(topic, partition));
  }

  set(replica: Replica): void {
    this.byKey.set(key(replica.topic, replica.partition), replica);
  }

  delete(topic: string, partition: number): void {
    this.byKey.delete(key(topic, partition));
  }

  values(): IterableIterator<Replica> {
    return this.byKey.values();
  }

  clear(): void {
    this.byKey.clear();
  }
}
