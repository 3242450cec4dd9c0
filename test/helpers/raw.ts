import { requestOnce } from '../../src/cluster/kafka-requests.js';

/** One request over a fresh TCP connection, decoded with our codec: for checking exact protocol answers. */
export function rawRequest(port: number, apiKey: number, version: number, body: unknown, host = '127.0.0.1'): Promise<any> {
  return requestOnce(`${host}:${port}`, apiKey, version, body, 30_000);
}
