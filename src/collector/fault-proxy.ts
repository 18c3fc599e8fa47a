// A TCP proxy on 127.0.0.1 that injects network faults between a kiosk and the collector: the test
// peer for the uploader's exactly-once guarantee. It works below HTTP so the faults are the real
// ones a kiosk meets (a reset is a TCP RST, a slow answer is bytes held back), not simulated
// exceptions.
//
// The fault is chosen per TCP connection, when it opens. Changing the plan drops the connections
// already open, so keep-alive sockets cannot carry traffic past a fault.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** Forward both ways untouched. */
  | { kind: 'pass' }
  /** Accept, then reset at once: like a collector whose port is closed mid-restart. */
  | { kind: 'refuse' }
  /** Answer `500` without forwarding anything. */
  | { kind: 'http500' }
  /** Forward the request; hold every byte of the answer back for `ms` (slower than the client's timeout). */
  | { kind: 'delayResponse'; ms: number }
  /** Forward the first `afterBytes` bytes of the request, then reset both sides. */
  | { kind: 'resetRequest'; afterBytes: number }
  /** Forward the whole request, then the first `afterBytes` bytes of the answer, then reset the client. */
  | { kind: 'resetResponse'; afterBytes: number };

export type FaultPlan = (connectionIndex: number) => Fault;

export class FaultProxy {
  private plan: FaultPlan = () => ({ kind: 'pass' });
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  /** How many connections met each fault kind. */
  readonly counts: Record<Fault['kind'], number> = { pass: 0, refuse: 0, http500: 0, delayResponse: 0, resetRequest: 0, resetResponse: 0 };

  private constructor(
    private readonly server: Server,
    private target: { host: string; port: number },
  ) {}

  static async start(target: { host?: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server, { host: target.host ?? '127.0.0.1', port: target.port });
    server.on('connection', (client) => proxy.handle(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A fixed fault, or a plan by connection index. Drops open connections so the new plan applies now. */
  setFault(fault: Fault | FaultPlan): void {
    this.plan = typeof fault === 'function' ? fault : () => fault;
    this.dropAll();
  }

  /** Points the proxy at another upstream port (a restarted collector may come back elsewhere). */
  setTarget(port: number): void {
    this.target = { ...this.target, port };
    this.dropAll();
  }

  dropAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    // Errors on either side are the point of this proxy: handled by tearing both sides down.
    socket.on('error', () => undefined);
  }

  private handle(client: Socket): void {
    const fault = this.plan(this.connections++);
    this.counts[fault.kind] += 1;
    this.track(client);
    if (fault.kind === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (fault.kind === 'http500') {
      client.once('data', () => {
        const body = '{"ok":false,"reason":"COLLECTOR_ERROR","message":"injected 500"}';
        client.end(`HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      });
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    this.track(upstream);
    const teardown = () => {
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    upstream.on('error', teardown);
    client.on('error', teardown);
    client.on('close', () => upstream.destroy());

    let requestBytes = 0;
    client.on('data', (chunk: Buffer) => {
      if (fault.kind === 'resetRequest') {
        const room = fault.afterBytes - requestBytes;
        requestBytes += chunk.length;
        if (room <= chunk.length) {
          if (room > 0) upstream.write(chunk.subarray(0, room));
          // Give the partial bytes a moment to reach the collector, then reset both sides.
          setTimeout(teardown, 20);
          client.pause();
          return;
        }
      }
      upstream.write(chunk);
    });
    client.on('end', () => upstream.end());

    let responseBytes = 0;
    upstream.on('data', (chunk: Buffer) => {
      if (fault.kind === 'delayResponse') {
        setTimeout(() => {
          if (!client.destroyed) client.write(chunk);
        }, fault.ms);
        return;
      }
      if (fault.kind === 'resetResponse') {
        const room = fault.afterBytes - responseBytes;
        responseBytes += chunk.length;
        if (room <= chunk.length) {
          if (room > 0) client.write(chunk.subarray(0, room));
          upstream.pause();
          setTimeout(teardown, 20);
          return;
        }
      }
      client.write(chunk);
    });
    upstream.on('end', () => {
      if (fault.kind === 'delayResponse') setTimeout(() => client.end(), fault.ms);
      else client.end();
    });
  }
}
