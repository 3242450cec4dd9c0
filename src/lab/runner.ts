/**
 * The lab runner: numbered steps, narration, progress while waiting, live tables, checks, cleanup and a summary.
 * A lab is `defineLab({ ... run(lab) })`; `runLab` gives it a LabContext and returns what it saw and checked.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Admin, Consumer, ConsumerConfig, ITopicConfig, Kafka, PartitionMetadata, Producer, ProducerConfig, RetryOptions } from 'kafkajs';
import type { BackendChoice, BackendName, Cluster, Profile } from '../cluster/types.js';
import { UserError } from '../cluster/types.js';
import { backendArg } from '../cli/args.js';
import { chooseCluster } from './cluster.js';
import { activeController } from '../cluster/kafka-requests.js';
import { KafkaLogSink, createLabKafka, kafkaErrorType } from './kafka.js';
import { SPINNER } from '../cli/progress.js';
import { type Cell, type LiveOutput, type LiveView, type TableOptions, createLiveView, formatTable } from '../cli/table.js';
import { keyboardCaptured, nextEnter } from '../common/keyboard.js';
import { type LiveRegion, liveAllowed, openRegion } from '../common/terminal.js';
import { type Output, type Style, formatMs, style, terminalOutput } from './output.js';
import { LabInterruption } from './interruption.js';
import { describeInterrupt } from '../clients/interrupts.js';
import { createTopicsAndWait } from '../clients/topics.js';

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
  /** set when Ctrl-C / SIGTERM ended the lab early (the CLI then exits 130) */
  interrupted?: string;
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

/** Thrown into the lab's own code by waits, sleeps, pauses and new work once Ctrl-C / SIGTERM arrived. */
export class LabInterrupted extends LabFailure {
  override name = 'LabInterrupted';
  constructor() {
    super('interrupted');
  }
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
  private readonly downBrokers = new Map<number, 'killed' | 'stopped'>();
  private adminClient: Admin | null = null;
  private kafkaClient: Kafka | null = null;
  /** aborted on Ctrl-C / SIGTERM: waits, sleeps and pauses then throw LabInterrupted */
  private readonly stop = new AbortController();
  /** a live table the lab is done with, still drawn in place until the lab prints something else (see liveTable) */
  private lingering: { view: LiveView; refresh: () => void } | null = null;
  /** the onPoll of the waitFor running now: what keeps a live table's numbers moving */
  private currentPoll: (() => void) | null = null;
  private refreshing = false;
  private cleaningUp = false;
  /** what the cleanup is doing now (a second Ctrl-C prints it) */
  activity = '';

  constructor(
    readonly def: LabDefinition,
    readonly cluster: Cluster,
    readonly out: Output,
    readonly verify: boolean,
  ) {
    this.s = style(out.color);
  }

  /** A person at a terminal: pauses wait for Enter (read as a key: the keyboard is captured while a lab runs). */
  get interactive(): boolean {
    return !this.verify && this.out.isTTY && keyboardCaptured();
  }

  /** True once Ctrl-C / SIGTERM arrived. */
  get interrupted(): boolean {
    return this.stop.signal.aborted;
  }

  /** Ctrl-C: every wait, sleep and pause of the lab ends now (with LabInterrupted), and no new work starts. */
  interruptNow(): void {
    this.stop.abort();
  }

  private checkInterrupted(): void {
    if (this.interrupted) throw new LabInterrupted();
  }

  /** Where live tables and spinners draw: the terminal stream itself when there is one (they share its live area). */
  private get liveTarget(): LiveOutput {
    const out = this.out;
    return out.stream ?? { isTTY: out.isTTY, write: (text: string) => out.write(text), get columns() { return out.columns(); } };
  }

  /** Everything the lab prints goes through here: a finished live table stops being redrawn first. */
  private write(text: string): void {
    this.settle();
    this.out.write(text);
  }

  private settle(): void {
    const lingering = this.lingering;
    this.lingering = null;
    lingering?.view.done();
  }

