/**
 * The background process behind `yarn cluster:up --backend embedded`: one EmbeddedCluster and a loopback HTTP
 * control port. Started detached by src/cluster/embedded/backend.ts as `node --import tsx src/cluster/embedded/daemon.ts`.
 *
 *   --profile single|multi   which brokers (PROFILE_BROKERS), default single
 *   --home <dir>             KAFKA_LAB_HOME; files go to <home>/embedded/
 *   --ports 9092,9093,9094   override the profile's ports (or env KAFKA_LAB_PORTS); 0 = any free port
 *
 * Files: daemon.json (written once it serves, removed on shutdown), broker.log, startup-error (one line, when
 * startup fails; the exit code is then non-zero), data/.
 * Control API on 127.0.0.1:<controlPort>: GET /status, POST /brokers/:id/kill|stop|start, POST /elect-leaders,
 * POST /shutdown.
 * SIGTERM / SIGINT shut down gracefully too.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { bindProblem, kitBackendHint, portInUseMessage, portOwner } from '../ports.js';
import { parseArgs } from 'node:util';
import { type BrokerAddress, type Profile, UserError } from '../types.js';
import {
  type DaemonInfo,
  embeddedPaths,
  isProfile,
  parsePorts,
  pidAlive,
  pidLooksLikeDaemon,
  profileBrokers,
  readDaemonInfo,
  removeFile,
  resolveHome,
  writeDaemonInfo,
  writeFileAtomic,
} from './daemon-files.js';

type EmbeddedClusterClass = (typeof import('../../broker/embedded-cluster.js'))['EmbeddedCluster'];
type Cluster = Awaited<ReturnType<EmbeddedClusterClass['start']>>;

const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
const CLOSE_TIMEOUT_MS = 20_000;

interface DaemonArgs {
  profile: Profile;
  home: string;
  brokers: BrokerAddress[];
}

function parseDaemonArgs(argv: string[]): DaemonArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      profile: { type: 'string', default: 'single' },
      home: { type: 'string' },
      ports: { type: 'string' },
    },
    strict: true,
  });
  if (!isProfile(values.profile)) {
    throw new UserError(`unknown profile "${values.profile}": use single or multi`);
  }
  const ports = values.ports ? parsePorts(values.ports) : undefined;
  return { profile: values.profile, home: resolveHome(values.home), brokers: profileBrokers(values.profile, ports) };
}

/** One line per event, timestamped, appended to broker.log (stdout/stderr of this process go there too). */
function makeLogger(file: string): (message: string) => void {
  return (message: string) => {
    const line = `${new Date().toISOString()} [daemon ${process.pid}] ${message}\n`;
    try {
      appendFileSync(file, line);
    } catch {
      process.stderr.write(line);
    }
  };
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim() || 'unknown error';
}

