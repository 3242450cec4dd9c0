/** A Cluster over an in-process EmbeddedCluster, for tests that run labs without the daemon. */
import type { BrokerState, Cluster, ClusterStatus } from '../../src/cluster/types.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';

export function inProcessCluster(embedded: EmbeddedCluster, profile: 'single' | 'multi'): Cluster {
  const brokers = (): BrokerState[] => embedded.brokers().map((b) => ({ id: b.id, host: b.host, port: b.port, up: b.up }));
  return {
    backend: 'embedded',
    profile,
    up: async () => {},
    down: async () => {},
    reset: async () => {},
    status: async (): Promise<ClusterStatus> => ({
      backend: 'embedded',
      profile,
      clusterId: embedded.clusterId,
      controller: embedded.controllerId(),
      brokers: brokers().map((b) => ({ ...b, controller: b.id === embedded.controllerId() })),
      topics: [],
      groups: [],
    }),
    bootstrapServers: () => embedded.bootstrapServers,
    brokers: async () => brokers(),
    killBroker: (id) => embedded.killBroker(id),
    stopBroker: (id) => embedded.stopBroker(id),
    startBroker: (id) => embedded.startBroker(id),
    electPreferredLeaders: async () => embedded.electPreferredLeaders(),
    isUp: async () => true,
  };
}
