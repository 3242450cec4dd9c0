import { describe, expect, it } from 'vitest';
import { MessageAudit, describeAudit, describeExactlyOnce, exactlyOnce, readStamp } from '../../src/lab/audit.js';

function consume(audit: MessageAudit, producer: string, seq: number, key: string, offset: number) {
  audit.consumed({ producer, seq, key, partition: 0, offset: String(offset) });
}

describe('MessageAudit', () => {
  it('reports a clean run as ok', () => {
    const audit = new MessageAudit();
    for (let i = 0; i < 5; i++) {
      const m = audit.stamp('P1', 'k');
      audit.acked(m.stamp);
      consume(audit, 'P1', m.stamp.seq, 'k', i);
    }
    const r = audit.report();
    expect(r).toMatchObject({ sent: 5, acked: 5, consumed: 5, uniqueConsumed: 5, duplicateCount: 0, ok: true });
    expect(r.lost).toEqual([]);
    expect(r.outOfOrder).toEqual([]);
  });

  it('catches a loss, a duplicate and a reorder in one log', () => {
    const audit = new MessageAudit();
    const stamps = Array.from({ length: 6 }, () => audit.stamp('P1', 'order-1').stamp);
    for (const s of stamps) audit.acked(s);
    // consumed: 0, 2, 1 (reorder), 2 again (duplicate), 4; seq 3 and 5 never arrive (loss)
    consume(audit, 'P1', 0, 'order-1', 0);
    consume(audit, 'P1', 2, 'order-1', 1);
    consume(audit, 'P1', 1, 'order-1', 2);
    consume(audit, 'P1', 2, 'order-1', 1);
    consume(audit, 'P1', 4, 'order-1', 3);
    const r = audit.report();
    expect(r.ok).toBe(false);
    expect(r.lost.map((s) => s.seq).sort()).toEqual([3, 5]);
    expect(r.duplicates).toEqual([{ producer: 'P1', seq: 2, key: 'order-1', times: 2 }]);
    expect(r.duplicateCount).toBe(1);
    expect(r.outOfOrder).toEqual([{ producer: 'P1', seq: 1, key: 'order-1', after: 2 }]);
    const text = describeAudit(r).join('\n');
    expect(text).toContain('lost (acknowledged, never consumed): 2');
    expect(text).toContain('duplicates (consumed more than once): 1');
    expect(text).toContain('out of order within a key: 1');
  });

  it('keeps order per key and per producer, not across them', () => {
    const audit = new MessageAudit();
    const a = audit.stamp('P1', 'a').stamp;
    const b = audit.stamp('P1', 'b').stamp;
    const c = audit.stamp('P2', 'a').stamp;
    for (const s of [a, b, c]) audit.acked(s);
    // b (seq 1) before a (seq 0) is fine: different keys (different partitions)
    consume(audit, 'P1', b.seq, 'b', 0);
    consume(audit, 'P2', c.seq, 'a', 0);
    consume(audit, 'P1', a.seq, 'a', 1);
    expect(audit.report()).toMatchObject({ ok: true, outOfOrder: [], lost: [] });
  });

  it('a redelivery after a rebalance is a duplicate, not a reorder', () => {
    const audit = new MessageAudit();
    for (let i = 0; i < 4; i++) audit.acked(audit.stamp('P1', 'k').stamp);
    for (const seq of [0, 1, 2, 1, 2, 3]) consume(audit, 'P1', seq, 'k', seq);
    const r = audit.report();
    expect(r.outOfOrder).toEqual([]);
    expect(r.duplicateCount).toBe(2);
    expect(r.ok).toBe(true);
  });

  it('counts sends that failed yet were consumed, and missing ones', () => {
    const audit = new MessageAudit();
    const ok = audit.stamp('P1', 'k').stamp;
    const failed = audit.stamp('P1', 'k').stamp;
    audit.acked(ok);
    audit.failed(failed);
    expect(audit.missingCount()).toBe(1);
    consume(audit, 'P1', ok.seq, 'k', 0);
    consume(audit, 'P1', failed.seq, 'k', 1);
    const r = audit.report();
    expect(audit.missingCount()).toBe(0);
    expect(r.failed).toBe(1);
    expect(r.consumedNotAcked).toEqual([failed]);
  });

  it('reads stamps from headers or from the JSON value', () => {
    const audit = new MessageAudit();
    const m = audit.stamp('P9', 'key-1', { amount: 3 });
    const headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v)]));
    expect(readStamp({ key: Buffer.from('key-1'), value: Buffer.from('x'), headers })).toEqual({ producer: 'P9', seq: 0, key: 'key-1' });
    expect(readStamp({ key: null, value: Buffer.from(m.value) })).toEqual({ producer: 'P9', seq: 0, key: 'key-1' });
    expect(readStamp({ key: null, value: Buffer.from('not json') })).toBeNull();
    expect(audit.consumedMessage(2, { offset: '7', key: Buffer.from('key-1'), value: Buffer.from(m.value), headers })).toBe(true);
    expect(audit.consumedMessage(2, { offset: '8', value: Buffer.from('plain') })).toBe(false);
  });

  it('exactly-once: expected effects each consumed once, nothing lost, nothing unexpected', () => {
    const audit = new MessageAudit();
    // effects registered as expected (not sent by a producer of the audit): a debit and a credit per payment
    for (let id = 0; id < 3; id++) {
      audit.acked({ producer: 'debit', seq: id, key: 'alice' });
      audit.acked({ producer: 'credit', seq: id, key: 'bob' });
    }
    for (let id = 0; id < 3; id++) {
      consume(audit, 'debit', id, 'alice', id);
      consume(audit, 'credit', id, 'bob', id);
    }
    expect(exactlyOnce(audit.report())).toBe(true);
    consume(audit, 'credit', 1, 'bob', 9); // an aborted write seen by a read_uncommitted consumer
    expect(exactlyOnce(audit.report())).toBe(false);
    expect(describeExactlyOnce(audit.report()).join('\n')).toContain('duplicates (consumed more than once): 1 → credit#1(bob)');
    const lost = new MessageAudit();
    lost.acked({ producer: 'debit', seq: 0, key: 'alice' });
    consume(lost, 'debit', 7, 'alice', 0); // never expected
    const r = lost.report();
    expect(exactlyOnce(r)).toBe(false);
    expect(describeExactlyOnce(r)).toEqual([
      'expected 1; consumed 1 (1 distinct)',
      'lost (expected, never consumed): 1 → debit#0(alice)',
      'duplicates (consumed more than once): 0',
      'unexpected (consumed, never expected): 1 → debit#7(alice)',
    ]);
  });
});