/** Fails fast, with the message users need, when a port is taken (the cluster would say so too, later). */
async function checkPortFree(host: string, port: number, allPorts: number[]): Promise<void> {
  if (port === 0) return;
  const problem = await bindProblem(port, host);
  if (!problem) return;
  if (problem.code === 'EADDRINUSE') {
    const suggestion = allPorts.map((p) => (p === 0 ? 0 : p + 100)).join(',');
    const owner = portOwner(port);
    throw new UserError(`${portInUseMessage(port, owner)}${kitBackendHint(owner)}: stop it, or pick other ports with KAFKA_LAB_PORTS=${suggestion}`);
  }
  throw new UserError(`cannot listen on ${host}:${port}: ${problem.message}`);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function main(): Promise<void> {
  let args: DaemonArgs;
  try {
    args = parseDaemonArgs(process.argv.slice(2));
  } catch (error) {
    // No home known for sure yet: report on stderr (the parent sends it to broker.log) and to the default home.
    const paths = embeddedPaths(resolveHome());
    mkdirSync(paths.dir, { recursive: true });
    writeFileAtomic(paths.startupError, oneLine(error) + '\n');
    process.stderr.write(`error: ${oneLine(error)}\n`);
    process.exit(2);
  }
  const paths = embeddedPaths(args.home);
  mkdirSync(paths.dataDir, { recursive: true });
  try {
    if (existsSync(paths.logFile) && statSync(paths.logFile).size > LOG_ROTATE_BYTES) {
      renameSync(paths.logFile, paths.logFile + '.1');
    }
  } catch {
    /* rotation is best effort */
  }
  const log = makeLogger(paths.logFile);
  removeFile(paths.startupError);

  let cluster: Cluster | null = null;
  let shuttingDown: Promise<void> | null = null;

  const failStartup = async (error: unknown): Promise<never> => {
    const line = oneLine(error);
    log(`startup failed: ${line}`);
    if (!(error instanceof UserError) && error instanceof Error && error.stack) log(error.stack);
    writeFileAtomic(paths.startupError, line + '\n');
    if (cluster) {
      try {
        await cluster.close();
      } catch {
        /* already failing */
      }
    }
    process.exit(1);
  };

  log(
    `starting embedded cluster: profile ${args.profile}, brokers ${args.brokers.map((b) => `${b.id}@${b.host}:${b.port}`).join(' ')}, data ${paths.dataDir}`,
  );

  const existing = readDaemonInfo(paths.daemonJson);
  if (existing && existing.pid !== process.pid && pidAlive(existing.pid) && pidLooksLikeDaemon(existing.pid)) {
    await failStartup(
      new UserError(
        `an embedded cluster is already running (pid ${existing.pid}, profile ${existing.profile}): stop it with \`yarn cluster:down\` first`,
      ),
    );
  }

  try {
    const ports = args.brokers.map((b) => b.port);
    for (const broker of args.brokers) await checkPortFree(broker.host, broker.port, ports);
    const { EmbeddedCluster } = await import('../../broker/embedded-cluster.js');
    cluster = await EmbeddedCluster.start({
      brokers: args.brokers.map((b) => ({ id: b.id, host: b.host, port: b.port })),
      dataDir: paths.dataDir,
      // The same replication settings as compose/multi-broker.yml gives Kafka: RF 3 and min ISR 2 with three brokers.
      // KAFKA_AUTO_LEADER_REBALANCE_ENABLE=false, the apache/kafka image's switch, keeps leaders where an election put
      // them (a test of `yarn leaders:elect` must not race the 10 s imbalance check).
      config: {
        ...(args.brokers.length >= 3 ? { minInsyncReplicas: 2 } : {}),
        ...(process.env.KAFKA_AUTO_LEADER_REBALANCE_ENABLE === 'false' ? { autoLeaderRebalance: false } : {}),
      },
      log: (message) => log(`cluster: ${message}`),
    });
  } catch (error) {
    await failStartup(error);
  }
  const running = cluster!;

  const brokerAddresses = (): BrokerAddress[] => running.brokers().map((b) => ({ id: b.id, host: b.host, port: b.port }));
  const statusBody = () => ({
    pid: process.pid,
    profile: args.profile,
    clusterId: running.clusterId,
    controller: running.controllerId(),
    brokers: running.brokers().map((b) => ({ id: b.id, host: b.host, port: b.port, up: b.up })),
  });

  const shutdown = (reason: string, code = 0): Promise<void> => {
    if (shuttingDown) return shuttingDown;
    shuttingDown = (async () => {
      log(`shutting down (${reason})`);
      server.close();
      server.closeAllConnections?.();
      const timer = setTimeout(() => {
        log(`cluster did not close within ${CLOSE_TIMEOUT_MS} ms: exiting anyway`);
        removeFile(paths.daemonJson);
        process.exit(code || 1);
      }, CLOSE_TIMEOUT_MS);
      timer.unref();
      try {
        await running.close();
      } catch (error) {
        log(`error while closing the cluster: ${oneLine(error)}`);
      }
      removeFile(paths.daemonJson);
      log('stopped');
      process.exit(code);
    })();
    return shuttingDown;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    req.resume(); // bodies are not used
    if (method === 'GET' && url.pathname === '/status') {
      sendJson(res, 200, statusBody());
      return;
    }
    if (method === 'POST' && url.pathname === '/shutdown') {
      res.on('finish', () => void shutdown('POST /shutdown'));
      sendJson(res, 200, { ok: true });
      return;
    }
    if (method === 'POST' && url.pathname === '/elect-leaders') {
      const moved = running.electPreferredLeaders();
      log(`preferred leader election (requested over the control port): ${moved} partition(s) moved`);
      sendJson(res, 200, { ok: true, moved });
      return;
    }
    const match = /^\/brokers\/(-?\d+)\/(kill|stop|start)$/.exec(url.pathname);
    if (method === 'POST' && match) {
      const id = Number(match[1]);
      const action = match[2] as 'kill' | 'stop' | 'start';
      const ids = running.brokers().map((b) => b.id);
      if (!ids.includes(id)) {
        sendJson(res, 404, { error: `unknown broker ${id}: valid ids are ${ids.join(', ')}` });
        return;
      }
      if (shuttingDown) {
        sendJson(res, 503, { error: 'the embedded cluster is shutting down' });
        return;
      }
      log(`${action} broker ${id} (requested over the control port)`);
      try {
        if (action === 'kill') await running.killBroker(id);
        else if (action === 'stop') await running.stopBroker(id);
        else await running.startBroker(id);
        log(`${action} broker ${id}: done`);
        sendJson(res, 200, { ok: true, ...statusBody() });
      } catch (error) {
        log(`${action} broker ${id} failed: ${oneLine(error)}`);
        sendJson(res, error instanceof UserError ? 409 : 500, { error: oneLine(error) });
      }
      return;
    }
    sendJson(res, 404, { error: `no such endpoint: ${method} ${url.pathname}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      log(`control request failed: ${oneLine(error)}`);
      if (!res.headersSent) sendJson(res, 500, { error: oneLine(error) });
    });
  });
  let controlPort: number;
  try {
    controlPort = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((server.address() as { port: number }).port));
    });
  } catch (error) {
    await failStartup(new UserError(`cannot open the control port on 127.0.0.1: ${oneLine(error)}`));
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => log('SIGHUP ignored (the daemon outlives its terminal; use yarn cluster:down)'));
  process.on('unhandledRejection', (reason) => log(`unhandled rejection: ${oneLine(reason)}`));
  process.on('uncaughtException', (error) => {
    log(`uncaught exception: ${error.stack ?? error.message}`);
    void shutdown('uncaught exception', 1);
  });

  const info: DaemonInfo = {
    pid: process.pid,
    controlPort: controlPort!,
    profile: args.profile,
    brokers: brokerAddresses(),
    startedAt: new Date().toISOString(),
    logFile: paths.logFile,
    dataDir: paths.dataDir,
  };
  writeDaemonInfo(paths.daemonJson, info);
  log(
    `serving: bootstrap ${running.bootstrapServers.join(',')}, control http://127.0.0.1:${controlPort!}, controller ${running.controllerId() ?? 'none yet'}`,
  );
}

main().catch((error) => {
  process.stderr.write(`${new Date().toISOString()} daemon crashed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
