/**
 * The jvm backend's broker settings come from the compose files themselves, so both real-Kafka backends run the same
 * cluster: every KAFKA_* variable of compose/<profile>.yml becomes a server property by the apache/kafka image's rule
 * (strip KAFKA_, lower-case, `___` → `-`, `__` → `_`, `_` → `.`), and CLUSTER_ID / KAFKA_HEAP_OPTS keep their meaning.
 * Only what names the container network is replaced: the listeners, the quorum voters and the log directory.
 *
 *   compose (container kafka-2)                       jvm backend (node 2)
 *   HOST://0.0.0.0:9093, advertised 127.0.0.1:9093    HOST://127.0.0.1:9093 (also the inter-broker listener)
 *   DOCKER://kafka-2:19092                           —  (no container network)
 *   CONTROLLER://0.0.0.0:29093, voters kafka-N:29093  CONTROLLER://127.0.0.1:19093, voters 127.0.0.1:1909N
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../../common/user-error.js';
import { PROJECT_ROOT } from '../home.js';
import type { BrokerAddress, Profile } from '../types.js';

export const COMPOSE_FOR_PROFILE: Record<Profile, string> = {
  single: 'compose/single-broker.yml',
  multi: 'compose/multi-broker.yml',
};

/** Variables of the image's contract that are not server properties. */
const NOT_PROPERTIES = new Set([
  'CLUSTER_ID',
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
]);

/** Properties that describe the container network: the jvm backend sets its own. */
const REPLACED = new Set([
  'listeners',
  'advertised.listeners',
  'listener.security.protocol.map',
  'inter.broker.listener.name',
  'controller.listener.names',
  'controller.quorum.voters',
  'log.dirs',
]);

/** KAFKA_LOG_CLEANER_DEDUPE_BUFFER_SIZE → log.cleaner.dedupe.buffer.size; KAFKA_FOO___BAR__BAZ → foo-bar_baz. */
export function envToProperty(name: string): string {
  return name
    .replace(/^KAFKA_/, '')
    .toLowerCase()
    .replace(/___/g, '\u0000')
    .replace(/__/g, '\u0001')
    .replace(/_/g, '.')
    .replace(/\u0000/g, '-')
    .replace(/\u0001/g, '_');
}

export interface ComposeNode {
  id: number;
  clusterId: string;
  heapOpts: string;
  /** server properties that are the same on Docker and here */
  properties: Record<string, string>;
}

/** The brokers of a compose file, read as the image would read their environment. */
export function composeNodes(profile: Profile, root = PROJECT_ROOT): ComposeNode[] {
  const file = join(root, COMPOSE_FOR_PROFILE[profile]);
  const doc = parse(readFileSync(file, 'utf8')) as { services?: Record<string, { environment?: Record<string, unknown> }> };
  const nodes: ComposeNode[] = [];
  for (const [name, service] of Object.entries(doc.services ?? {})) {
    if (!/^kafka-\d+$/.test(name)) continue;
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]));
    const properties: Record<string, string> = {};
    for (const [key, value] of Object.entries(env)) {
      if (!key.startsWith('KAFKA_') || NOT_PROPERTIES.has(key)) continue;
      const property = envToProperty(key);
      if (!REPLACED.has(property)) properties[property] = value;
    }
    const id = Number(properties['node.id']);
    if (!Number.isInteger(id) || !env.CLUSTER_ID) throw new UserError(`${file}: service ${name} has no KAFKA_NODE_ID or CLUSTER_ID`);
    nodes.push({ id, clusterId: env.CLUSTER_ID, heapOpts: env.KAFKA_HEAP_OPTS ?? '-Xmx512m -Xms512m', properties });
  }
  return nodes.sort((a, b) => a.id - b.id);
}

export interface NodeAddress extends BrokerAddress {
  controllerPort: number;
}

/** server.properties for one local node of the profile. */
export function serverProperties(profile: Profile, node: ComposeNode, all: NodeAddress[], dataDir: string): string {
  const me = all.find((n) => n.id === node.id);
  if (!me) throw new Error(`no address for node ${node.id}`);
  const properties: Record<string, string> = {
    ...node.properties,
    listeners: `HOST://${me.host}:${me.port},CONTROLLER://${me.host}:${me.controllerPort}`,
    'advertised.listeners': `HOST://${me.host}:${me.port}`,
    'listener.security.protocol.map': 'HOST:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'HOST',
    'controller.listener.names': 'CONTROLLER',
    'controller.quorum.voters': all.map((n) => `${n.id}@${n.host}:${n.controllerPort}`).join(','),
    'log.dirs': dataDir,
  };
  const lines = Object.entries(properties).map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}`);
  return `# Written by kafka-lab's jvm backend from ${COMPOSE_FOR_PROFILE[profile]} (service kafka-${node.id}): change that file, not this one.\n${lines.join('\n')}\n`;
}