  // ── narration ───────────────────────────────────────────────────────────
  async step<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.checkInterrupted();
    this.stepNo++;
    this.write(`\n${this.s.bold(this.s.cyan(`Step ${this.stepNo}`))} ${this.s.bold(title)}\n`);
    return await fn();
  }

  /** Narration: what is happening and why. */
  say(...lines: string[]): void {
    for (const l of lines) this.write(`   ${l}\n`);
  }

  /** The Kafka idea behind what just happened. */
  explain(...lines: string[]): void {
    for (const l of lines) this.write(`   ${this.s.dim('│')} ${this.s.dim(l)}\n`);
  }

  table(headers: string[], rows: Cell[][]): void {
    this.write(formatTable(headers, rows, LAB_TABLE) + '\n');
  }

  /**
   * A table whose numbers change while the lab waits (leaders, ISR, counts). On a TTY it redraws in place, in the
   * terminal's live area (whatever else is printed meanwhile goes above it); after done() it stays live until the
   * lab prints something else, so a pause right after it keeps it moving (the waitFor that fed it goes on polling).
   * Elsewhere (CI, pipes) it prints only when the rows changed (a changing title alone does not count), at most
   * every `minPrintIntervalMs` (default 1000), and once at the end: no redraw codes.
   */
  liveTable(headers: string[], options: { title?: () => string; minPrintIntervalMs?: number } = {}): LiveTable {
    this.settle();
    const target = this.liveTarget;
    const view = createLiveView(target, {
      interactive: this.out.isTTY && liveAllowed(target),
      minPrintIntervalMs: options.minPrintIntervalMs ?? 1000,
      frameSeparator: '',
    });
    let refresh: (() => void) | null = null;
    let finished = false;
    return {
      update: (rows) => {
        if (finished && !(this.refreshing && this.lingering?.view === view)) return;
        if (!finished && this.currentPoll) refresh = this.currentPoll;
        const title = options.title?.();
        view.render(formatTable(headers, rows, LAB_TABLE), title ? `${LAB_INDENT}${title}` : undefined);
      },
      done: () => {
        if (finished) return;
        finished = true;
        if (!view.interactive) return view.done();
        this.settle();
        const poll = refresh;
        this.lingering = { view, refresh: () => poll?.() };
      },
    };
  }

  /** Something the lab saw, for the summary. */
  observe(label: string, value: string | number): void {
    this.observations.push([label, String(value)]);
    this.write(`   ${this.s.dim('•')} ${label}: ${this.s.bold(String(value))}\n`);
  }

  /** An assertion about the outcome; a failed check makes the lab exit non-zero (the lab goes on, to show more). */
  check(label: string, ok: boolean, detail?: string): boolean {
    this.checks.push({ label, ok, ...(detail ? { detail } : {}) });
    const mark = ok ? this.s.green('✔') : this.s.red('✘');
    this.write(`   ${mark} ${label}${detail ? this.s.dim(` (${detail})`) : ''}\n`);
    return ok;
  }

  /** A check the rest of the lab depends on: stops the lab when it fails. */
  require(label: string, ok: boolean, detail?: string): void {
    if (!this.check(label, ok, detail)) throw new LabFailure(`${label}${detail ? ` (${detail})` : ''}`);
  }

  /**
   * Waits for Enter when a person runs the lab; does nothing in verify mode / CI / pipes. Ctrl-C at the prompt is
   * the lab's Ctrl-C like anywhere else (the keyboard is read key by key, ../common/keyboard.ts): it ends the lab and
   * undoes it. A live table drawn just before keeps moving while the prompt waits.
   */
  async pause(prompt = 'press Enter to continue'): Promise<void> {
    if (!this.interactive) return;
    this.checkInterrupted();
    const lingering = this.lingering;
    const region: LiveRegion = openRegion(this.liveTarget);
    region.set([`   ${this.s.dim(`⏎ ${prompt}`)} `], { cursorAtEnd: true });
    const timer = lingering
      ? setInterval(() => {
          this.refreshing = true;
          try {
            lingering.refresh();
          } finally {
            this.refreshing = false;
          }
        }, 500)
      : undefined;
    try {
      const entered = await nextEnter(this.stop.signal);
      if (!entered) throw new LabInterrupted();
    } finally {
      clearInterval(timer);
      this.settle();
      region.close('keep');
    }
  }

  /** Sleeps; Ctrl-C ends it early with LabInterrupted. */
  async sleep(ms: number): Promise<void> {
    this.checkInterrupted();
    try {
      await sleepFor(ms, undefined, { signal: this.stop.signal });
    } catch {
      throw new LabInterrupted();
    }
  }

  /**
   * Polls `probe` until it returns something other than undefined/false, with a progress line meanwhile.
   * Throws LabFailure after timeoutMs, LabInterrupted on Ctrl-C.
   */
  async waitFor<T>(label: string, probe: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions = {}): Promise<{ value: T; elapsedMs: number }> {
    this.checkInterrupted();
    this.settle();
    const timeoutMs = options.timeoutMs ?? 30_000;
    const intervalMs = options.intervalMs ?? 200;
    const start = Date.now();
    let frame = 0;
    const target = this.liveTarget;
    const spinner = this.out.isTTY && !options.onPoll && liveAllowed(target) ? openRegion(target) : null;
    let announced = false;
    const poll = options.onPoll ? () => options.onPoll!(Date.now() - start) : null;
    this.currentPoll = poll;
    try {
      for (;;) {
        let value: T | undefined | false;
        try {
          value = await probe();
        } catch {
          value = undefined; // e.g. metadata while a broker dies: try again
        }
        this.checkInterrupted();
        const elapsedMs = Date.now() - start;
        poll?.();
        if (value !== undefined && value !== false) {
          spinner?.close('clear');
          this.out.write(`   ${this.s.dim('…')} ${label}: ${this.s.dim(`done after ${formatMs(elapsedMs)}`)}\n`);
          return { value, elapsedMs };
        }
        if (elapsedMs > timeoutMs) throw new LabFailure(`timed out after ${formatMs(timeoutMs)} waiting for: ${label}`);
        if (spinner) spinner.set([`   ${SPINNER[frame++ % SPINNER.length]} ${label} ${this.s.dim(formatMs(elapsedMs))}`]);
        else if (!this.out.isTTY && !announced && elapsedMs >= 1000) {
          announced = true;
          this.out.write(`   … ${label}\n`);
        }
        await this.sleep(intervalMs);
      }
    } finally {
      spinner?.close('clear');
      if (this.currentPoll === poll) this.currentPoll = null;
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
  kafka(clientId = `kafka-lab-${this.def.id}`, retry?: RetryOptions, brokers = this.cluster.bootstrapServers()): Kafka {
    return createLabKafka(brokers, clientId, { sink: this.kafkaLog, ...(retry ? { retry } : {}) });
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

  /**
   * A connected producer that the lab disconnects at the end; `brokers` bootstraps it from those only (a survivor).
   * Idempotent unless the lab says `idempotent: false`, as Kafka's Java producer is by default: kafkajs resends a whole
   * request when one partition in it fails, so without idempotence a retry can write the others twice (seen on real
   * Kafka right after a topic is created).
   */
  async producer(config: ProducerConfig & { clientId?: string; retry?: RetryOptions; brokers?: string[] } = {}): Promise<Producer> {
    this.checkInterrupted();
    const { clientId, retry, brokers, ...rest } = config;
    const { Partitioners } = await import('kafkajs');
    const idempotent = rest.idempotent ?? true;
    const producer = this.kafka(clientId ?? `kafka-lab-${this.def.id}-producer`, retry, brokers).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      ...(idempotent ? { maxInFlightRequests: 1 } : {}),
      ...rest,
      idempotent,
    });
    await producer.connect();
    if (rest.transactionalId) {
      // The first transaction() asks for the coordinator. Kafka creates __transaction_state on first use, with
      // transaction.state.log.replication.factor replicas (3 on the multi profile): until that many brokers run there is
      // no coordinator, and kafkajs only says "The coordinator is not available".
      const begin = producer.transaction.bind(producer);
      producer.transaction = async () => {
        try {
          return await begin();
        } catch (error) {
          const type = kafkaErrorType(error) ?? '';
          if (!['KafkaJSGroupCoordinatorNotFound', 'COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS'].includes(type)) throw error;
          throw new UserError(
            `no transaction coordinator answered for ${rest.transactionalId} (${type === 'KafkaJSGroupCoordinatorNotFound' ? 'COORDINATOR_NOT_AVAILABLE' : type}): the cluster creates __transaction_state on first use and needs every broker up for that; start them with \`yarn broker:start <id>\` (\`yarn cluster:status\` shows which are down) and run the lab again`,
          );
        }
      };
    }
    this.producers.push(producer);
    return producer;
  }

  /** A connected consumer; its group is deleted at the end. Quick heartbeats so rebalances show up fast. */
  async consumer(config: ConsumerConfig & { clientId?: string; retry?: RetryOptions }): Promise<Consumer> {
    this.checkInterrupted();
    const { clientId, retry, ...rest } = config;
    const consumer = this.kafka(clientId ?? `kafka-lab-${this.def.id}-consumer`, retry).consumer({
      sessionTimeout: 10_000,
      rebalanceTimeout: 15_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 250,
      // kafkajs' own default (5), plus: a consumer that crashes (a dead leader) is not restarted once the lab is
      // stopping. kafkajs restarts it a second later, even after disconnect(), and the restarted member would keep
      // the group from being deleted (NON_EMPTY_GROUP).
      retry: { retries: 5, restartOnFailure: async () => !this.interrupted && !this.cleaningUp },
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
    this.checkInterrupted();
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
    await this.retryBriefly(() => createTopicsAndWait(admin, [topic]));
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
    this.checkInterrupted();
    this.downBrokers.set(id, 'killed');
    await this.cluster.killBroker(id);
  }

  async stopBroker(id: number): Promise<void> {
    this.checkInterrupted();
    this.downBrokers.set(id, 'stopped');
    await this.cluster.stopBroker(id);
  }

  async startBroker(id: number): Promise<void> {
    await this.cluster.startBroker(id);
    this.downBrokers.delete(id);
  }

  /**
   * The broker ids of the cluster and the active KRaft controller (for labs that avoid killing it). The controller comes
   * from DescribeQuorum: in KRaft, Metadata's controllerId (kafkajs' describeCluster().controller) is a random live
   * broker, not the controller.
   */
  async describeCluster(): Promise<{ brokers: number[]; controller: number | null }> {
    const admin = await this.admin();
    const d = await admin.describeCluster();
    const live = d.brokers.map((b) => `${b.host}:${b.port}`);
    return { brokers: d.brokers.map((b) => b.nodeId).sort((a, b) => a - b), controller: await this.activeController(live) };
  }

  /** The active KRaft controller, or null while there is none (no quorum) or no broker answers within 3 s. */
  async activeController(bootstrap = this.cluster.bootstrapServers()): Promise<number | null> {
    return activeController(bootstrap, 3_000).catch(() => null);
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
  /** What the lab did that is not undone yet, e.g. ['broker 2 down (`yarn broker:start 2`)', 'topic lab07-orders']. */
  leftovers(keep = false): string[] {
    const left = [...this.downBrokers.keys()].map((id) => `broker ${id} down (\`yarn broker:start ${id}\`)`);
    if (!keep) {
      left.push(...[...this.topics].map((t) => `topic ${t}`));
      left.push(...[...this.groups].map((g) => `consumer group ${g}`));
    }
    return left;
  }

  /**
   * Everything the lab created goes away (unless keep): its own cleanups (load, child processes), clients, stopped
   * brokers restart, consumer groups and topics are deleted. Each thing undone is passed to `undone` as it happens;
   * what could not be undone is returned. Never interrupted itself (it is what Ctrl-C runs).
   */
  async cleanup(keep: boolean, undone: (line: string) => void = () => {}): Promise<string[]> {
    this.settle();
    this.cleaningUp = true;
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown> | unknown): Promise<boolean> => {
      this.activity = what;
      try {
        await fn();
        return true;
      } catch (error) {
        // The lab's own cleanup may wait on its loops, which Ctrl-C ended: stopped is what it was for.
        if (error instanceof LabInterrupted) return true;
        problems.push(`${what}: ${(error as Error).message}`);
        return false;
      }
    };
    const own = this.cleanups.splice(0).reverse();
    let ranOwn = 0;
    for (const fn of own) if (await attempt("running the lab's own cleanup (its load, its child processes)", fn)) ranOwn++;
    if (ranOwn > 0) undone(`stopped the lab's load and child processes`);
    const clients = this.consumers.length + this.producers.length;
    await Promise.all(this.consumers.map((c) => attempt('disconnecting a consumer', () => c.disconnect())));
    await Promise.all(this.producers.map((p) => attempt('disconnecting a producer', () => p.disconnect())));
    if (clients > 0) undone(`disconnected ${this.consumers.length} consumer(s) and ${this.producers.length} producer(s)`);
    this.consumers.length = 0;
    this.producers.length = 0;
    for (const [id, how] of [...this.downBrokers]) {
      if (await attempt(`restarting broker ${id}`, () => this.cluster.startBroker(id))) {
        this.downBrokers.delete(id);
        undone(`restarted broker ${id}, which the lab ${how}`);
      }
    }
    if (!keep) {
      if (this.groups.size > 0) {
        await attempt(`deleting consumer group(s) ${[...this.groups].join(', ')}`, async () => {
          const deleted = await this.deleteGroups([...this.groups]);
          this.groups.clear();
          if (deleted.length) undone(`deleted consumer group${deleted.length > 1 ? 's' : ''} ${deleted.join(', ')}`);
        });
      }
      for (const topic of [...this.topics]) {
        if (await attempt(`deleting topic ${topic}`, () => this.removeTopic(topic))) {
          this.topics.delete(topic);
          undone(`deleted topic ${topic}`);
        }
      }
    }
    if (this.adminClient) await attempt('disconnecting the admin client', () => this.adminClient!.disconnect());
    this.adminClient = null;
    this.activity = '';
    return problems;
  }

  /**
   * Deletes the groups; returns those that existed. A group that never committed anything may not exist: fine. Right
   * after a broker restart its coordinator may still be loading (or moving), and members that just left may not be
   * gone yet: asked again for up to 20 s.
   */
  private async deleteGroups(groups: string[]): Promise<string[]> {
    const admin = await this.admin();
    const deadline = Date.now() + 20_000;
    let pending = [...groups];
    const deleted: string[] = [];
    for (;;) {
      try {
        await admin.deleteGroups(pending);
        return [...deleted, ...pending];
      } catch (e) {
        const results = (e as { groups?: Array<{ groupId: string; error?: { type?: string } }> }).groups ?? [];
        for (const g of results) if (!g.error) deleted.push(g.groupId);
        const failed = results.filter((g) => g.error && g.error.type !== 'GROUP_ID_NOT_FOUND');
        if (results.length > 0 && failed.length === 0) return deleted;
        if (Date.now() > deadline) {
          const why = failed.map((g) => `${g.groupId}: ${g.error?.type ?? 'error'}`).join(', ');
          throw new Error(why || (e as Error).message);
        }
        pending = results.length > 0 ? failed.map((g) => g.groupId) : pending;
        await sleepFor(500);
      }
    }
  }

  /** Deletes a topic and waits until it is gone, without narration (and without Ctrl-C ending the wait). */
  private async removeTopic(topic: string): Promise<void> {
    const admin = await this.admin();
    if (!(await admin.listTopics()).includes(topic)) return;
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    const deadline = Date.now() + 20_000;
    while ((await admin.listTopics()).includes(topic)) {
      if (Date.now() > deadline) throw new Error(`still listed 20 s after its deletion`);
      await sleepFor(200);
    }
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
      backend = backendArg(v ?? '') ?? (() => {
        throw new UserError('--backend needs a value: auto, docker, jvm or embedded', 2);
      })();
    } else if (a === '--') continue;
    else rest.push(a);
  }
  return { verify, keep, backend, rest };
}

/** How long Ctrl-C waits for the lab's own code to unwind before undoing anyway (a send may be stuck in retries). */
const UNWIND_GRACE_MS = 2_000;

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
  let clusterDown = false;
  let startingCluster: Promise<void> | null = null;
  let ctx: LabContext | undefined;
  let error: string | undefined;
  const log = (line: string) => out.write(`   ${s.dim(line)}\n`);
  const clusterLeft = () => (weStarted && !clusterDown && !keep && cluster ? [`the ${cluster.profile} cluster it started (\`yarn cluster:down\`)`] : []);
  const interruption = options.handleSignals
    ? new LabInterruption(
        (line) => out.write(s.yellow(line) + '\n'),
        () => ({
          doing: ctx?.activity || (startingCluster ? 'waiting for the cluster to finish starting, to stop it again' : weStarted && !clusterDown ? 'stopping the cluster the lab started' : ''),
          left: [...(ctx?.leftovers(keep) ?? []), ...clusterLeft()],
        }),
        () => ctx?.interruptNow(),
      ).listen()
    : null;

  const body = (async () => {
    if (def.needsCluster !== false && !cluster) {
      const chosen = await chooseCluster(options.backend ?? 'auto', def.profile, def.anyProfile ?? false, log);
      cluster = chosen.cluster;
      if (chosen.running) {
        log(`using the ${cluster.profile} cluster already running (${cluster.backend} backend)`);
      } else {
        if (interruption?.cause) throw new LabInterrupted();
        log(`bringing up the ${cluster.profile} cluster (${cluster.backend} backend)…`);
        const t = Date.now();
        const up = cluster.up();
        startingCluster = up;
        try {
          await up;
          weStarted = true;
        } finally {
          startingCluster = null;
        }
        log(`cluster up in ${formatMs(Date.now() - t)}: ${cluster.bootstrapServers().join(', ')}`);
      }
    }
    if (interruption?.cause) throw new LabInterrupted();
    ctx = new LabContext(def, cluster ?? noCluster(), out, verify);
    await def.run(ctx);
  })();
  const finished = body.then(
    () => null,
    (e: unknown) => e,
  );
  const outcome = await Promise.race([finished.then((e) => ({ error: e })), ...(interruption ? [interruption.first.then(() => null)] : [])]);
  if (outcome === null || interruption?.cause) {
    // Ctrl-C: the lab's waits end at once; give its code a moment to unwind, and a cluster being started the time to
    // finish (only then can it be stopped).
    await Promise.race([finished, sleepFor(UNWIND_GRACE_MS)]);
    await (startingCluster as Promise<void> | null)?.catch(() => undefined);
  } else if (outcome.error) {
    const e = outcome.error;
    error = e instanceof LabFailure || e instanceof UserError ? e.message : describeUnexpected(e);
    out.write(`\n   ${s.red('✘ the lab stopped:')} ${error}\n`);
    if (ctx) {
      const tail = ctx.kafkaLog.tail(8);
      if (tail.length) out.write(`   ${s.dim('last kafkajs messages:')}\n${tail.map((l) => `     ${s.dim(l)}`).join('\n')}\n`);
    }
  }
  const cause = interruption?.cause ?? null;
  const undone = (line: string) => out.write(`   ${s.dim('↺')} ${line}\n`);
  const problems: string[] = [];
  if (ctx) problems.push(...(await ctx.cleanup(keep, undone)));
  if (weStarted && cluster && !keep) {
    try {
      await cluster.down();
      clusterDown = true;
      undone(`stopped the ${cluster.profile} cluster (${cluster.backend}), which the lab started (--keep leaves it up)`);
    } catch (e) {
      problems.push(`cluster down: ${(e as Error).message}`);
    }
  } else if (cluster && keep) {
    log(`--keep: the cluster stays up (${cluster.bootstrapServers().join(', ')}); \`yarn cluster:down\` stops it`);
  }
  for (const p of problems) out.write(`   ${s.yellow('!')} ${s.dim(`cleanup: ${p}`)}\n`);
  interruption?.dispose();
  const checks = ctx?.checks ?? [];
  const interrupted = cause ? describeInterrupt(cause) : undefined;
  const ok = !error && !interrupted && checks.length > 0 && checks.every((c) => c.ok);
  const result: LabResult = {
    id: def.id,
    title: def.title,
    backend: cluster?.backend ?? 'none',
    profile: cluster?.profile ?? 'none',
    ok,
    durationMs: Date.now() - started,
    checks,
    observations: ctx?.observations ?? [],
    ...(interrupted ? { interrupted, error: `interrupted (${interrupted})` } : error ? { error } : !ok ? { error: failedSummary(checks) } : {}),
  };
  if (interrupted) {
    const left = [...(ctx?.leftovers(keep) ?? []), ...clusterLeft()];
    out.write(
      `\n${s.yellow(s.bold('INTERRUPTED'))} lab ${def.id} (${interrupted}): ${left.length ? `not undone: ${left.join('; ')}` : problems.length ? 'see the cleanup problems above' : 'everything it did is undone'}\n`,
    );
  } else {
    printSummary(out, result);
  }
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
