#!/usr/bin/env node
/**
 * Stand-ins for the few /opt/kafka/bin tools of the apache/kafka image that kafka-lab calls inside a container:
 *
 *   kafka-cluster.sh cluster-id --bootstrap-server HOST:PORT          (compose healthchecks)  → "Cluster ID: <id>"
 *   kafka-metadata-quorum.sh --bootstrap-server HOST:PORT describe --status   (cluster:status) → "LeaderId: <id>" ...
 *
 * Same arguments, same output lines the kit parses, exit 0 when the broker answers and 1 otherwise. Plain ESM on
 * kafkajs (no tsx) so a healthcheck costs a fraction of a second.
 */
import { createRequire } from 'node:module';

const require = createRequire('/opt/kafka-lab/package.json');
const { Kafka, logLevel } = require('kafkajs');

const [tool, ...args] = process.argv.slice(2);

function option(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const bootstrap = option('--bootstrap-server') ?? option('--bootstrap-controller');
if (!bootstrap) fail(`${tool}: --bootstrap-server is required`, 2);

const kafka = new Kafka({
  clientId: `standin-${tool}`,
  brokers: bootstrap.split(','),
  logLevel: logLevel.NOTHING,
  connectionTimeout: 3000,
  requestTimeout: 5000,
  retry: { retries: 0 },
});
const admin = kafka.admin();
const timer = setTimeout(() => fail(`${tool}: timed out talking to ${bootstrap}`), 15000);
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  if (tool === 'kafka-cluster') {
    if (args[0] !== 'cluster-id') fail(`kafka-cluster.sh: only "cluster-id" is supported by the stand-in`, 2);
    process.stdout.write(`Cluster ID: ${cluster.clusterId}\n`);
  } else if (tool === 'kafka-metadata-quorum') {
    if (!args.includes('describe') || !args.includes('--status')) fail('kafka-metadata-quorum.sh: only "describe --status" is supported by the stand-in', 2);
    const ids = cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
    process.stdout.write(
      [
        `ClusterId:              ${cluster.clusterId}`,
        `LeaderId:               ${cluster.controller ?? -1}`,
        `LeaderEpoch:            1`,
        `HighWatermark:          0`,
        `MaxFollowerLag:         0`,
        `MaxFollowerLagTimeMs:   0`,
        `CurrentVoters:          [${ids.map((id) => `{"id": ${id}}`).join(',')}]`,
        `CurrentObservers:       []`,
      ].join('\n') + '\n',
    );
  } else {
    fail(`${tool}: not provided by the kafka-lab stand-in image`, 2);
  }
  await admin.disconnect();
  clearTimeout(timer);
  process.exit(0);
} catch (error) {
  fail(`${tool}: ${error?.message ?? error}`);
}
