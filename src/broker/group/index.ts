export { GroupCoordinator, coordinatorPartition, javaStringHashCode, joinError } from './coordinator.js';
export type { GroupCoordinatorOptions } from './coordinator.js';
export { OffsetStore } from './offset-store.js';
export type { CommittedOffset, StoredGroupMeta } from './offset-store.js';
export type * from './types.js';
export { coordinates, type CoordinatorLookup } from './ownership.js';
