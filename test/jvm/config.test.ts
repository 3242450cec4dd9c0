/** The jvm backend's pieces that need no JVM: settings from the compose files, ports, Java versions, the lock. */
import { describe, expect, it } from 'vitest';
import { KAFKA_VERSION, SCALA_VERSION } from '../../src/common/kafka-version.js';
import { nodeAddresses } from '../../src/cluster/jvm/backend.js';
import { parseJavaMajor, probeJava } from '../../src/cluster/jvm/java.js';
import { readLock } from '../../src/cluster/jvm/runtime.js';
import { composeNodes, envToProperty, serverProperties } from '../../src/cluster/jvm/server-config.js';

describe('server properties come from the compose files', () => {
  it('applies the apache/kafka image rule for variable names', () => {
    expect(envToProperty('KAFKA_BROKER_SESSION_TIMEOUT_MS')).toBe('broker.session.timeout.ms');
    expect(envToProperty('KAFKA_LOG_CLEANER_DEDUPE_BUFFER_SIZE')).toBe('log.cleaner.dedupe.buffer.size');
    expect(envToProperty('KAFKA_LISTENER_NAME_HOST__SSL___X')).toBe('listener.name.host_ssl-x');
  });

  it('keeps every broker setting of compose/multi-broker.yml and replaces only what names the container network', () => {
    const nodes = composeNodes('multi');
    expect(nodes.map((n) => n.id)).toEqual([1, 2, 3]);
    expect(nodes[0]!.properties).toMatchObject({
      'process.roles': 'broker,controller',
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
      'offsets.topic.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
      'broker.session.timeout.ms': '5000',
      'broker.heartbeat.interval.ms': '1000',
      'auto.create.topics.enable': 'false',
      'leader.imbalance.check.interval.seconds': '10',
      'log.cleaner.dedupe.buffer.size': '16777216',
      'log.cleaner.backoff.ms': '1000',
    });
    for (const replaced of ['listeners', 'advertised.listeners', 'controller.quorum.voters', 'log.dirs', 'inter.broker.listener.name']) {
      expect(nodes[0]!.properties[replaced]).toBeUndefined();
    }
    expect(nodes[0]!.heapOpts).toBe('-Xmx512m -Xms512m');
    const addresses = nodeAddresses('multi', [9092, 9093, 9094], undefined, {});
    const text = serverProperties('multi', nodes[1]!, addresses, '/data/2');
    expect(text).toContain('node.id=2\n');
    expect(text).toContain('listeners=HOST://127.0.0.1:9093,CONTROLLER://127.0.0.1:19093\n');
    expect(text).toContain('advertised.listeners=HOST://127.0.0.1:9093\n');
    expect(text).toContain('controller.quorum.voters=1@127.0.0.1:19092,2@127.0.0.1:19093,3@127.0.0.1:19094\n');
    expect(text).toContain('log.dirs=/data/2\n');
    expect(text).not.toMatch(/DOCKER|kafka-\d:/);
  });

  it('the single profile: RF 1 for everything, its own cluster id', () => {
    const [node] = composeNodes('single');
    expect(node!.properties).toMatchObject({ 'offsets.topic.replication.factor': '1', 'min.insync.replicas': '1' });
    expect(node!.clusterId).not.toBe(composeNodes('multi')[0]!.clusterId);
  });
});

describe('ports', () => {
  it('broker ports from KAFKA_LAB_PORTS, controller ports +10000 or from KAFKA_LAB_CONTROLLER_PORTS', () => {
    expect(nodeAddresses('single', undefined, undefined, {})).toEqual([{ id: 1, host: '127.0.0.1', port: 9092, controllerPort: 19092 }]);
    expect(nodeAddresses('single', undefined, undefined, { KAFKA_LAB_PORTS: '9192' })[0]).toMatchObject({ port: 9192, controllerPort: 19192 });
    expect(nodeAddresses('single', undefined, undefined, { KAFKA_LAB_PORTS: '9192', KAFKA_LAB_CONTROLLER_PORTS: '9999' })[0]).toMatchObject({ controllerPort: 9999 });
    expect(() => nodeAddresses('multi', undefined, undefined, { KAFKA_LAB_PORTS: '9192' })).toThrow('KAFKA_LAB_PORTS lists 1 port(s) but the multi profile has 3 broker(s)');
    expect(() => nodeAddresses('single', undefined, undefined, { KAFKA_LAB_PORTS: '60000' })).toThrow(/leaves no controller port .* or set KAFKA_LAB_CONTROLLER_PORTS/);
  });
});

describe('Java', () => {
  it('reads the major version from `java -version`', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('openjdk version "25" 2025-09-16')).toBe(25);
    expect(parseJavaMajor('java version "1.8.0_351"')).toBe(8);
    expect(parseJavaMajor('nonsense')).toBeNull();
  });

  it('says what is missing in one line', () => {
    expect(probeJava({ KAFKA_LAB_JAVA: '/nonexistent/java' })).toEqual({ ok: false, problem: 'KAFKA_LAB_JAVA points to /nonexistent/java, which does not exist' });
    expect(probeJava({ JAVA_HOME: '/nonexistent' })).toEqual({ ok: false, problem: 'JAVA_HOME points to /nonexistent/bin/java, which does not exist' });
    expect(probeJava({ PATH: '/nonexistent' })).toEqual({ ok: false, problem: 'no Java on this machine (no `java` on the PATH)' });
  });
});

describe('the pinned runtime', () => {
  it('is the kit version: the broker, the tools and the SLF4J binding, each with a SHA-256', () => {
    const lock = readLock();
    expect(lock.kafkaVersion).toBe(KAFKA_VERSION);
    expect(lock.roots).toEqual(expect.arrayContaining([`org.apache.kafka:kafka_${SCALA_VERSION}:${KAFKA_VERSION}`, `org.apache.kafka:kafka-tools:${KAFKA_VERSION}`]));
    const files = lock.artifacts.map((a) => a.file);
    expect(files).toEqual(expect.arrayContaining([`kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar`, `kafka-tools-${KAFKA_VERSION}.jar`, `kafka-clients-${KAFKA_VERSION}.jar`]));
    const binding = lock.artifacts.find((a) => a.artifactId === 'log4j-slf4j-impl');
    expect(binding?.version).toBe(lock.artifacts.find((a) => a.artifactId === 'log4j-core')?.version);
    for (const a of lock.artifacts) expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(files).size).toBe(files.length);
  });
});
