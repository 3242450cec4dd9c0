/**
 * Entry point of the stand-in Kafka image (docker/build-standin.sh, `kafka-lab/standin-kafka:local`).
 *
 * It reads the part of the apache/kafka image's environment contract that compose/*.yml uses and starts ONE broker of
 * the embedded cluster with it:
 *
 *   KAFKA_NODE_ID                          the broker id
 *   KAFKA_LISTENERS / _ADVERTISED_LISTENERS  every listener except the controller ones is served (PLAINTEXT only)
 *   KAFKA_LISTENER_SECURITY_PROTOCOL_MAP   must map each served listener to PLAINTEXT
 *   KAFKA_CONTROLLER_LISTENER_NAMES        those listeners are skipped (there is no KRaft quorum here)
 *   CLUSTER_ID                             the cluster id; a data dir of another cluster is refused like Kafka does
 *   KAFKA_LOG_DIRS                         where the data lives (the compose files mount a named volume there)
 *   KAFKA_<CONFIG>                         broker configs the embedded cluster models (see CONFIG_KEYS)
 *
 * Env var → config name follows the image's rule: strip KAFKA_, lower-case, `___` → `-`, `__` → `_`, `_` → `.`.
 * Each container is a cluster of its own: replication factors above 1 are capped to 1 (and said so).
 * SIGTERM/SIGINT close the broker gracefully and exit 0; a bad environment exits 2; a failed start exits 1.
 */
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BrokerConfig } from './config.js';
import type { EmbeddedClusterOptions } from './embedded-cluster.js';

/** The image's default CLUSTER_ID (docker/resources/common-scripts/configureDefaults). */
export const IMAGE_DEFAULT_CLUSTER_ID = '5L6g3nShT-eMCtK--X86sw';
/** The image's default log dir when nothing is configured. */
export const IMAGE_DEFAULT_LOG_DIR = '/tmp/kraft-combined-logs';

/** KAFKA_* variables that are not broker configs (the image's launch scripts consume them). */
const NOT_CONFIGS = new Set([
  'KAFKA_VERSION',
  'KAFKA_HEAP_OPTS',
  'KAFKA_LOG4J_OPTS',
  'KAFKA_OPTS',
  'KAFKA_JMX_OPTS',
  'KAFKA_JVM_PERFORMANCE_OPTS',
  'KAFKA_GC_LOG_OPTS',
  'KAFKA_LOG4J_ROOT_LOGLEVEL',
  'KAFKA_LOG4J_LOGGERS',
  'KAFKA_TOOLS_LOG4J_LOGLEVEL',
  'KAFKA_JMX_HOSTNAME',
  'KAFKA_JMX_PORT',
  'KAFKA_DEBUG',
]);

/** `KAFKA_BROKER_SESSION_TIMEOUT_MS` → `broker.session.timeout.ms`, `KAFKA_A__B` → `a_b`, `KAFKA_A___B` → `a-b`. */
export function envToConfigName(name: string): string {
  return name
    .replace(/^KAFKA_/, '')
    .toLowerCase()
    .replace(/___/g, '\u0001')
    .replace(/__/g, '\u0002')
    .replace(/_/g, '.')
    .replace(/\u0001/g, '-')
    .replace(/\u0002/g, '_');
}

/** server.properties as the image would write them from the environment. */
export function propertiesFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const props: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    // KAFKA_LAB_* are the kit's own variables (KAFKA_LAB_HOME, KAFKA_LAB_DEBUG, KAFKA_LAB_STANDIN), not configs.
    if (!name.startsWith('KAFKA_') || name.startsWith('KAFKA_LAB_') || NOT_CONFIGS.has(name) || value === undefined) continue;
    props[envToConfigName(name)] = value.trim();
  }
  return props;
}

export interface ListenerSpec {
  name: string;
  host: string;
  port: number;
  advertisedHost: string;
  advertisedPort: number;
}

