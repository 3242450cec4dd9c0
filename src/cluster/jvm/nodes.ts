/**
 * One Kafka node of the jvm backend as files and a process:
 *
 *   <home>/jvm/<profile>/cluster.json          which nodes, ports, cluster id, Kafka version (written by up)
 *   <home>/jvm/<profile>/node-N/server.properties
 *   <home>/jvm/<profile>/node-N/data/          the log dir (formatted once by StorageTool)
 *   <home>/jvm/<profile>/node-N/kafka.pid
 *   <home>/jvm/<profile>/node-N.log            everything the JVM prints
 *
 * Nodes are started detached (own session, stdio to the log file), so they outlive the script that started them, as
 * containers outlive `docker compose up`.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Java } from './java.js';
import { classpath } from './runtime.js';
import { commandLineOf, pidAlive } from '../processes.js';
import type { Profile } from '../types.js';
import type { NodeAddress } from './server-config.js';

export const LOG4J_CONFIG = fileURLToPath(new URL('./log4j2.yaml', import.meta.url));
const LOG_ROTATE_BYTES = 20 * 1024 * 1024;

export interface ClusterFile {
  profile: Profile;
  clusterId: string;
  kafkaVersion: string;
  nodes: NodeAddress[];
  startedAt: string;
}

export interface NodePaths {
  dir: string;
  properties: string;
  data: string;
  pidFile: string;
  log: string;
}

export function profileDir(home: string, profile: Profile): string {
  return join(home, 'jvm', profile);
}

export function nodePaths(home: string, profile: Profile, id: number): NodePaths {
  const dir = join(profileDir(home, profile), `node-${id}`);
  return {
    dir,
    properties: join(dir, 'server.properties'),
    data: join(dir, 'data'),
    pidFile: join(dir, 'kafka.pid'),
    log: join(profileDir(home, profile), `node-${id}.log`),
  };
}

export const clusterFile = (home: string, profile: Profile) => join(profileDir(home, profile), 'cluster.json');

export function readClusterFile(home: string, profile: Profile): ClusterFile | null {
  try {
    const data = JSON.parse(readFileSync(clusterFile(home, profile), 'utf8')) as ClusterFile;
    return data.profile === profile && Array.isArray(data.nodes) ? data : null;
  } catch {
    return null;
  }
}

export function writeClusterFile(home: string, data: ClusterFile): void {
  mkdirSync(profileDir(home, data.profile), { recursive: true });
  writeFileSync(clusterFile(home, data.profile), JSON.stringify(data, null, 2) + '\n');
}

/** The pid of node N when its JVM runs (a pid file whose process is a Kafka JVM reading this node's properties). */
export function runningPid(paths: NodePaths): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  } catch {
    return null;
  }
  if (!pidAlive(pid)) return null;
  const command = commandLineOf(pid);
  if (command !== null && !(command.includes('kafka.Kafka') && command.includes(paths.properties))) return null; // recycled pid
  return pid;
}

/** `cluster.id=…` of a formatted log dir, or null when it was never formatted. */
export function formattedClusterId(dataDir: string): string | null {
  const file = join(dataDir, 'meta.properties');
  if (!existsSync(file)) return null;
  const m = /^cluster\.id=(.+)$/m.exec(readFileSync(file, 'utf8'));
  return m ? m[1]!.trim() : null;
}

function jvmArgs(java: Java, heapOpts: string): string[] {
  return [
    ...heapOpts.split(/\s+/).filter(Boolean),
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    // zstd-jni, snappy and lz4 load native code: Java 22+ warns on every start without this.
    ...(java.major >= 22 ? ['--enable-native-access=ALL-UNNAMED'] : []),
  ];
}

/** StorageTool format: writes meta.properties and the bootstrap metadata into the node's log dir (a JVM, ~2 s). */
export function formatStorageAsync(java: Java, runtime: string, paths: NodePaths, clusterId: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      java.path,
      ['-Xmx256m', `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, '-cp', classpath(runtime), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', paths.properties],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (error) => resolve({ ok: false, output: error.message }));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

export interface StartedNode {
  pid: number;
  /** set when the JVM exits: 'exit code 1', 'signal SIGKILL' */
  exited(): string | null;
}

/** Starts `kafka.Kafka <server.properties>` detached; the log file gets a line saying when and how. */
export function startNode(java: Java, runtime: string, paths: NodePaths, heapOpts: string): StartedNode {
  try {
    if (existsSync(paths.log) && statSync(paths.log).size > LOG_ROTATE_BYTES) renameSync(paths.log, paths.log + '.1');
  } catch {
    /* rotation is best effort */
  }
  const fd = openSync(paths.log, 'a');
  writeFileSync(fd, `\n===== ${new Date().toISOString()} kafka-lab: starting ${paths.properties} =====\n`);
  let exit: string | null = null;
  try {
    const child = spawn(
      java.path,
      [...jvmArgs(java, heapOpts), `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, '-cp', classpath(runtime), 'kafka.Kafka', paths.properties],
      { detached: true, stdio: ['ignore', fd, fd], env: process.env },
    );
    child.on('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `exit code ${code}`));
    child.on('error', (error) => (exit = error.message));
    child.unref();
    if (!child.pid) throw new Error(`could not start ${java.path}`);
    writeFileSync(paths.pidFile, `${child.pid}\n`);
    return { pid: child.pid, exited: () => exit };
  } finally {
    closeSync(fd);
  }
}

/**
 * Why a node stopped during start, from the end of its log: Kafka's own ERROR/FATAL line or exception, as one line.
 */
export function startFailureReason(logFile: string): string | null {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return null;
  }
  const last = text.slice(text.lastIndexOf('===== ')).split('\n');
  const known: Array<[RegExp, string]> = [
    [/InconsistentClusterIdException|doesn't match stored clusterId|Invalid cluster\.id/i, 'its data belongs to another cluster id'],
    [/Address already in use/i, 'a port it needs is already in use'],
    [/OutOfMemoryError/i, 'it ran out of memory'],
    [/UnsupportedClassVersionError/i, 'the Java is too old for this Kafka'],
    [/No readable meta\.properties|not formatted|Could not read .*meta\.properties/i, 'its log dir is not formatted'],
  ];
  for (const [pattern, what] of known) {
    const line = last.find((l) => pattern.test(l));
    if (line) return `${what} (${line.replace(/^\[[^\]]*\]\s*/, '').trim().slice(0, 200)})`;
  }
  // Kafka logs "ERROR Exiting Kafka due to fatal exception", then the exception itself: the exception says why.
  const exception = last.find((l) => /^(Caused by: )?[\w.$]+(Exception|Error)(: .*)?$/.test(l.trim()));
  if (exception) return exception.trim().replace(/^Caused by: /, '').slice(0, 240);
  const error = last.find((l) => /\b(ERROR|FATAL)\b/.test(l));
  return error ? error.replace(/^\[[^\]]*\]\s*/, '').trim().slice(0, 240) : null;
}
