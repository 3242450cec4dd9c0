/**
 * The lab runner: numbered steps, narration, progress while waiting, live tables, checks, cleanup and a summary.
 * A lab is `defineLab({ ... run(lab) })`; `runLab` gives it a LabContext and returns what it saw and checked.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Admin, Consumer, ConsumerConfig, ITopicConfig, Kafka, PartitionMetadata, Producer, ProducerConfig, RetryOptions } from 'kafkajs';
import type { BackendChoice, BackendName, Cluster, Profile } from '../cluster/types.js';
import { UserError } from '../cluster/types.js';
import { chooseCluster } from './cluster.js';
import { KafkaLogSink, createLabKafka, kafkaErrorType } from './kafka.js';
import { SPINNER } from '../cli/progress.js';
import { type Cell, type TableOptions, createLiveView, formatTable } from '../cli/table.js';
import { type Output, type Style, formatMs, style, terminalOutput } from './output.js';

export interface LabDefinition {
  id: string;
  slug: string;
  title: string;
  /** The profile the lab brings up when no cluster runs. */
  profile: Profile;
  /** Also fine with the other profile when that one is already up (a first message works on three brokers too). */
  anyProfile?: boolean;
  /** false for labs that do not need a running cluster at all. */
  needsCluster?: boolean;
  run(lab: LabContext): Promise<void>;
}

export function defineLab(lab: LabDefinition): LabDefinition {
  return lab;
}

export interface LabCheck {
  label: string;
  ok: boolean;
  detail?: string;
}

export interface LabResult {
  id: string;
  title: string;
  backend: BackendName | 'none';
  profile: Profile | 'none';
  ok: boolean;
  durationMs: number;
  checks: LabCheck[];
  observations: Array<[string, string]>;
  error?: string;
}

export interface RunOptions {
  verify?: boolean;
  backend?: BackendChoice;
  keep?: boolean;
  out?: Output;
  /** A cluster to use as is (tests): it is neither brought up nor down. */
  cluster?: Cluster;
  /** Where to write the result as JSON (labs:verify reads it). */
  resultFile?: string;
  /** On SIGINT/SIGTERM: clean up (topics, groups, brokers, the cluster it started) and exit 130 (the CLI sets this). */
  handleSignals?: boolean;
}

/** A lab outcome that did not hold, or a step that could not complete. */
export class LabFailure extends Error {
  override name = 'LabFailure';
}

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  replicationFactor?: number;
  configEntries?: Array<{ name: string; value: string }>;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Called on every poll with the latest value, e.g. to update a live table. */
  onPoll?: (elapsedMs: number) => void;
}

/** Lab tables: plain text under the narration's indent, '-' for missing values, booleans as yes/no. */
const LAB_INDENT = '   ';
const LAB_TABLE: TableOptions = { indent: LAB_INDENT.length, emptyCell: '-', yesNo: true, color: false };

export interface LiveTable {
  update(rows: Cell[][]): void;
  /** Final draw; later updates are ignored. */
  done(): void;
}

export class LabContext {
  readonly s: Style;
  readonly checks: LabCheck[] = [];
  readonly observations: Array<[string, string]> = [];
  readonly kafkaLog = new KafkaLogSink();
  private stepNo = 0;
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private readonly producers: Producer[] = [];
  private readonly consumers: Consumer[] = [];
  private readonly topics = new Set<string>();
  private readonly groups = new Set<string>();
  private readonly downBrokers = new Set<number>();
  private adminClient: Admin | null = null;
  private kafkaClient: Kafka | null = null;

  constructor(
    readonly def: LabDefinition,
    readonly cluster: Cluster,
    readonly out: Output,
    readonly verify: boolean,
  ) {
    this.s = style(out.color);
  }

  get interactive(): boolean {
    return !this.verify && this.out.isTTY && Boolean(process.stdin.isTTY);
  }