export interface StandinPlan {
  nodeId: number;
  clusterId: string;
  dataDir: string;
  /** served listeners, in KAFKA_LISTENERS order */
  listeners: ListenerSpec[];
  config: Partial<BrokerConfig>;
  /** one-line notes for the container log: caps, ignored settings */
  notes: string[];
}

export class EnvError extends Error {}

const LISTENER = /^([A-Za-z0-9_-]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/;

function parseListenerList(value: string, what: string): Array<{ name: string; host: string; port: number }> {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = LISTENER.exec(entry);
      if (!m) throw new EnvError(`${what}: "${entry}" is not NAME://host:port`);
      const port = Number(m[3]);
      if (!(port > 0 && port < 65536)) throw new EnvError(`${what}: bad port in "${entry}"`);
      return { name: m[1]!.toUpperCase(), host: m[2]!.replace(/^\[|\]$/g, ''), port };
    });
}

/** Kafka's default listener.security.protocol.map: each protocol name maps to itself. */
const DEFAULT_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/**
 * Broker configs the embedded cluster models, with how to read them. Kafka's defaults apply to what the environment
 * leaves out (not the embedded backend's lab-friendly ones): this stands in for the apache/kafka image.
 */
const CONFIG_KEYS: Record<string, { key: keyof BrokerConfig; parse: (v: string) => number | boolean }> = {
  'broker.session.timeout.ms': { key: 'brokerSessionTimeoutMs', parse: Number },
  'replica.lag.time.max.ms': { key: 'replicaLagTimeMaxMs', parse: Number },
  'auto.create.topics.enable': { key: 'autoCreateTopics', parse: (v) => v.toLowerCase() === 'true' },
  'num.partitions': { key: 'numPartitions', parse: Number },
  'default.replication.factor': { key: 'defaultReplicationFactor', parse: Number },
  'min.insync.replicas': { key: 'minInsyncReplicas', parse: Number },
  'unclean.leader.election.enable': { key: 'uncleanLeaderElection', parse: (v) => v.toLowerCase() === 'true' },
  'offsets.topic.num.partitions': { key: 'offsetsTopicPartitions', parse: Number },
  'offsets.topic.replication.factor': { key: 'offsetsTopicReplicationFactor', parse: Number },
  'group.initial.rebalance.delay.ms': { key: 'groupInitialRebalanceDelayMs', parse: Number },
  'auto.leader.rebalance.enable': { key: 'autoLeaderRebalance', parse: (v) => v.toLowerCase() === 'true' },
  'leader.imbalance.check.interval.seconds': { key: 'leaderImbalanceCheckIntervalMs', parse: (v) => Number(v) * 1000 },
  'socket.request.max.bytes': { key: 'maxRequestBytes', parse: Number },
  'message.max.bytes': { key: 'messageMaxBytes', parse: Number },
  'log.segment.bytes': { key: 'segmentBytes', parse: Number },
  'log.retention.ms': { key: 'retentionMs', parse: Number },
  'log.retention.hours': { key: 'retentionMs', parse: (v) => Number(v) * 3_600_000 },
  'log.retention.bytes': { key: 'retentionBytes', parse: Number },
};

/** Kafka's own defaults where the embedded cluster's differ. */
export const KAFKA_DEFAULTS: Partial<BrokerConfig> = {
  brokerSessionTimeoutMs: 9000,
  autoCreateTopics: true,
  defaultReplicationFactor: 1,
  offsetsTopicPartitions: 50,
  groupInitialRebalanceDelayMs: 3000,
  leaderImbalanceCheckIntervalMs: 300_000,
};

