/**
 * testcontainers (11.x) helpers for tests that want Kafka in Docker: the kit's own compose files, or one broker.
 * Both work with the official `apache/kafka` image and with the same Kafka built on this machine (`yarn docker:image`,
 * kafka-lab/kafka:4.4.0); KAFKA_IMAGE picks, else the pinned official image.
 *
 *   const kafka = await startKafkaContainer();            // one KRaft node on a free host port
 *   new Kafka({ brokers: kafka.bootstrapServers });
 *   await kafka.stop();
 *
 *   const env = await startKafkaCompose({ profile: 'single' });   // compose/single-broker.yml, healthchecks waited for
 *   await env.stop();
 *
 * Ryuk (testcontainers' reaper) needs to pull its own image; these helpers stop what they start, so it is turned off
 * unless TESTCONTAINERS_RYUK_DISABLED is already set. The compose helper uses `docker compose` (v2) or falls back to
 * `docker-compose` (v1). It publishes the same host ports (9092-9094) and volume names as `yarn cluster:up`: do not
 * run it while a kit cluster is up.
 *
 * Why GenericContainer and not @testcontainers/kafka's KafkaContainer (checked with 11.14.0, the release matching our
 * testcontainers 11, and 12.2.0, which is the same code): that module drives Confluent's cp-kafka images, not the
 * apache/kafka family. It reads the image tag as a Confluent Platform version, so `4.4.0` means ZooKeeper mode, and
 * `.withKraft()` throws "Provided Confluent Platform's version 4.4.0 is not supported in Kraft mode". It replaces the
 * start command with `sh -c` polling for a script it copies in; that script starts with `#!/bin/bash`, runs
 * `zookeeper-server-start` (not in Kafka 4) and `/etc/confluent/docker/run` (not in apache/kafka). On kafka-lab/kafka
 * the container exits at once (no bash); on apache/kafka it would fail at the Confluent paths. Adding bash or
 * busybox to our image would not help: the module needs Confluent's image layout, which the official image does not
 * have either. The env contract of apache/kafka, which both images honour, is all GenericContainer needs.
 */
import { spawnSync } from 'node:child_process';
import { freePort } from '../cluster/ports.js';
import {
  DockerComposeEnvironment,
  GenericContainer,
  type StartedDockerComposeEnvironment,
  type StartedTestContainer,
  Wait,
} from 'testcontainers';
import { COMPOSE_FILES, kafkaImage } from '../cluster/docker/backend.js';
import { PROJECT_ROOT } from '../cluster/home.js';
import { PROFILE_BROKERS, type Profile } from '../cluster/types.js';

function ryukOffUnlessSet(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
}

/** `docker compose` when the v2 plugin answers, else `docker-compose` (v1), else null. */
export function composeFlavour(): 'v2' | 'v1' | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return 'v2';
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return 'v1';
  return null;
}

export interface KafkaComposeOptions {
  profile: Profile;
  /** default: KAFKA_IMAGE, else the pinned apache/kafka image */
  image?: string;
  /** default: kafka-lab-tc-<profile> (not the kit's own project names, so `yarn cluster:*` never adopts it) */
  projectName?: string;
  startupTimeoutMs?: number;
}

export interface StartedKafkaCompose {
  environment: StartedDockerComposeEnvironment;
  projectName: string;
  bootstrapServers: string[];
  /** compose down, volumes included */
  stop(): Promise<void>;
}

/** compose/<profile> through testcontainers; resolves once every container's healthcheck passes. */
export async function startKafkaCompose(options: KafkaComposeOptions): Promise<StartedKafkaCompose> {
  ryukOffUnlessSet();
  const flavour = composeFlavour();
  if (!flavour) throw new Error('neither `docker compose` nor `docker-compose` is installed');
  const projectName = options.projectName ?? `kafka-lab-tc-${options.profile}`;
  let environment = new DockerComposeEnvironment(PROJECT_ROOT, COMPOSE_FILES[options.profile])
    .withProjectName(projectName)
    .withEnvironment({ KAFKA_IMAGE: options.image ?? kafkaImage() })
    .withDefaultWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(options.startupTimeoutMs ?? 180_000);
  if (flavour === 'v1') environment = environment.withClientOptions({ executable: { standalone: true } });
  const started = await environment.up();
  return {
    environment: started,
    projectName,
    bootstrapServers: PROFILE_BROKERS[options.profile].map((b) => `${b.host}:${b.port}`),
    stop: async () => {
      await started.down({ removeVolumes: true, timeout: 30_000 });
    },
  };
}

export interface KafkaContainerOptions {
  /** default: KAFKA_IMAGE, else the pinned apache/kafka image */
  image?: string;
  /** host port = container port, so the advertised 127.0.0.1:<port> is right on both sides (default: a free port) */
  port?: number;
  nodeId?: number;
  /** 22 characters of base64url (default: a fixed id) */
  clusterId?: string;
  /** more KAFKA_* settings, e.g. { KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' } */
  env?: Record<string, string>;
  startupTimeoutMs?: number;
}

export interface StartedKafkaContainer {
  container: StartedTestContainer;
  port: number;
  bootstrapServers: string[];
  stop(): Promise<void>;
}

export { freePort };

/**
 * One Kafka node (KRaft, broker + controller) configured through the apache/kafka env contract, like
 * compose/single-broker.yml but on a free port and without a volume: every start is a brand-new cluster.
 */
export async function startKafkaContainer(options: KafkaContainerOptions = {}): Promise<StartedKafkaContainer> {
  ryukOffUnlessSet();
  const port = options.port ?? (await freePort());
  const nodeId = options.nodeId ?? 1;
  const container = await new GenericContainer(options.image ?? kafkaImage())
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: String(nodeId),
      KAFKA_PROCESS_ROLES: 'broker,controller',
      CLUSTER_ID: options.clusterId ?? 'a2Fma2EtbGFiLXRlc3RpbmcA',
      KAFKA_LISTENERS: `HOST://0.0.0.0:${port},CONTROLLER://0.0.0.0:29093`,
      KAFKA_ADVERTISED_LISTENERS: `HOST://127.0.0.1:${port}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'HOST:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'HOST',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: `${nodeId}@127.0.0.1:29093`,
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_HEAP_OPTS: '-Xmx512m -Xms512m',
      ...options.env,
    })
    .withHealthCheck({
      test: ['CMD-SHELL', `KAFKA_HEAP_OPTS=-Xmx64m /opt/kafka/bin/kafka-cluster.sh cluster-id --bootstrap-server 127.0.0.1:${port} >/dev/null 2>&1`],
      interval: 2_000,
      timeout: 20_000,
      retries: 60,
      startPeriod: 5_000,
    })
    .withWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(options.startupTimeoutMs ?? 120_000)
    .start();
  return {
    container,
    port,
    bootstrapServers: [`127.0.0.1:${port}`],
    stop: async () => {
      await container.stop({ timeout: 30_000, remove: true, removeVolumes: true });
    },
  };
}
