/**
 * The jvm backend on real Apache Kafka: a 3-node KRaft cluster of local JVMs, driven through the Cluster interface,
 * checked with kafkajs and the kit's own protocol requests. Free ports and a temp home: no user cluster is touched.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/cluster/home.js';
import { createTopicsAndWait } from '../../src/clients/topics.js';
import { activeController } from '../../src/cluster/kafka-requests.js';
import { nodePaths, readClusterFile, runningPid } from '../../src/cluster/jvm/nodes.js';
import { composeNodes } from '../../src/cluster/jvm/server-config.js';
import { pidAlive } from '../../src/cluster/processes.js';
import { eventually } from '../helpers/embedded.js';
import { type JvmTestCluster, jvmSkip, jvmTestCluster } from '../helpers/jvm.js';
import { occupy } from '../embedded-backend/helpers.js';
import { freePort } from '../../src/cluster/ports.js';

const skip = jvmSkip('test/jvm/backend.test.ts');

const kafkaFor = (bootstrap: string[]) =>
  new Kafka({ clientId: 'jvm-test', brokers: bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });

describe.skipIf(skip !== null)('jvm backend: a multi cluster of real Kafka', () => {
  let c: JvmTestCluster;
  beforeAll(async () => {
    c = await jvmTestCluster('multi');
    await c.backend.up();
  }, 180_000);
  afterAll(async () => {
    await c?.destroy();
  }, 120_000);

  it('serves every broker, with the settings of compose/multi-broker.yml', async () => {
    const admin = kafkaFor(c.backend.bootstrapServers()).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
      expect(cluster.clusterId).toBe(composeNodes('multi')[0]!.clusterId);
      const configs = await admin.describeConfigs({ resources: [{ type: 4, name: '1', configNames: ['min.insync.replicas', 'default.replication.factor', 'auto.create.topics.enable', 'broker.session.timeout.ms'] }], includeSynonyms: false });
      const values = Object.fromEntries(configs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
      expect(values).toEqual({ 'min.insync.replicas': '2', 'default.replication.factor': '3', 'auto.create.topics.enable': 'false', 'broker.session.timeout.ms': '5000' });
    } finally {
      await admin.disconnect();
    }
    const file = readClusterFile(c.home, 'multi');
    expect(file?.nodes.map((n) => n.port)).toEqual(c.ports);
  });

  it('status names the active controller (DescribeQuorum) and every topic partition', async () => {
    const admin = kafkaFor(c.backend.bootstrapServers()).admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'jvm-status', numPartitions: 3, replicationFactor: 3 }]);
    await admin.disconnect();
    const status = await c.backend.status();
    expect(status.error).toBeUndefined();
    expect(status.backend).toBe('jvm');
    expect(status.brokers.every((b) => b.up)).toBe(true);
    expect([1, 2, 3]).toContain(status.controller);
    expect(status.brokers.filter((b) => b.controller).map((b) => b.id)).toEqual([status.controller]);
    const topic = status.topics.find((t) => t.name === 'jvm-status');
    expect(topic?.partitions.map((p) => p.isr.length)).toEqual([3, 3, 3]);
  });

  it('kill: the controller fences the dead node, a new leader comes from the ISR, clients carry on; start: it rejoins', async () => {
    const kafka = kafkaFor(c.backend.bootstrapServers());
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'jvm-failover', numPartitions: 1, replicationFactor: 3 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'jvm-failover', acks: -1, messages: [{ value: 'before' }] });
    const leaderOf = async () => (await admin.fetchTopicMetadata({ topics: ['jvm-failover'] })).topics[0]!.partitions[0]!;
    const before = await leaderOf();
    await c.backend.killBroker(before.leader);
    expect(runningPid(nodePaths(c.home, 'multi', before.leader))).toBeNull();
    const after = await eventually(async () => {
      const p = await leaderOf();
      return p.leader !== before.leader && p.leader >= 0 && !p.isr.includes(before.leader) ? p : null;
    }, 60_000, 250);
    expect(before.isr).toContain(after.leader);
    await producer.send({ topic: 'jvm-failover', acks: -1, messages: [{ value: 'after' }] });
    expect((await c.backend.brokers()).find((b) => b.id === before.leader)?.up).toBe(false);

    await c.backend.startBroker(before.leader);
    await eventually(async () => (await leaderOf()).isr.includes(before.leader), 60_000, 250);
    expect(await c.backend.electPreferredLeaders()).toBeGreaterThanOrEqual(0);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('stop is a controlled shutdown: leadership moves before the node exits', async () => {
    const kafka = kafkaFor(c.backend.bootstrapServers());
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'jvm-stop', numPartitions: 1, replicationFactor: 3 }]);
    const leader = (await admin.fetchTopicMetadata({ topics: ['jvm-stop'] })).topics[0]!.partitions[0]!.leader;
    const pid = runningPid(nodePaths(c.home, 'multi', leader))!;
    await c.backend.stopBroker(leader);
    expect(pidAlive(pid)).toBe(false);
    // No session timeout to wait for: the leader moved during the controlled shutdown.
    const p = (await admin.fetchTopicMetadata({ topics: ['jvm-stop'] })).topics[0]!.partitions[0]!;
    expect(p.leader).not.toBe(leader);
    expect(p.isr).not.toContain(leader);
    expect(readFileSync(c.backend.logFile(leader), 'utf8')).toMatch(/controlled shutdown/i);
    await c.backend.startBroker(leader);
    await admin.disconnect();
  });

  it('up on a running cluster reuses it; another profile is refused', async () => {
    const pids = [1, 2, 3].map((id) => runningPid(nodePaths(c.home, 'multi', id)));
    await c.backend.up();
    expect([1, 2, 3].map((id) => runningPid(nodePaths(c.home, 'multi', id)))).toEqual(pids);
    const single = await jvmTestCluster('single', { home: c.home });
    await expect(single.backend.up()).rejects.toThrow(/the multi profile is running on the jvm backend: stop it first/);
  });

  it('DescribeQuorum lists the controller every broker forwards to', async () => {
    const controllers = await Promise.all(c.backend.bootstrapServers().map((b) => activeController([b])));
    expect(new Set(controllers).size).toBe(1);
  });
});

describe.skipIf(skip !== null)('jvm backend: bad cases are one line, with nothing left running', () => {
  it('a port that another program holds is named, before any JVM starts', async () => {
    const c = await jvmTestCluster('single');
    const holder = await occupy(c.controllerPorts[0]!);
    try {
      await expect(c.backend.up()).rejects.toThrow(new RegExp(`^port ${c.controllerPorts[0]} is already in use( by \\S+ \\(pid \\d+\\))?: stop it`));
      expect(existsSync(nodePaths(c.home, 'single', 1).pidFile)).toBe(false);
    } finally {
      holder.close();
      await c.destroy();
    }
  });

  it('data formatted for another cluster id is refused, and reset fixes it', async () => {
    const c = await jvmTestCluster('single');
    try {
      const data = nodePaths(c.home, 'single', 1).data;
      mkdirSync(data, { recursive: true });
      writeFileSync(join(data, 'meta.properties'), 'version=1\ncluster.id=SomeOtherClusterIdAAAA\nnode.id=1\n');
      await expect(c.backend.up()).rejects.toThrow(/broker 1's data .* belongs to cluster SomeOtherClusterIdAAAA, not .*: wipe it with `yarn cluster:reset --backend jvm --profile single`/);
      await c.backend.reset();
      await c.backend.up();
      expect(await c.backend.isUp()).toBe(true);
    } finally {
      await c.destroy();
    }
  }, 120_000);

  it('a node that exits during start: its log says why, and the other nodes go too', async () => {
    const c = await jvmTestCluster('multi');
    // A java that formats storage for real but whose broker dies at once, like a broker that cannot start.
    const fake = join(c.home, 'java-broken');
    const real = spawnSync('sh', ['-c', 'command -v java']).stdout.toString().trim();
    writeFileSync(fake, `#!/bin/sh\nfor a in "$@"; do case "$a" in kafka.Kafka) case " $* " in *node-2*) echo "[2026-01-01 00:00:00,000] ERROR Exiting Kafka due to fatal exception (kafka.Kafka$)"; echo "java.lang.RuntimeException: simulated start failure"; exit 1;; esac;; esac; done\nexec ${real} "$@"\n`);
    chmodSync(fake, 0o755);
    const broken = new (c.backend.constructor as typeof import('../../src/cluster/jvm/backend.js').JvmBackend)({
      profile: 'multi',
      home: c.home,
      ports: c.ports,
      controllerPorts: c.controllerPorts,
      env: { ...process.env, KAFKA_LAB_JAVA: fake },
      log: () => {},
    });
    try {
      await expect(broken.up()).rejects.toThrow(/^broker 2 stopped during start \(exit code 1\): java\.lang\.RuntimeException: simulated start failure: see \S+node-2\.log$/);
      for (const id of [1, 2, 3]) expect(runningPid(nodePaths(c.home, 'multi', id))).toBeNull();
    } finally {
      await c.destroy();
    }
  }, 120_000);

  it('no Java, or a Java older than 17: one line that says what to install', async () => {
    const c = await jvmTestCluster('single');
    const old = join(c.home, 'java-11');
    writeFileSync(old, '#!/bin/sh\necho \'openjdk version "11.0.21" 2023-10-17\' >&2\n');
    chmodSync(old, 0o755);
    try {
      const none = new (c.backend.constructor as typeof import('../../src/cluster/jvm/backend.js').JvmBackend)({ profile: 'single', home: c.home, ports: c.ports, controllerPorts: c.controllerPorts, env: { ...process.env, KAFKA_LAB_JAVA: '/nonexistent/java' } });
      await expect(none.up()).rejects.toThrow('KAFKA_LAB_JAVA points to /nonexistent/java, which does not exist: install a JDK 17+');
      const eleven = new (c.backend.constructor as typeof import('../../src/cluster/jvm/backend.js').JvmBackend)({ profile: 'single', home: c.home, ports: c.ports, controllerPorts: c.controllerPorts, env: { ...process.env, KAFKA_LAB_JAVA: old } });
      await expect(eleven.up()).rejects.toThrow(/^Java 11 found \(.*java-11\), Kafka 4\.4\.0 needs Java 17 or newer: install a JDK 17\+/);
    } finally {
      await c.destroy();
    }
  });
});

describe.skipIf(skip !== null)('jvm backend: cluster:up installs a missing runtime first', () => {
  const JvmBackend = async () => (await import('../../src/cluster/jvm/backend.js')).JvmBackend;
  /** A PATH with java and nothing else (no mvn), so the install goes over HTTPS. */
  function javaOnlyPath(dir: string): string {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const java = spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"']).stdout.toString().trim();
    symlinkSync(java, join(bin, 'java'));
    return bin;
  }

  it('offline with an empty cache: one line saying what to run while online, and nothing started', async () => {
    const c = await jvmTestCluster('single');
    const closed = await freePort();
    const backend = new (await JvmBackend())({
      profile: 'single',
      home: c.home,
      ports: c.ports,
      controllerPorts: c.controllerPorts,
      log: () => {},
      env: { ...process.env, PATH: javaOnlyPath(c.home), KAFKA_LAB_CACHE: join(c.home, 'cache'), KAFKA_LAB_M2_REPO: join(c.home, 'no-m2'), KAFKA_LAB_MAVEN_REPO: `http://127.0.0.1:${closed}/m2` },
    });
    try {
      await expect(backend.up()).rejects.toThrow(/^cannot fetch the Kafka 4\.4\.0 runtime \(.*\): connect to the internet and run `yarn kafka:install` once; after that the jvm backend works offline$/);
      expect(existsSync(join(c.home, 'cache', 'kafka-4.4.0'))).toBe(false);
      expect(await backend.isUp()).toBe(false);
    } finally {
      await c.destroy();
    }
  });

  it('a missing runtime is installed (here from ~/.m2, checked against the lock), then the cluster starts', async () => {
    const c = await jvmTestCluster('single');
    const lines: string[] = [];
    const backend = new (await JvmBackend())({
      profile: 'single',
      home: c.home,
      ports: c.ports,
      controllerPorts: c.controllerPorts,
      log: (line) => lines.push(line),
      env: { ...process.env, KAFKA_LAB_CACHE: join(c.home, 'cache') },
    });
    try {
      await backend.up();
      expect(lines[0]).toMatch(/^Kafka 4\.4\.0 is not on this machine yet: installing it into .*cache\/kafka-4\.4\.0/);
      expect(existsSync(join(c.home, 'cache', 'kafka-4.4.0', 'manifest.json'))).toBe(true);
      expect(await backend.isUp()).toBe(true);
    } finally {
      await backend.reset();
      await c.destroy();
    }
  }, 180_000);
});

