import type { EmbeddedCluster } from '../broker/embedded-cluster.js';
import { buildClusterStatus } from './admin-status.js';
import type { BrokerState, Cluster, ClusterStatus, Profile } from './types.js';

/**
 * An EmbeddedCluster running in this process, seen through the Cluster interface: what tests, chaos runs and benches
 * use when they want brokers on free ports that start in milliseconds, with kills as method calls. The cluster's
 * lifetime belongs to whoever started it, so up/down/reset do nothing here.
 */
export class InProcessCluster implements Cluster {
  readonly backend = 'embedded' as const;

  constructor(
    readonly embedded: EmbeddedCluster,
    readonly profile: Profile = embedded.brokers().length > 1 ? 'multi' : 'single',
  ) {}

  async up(): Promise<void> {}
  async down(): Promise<void> {}
  async reset(): Promise<void> {}

  async isUp(): Promise<boolean> {
    return this.embedded.brokers().some((b) => b.up);
  }

  bootstrapServers(): string[] {
    return this.embedded.bootstrapServers;
  }

  async brokers(): Promise<BrokerState[]> {
    return this.embedded.brokers();
  }

  status(): Promise<ClusterStatus> {
    return buildClusterStatus({
      backend: 'embedded',
      profile: this.profile,
      bootstrapServers: this.embedded.bootstrapServers,
      brokers: this.embedded.brokers(),
      controller: this.embedded.controllerId(),
    });
  }

  killBroker(id: number): Promise<void> {
    return this.embedded.killBroker(id);
  }

  stopBroker(id: number): Promise<void> {
    return this.embedded.stopBroker(id);
  }

  startBroker(id: number): Promise<void> {
    return this.embedded.startBroker(id);
  }

  async electPreferredLeaders(): Promise<number> {
    return this.embedded.electPreferredLeaders();
  }
}