  // ── narration ───────────────────────────────────────────────────────────
  async step<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.stepNo++;
    this.out.write(`\n${this.s.bold(this.s.cyan(`Step ${this.stepNo}`))} ${this.s.bold(title)}\n`);
    return await fn();
  }

  /** Narration: what is happening and why. */
  say(...lines: string[]): void {
    for (const l of lines) this.out.write(`   ${l}\n`);
  }

  /** The Kafka idea behind what just happened. */
  explain(...lines: string[]): void {
    for (const l of lines) this.out.write(`   ${this.s.dim('│')} ${this.s.dim(l)}\n`);
  }

  table(headers: string[], rows: Cell[][]): void {
    this.out.write(formatTable(headers, rows, LAB_TABLE) + '\n');
  }

  /**
   * A table whose numbers change while the lab waits (leaders, ISR, counts). On a TTY it redraws in place; elsewhere
   * (CI, pipes) it prints only when the rows changed (a changing title alone does not count), at most every
   * `minPrintIntervalMs` (default 1000), and once at the end.
   */
  liveTable(headers: string[], options: { title?: () => string; minPrintIntervalMs?: number } = {}): LiveTable {
    const out = this.out;
    const view = createLiveView(
      { isTTY: out.isTTY, write: (text) => out.write(text), get columns() { return out.columns(); } },
      { interactive: out.isTTY, minPrintIntervalMs: options.minPrintIntervalMs ?? 1000, frameSeparator: '' },
    );
    return {
      update: (rows) => {
        const title = options.title?.();
        view.render(formatTable(headers, rows, LAB_TABLE), title ? `${LAB_INDENT}${title}` : undefined);
      },
      done: () => view.done(),
    };
  }

  /** Something the lab saw, for the summary. */
  observe(label: string, value: string | number): void {
    this.observations.push([label, String(value)]);
    this.out.write(`   ${this.s.dim('•')} ${label}: ${this.s.bold(String(value))}\n`);
  }

  /** An assertion about the outcome; a failed check makes the lab exit non-zero (the lab goes on, to show more). */
  check(label: string, ok: boolean, detail?: string): boolean {
    this.checks.push({ label, ok, ...(detail ? { detail } : {}) });
    const mark = ok ? this.s.green('✔') : this.s.red('✘');
    this.out.write(`   ${mark} ${label}${detail ? this.s.dim(` (${detail})`) : ''}\n`);
    return ok;
  }

  /** A check the rest of the lab depends on: stops the lab when it fails. */
  require(label: string, ok: boolean, detail?: string): void {
    if (!this.check(label, ok, detail)) throw new LabFailure(`${label}${detail ? ` (${detail})` : ''}`);
  }

  /** Waits for Enter when a person runs the lab; does nothing in verify mode / CI / pipes. */
  async pause(prompt = 'press Enter to continue'): Promise<void> {
    if (!this.interactive) return;
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    await new Promise<void>((resolve) => rl.question(`   ${this.s.dim(`⏎ ${prompt}`)} `, () => resolve()));
    rl.close();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  /**
   * Polls `probe` until it returns something other than undefined/false, with a progress line meanwhile.
   * Throws LabFailure after timeoutMs.
   */
  async waitFor<T>(label: string, probe: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions = {}): Promise<{ value: T; elapsedMs: number }> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const intervalMs = options.intervalMs ?? 200;
    const start = Date.now();
    let frame = 0;
    const showProgress = this.out.isTTY && !options.onPoll;
    let announced = false;
    try {
      for (;;) {
        let value: T | undefined | false;
        try {
          value = await probe();
        } catch {
          value = undefined; // e.g. metadata while a broker dies: try again
        }
        const elapsedMs = Date.now() - start;
        options.onPoll?.(elapsedMs);
        if (value !== undefined && value !== false) {
          if (showProgress) this.out.write('\r\u001b[2K');
          this.out.write(`   ${this.s.dim('…')} ${label}: ${this.s.dim(`done after ${formatMs(elapsedMs)}`)}\n`);
          return { value, elapsedMs };
        }
        if (elapsedMs > timeoutMs) {
          if (showProgress) this.out.write('\r\u001b[2K');
          throw new LabFailure(`timed out after ${formatMs(timeoutMs)} waiting for: ${label}`);
        }
        if (showProgress) this.out.write(`\r\u001b[2K   ${SPINNER[frame++ % SPINNER.length]} ${label} ${this.s.dim(formatMs(elapsedMs))}`);
        else if (!this.out.isTTY && !announced && elapsedMs >= 1000) {
          announced = true;
          this.out.write(`   … ${label}\n`);
        }
        await this.sleep(intervalMs);
      }
    } finally {
      /* nothing */
    }
  }

  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  fail(message: string): never {
    throw new LabFailure(message);
  }

  // ── clients ─────────────────────────────────────────────────────────────
  /** A kafkajs client on the cluster's bootstrap servers (kafkajs logs go to lab.kafkaLog, not the screen). */
  kafka(clientId = `kafka-lab-${this.def.id}`, retry?: RetryOptions): Kafka {
    return createLabKafka(this.cluster.bootstrapServers(), clientId, { sink: this.kafkaLog, ...(retry ? { retry } : {}) });
  }

  async admin(): Promise<Admin> {
    if (!this.adminClient) {
      this.kafkaClient ??= this.kafka(`kafka-lab-${this.def.id}-admin`);
      const admin = this.kafkaClient.admin();
      await admin.connect();
      this.adminClient = admin;
    }
    return this.adminClient;
  }

  /** A connected producer that the lab disconnects at the end. */
  async producer(config: ProducerConfig & { clientId?: string; retry?: RetryOptions } = {}): Promise<Producer> {
    const { clientId, retry, ...rest } = config;
    const { Partitioners } = await import('kafkajs');
    const producer = this.kafka(clientId ?? `kafka-lab-${this.def.id}-producer`, retry).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      ...rest,
    });
    await producer.connect();
    this.producers.push(producer);
    return producer;
  }

  /** A connected consumer; its group is deleted at the end. Quick heartbeats so rebalances show up fast. */
  async consumer(config: ConsumerConfig & { clientId?: string; retry?: RetryOptions }): Promise<Consumer> {
    const { clientId, retry, ...rest } = config;
    const consumer = this.kafka(clientId ?? `kafka-lab-${this.def.id}-consumer`, retry).consumer({
      sessionTimeout: 10_000,
      rebalanceTimeout: 15_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 250,
      ...rest,
    });
    this.groups.add(config.groupId);
    await consumer.connect();
    this.consumers.push(consumer);
    return consumer;
  }

  /** Disconnects a client now (and forgets it). */
  async disconnect(client: Producer | Consumer): Promise<void> {
    const i = this.producers.indexOf(client as Producer);
    if (i >= 0) this.producers.splice(i, 1);
    const j = this.consumers.indexOf(client as Consumer);
    if (j >= 0) this.consumers.splice(j, 1);
    await client.disconnect();
  }

  /** Registers a consumer group for deletion at the end (and deletes leftovers of an earlier run now). */
  async group(groupId: string): Promise<string> {
    this.groups.add(groupId);
    const admin = await this.admin();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return groupId;
  }

  // ── topics ──────────────────────────────────────────────────────────────
  /** Creates a topic for this lab (deleting what an earlier run left) and waits until every partition has a leader. */
  async createTopic(spec: TopicSpec): Promise<PartitionMetadata[]> {
    const admin = await this.admin();
    await this.deleteTopic(spec.topic);
    // Default: one copy per broker, up to 3. On the 3-broker profile the brokers require min.insync.replicas=2, so a
    // single-copy topic would refuse acks=all writes there (as real Kafka does).
    const replicationFactor = spec.replicationFactor ?? Math.min(3, (await this.describeCluster()).brokers.length);
    const topic: ITopicConfig = {
      topic: spec.topic,
      numPartitions: spec.numPartitions ?? 1,
      replicationFactor,
      ...(spec.configEntries ? { configEntries: spec.configEntries } : {}),
    };
    this.topics.add(spec.topic);
    await this.retryBriefly(() => admin.createTopics({ topics: [topic], waitForLeaders: true }));
    const { value } = await this.waitFor(
      `partitions of ${spec.topic} have leaders`,
      async () => {
        const parts = await this.partitions(spec.topic);
        return parts.length === topic.numPartitions && parts.every((p) => p.leader >= 0) ? parts : undefined;
      },
      { timeoutMs: 20_000 },
    );
    return value;
  }

  /** Registers an existing topic (e.g. created from YAML) for deletion at the end. */
  adoptTopic(topic: string): void {
    this.topics.add(topic);
  }

  async deleteTopic(topic: string, label = `leftover ${topic} from an earlier run deleted`): Promise<void> {
    const admin = await this.admin();
    const exists = (await admin.listTopics()).includes(topic);
    if (!exists) return;
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    await this.waitFor(label, async () => !(await admin.listTopics()).includes(topic), { timeoutMs: 20_000 });
  }

  /** Fresh partition metadata (leader, replicas, isr) straight from a broker. */
  async partitions(topic: string): Promise<PartitionMetadata[]> {
    const admin = await this.admin();
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return [...(md.topics[0]?.partitions ?? [])].sort((a, b) => a.partitionId - b.partitionId);
  }

  // ── brokers ─────────────────────────────────────────────────────────────
  /** Abrupt kill; the lab restarts it at the end if it is still down. */
  async killBroker(id: number): Promise<void> {
    this.downBrokers.add(id);
    await this.cluster.killBroker(id);
  }

  async stopBroker(id: number): Promise<void> {
    this.downBrokers.add(id);
    await this.cluster.stopBroker(id);
  }

  async startBroker(id: number): Promise<void> {
    await this.cluster.startBroker(id);
    this.downBrokers.delete(id);
  }

  /** The broker ids of the cluster and the current controller (for labs that avoid killing it). */
  async describeCluster(): Promise<{ brokers: number[]; controller: number | null }> {
    const admin = await this.admin();
    const d = await admin.describeCluster();
    return { brokers: d.brokers.map((b) => b.nodeId).sort((a, b) => a - b), controller: d.controller ?? null };
  }

  private async retryBriefly<T>(fn: () => Promise<T>, attempts = 10): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (error) {
        if (i >= attempts) throw error;
        await this.sleep(300);
      }
    }
  }

  // ── cleanup ─────────────────────────────────────────────────────────────
  /** Everything the lab created goes away (unless keep): clients, consumer groups, topics; stopped brokers restart. */
  async cleanup(keep: boolean): Promise<string[]> {
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown> | unknown) => {
      try {
        await fn();
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`);
      }
    };
    for (const fn of this.cleanups.reverse()) await attempt('cleanup', fn);
    await Promise.all(this.consumers.map((c) => attempt('consumer disconnect', () => c.disconnect())));
    await Promise.all(this.producers.map((p) => attempt('producer disconnect', () => p.disconnect())));
    this.consumers.length = 0;
    this.producers.length = 0;
    for (const id of [...this.downBrokers]) await attempt(`restart broker ${id}`, () => this.startBroker(id));
    if (!keep) {
      if (this.groups.size > 0) {
        await attempt('delete groups', async () => {
          const admin = await this.admin();
          await this.retryBriefly(() => admin.deleteGroups([...this.groups]).catch((e: unknown) => {
            // A group that never committed anything may not exist: that is fine.
            const type = (e as { groups?: Array<{ error?: { type?: string } }> }).groups?.map((g) => g.error?.type) ?? [];
            if (type.every((t) => t === 'GROUP_ID_NOT_FOUND' || t === undefined)) return;
            throw e;
          }), 5);
        });
      }
      for (const topic of this.topics) await attempt(`delete topic ${topic}`, () => this.deleteTopic(topic, `cleanup: topic ${topic} deleted`));
    }
    if (this.adminClient) await attempt('admin disconnect', () => this.adminClient!.disconnect());
    this.adminClient = null;
    return problems;
  }
}

export function parseLabArgs(argv: string[]): { verify: boolean; keep: boolean; backend: BackendChoice; rest: string[] } {
  let verify = process.env.CI === 'true' || process.env.CI === '1';
  let keep = false;
  let backend: BackendChoice = (process.env.KAFKA_LAB_BACKEND as BackendChoice | undefined) ?? 'auto';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--verify') verify = true;
    else if (a === '--keep') keep = true;
    else if (a === '--backend' || a.startsWith('--backend=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v !== 'docker' && v !== 'embedded' && v !== 'auto') throw new UserError(`--backend must be docker, embedded or auto (got ${v ?? 'nothing'})`, 2);
      backend = v;
    } else if (a === '--') continue;
    else rest.push(a);
  }
  return { verify, keep, backend, rest };
}

/** Runs one lab end to end; never throws for lab failures (they are in the result). */
export async function runLab(def: LabDefinition, options: RunOptions = {}): Promise<LabResult> {
  const out = options.out ?? terminalOutput();
  const s = style(out.color);
  const verify = options.verify ?? false;
  const keep = options.keep ?? false;
  const started = Date.now();
  out.write(`${s.bold(`Lab ${def.id} · ${def.title}`)}${verify ? s.dim('  (verify mode: no pauses)') : ''}\n`);
  let cluster: Cluster | undefined = options.cluster;
  let weStarted = false;
  let ctx: LabContext | undefined;
  let error: string | undefined;
  const log = (line: string) => out.write(`   ${s.dim(line)}\n`);
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  if (options.handleSignals) {
    onSignal = (signal) => {
      out.write(`\n   ${s.yellow(`${signal}: cleaning up before exiting…`)}\n`);
      const force = setTimeout(() => process.exit(130), 20_000);
      force.unref();
      void (async () => {
        try {
          await ctx?.cleanup(keep);
          if (weStarted && cluster && !keep) await cluster.down();
        } finally {
          process.exit(130);
        }
      })();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    if (def.needsCluster !== false && !cluster) {
      const chosen = await chooseCluster(options.backend ?? 'auto', def.profile, def.anyProfile ?? false, log);
      cluster = chosen.cluster;
      if (chosen.running) {
        log(`using the ${cluster.profile} cluster already running (${cluster.backend} backend)`);
      } else {
        log(`bringing up the ${cluster.profile} cluster (${cluster.backend} backend)…`);
        const t = Date.now();
        await cluster.up();
        weStarted = true;
        log(`cluster up in ${formatMs(Date.now() - t)}: ${cluster.bootstrapServers().join(', ')}`);
      }
    }
    ctx = new LabContext(def, cluster ?? noCluster(), out, verify);
    await def.run(ctx);
  } catch (e) {
    error = e instanceof LabFailure || e instanceof UserError ? e.message : describeUnexpected(e);
    out.write(`\n   ${s.red('✘ the lab stopped:')} ${error}\n`);
    if (ctx) {
      const tail = ctx.kafkaLog.tail(8);
      if (tail.length) out.write(`   ${s.dim('last kafkajs messages:')}\n${tail.map((l) => `     ${s.dim(l)}`).join('\n')}\n`);
    }
  }
  if (onSignal) {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  const problems: string[] = [];
  if (ctx) problems.push(...(await ctx.cleanup(keep)));
  if (weStarted && cluster && !keep) {
    try {
      await cluster.down();
      log('brought the cluster down again (it was not running before the lab; --keep leaves it up)');
    } catch (e) {
      problems.push(`cluster down: ${(e as Error).message}`);
    }
  } else if (cluster && keep) {
    log(`--keep: the cluster stays up (${cluster.bootstrapServers().join(', ')}); \`yarn cluster:down\` stops it`);
  }
  for (const p of problems) out.write(`   ${s.yellow('!')} ${s.dim(`cleanup: ${p}`)}\n`);
  const checks = ctx?.checks ?? [];
  const ok = !error && checks.length > 0 && checks.every((c) => c.ok);
  const result: LabResult = {
    id: def.id,
    title: def.title,
    backend: cluster?.backend ?? 'none',
    profile: cluster?.profile ?? 'none',
    ok,
    durationMs: Date.now() - started,
    checks,
    observations: ctx?.observations ?? [],
    ...(error ? { error } : !ok ? { error: failedSummary(checks) } : {}),
  };
  printSummary(out, result);
  if (options.resultFile) {
    mkdirSync(dirname(options.resultFile), { recursive: true });
    writeFileSync(options.resultFile, JSON.stringify(result, null, 2));
  }
  return result;
}

