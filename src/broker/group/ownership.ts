/** What the group handlers need of the cluster to route a group: its coordinator broker (-1 while there is none). */
export interface CoordinatorLookup {
  coordinatorFor(groupId: string): number;
}

/** True when `brokerId` coordinates `groupId` (leads its __consumer_offsets partition). */
export function coordinates(cluster: CoordinatorLookup, brokerId: number, groupId: string): boolean {
  return cluster.coordinatorFor(groupId) === brokerId;
}
