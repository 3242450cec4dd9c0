/**
 * `cluster:status`'s data: one ClusterStatus for any backend (src/cli/status-view.ts draws it).
 *
 * The numbers come from the Kafka protocol (metadata: leaders, replicas, ISR; configs: min.insync.replicas; list
 * offsets: high watermarks; groups: members, assignments, committed offsets → lag), in ./admin-status.ts's
 * buildClusterStatus, which every backend calls from its status(). The backend adds what metadata cannot say: which
 * brokers are up (containers / the daemon / the JVMs' pids) and the active KRaft controller.
 */
import type { Cluster, ClusterStatus } from './types.js';

export async function readStatus(cluster: Cluster): Promise<ClusterStatus> {
  try {
    return await cluster.status();
  } catch (error) {
    const brokers = await cluster.brokers().catch(() => []);
    return {
      backend: cluster.backend,
      profile: cluster.profile,
      clusterId: null,
      controller: null,
      brokers: brokers.map((b) => ({ ...b, controller: false })),
      topics: [],
      groups: [],
      error: error instanceof Error ? error.message : String(error),
    };
  }
}
