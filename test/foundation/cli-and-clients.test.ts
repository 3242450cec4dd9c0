import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { backendArg, brokerIdArg, createLiveView, formatTable, parseArgs, reportError, runMain } from '../../src/cli/index.js';
import { FAILOVER_RETRY, kafkaConfig, onShutdown, resolveBootstrap } from '../../src/clients/index.js';
import { UserError } from '../../src/cluster/types.js';

process.env.NO_COLOR = '1';

describe('table renderer', () => {
  it('aligns columns, ignores ANSI escapes in widths, shows an empty marker', () => {
    const text = formatTable([{ header: 'topic' }, { header: 'leader', align: 'right' }], [['orders', 1], ['\x1b[31mpay\x1b[39m', 12]]);
    expect(text.split('\n')).toEqual(['topic   leader', '──────  ──────', 'orders       1', '\x1b[31mpay\x1b[39m         12']);
    expect(formatTable(['a'], [], { empty: '(none)' }).split('\n')[2]).toBe('(none)');
  });

  it('live view: redraws in place on a TTY, prints changed frames otherwise', () => {
    const tty: string[] = [];
    const live = createLiveView({ write: (s: string) => tty.push(s), isTTY: true, columns: 80 });
    live.render('a\nb');
    live.render('c\nd');
    expect(tty).toEqual(['\x1b[Ja\nb\n', '\x1b[2F\x1b[Jc\nd\n']);
    const plain: string[] = [];
    const log = createLiveView({ write: (s: string) => plain.push(s), isTTY: false });
    log.render('x');
    log.render('x');
    log.render('y');
    expect(plain.join('')).toBe('x\n\ny\n');
  });

  it('live view, not a TTY: a changed title alone is not a new frame; throttled frames are held, the last printed on done()', () => {
    const plain: string[] = [];
    const log = createLiveView({ write: (s: string) => plain.push(s), isTTY: false }, { minPrintIntervalMs: 60_000, frameSeparator: '' });
    log.render('x', 't1');
    log.render('x', 't2'); // same body: nothing
    log.render('y', 't3'); // changed, but within the interval: held
    log.render('z', 't4'); // replaces the held frame
    expect(plain.join('')).toBe('t1\nx\n');
    log.done();
    log.render('w', 't5'); // after done: ignored
    expect(plain.join('')).toBe('t1\nx\nt4\nz\n');
    const back: string[] = [];
    const view = createLiveView({ write: (s: string) => back.push(s), isTTY: false }, { minPrintIntervalMs: 60_000 });
    view.render('x');
    view.render('y'); // held
    view.render('x'); // back to what is printed: the held frame is stale
    view.done();
    expect(back.join('')).toBe('x\n');
  });

  it('table options: indent, empty cells, yes/no, plain text', () => {
    process.env.FORCE_COLOR = '1';
    try {
      const text = formatTable(['k', 'v'], [['a', null], ['b', true]], { indent: 2, emptyCell: '-', yesNo: true, color: false });
      expect(text.split('\n')).toEqual(['  k  v', '  ─  ───', '  a  -', '  b  yes']);
    } finally {
      delete process.env.FORCE_COLOR;
    }
  });
});

describe('CLI helpers', () => {
  it('prints UserErrors as one line with their exit code', async () => {
    const out: string[] = [];
    const codes: number[] = [];
    await runMain(
      () => {
        throw new UserError('port 9092 is in use', 3);
      },
      { output: { write: (s: string) => out.push(s) }, exit: (c) => codes.push(c) },
    );
    expect(out).toEqual(['error: port 9092 is in use\n']);
    expect(codes).toEqual([3]);
    expect(reportError(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { write: (s: string) => out.push(s) })).toBe(1);
    expect(out[1]).toMatch(/^error: cannot reach Kafka at 127\.0\.0\.1:9092: is a cluster up\?/);
  });

  it('parses options and rejects unknown ones', () => {
    expect(parseArgs({ string: ['profile'], boolean: ['json'], usage: 'x' }, ['--profile', 'multi', '--json', '--', 'f']).profile).toBe('multi');
    expect(() => parseArgs({ string: ['profile'], usage: 'x' }, ['--profle', 'multi'])).toThrow('unknown option --profle (usage: x)');
    expect(() => backendArg('podman')).toThrow('unknown backend "podman": use --backend auto, docker, jvm, embedded');
    expect(backendArg('jvm')).toBe('jvm');
    expect(brokerIdArg('2', 'u')).toBe(2);
    expect(() => brokerIdArg('two', 'u')).toThrow('"two" is not a broker id (usage: u)');
  });
});

