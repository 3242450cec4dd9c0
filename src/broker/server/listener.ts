import { type Server, createServer } from 'node:net';
import { UserError } from '../../common/user-error.js';
import { Connection, type FrameProcessor } from './connection.js';

/** One broker's TCP listener and the connections it accepted. */
export class Listener {
  private server: Server | null = null;
  readonly connections = new Set<Connection>();

  constructor(
    private readonly process: FrameProcessor,
    private readonly maxFrameBytes: number,
    private readonly log: (message: string) => void,
  ) {}

  /** Binds host:port (0 = any free port) and resolves with the bound port. A port in use is a UserError. */
  listen(host: string, port: number): Promise<number> {
    const server = createServer((socket) => {
      const connection = new Connection(socket, this.process, this.maxFrameBytes, this.log);
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    });
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') {
          reject(new UserError(`port ${port} on ${host} is in use by another process: stop it, or pick other ports`));
        } else {
          reject(new UserError(`cannot listen on ${host}:${port}: ${error.message}`));
        }
      });
      server.listen({ host, port, exclusive: true }, () => {
        this.server = server;
        server.on('error', (error) => this.log(`listener error: ${error.message}`));
        resolve((server.address() as { port: number }).port);
      });
    });
  }

  /** Stops accepting and resets every open connection, as a dying process does. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const connection of this.connections) connection.destroy();
    this.connections.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
