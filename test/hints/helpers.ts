/**
 * The kit's scripts as child processes, isolated: a temp KAFKA_LAB_HOME, the embedded backend on free ports
 * (KAFKA_LAB_PORTS), nothing of the caller's Kafka environment, so nothing here touches a cluster on 9092.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout then stderr, for messages that may go to either */
  all: string;
}

const DROPPED = ['KAFKA_BOOTSTRAP', 'KAFKA_LAB_BACKEND', 'KAFKA_BROKERS', 'KAFKA_LAB_DEBUG', 'DEBUG', 'KAFKA_LAB_PORTS', 'KAFKA_LAB_CONTROLLER_PORTS', 'KAFKA_LAB_HOME', 'CI'];

export function isolatedEnv(home: string, ports: number[], extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !DROPPED.includes(k)) base[k] = v;
  return { ...base, KAFKA_LAB_HOME: home, KAFKA_LAB_PORTS: ports.join(','), KAFKA_LAB_BACKEND: 'embedded', NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

/** `node --import tsx scripts/<script> args`: one process, so its pid is the script's. */
export function start(script: string, args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', script), ...args], { cwd: ROOT, env, stdio: 'pipe' });
}

export function collect(child: ChildProcessWithoutNullStreams, input?: string): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  if (input !== undefined) child.stdin.end(input);
  else child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, all: stdout + stderr })));
}

export function run(script: string, args: string[], env: Record<string, string>, input?: string): Promise<Result> {
  return collect(start(script, args, env), input);
}

/** Resolves once the child's output (stdout or stderr) matches `pattern`. */
export function waitForOutput(child: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

export function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
