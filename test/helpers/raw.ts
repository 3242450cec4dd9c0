import { connect } from 'node:net';
import { decodeResponseFrame, encodeRequest } from '../../src/broker/protocol/index.js';

/** One request over a fresh TCP connection, decoded with our codec: for checking exact protocol answers. */
export function rawRequest(port: number, apiKey: number, version: number, body: unknown, host = '127.0.0.1'): Promise<any> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.write(encodeRequest(apiKey, version, 1, 'raw-test', body)));
    let data = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 4 && data.length >= 4 + data.readInt32BE(0)) {
        socket.destroy();
        resolve(decodeResponseFrame(apiKey, version, data.subarray(4, 4 + data.readInt32BE(0))).body);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('connection closed before a response')));
  });
}
