import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Tries to bind host:port (then lets go): null when it is free, else the error that binding gave (EADDRINUSE, ...). */
export function bindProblem(port: number, host = '127.0.0.1'): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

/** A port nobody listens on right now (the OS picks it), for tests and containers. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** "COMMAND PID ..." from lsof, or users:(("node",pid=1,...)) from ss → "node (pid 1)". */
export function parsePortOwner(output: string): string | null {
  const lines = output.trim().split('\n');
  if (lines.length >= 2 && /^COMMAND\s+PID/.test(lines[0]!)) {
    const [command, pid] = lines[1]!.trim().split(/\s+/);
    if (command && pid) return `${command} (pid ${pid})`;
  }
  const ss = /users:\(\("([^"]+)",pid=(\d+)/.exec(output);
  if (ss) return `${ss[1]} (pid ${ss[2]})`;
  return null;
}

/** Who listens on a local TCP port, for error messages: lsof, else ss, else null. */
export function portOwner(port: number): string | null {
  const lsof = spawnSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN'], { encoding: 'utf8', timeout: 5_000 });
  if (lsof.status === 0) {
    const owner = parsePortOwner(lsof.stdout);
    if (owner) return owner;
  }
  const ss = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8', timeout: 5_000 });
  return ss.status === 0 ? parsePortOwner(ss.stdout) : null;
}

/**
 * One line for a port someone else holds: `port 9092 is already in use by java (pid 4242)`. When the owner cannot be
 * seen (another user's process: lsof and ss only show one's own), the line says how to look.
 */
export function portInUseMessage(port: number, owner: string | null = portOwner(port)): string {
  return owner ? `port ${port} is already in use by ${owner}` : `port ${port} is already in use by another program (\`lsof -nP -iTCP:${port} -sTCP:LISTEN\` names it)`;
}

/** When the owner looks like one of the kit's own backends, how to stop it ('' otherwise). */
export function kitBackendHint(owner: string | null): string {
  if (!owner) return '';
  if (/^node\b/i.test(owner)) return ' (an embedded cluster? `yarn cluster:down --backend embedded`)';
  if (/^java\b/i.test(owner)) return ' (a jvm cluster? `yarn cluster:down --backend jvm`)';
  if (/docker|com\.docke/i.test(owner)) return ' (a docker cluster? `yarn cluster:down --backend docker`)';
  return '';
}

/**
 * Free ports BELOW the kernel's ephemeral range. Kafka's nodes keep reconnecting to a dead node's controller port;
 * when that port lies in the ephemeral range, a reconnect can pick it as its own source port and connect to itself
 * (TCP simultaneous open), and the restarted node then cannot bind it. Ports the OS hands out for port 0 are all in
 * that range, so real-Kafka tests and the conformance suite pick their own.
 */
export async function freePortsOutsideEphemeral(count: number): Promise<number[]> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    /* not Linux: keep the usual default */
  }
  const ports = new Set<number>();
  for (let tries = 0; ports.size < count && tries < 10_000; tries++) {
    const port = 20_000 + Math.floor(Math.random() * Math.max(1, low - 20_000));
    if (!ports.has(port) && (await bindProblem(port)) === null) ports.add(port);
  }
  if (ports.size < count) throw new Error(`no ${count} free ports between 20000 and ${low}`);
  return [...ports];
}
