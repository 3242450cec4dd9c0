export { runChaos, resolveTargets, summarizePeriods, type ChaosOptions, type ChaosReport, type FaultRecord, type LiveState } from './run.js';
export { planSchedule, scheduleStream, describeSpec, Prng, FAST_TIMING, DOCKER_TIMING, type FaultSpec, type FaultRole, type FaultAction, type ScheduleTiming } from './schedule.js';
export { startChaosCluster, CHAOS_SESSION_TIMEOUT_MS, type InProcessChaosCluster } from './embedded.js';
export { ClusterObserver, coordinatorPartitionOf, javaHashCode, type ClusterView } from './observer.js';
export { renderLive, renderReport } from './report.js';
export { parseDuration } from './args.js';