describe('kafkajs factory', () => {
  it('bootstrap: explicit > cluster > KAFKA_BOOTSTRAP > 127.0.0.1:9092, never localhost', () => {
    expect(resolveBootstrap({ env: {} })).toEqual(['127.0.0.1:9092']);
    expect(resolveBootstrap({ env: { KAFKA_BOOTSTRAP: 'localhost:9093, 10.0.0.1:9092' } })).toEqual(['127.0.0.1:9093', '10.0.0.1:9092']);
    expect(resolveBootstrap({ env: { KAFKA_BOOTSTRAP: 'x:1' }, cluster: { bootstrapServers: () => ['127.0.0.1:9094'] } })).toEqual(['127.0.0.1:9094']);
    expect(resolveBootstrap({ env: {}, brokers: ['localhost:1'] })).toEqual(['127.0.0.1:1']);
  });

  it('retry budget outlasts a leader election (session timeout 5 s + controller failover)', () => {
    let total = 0;
    let wait = FAILOVER_RETRY.initialRetryTime!;
    for (let i = 0; i < FAILOVER_RETRY.retries!; i++) {
      total += Math.min(wait, FAILOVER_RETRY.maxRetryTime!) * 0.8; // kafkajs randomises ±20%: take the short side
      wait *= FAILOVER_RETRY.multiplier!;
    }
    expect(total).toBeGreaterThan(12_000);
    const config = kafkaConfig({ clientId: 'x', env: {} });
    expect(config.retry).toEqual(FAILOVER_RETRY);
    expect(config.clientId).toBe('x');
  });
});

describe('graceful shutdown', () => {
  function fakeProcess() {
    const emitter = new EventEmitter();
    const exits: number[] = [];
    return {
      proc: { on: emitter.on.bind(emitter), off: emitter.off.bind(emitter), exit: (code?: number) => void exits.push(code ?? 0) },
      emitter,
      exits,
    };
  }

  it('first signal: stop taking work, run cleanup, exit 0', async () => {
    const { proc, emitter, exits } = fakeProcess();
    const steps: string[] = [];
    const handle = onShutdown(async () => {
      steps.push('cleanup');
    }, { proc, log: (l) => steps.push(l) });
    expect(handle.stopping).toBe(false);
    emitter.emit('SIGTERM', 'SIGTERM');
    expect(handle.stopping).toBe(true);
    expect(handle.signal.aborted).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(steps[0]).toMatch(/^SIGTERM: finishing in-flight work/);
    expect(steps[1]).toBe('cleanup');
    expect(exits).toEqual([0]);
  });

  it('copies of one Ctrl-C count once; a second one says what it waits for; a third exits at once', async () => {
    const { proc, emitter, exits } = fakeProcess();
    let now = 0;
    const lines: string[] = [];
    const handle = onShutdown(() => new Promise<void>(() => {}), { proc, log: (l) => lines.push(l), now: () => now, what: 'committing' });
    emitter.emit('SIGINT', 'SIGINT');
    now += 30; // tsx relays it again 30 ms later; yarn or the terminal's process group deliver more
    emitter.emit('SIGINT', 'SIGINT');
    emitter.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([]);
    expect(lines).toHaveLength(1);
    handle.doing('waiting for 2 sends');
    now += 2000;
    emitter.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([]);
    expect(lines.at(-1)).toBe('still waiting for 2 sends (Ctrl-C again to exit now)');
    now += 2000;
    emitter.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([130]);
  });

  it('a failing cleanup exits 1', async () => {
    const { proc, emitter, exits } = fakeProcess();
    onShutdown(async () => {
      throw new Error('boom');
    }, { proc, log: () => {} });
    emitter.emit('SIGINT', 'SIGINT');
    await new Promise((r) => setImmediate(r));
    expect(exits).toEqual([1]);
  });

  it('a cleanup may return the exit code', async () => {
    const { proc, emitter, exits } = fakeProcess();
    onShutdown(async () => 1, { proc, log: () => {} });
    emitter.emit('SIGTERM', 'SIGTERM');
    await new Promise((r) => setImmediate(r));
    expect(exits).toEqual([1]);
  });
});
