import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionLog } from '../../src/broker/log/index.js';
import { tempDir } from './helpers.js';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (o: any) => Promise<{ buffer: Buffer }> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (o: any) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: any) => Promise<any>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => any;
const { Types } = require('kafkajs/src/protocol/message/compression/index.js') as { Types: { None: number; GZIP: number } };

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

async function kafkajsBatch(values: string[], compression: number): Promise<Buffer> {
  const records = values.map((v, i) => Record({ offsetDelta: i, timestampDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(v) }));
  const encoder = await RecordBatch({ compression, records, lastOffsetDelta: values.length - 1, firstTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_000 + values.length - 1 });
  return encoder.buffer;
}

async function decodeAll(buf: Buffer): Promise<{ offset: string; value: string }[]> {
  const out: { offset: string; value: string }[] = [];
  const decoder = new Decoder(buf);
  while (decoder.canReadBytes(61)) {
    const batch = await decodeBatch(decoder);
    for (const r of batch.records) out.push({ offset: r.offset, value: r.value.toString() });
  }
  return out;
}

describe('kafkajs-encoded batches', () => {
  it('are stored and served so that kafkajs decodes the assigned offsets', async () => {
    const log = PartitionLog.open(join(dir, 'p'));
    log.appendAsLeader(await kafkajsBatch(['a', 'b', 'c'], Types.None), 3);
    log.appendAsLeader(await kafkajsBatch(['d', 'e'], Types.GZIP), 3);
    log.appendAsLeader(await kafkajsBatch(['f'], Types.None), 3);
    const records = await decodeAll(log.read(4, 1 << 20).records);
    expect(records).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((v, i) => ({ offset: String(i), value: v })).slice(3));
    expect(log.offsetForTimestamp(1_700_000_000_001)).toEqual({ offset: 1, timestamp: 1_700_000_000_001 });
    expect(log.offsetForTimestamp(1_700_000_000_001 + 0.5)).toEqual({ offset: 2, timestamp: 1_700_000_000_002 });
    log.close();
  });
});
