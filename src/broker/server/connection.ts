import type { Socket } from 'node:net';

/**
 * Turns one request frame (without its size prefix) into the bytes to send back (a whole response frame, size prefix
 * included), `null` when the protocol says nothing is sent (acks=0), or throws to close the connection.
 */
export type FrameProcessor = (frame: Buffer, connection: Connection) => Promise<Buffer | null>;

/**
 * Requests waiting on one connection before we stop reading from its socket (Kafka mutes the channel instead): at most
 * this many frames or bytes, so a client that pipelines without reading answers cannot make the broker hold more.
 */
const MAX_QUEUED_FRAMES = 64;
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/**
 * Kafka framing on one TCP connection: a 4-byte big-endian size, then the frame. Requests are processed one at a time
 * and answered in the order they came, which Java and librdkafka clients require. Chunks are buffered until a whole
 * frame is there, so frames split or coalesced by TCP are handled; a size below zero or above the limit closes the
 * connection before any allocation.
 */
export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private processing = false;
  private closed = false;
  readonly clientHost: string;

  constructor(
    readonly socket: Socket,
    private readonly process: FrameProcessor,
    private readonly maxFrameBytes: number,
    private readonly onError: (message: string) => void,
  ) {
    this.clientHost = `/${socket.remoteAddress ?? 'unknown'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const size = head.readInt32BE(0);
      if (size < 0 || size > this.maxFrameBytes) {
        this.onError(`closing connection from ${this.clientHost}: frame size ${size} is outside 0..${this.maxFrameBytes}`);
        this.destroy();
        return;
      }
      if (this.buffered < 4 + size) break;
      const frame = this.take(4 + size).subarray(4);
      this.queue.push(frame);
      this.queuedBytes += frame.length;
    }
    if (this.queue.length >= MAX_QUEUED_FRAMES || this.queuedBytes >= MAX_QUEUED_BYTES) this.socket.pause();
    void this.drain();
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const out = first.length === n ? first : first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }

  private async drain(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const frame = this.queue.shift()!;
        this.queuedBytes -= frame.length;
        if (this.socket.isPaused() && this.queue.length < MAX_QUEUED_FRAMES / 2 && this.queuedBytes < MAX_QUEUED_BYTES / 2) {
          this.socket.resume();
        }
        let response: Buffer | null;
        try {
          response = await this.process(frame, this);
        } catch (error) {
          this.onError(`closing connection from ${this.clientHost}: ${(error as Error).message}`);
          this.destroy();
          return;
        }
        if (response && !this.closed) this.socket.write(response);
      }
    } finally {
      this.processing = false;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Abrupt close, as the kernel closes the sockets of a killed process: nothing more is read or answered, and the peer
   * sees the connection end (a FIN, not an RST: a SIGKILLed Kafka JVM's clients see "closed", which is what makes
   * kafkajs drop a dead seed broker and try the others; an RST made it keep retrying the dead one).
   */
  destroy(): void {
    if (!this.closed) this.close();
    this.socket.destroy();
  }

  private close(): void {
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.chunks = [];
    this.buffered = 0;
  }
}
