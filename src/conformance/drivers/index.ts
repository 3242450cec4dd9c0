/** Every client the suite drives: whether it can run here, and how to open it against a cluster. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { javaCandidate, probeJava } from '../../cluster/jvm/java.js';
import type { ClientName, Driver } from '../types.js';
import { buildGoDriver, buildJavaDriver, DRIVERS_DIR, javaClasspath, javac } from './build.js';
import { jsonLinesDriver } from './json-lines.js';
import { kafkajsDriver } from './kafkajs.js';
import { kcatDriver } from './kcat.js';
import { rawDriver } from './raw.js';

const PYTHON = '/usr/bin/python3';
const missing = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 }).status !== 0;

/** null when the client can run on this machine, else what to install (one line). */
export function clientProblem(name: ClientName): string | null {
  switch (name) {
    case 'kafkajs':
    case 'raw':
      return null;
    case 'kcat':
      return missing('kcat', ['-V']) ? 'kcat is not installed (`apt-get install kcat`, `brew install kcat`)' : null;
    case 'kafka-python':
      return missing(PYTHON, ['-c', 'import kafka']) ? `kafka-python is not importable by ${PYTHON} (\`apt-get install python3-kafka\`)` : null;
    case 'java': {
      const java = probeJava();
      if (!java.ok) return java.problem;
      return missing(javac(), ['-version']) ? 'no javac next to java: the Java driver needs a JDK, not a JRE' : null;
    }
    case 'franz-go':
      return missing('go', ['version']) ? 'no Go toolchain (`go` on the PATH) to build the franz-go driver' : null;
  }
}

/** Builds what needs building first (Java: javac once; franz-go: go build once, both cached). */
export function prepareClient(name: ClientName): void {
  if (name === 'java') buildJavaDriver();
  if (name === 'franz-go') buildGoDriver();
}

export function openDriver(name: ClientName, bootstrap: string[]): Driver {
  const servers = bootstrap.join(',');
  switch (name) {
    case 'kafkajs':
      return kafkajsDriver(bootstrap);
    case 'kcat':
      return kcatDriver(bootstrap);
    case 'raw':
      return rawDriver();
    case 'kafka-python':
      return jsonLinesDriver('kafka-python', { command: PYTHON, args: [join(DRIVERS_DIR, 'python', 'driver.py'), servers] }, (c) => {
        if (c.op === 'produce' && c.compression && !['none', 'gzip'].includes(c.compression)) return `kafka-python needs the python ${c.compression} module for ${c.compression}, not installed here`;
        if (c.op === 'join' && c.instanceId) return 'kafka-python 2.0 has no static membership (group.instance.id)';
        if (c.op === 'join' && c.protocol === 'consumer') return 'kafka-python speaks only the classic group protocol';
        if (c.op === 'transaction' || (c.op === 'fetch' && c.readCommitted)) return 'kafka-python 2.0 has no transactions (no transactional producer, no read_committed)';
        return null;
      });
    case 'java':
      return jsonLinesDriver('java', { command: javaCandidate().path, args: ['-cp', `${buildJavaDriver()}:${javaClasspath()}`, 'Driver', servers] }, () => null);
    case 'franz-go':
      return jsonLinesDriver('franz-go', { command: buildGoDriver(), args: [servers] }, (c) =>
        c.op === 'join' && c.protocol === 'consumer' ? 'this franz-go driver joins with the classic group protocol only' : null,
      );
  }
}
