import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the controller knows about one partition: the KRaft PartitionRecord, in short. */
export interface PartitionState {
  topic: string;
  partition: number;
  /** Assigned replicas, preferred leader first. */
  replicas: number[];
  inSyncReplicas: number[];
  /** -1 when no replica in the ISR is alive (offline partition). */
  leader: number;
  leaderEpoch: number;
  /** Bumped on every change of leader or ISR. */
  partitionEpoch: number;
}

export interface TopicState {
  name: string;
  topicId: string;
  internal: boolean;
  /** Only configs set explicitly on the topic; defaults come from the broker config. */
  configs: Record<string, string>;
  partitions: PartitionState[];
}

interface Persisted {
  clusterId: string;
  nextProducerId: number;
  /** Records the controller has written so far (our stand-in for the end of the __cluster_metadata log). */
  metadataOffset?: number;
  topics: TopicState[];
}

/** The controller's metadata, persisted as one JSON file (our stand-in for the KRaft metadata log). */
export class ClusterMetadata {
  readonly topics = new Map<string, TopicState>();
  nextProducerId = 1000;
  /** How many records the controller has written: what DescribeQuorum reports as the metadata log's end. */
  metadataOffset = 0;

  private constructor(
    readonly clusterId: string,
    private readonly file: string | null,
  ) {}

  static load(dataDir: string, clusterId?: string): ClusterMetadata {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'metadata.json');
    if (!existsSync(file)) {
      const metadata = new ClusterMetadata(clusterId ?? newClusterId(), file);
      metadata.save();
      return metadata;
    }
    const persisted = JSON.parse(readFileSync(file, 'utf8')) as Persisted;
    if (clusterId && clusterId !== persisted.clusterId) {
      throw new Error(
        `the data in ${dataDir} belongs to cluster ${persisted.clusterId}, not ${clusterId} ` +
          `(Kafka's InconsistentClusterIdException): reset the cluster to start fresh`,
      );
    }
    const metadata = new ClusterMetadata(persisted.clusterId, file);
    metadata.nextProducerId = persisted.nextProducerId;
    metadata.metadataOffset = persisted.metadataOffset ?? 0;
    for (const topic of persisted.topics) metadata.topics.set(topic.name, topic);
    return metadata;
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  *allPartitions(): Iterable<PartitionState> {
    for (const topic of this.topics.values()) yield* topic.partitions;
  }

  save(): void {
    if (!this.file) return;
    const persisted: Persisted = {
      clusterId: this.clusterId,
      nextProducerId: this.nextProducerId,
      metadataOffset: this.metadataOffset,
      topics: [...this.topics.values()],
    };
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(persisted));
    renameSync(tmp, this.file);
  }
}

/** Kafka cluster ids are 16 random bytes in URL-safe base64 without padding (22 characters). */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

export function newTopicId(): string {
  return randomBytes(16).toString('base64url');
}
