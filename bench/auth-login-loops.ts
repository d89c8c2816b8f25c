// The login loops of the auth benchmarks: Get Challenge → (client finishLogin) → Authenticate,
// over REST or gRPC (a LoginTransport), used by the load generator (bench/auth-load.ts) and by the
// A/B comparison of two checkouts (bench/auth-login-ab.ts). Each loop has its own users and its
// own client address (X-Forwarded-For; the servers trust one proxy hop), so that the throttle
// counts each loop's guesses apart, as for distinct users behind one reverse proxy.
import * as grpc from "@grpc/grpc-js";
import http from "node:http";
import { AuthService } from "../gen/svault/auth/v1/auth_service_pb.js";
import { createGrpcJsClient, type GrpcJsClient } from "../test/support/grpc-js-client.js";
import { type BenchUser, ke3Of, opaqueReady, type PreparedKe1, prepareKe1 } from "./auth-opaque-client.js";

/** A login step's answer: its field (challenge_data or nonce), or the refusal (a status and its text). */
export type StepAnswer = { readonly value: string } | { readonly refused: string };

export interface LoginProof {
  readonly username: string;
  readonly cipherKey: string;
  readonly challengeId: string;
  readonly challengeData: string;
}

/** How loop `loop` calls Get Challenge and Authenticate; a transport error throws. */
export interface LoginTransport {
  challenge(loop: number, username: string, cipherKey: string): Promise<StepAnswer>;
  authenticate(loop: number, proof: LoginProof): Promise<StepAnswer>;
  close(): void;
}

/** The client address loop `loop` presents (X-Forwarded-For), as distinct users behind one proxy. */
export const addressOf = (loop: number) => `10.77.${(loop >> 8) & 255}.${(loop & 255) + 1}`;

