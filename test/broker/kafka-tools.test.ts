/**
 * Kafka 4.4.0's own command-line tools (the Java admin client) against the embedded cluster: kafka-metadata-quorum
 * (DescribeQuorum, DescribeCluster) and kafka-leader-election (ElectLeaders). They print what they print on real
 * Kafka (docs/fidelity.md), except the voters' endpoints: the embedded controller has no listener of its own.
 * Skipped, with the reason, where Java or the Kafka runtime (`yarn kafka:install`) is missing.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { probeJava } from '../../src/cluster/jvm/java.js';
import { classpath, runtimeDir } from '../../src/cluster/jvm/runtime.js';
import { eventually, startTestCluster, type TestCluster } from '../helpers/embedded.js';
import { jvmAvailability } from '../helpers/jvm.js';

const { skip } = jvmAvailability();
if (skip) console.warn(`test/broker/kafka-tools.test.ts: skipped: ${skip}`);

let t: TestCluster | undefined;
afterEach(async () => {
  await t?.destroy();
  t = undefined;
});

/** Runs a tool in a child JVM; asynchronously, since the cluster it talks to lives in this process's event loop. */
function tool(main: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const java = probeJava();
  if (!java.ok) throw new Error(java.problem);
  const child = spawn(java.java.path, ['-Xmx256m', '-cp', classpath(runtimeDir()), main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const quorumTool = (bootstrap: string, ...args: string[]) => tool('org.apache.kafka.tools.MetadataQuorumCommand', ['--bootstrap-server', bootstrap, ...args]);
const electionTool = (bootstrap: string, ...args: string[]) => tool('org.apache.kafka.tools.LeaderElectionCommand', ['--bootstrap-server', bootstrap, ...args]);

describe.skipIf(skip)("Kafka's tools against the embedded cluster", () => {
  it('kafka-metadata-quorum describes the quorum: the active controller, its epoch, the voters', async () => {
    t = await startTestCluster({ brokers: 3 });
    const bootstrap = t.cluster.bootstrapServers.join(',');
    const status = await quorumTool(bootstrap, 'describe', '--status');
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^ClusterId:\\s+${t.cluster.clusterId}$`, 'm'));
    expect(status.stdout).toMatch(new RegExp(`^LeaderId:\\s+${t.cluster.controllerId()}$`, 'm'));
    expect(status.stdout).toMatch(/^LeaderEpoch:\s+1$/m);
    expect(status.stdout).toMatch(/^CurrentVoters:\s+\[\{"id": 1\}, \{"id": 2\}, \{"id": 3\}\]$/m);
    expect(status.stdout).toMatch(/^CurrentObservers:\s+\[\]$/m);
    const replication = await quorumTool(bootstrap, 'describe', '--replication');
    expect(replication.status, replication.stderr).toBe(0);
    const rows = replication.stdout.trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/));
    expect(rows.map((r) => Number(r[0])).sort()).toEqual([1, 2, 3]);
    expect(rows.filter((r) => r.at(-1) === 'Leader').map((r) => Number(r[0]))).toEqual([t.cluster.controllerId()]);
  });

  it('kafka-leader-election: nothing to do, the preferred leader unavailable, then elected back', async () => {
    t = await startTestCluster({ brokers: 3, config: { autoLeaderRebalance: false } });
    const bootstrap = t.cluster.bootstrapServers.join(',');
    const admin = t.kafka().admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'el', numPartitions: 3, replicationFactor: 3 }] });
    await admin.disconnect();
    const nothing = await electionTool(bootstrap, '--election-type', 'PREFERRED', '--all-topic-partitions');
    expect(nothing.status, nothing.stderr).toBe(0);
    expect(nothing.stdout.trim()).toBe('');
    const one = await electionTool(bootstrap, '--election-type', 'PREFERRED', '--topic', 'el', '--partition', '0');
    expect(one.stdout).toContain('Valid replica already elected for partitions el-0');

    const preferred = t.cluster.context.metadata.partition('el', 0)!.replicas[0]!;
    await t.cluster.stopBroker(preferred);
    const others = t.cluster.brokers().filter((b) => b.id !== preferred).map((b) => `${b.host}:${b.port}`).join(',');
    const down = await electionTool(others, '--election-type', 'PREFERRED', '--all-topic-partitions');
    expect(down.status).toBe(1);
    expect(down.stdout).toContain('Error completing leader election (PREFERRED) for partition: el-0: org.apache.kafka.common.errors.PreferredLeaderNotAvailableException');

    await t.cluster.startBroker(preferred);
    await eventually(() => t!.cluster.context.metadata.partition('el', 0)!.inSyncReplicas.includes(preferred));
    const back = await electionTool(bootstrap, '--election-type', 'PREFERRED', '--all-topic-partitions');
    expect(back.status, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/^Successfully completed leader election \(PREFERRED\) for partitions .*\bel-0\b/m);
    expect(t.cluster.context.metadata.partition('el', 0)!.leader).toBe(preferred);
  });
});
