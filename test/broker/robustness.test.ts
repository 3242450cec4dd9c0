import { Socket, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, Reader, decodeResponseFrame, encodeRequest } from '../../src/broker/protocol/index.js';
import { startTestCluster, type TestCluster } from '../helpers/embedded.js';

let t: TestCluster;
let host: string;
let port: number;
beforeAll(async () => {
  t = await startTestCluster({ brokers: 1, config: { maxRequestBytes: 1024 * 1024 } });
  [host, port] = [t.cluster.brokers()[0]!.host, t.cluster.brokers()[0]!.port];
});
afterAll(async () => {
  await t?.destroy();
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Sends bytes and collects what comes back until the broker closes the connection or `ms` pass. */
function exchange(bytes: Buffer, ms = 1000): Promise<{ data: Buffer; closed: boolean }> {
  return open().then(
    (socket) =>
      new Promise((resolve) => {
        const chunks: Buffer[] = [];
        let closed = false;
        socket.on('data', (c) => chunks.push(c));
        socket.on('error', () => {});
        socket.on('close', () => {
          closed = true;
          resolve({ data: Buffer.concat(chunks), closed });
        });
        socket.write(bytes);
        setTimeout(() => {
          socket.destroy();
          resolve({ data: Buffer.concat(chunks), closed });
        }, ms);
      }),
  );
}

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

async function stillServes() {
  const admin = t.kafka().admin();
  await admin.connect();
  const cluster = await admin.describeCluster();
  await admin.disconnect();
  return cluster.brokers.length === 1;
}

describe('hostile input', () => {
  it('closes the connection on a negative or oversized frame size, before allocating', async () => {
    const negative = Buffer.alloc(4);
    negative.writeInt32BE(-5);
    expect((await exchange(negative)).closed).toBe(true);
    const huge = Buffer.alloc(4);
    huge.writeInt32BE(0x7fffffff);
    expect((await exchange(huge)).closed).toBe(true);
    expect(await stillServes()).toBe(true);
  });

  it('closes the connection on garbage, an unknown API key, or an unsupported version', async () => {
    expect((await exchange(frame(Buffer.from('this is not kafka at all')))).closed).toBe(true);
    const unknownKey = Buffer.alloc(10);
    unknownKey.writeInt16BE(999, 0);
    expect((await exchange(frame(unknownKey))).closed).toBe(true);
    const produceV99 = encodeRequest(3, 1, 7, 'x', { topics: null });
    produceV99.writeInt16BE(99, 6); // Metadata v99
    expect((await exchange(produceV99)).closed).toBe(true);
    // a valid header with a truncated body
    const truncated = encodeRequest(3, 1, 7, 'x', { topics: [{ name: 'abc' }] });
    const cut = truncated.subarray(0, truncated.length - 2);
    cut.writeInt32BE(cut.length - 4, 0);
    expect((await exchange(cut)).closed).toBe(true);
    expect(await stillServes()).toBe(true);
  });

  it('answers an ApiVersions version it does not know with UNSUPPORTED_VERSION in the v0 format', async () => {
    const request = encodeRequest(18, 0, 42, 'probe', {});
    request.writeInt16BE(9, 6); // ApiVersions v9
    const { data } = await exchange(request, 300);
    const size = data.readInt32BE(0);
    const { correlationId, body } = decodeResponseFrame(18, 0, data.subarray(4, 4 + size));
    expect(correlationId).toBe(42);
    expect(body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
  });

  it('answers pipelined requests in order, even when split across TCP writes', async () => {
    const requests = [1, 2, 3, 4, 5].map((id) => encodeRequest(18, 2, id, 'pipeline', {}));
    const all = Buffer.concat(requests);
    const socket = await open();
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    for (let i = 0; i < all.length; i += 7) socket.write(all.subarray(i, i + 7));
    await new Promise((r) => setTimeout(r, 500));
    socket.destroy();
    const data = Buffer.concat(chunks);
    const ids: number[] = [];
    const reader = new Reader(data);
    while (reader.remaining > 0) {
      ids.push(reader.bytes().readInt32BE(0));
    }
    expect(ids).toEqual([1, 2, 3, 4, 5]);
  });
});