/** REST over HTTP/1.1 keep-alive (node:http, one socket per loop). */
export function restLogin(baseUrl: string, tenantId: string): LoginTransport {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  const query = `?tenant_id=${encodeURIComponent(tenantId)}`;
  const post = (loop: number, path: string, body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method: "POST",
          path,
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            "user-agent": "svault-auth-bench",
            "x-forwarded-for": addressOf(loop),
            "content-length": String(Buffer.byteLength(body)),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const field = (answer: { status: number; text: string }, name: "challenge_data" | "nonce"): StepAnswer => {
    if (answer.status !== 200) return { refused: `${answer.status} ${answer.text}` };
    const value = (JSON.parse(answer.text) as Record<string, unknown>)[name];
    return typeof value === "string" ? { value } : { refused: `no ${name} in ${answer.text}` };
  };
  return {
    async challenge(loop, username, cipherKey) {
      return field(await post(loop, `/api/v1/auth/challenge${query}`, JSON.stringify({ username, cipherKey })), "challenge_data");
    },
    async authenticate(loop, proof) {
      const body = JSON.stringify({
        username: proof.username,
        cipherKey: proof.cipherKey,
        challenge_id: proof.challengeId,
        challenge_data: proof.challengeData,
      });
      return field(await post(loop, `/api/v1/auth/authenticate${query}`, body), "nonce");
    },
    close: () => agent.destroy(),
  };
}

/**
 * gRPC over h2c (@grpc/grpc-js): a client per loop, which grpc-js's process-wide subchannel pool
 * gives one shared HTTP/2 connection (checked: 4 clients of one target, 1 server session), as one
 * gRPC client process keeps; each call carries its loop's address.
 */
export function grpcLogin(target: string, tenantId: string, loops: number): LoginTransport {
  const clients: GrpcJsClient<typeof AuthService>[] = Array.from({ length: loops }, () => createGrpcJsClient(AuthService, target));
  const metadata = Array.from({ length: loops }, (_, loop) => {
    const m = new grpc.Metadata();
    m.set("x-forwarded-for", addressOf(loop));
    m.set("user-agent", "svault-auth-bench");
    return m;
  });
  /** A gRPC status other than OK is the server's refusal; anything else a transport error. */
  const answered = async (call: () => Promise<string>): Promise<StepAnswer> => {
    try {
      return { value: await call() };
    } catch (error) {
      if (typeof (error as { code?: unknown }).code === "number") return { refused: String(error) };
      throw error;
    }
  };
  const rpc = (loop: number) => (clients[loop] as GrpcJsClient<typeof AuthService>).rpc;
  return {
    challenge: (loop, username, cipherKey) =>
      answered(async () => (await rpc(loop).getChallenge({ tenantId, challenge: { username, cipherKey } }, metadata[loop])).challengeData),
    authenticate: (loop, proof) =>
      answered(async () => {
        const { username, cipherKey, challengeId, challengeData } = proof;
        return (await rpc(loop).authenticate({ tenantId, proof: { username, cipherKey, challengeId, challengeData } }, metadata[loop]))
          .nonce;
      }),
    close: () => {
      for (const client of clients) client.close();
    },
  };
}

/** What one login reports to its caller (times in ms, from performance.now()). */
export interface LoginTimes {
  readonly challengeMs: number;
  readonly clientMs: number;
  readonly authenticateMs: number;
}

export type LoginOutcome =
  | { readonly ok: true; readonly times: LoginTimes }
  | { readonly ok: false; readonly kind: "error" | "non2xx"; readonly detail: string; readonly times?: Partial<LoginTimes> };

/** KE1s made before any timed window, a few per user, and reused in turn: the server keeps no per-KE1 state beyond the challenge row. */
export function prepareKe1s(users: readonly BenchUser[], perUser = 4): Map<string, PreparedKe1[]> {
  const prepared = new Map<string, PreparedKe1[]>();
  for (const user of users)
    prepared.set(
      user.username,
      Array.from({ length: perUser }, () => prepareKe1(user.secret)),
    );
  return prepared;
}

/** The users of loop `index` of `loops`: i, i + loops, … (no two loops share a user when there are enough). */
export function usersOfLoop(users: readonly BenchUser[], loops: number, index: number): BenchUser[] {
  const mine = users.filter((_, u) => u % loops === index);
  return mine.length > 0 ? mine : [users[index % users.length] as BenchUser];
}

/** One whole login of `user` by loop `loop`, with KE1 `ke1`. */
export async function loginOnce(
  transport: LoginTransport,
  loop: number,
  user: BenchUser,
  ke1: PreparedKe1,
  issuer: string,
  tenantId: string,
): Promise<LoginOutcome> {
  try {
    const t0 = performance.now();
    const challenge = await transport.challenge(loop, user.username, ke1.cipherKey);
    const t1 = performance.now();
    if ("refused" in challenge)
      return { ok: false, kind: "non2xx", detail: `challenge ${challenge.refused}`, times: { challengeMs: t1 - t0 } };
    const finished = ke3Of(ke1, user, challenge.value, issuer, tenantId);
    if (!finished) return { ok: false, kind: "error", detail: `KE2 of ${user.username} did not verify`, times: { challengeMs: t1 - t0 } };
    const t2 = performance.now();
    const authenticate = await transport.authenticate(loop, {
      username: user.username,
      cipherKey: ke1.cipherKey,
      challengeId: finished.challengeId,
      challengeData: finished.ke3,
    });
    const times = { challengeMs: t1 - t0, clientMs: t2 - t1, authenticateMs: performance.now() - t2 };
    if ("refused" in authenticate) return { ok: false, kind: "non2xx", detail: `authenticate ${authenticate.refused}`, times };
    return { ok: true, times };
  } catch (error) {
    return { ok: false, kind: "error", detail: String(error) };
  }
}

/** Start times `intervalMs` apart from `start`, each taken once: a loop waits for the one it takes. */
class EvenSchedule {
  private upcoming: number;

  constructor(
    start: number,
    private readonly intervalMs: number,
  ) {
    this.upcoming = start;
  }

  /** Waits for the next start time; false when it falls at or after `end` (the slice is over). */
  async next(end: number): Promise<boolean> {
    const at = this.upcoming;
    if (at >= end) return false;
    this.upcoming = at + this.intervalMs;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return true;
  }
}

/**
 * Login loops that run against one target of type T at a time, for slices of time: each slice
 * ends when every loop has finished the login it was in (nothing in flight between slices).
 */
export class LoginLoops<T> {
  private readonly prepared: Map<string, PreparedKe1[]>;
  private readonly transports = new Map<T, LoginTransport>();
  private readonly rounds: number[];

  constructor(
    private readonly users: readonly BenchUser[],
    private readonly loops: number,
    private readonly tenantId: string,
    private readonly transportOf: (target: T) => LoginTransport,
    private readonly issuerOf: (target: T) => string,
  ) {
    this.prepared = prepareKe1s(users);
    this.rounds = new Array(loops).fill(0);
  }

  ready(): Promise<void> {
    return opaqueReady;
  }

  /**
   * The loops log in for `ms`, each starting its next login when its last one ends; with
   * `perSecond`, no faster than that many logins a second in all: each login takes the next start
   * time of an even schedule, and its loop waits for it (so that two servers fed the same rate see
   * the same load, whichever answers sooner).
   */
  async slice(target: T, ms: number, perSecond?: number): Promise<{ logins: number; failures: number }> {
    let transport = this.transports.get(target);
    if (!transport) {
      transport = this.transportOf(target);
      this.transports.set(target, transport);
    }
    const start = performance.now();
    const end = start + ms;
    const pace = perSecond ? new EvenSchedule(start, 1000 / perSecond) : undefined;
    let logins = 0;
    let failures = 0;
    await Promise.all(
      Array.from({ length: this.loops }, async (_, loop) => {
        const own = usersOfLoop(this.users, this.loops, loop);
        while (performance.now() < end) {
          if (pace && !(await pace.next(end))) break;
          const round = this.rounds[loop] as number;
          this.rounds[loop] = round + 1;
          const user = own[round % own.length] as BenchUser;
          const ke1s = this.prepared.get(user.username) as PreparedKe1[];
          const outcome = await loginOnce(
            transport,
            loop,
            user,
            ke1s[Math.floor(round / own.length) % ke1s.length] as PreparedKe1,
            this.issuerOf(target),
            this.tenantId,
          );
          if (outcome.ok) logins++;
          else {
            failures++;
            if (failures <= 3) process.stderr.write(`[login] failure: ${outcome.detail.slice(0, 300)}\n`);
          }
        }
      }),
    );
    return { logins, failures };
  }

  async close(): Promise<void> {
    for (const transport of this.transports.values()) transport.close();
  }
}
