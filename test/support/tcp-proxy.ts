// A TCP proxy in front of a server (the machine's Postgres), for tests of database outages that
// must not stop or pause the shared server itself: the service connects through it, and the test
// cuts it (Postgres stopped: open connections closed, new ones refused) or freezes it (Postgres
// hung: connections stay open and accepted, but no byte goes through either way), then restores it;
// or it stalls the connections open now (a network partition, a NAT or firewall that forgot them:
// they stay open and silent for good, while new connections go through).
import { once } from "node:events";
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  /** The port on 127.0.0.1 to connect to instead of the target. */
  readonly port: number;
  /** Closes every connection through the proxy and refuses new ones (ECONNREFUSED). */
  cut(): Promise<void>;
  /** Holds every byte back, both ways, on open connections and on new ones. */
  freeze(): void;
  /** The connections open now fall silent for good: their bytes are lost, both ways; they stay open. New ones go through. */
  stall(): void;
  /** Accepts connections again, and sends on what was held back. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** One client connection and its connection to the target; bytes are held back while frozen. */
class Link {
  private readonly held: { to: Socket; chunk: Buffer }[] = [];
  /** Silent for good: what either side sends is dropped. */
  stalled = false;

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly isFrozen: () => boolean,
  ) {
    client.on("data", (chunk: Buffer) => this.forward(upstream, chunk));
    upstream.on("data", (chunk: Buffer) => this.forward(client, chunk));
    for (const socket of [client, upstream]) {
      socket.on("error", () => this.destroy());
      socket.on("close", () => this.destroy());
    }
  }

  /** Sends what was held back, in order. */
  release(): void {
    for (const { to, chunk } of this.held.splice(0)) to.write(chunk);
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  private forward(to: Socket, chunk: Buffer): void {
    if (this.stalled) return;
    if (this.isFrozen()) this.held.push({ to, chunk });
    else to.write(chunk);
  }
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const links = new Set<Link>();
  let frozen = false;
  let server: Server | undefined;
  let port = 0;

  const listen = async () => {
    const listening = createServer((client) => {
      const link = new Link(client, createConnection(targetPort, targetHost), () => frozen);
      links.add(link);
      client.on("close", () => links.delete(link));
    });
    listening.listen(port, "127.0.0.1");
    await once(listening, "listening");
    port = (listening.address() as AddressInfo).port;
    server = listening;
  };
  const stopListening = async () => {
    const closing = server;
    server = undefined;
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  const dropAll = () => {
    for (const link of links) link.destroy();
    links.clear();
  };

  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      // Connections are dropped first: closing the listener waits for them.
      const closed = stopListening();
      dropAll();
      await closed;
    },
    freeze() {
      frozen = true;
    },
    stall() {
      for (const link of links) link.stalled = true;
    },
    async restore() {
      frozen = false;
      for (const link of links) link.release();
      if (!server) await listen();
    },
    async close() {
      const closed = stopListening();
      dropAll();
      await closed;
    },
  };
}