/** One line for an unexpected error (the Kafka error name when there is one); the stack only with KAFKA_LAB_DEBUG. */
function describeUnexpected(e: unknown): string {
  if (process.env.KAFKA_LAB_DEBUG) return (e as Error)?.stack ?? String(e);
  const type = kafkaErrorType(e);
  let inner: unknown = e;
  for (let i = 0; i < 5 && (inner as { cause?: unknown })?.cause; i++) inner = (inner as { cause?: unknown }).cause;
  const message = (inner as Error)?.message ?? String(e);
  return `${type && type !== (e as Error)?.name ? `${type}: ` : ''}${message}`.split('\n')[0]!;
}

function failedSummary(checks: LabCheck[]): string {
  const failed = checks.filter((c) => !c.ok);
  if (checks.length === 0) return 'the lab checked nothing';
  return `failed: ${failed.map((c) => c.label).join('; ')}`;
}

function printSummary(out: Output, r: LabResult): void {
  const s = style(out.color);
  out.write(`\n${s.bold('Summary')} ${s.dim(`lab ${r.id} on ${r.backend}/${r.profile}, ${formatMs(r.durationMs)}`)}\n`);
  if (r.observations.length) {
    out.write(`   ${s.bold('What it saw')}\n`);
    for (const [k, v] of r.observations) out.write(`     ${k}: ${v}\n`);
  }
  out.write(`   ${s.bold('What it checked')}\n`);
  for (const c of r.checks) out.write(`     ${c.ok ? s.green('✔') : s.red('✘')} ${c.label}${c.detail ? s.dim(` (${c.detail})`) : ''}\n`);
  if (r.checks.length === 0) out.write(`     ${s.dim('(nothing)')}\n`);
  out.write(r.ok ? `${s.green(s.bold('PASS'))} lab ${r.id}: the outcome held\n` : `${s.red(s.bold('FAIL'))} lab ${r.id}: ${r.error ?? 'a check failed'}\n`);
}

function noCluster(): Cluster {
  const missing = async (): Promise<never> => {
    throw new LabFailure('this lab runs without a cluster');
  };
  return {
    backend: 'embedded',
    profile: 'single',
    up: missing,
    down: missing,
    reset: missing,
    status: missing,
    bootstrapServers: () => [],
    brokers: missing,
    killBroker: missing,
    stopBroker: missing,
    startBroker: missing,
    electPreferredLeaders: missing,
    isUp: async () => false,
  };
}