/** Settings that mean something to Kafka but have nothing to act on in a one-broker stand-in: accepted silently. */
const UNMODELLED_OK = new Set([
  'node.id',
  'broker.id',
  'process.roles',
  'listeners',
  'advertised.listeners',
  'listener.security.protocol.map',
  'controller.listener.names',
  'controller.quorum.voters',
  'controller.quorum.bootstrap.servers',
  'inter.broker.listener.name',
  'log.dirs',
  'log.dir',
  'broker.heartbeat.interval.ms',
  'transaction.state.log.replication.factor',
  'transaction.state.log.min.isr',
  'share.coordinator.state.topic.replication.factor',
  'share.coordinator.state.topic.min.isr',
]);

/** Turns the environment into what EmbeddedCluster.start needs; throws EnvError for what the stand-in cannot honour. */
export function planFromEnv(env: NodeJS.ProcessEnv, defaultHost = hostname()): StandinPlan {
  const props = propertiesFromEnv(env);
  const notes: string[] = [];

  const roles = (props['process.roles'] ?? 'broker,controller').split(',').map((r) => r.trim());
  if (!roles.includes('broker')) throw new EnvError(`process.roles=${props['process.roles']}: the stand-in only runs brokers (controller-only nodes are not supported)`);

  const rawId = props['node.id'] ?? props['broker.id'];
  if (rawId === undefined) throw new EnvError('KAFKA_NODE_ID is required');
  const nodeId = Number(rawId);
  if (!Number.isInteger(nodeId) || nodeId < 0) throw new EnvError(`KAFKA_NODE_ID=${rawId} is not a broker id`);

  const controllerNames = new Set(
    (props['controller.listener.names'] ?? '')
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
  );
  const protocols = new Map<string, string>(DEFAULT_PROTOCOLS.map((p) => [p, p]));
  if (props['listener.security.protocol.map']) {
    protocols.clear();
    for (const pair of props['listener.security.protocol.map'].split(',').map((s) => s.trim()).filter(Boolean)) {
      const [name, protocol] = pair.split(':');
      if (!name || !protocol) throw new EnvError(`KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "${pair}" is not NAME:PROTOCOL`);
      protocols.set(name.toUpperCase(), protocol.toUpperCase());
    }
  }

  const advertised = props['advertised.listeners'] ? parseListenerList(props['advertised.listeners'], 'KAFKA_ADVERTISED_LISTENERS') : [];
  // The image derives listeners from advertised listeners (hosts → 0.0.0.0) when KAFKA_LISTENERS is unset.
  const bind = props.listeners
    ? parseListenerList(props.listeners, 'KAFKA_LISTENERS')
    : advertised.map((l) => ({ ...l, host: '0.0.0.0' }));
  if (bind.length === 0) throw new EnvError('no listeners: set KAFKA_LISTENERS or KAFKA_ADVERTISED_LISTENERS');

  const listeners: ListenerSpec[] = [];
  for (const l of bind) {
    if (controllerNames.has(l.name)) continue;
    const protocol = protocols.get(l.name);
    if (!protocol) throw new EnvError(`listener ${l.name} has no entry in KAFKA_LISTENER_SECURITY_PROTOCOL_MAP`);
    if (protocol !== 'PLAINTEXT') throw new EnvError(`listener ${l.name} uses ${protocol}: the stand-in serves PLAINTEXT only`);
    const host = l.host === '' ? '0.0.0.0' : l.host;
    const adv = advertised.find((a) => a.name === l.name);
    const wildcard = host === '0.0.0.0' || host === '::';
    listeners.push({
      name: l.name,
      host,
      port: l.port,
      advertisedHost: adv?.host || (wildcard ? defaultHost : host),
      advertisedPort: adv?.port ?? l.port,
    });
  }
  if (listeners.length === 0) throw new EnvError('every listener is a controller listener: nothing for clients to connect to');
  for (const a of advertised) {
    if (!listeners.some((l) => l.name === a.name)) throw new EnvError(`advertised listener ${a.name} is not in KAFKA_LISTENERS`);
  }

  const config: Partial<BrokerConfig> = { ...KAFKA_DEFAULTS };
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(props)) {
    const known = CONFIG_KEYS[name];
    if (known) {
      const parsed = known.parse(value);
      if (typeof parsed === 'number' && !Number.isFinite(parsed)) throw new EnvError(`${name}=${value} is not a number`);
      (config as Record<string, number | boolean>)[known.key] = parsed;
    } else if (!UNMODELLED_OK.has(name)) {
      ignored.push(name);
    }
  }
  if (ignored.length > 0) notes.push(`not modelled by the stand-in, ignored: ${ignored.sort().join(', ')}`);

  // One broker per container: nothing can have two replicas.
  const capped: string[] = [];
  for (const [key, prop] of [
    ['defaultReplicationFactor', 'default.replication.factor'],
    ['offsetsTopicReplicationFactor', 'offsets.topic.replication.factor'],
    ['minInsyncReplicas', 'min.insync.replicas'],
  ] as const) {
    const value = config[key];
    if (typeof value === 'number' && value > 1) {
      capped.push(`${prop} ${value} → 1`);
      config[key] = 1;
    }
  }
  if (capped.length > 0) notes.push(`one broker per stand-in container (a cluster of its own): capped ${capped.join(', ')}`);

  const dataDir = (props['log.dirs'] ?? props['log.dir'] ?? IMAGE_DEFAULT_LOG_DIR).split(',')[0]!.trim();
  const clusterId = env.CLUSTER_ID?.trim() || IMAGE_DEFAULT_CLUSTER_ID;
  return { nodeId, clusterId, dataDir, listeners, config, notes };
}

