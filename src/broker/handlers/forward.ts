import type { ClusterContext } from '../cluster/context.js';

/**
 * Requests only the controller can answer. A KRaft broker forwards them to the active controller; while there is none
 * (no quorum, or an election under way) it holds them, and answers REQUEST_TIMED_OUT after 60 s
 * (controllerForwardTimeoutMs) whatever the request's own timeout says. Measured on Kafka 4.4.0 with 2 of 3 nodes
 * down: CreateTopics and DescribeQuorum got REQUEST_TIMED_OUT after 60.0 s; requests still held when the quorum
 * came back were carried out then. Resolves true once there is an active controller.
 */
export function awaitController(cluster: ClusterContext): Promise<boolean> {
  return cluster.controller.whenActive(cluster.config.controllerForwardTimeoutMs);
}