describe.skipIf(skip !== null)('jvm backend through the scripts: nodes outlive the command that started them', () => {
  it('cluster:up returns, the JVM keeps serving, cluster:status shows it, cluster:down stops it', async () => {
    const c = await jvmTestCluster('single');
    const env = { ...process.env, KAFKA_LAB_HOME: c.home, KAFKA_LAB_PORTS: String(c.ports[0]), KAFKA_LAB_CONTROLLER_PORTS: String(c.controllerPorts[0]), CI: 'true', FORCE_COLOR: '0' };
    const run = (script: string, ...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', script), ...args], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 180_000 });
    try {
      const up = run('cluster-up.ts', '--backend', 'jvm');
      expect(up.stderr + up.stdout).toMatch(/Kafka 4\.4\.0 \(single\) is up on 127\.0\.0\.1:\d+ \(jvm backend/);
      expect(up.status).toBe(0);
      const pid = runningPid(nodePaths(c.home, 'single', 1));
      expect(pid).not.toBeNull();
      const status = run('cluster-status.ts', '--json');
      expect(status.status).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ backend: 'jvm', profile: 'single', controller: 1 });
      expect(status.stderr).toContain('backend: jvm (auto: Kafka 4.4.0 (single) is running on the jvm backend)');
      const down = run('cluster-down.ts');
      expect(down.status).toBe(0);
      expect(pidAlive(pid!)).toBe(false);
    } finally {
      await c.destroy();
    }
  }, 240_000);
});