/** The broker entry for EmbeddedCluster.start: one broker serving every listener of the plan. */
export function brokerOption(plan: StandinPlan): EmbeddedClusterOptions['brokers'] {
  const [first] = plan.listeners;
  return [{ id: plan.nodeId, host: first!.host, port: first!.port, listeners: plan.listeners.map((l) => ({ ...l })) }];
}

const log = (line: string) => process.stdout.write(`[kafka-lab stand-in] ${line}\n`);

async function main(): Promise<number> {
  // PID 1 in a container: a signal without a handler is ignored, so `docker stop` would wait for its SIGKILL.
  // Until the broker runs there is nothing to hand over: a signal then just ends the process.
  const early = (signal: NodeJS.Signals) => {
    log(`${signal} while starting: exiting`);
    process.exit(0);
  };
  process.once('SIGTERM', early);
  process.once('SIGINT', early);
  let plan: StandinPlan;
  try {
    plan = planFromEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`[kafka-lab stand-in] error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  for (const note of plan.notes) log(note);
  log(
    `node ${plan.nodeId}, cluster ${plan.clusterId}, data ${plan.dataDir}, listeners ` +
      plan.listeners.map((l) => `${l.name}://${l.host}:${l.port} (advertised ${l.advertisedHost}:${l.advertisedPort})`).join(', '),
  );

  const { EmbeddedCluster } = await import('./embedded-cluster.js');
  let cluster: Awaited<ReturnType<typeof EmbeddedCluster.start>>;
  try {
    cluster = await EmbeddedCluster.start({
      brokers: brokerOption(plan),
      dataDir: plan.dataDir,
      clusterId: plan.clusterId,
      config: plan.config,
      log: (m) => log(m),
    });
  } catch (error) {
    process.stderr.write(`[kafka-lab stand-in] error: startup failed: ${(error as Error).message}\n`);
    return 1;
  }

  log(`[KafkaRaftServer nodeId=${plan.nodeId}] Kafka Server started`);

  process.off('SIGTERM', early);
  process.off('SIGINT', early);
  return new Promise<number>((resolve) => {
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      log(`${signal}: controlled shutdown`);
      cluster
        .close()
        .then(() => {
          log('shut down');
          resolve(0);
        })
        .catch((error: unknown) => {
          process.stderr.write(`[kafka-lab stand-in] error: shutdown: ${(error as Error).message}\n`);
          resolve(1);
        });
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`[kafka-lab stand-in] error: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
