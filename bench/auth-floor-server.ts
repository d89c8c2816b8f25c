// The HTTP floor of a login, for bench/auth-login-ab.ts (BENCH_AB_FLOOR): the two REST requests of
// svault's login (Get Challenge, Authenticate: same paths, same JSON in and out) served with as
// little as possible around the OPAQUE server calls, so that what a login over HTTP costs here
// beyond the ceiling is the part no server design avoids, measured in the wake of OPAQUE's work as
// svault's requests are.
//
//   FLOOR_HTTP=node (the default): bare node:http; FLOOR_HTTP=fastify: a bare Fastify app (no
//   plugin, no hook), the framework under svault's REST gateway; for the login over gRPC,
//   FLOOR_HTTP=grpc: AuthService's GetChallenge and Authenticate on a bare @grpc/grpc-js server
//   (protobuf-es messages), FLOOR_HTTP=http2: the same on bare node:http2, framed by hand.
//   FLOOR_DB=3: a durable login, as any instance of a cluster could finish it, in the three
//   statements svault's login takes (docs/login-protocol.md §7), on svault's own pipelined
//   Postgres client, and nothing else: read the user's sealed record; store the challenge with its
//   sealed OPAQUE state; consume the challenge and store the nonce's hash in one statement. No
//   throttle, no audit, no tenant policy, no sign-in order.
//   FLOOR_DB=2: the least a durable, single-use login can write: the challenge is not stored (its
//   sealed state would travel with it to the client), and Authenticate spends its id and stores the
//   nonce in one statement: two statements.
//   FLOOR_DB=0 (the default): the pending login is held in a Map and nothing is read or written.
//
// One JSON argument (CeilingMaterial: the first checkout's users, key and database, as the ceiling
// uses); prints `{"port":N}` once listening.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as opaque from "@serenity-kit/opaque";
import Fastify from "fastify";
import pg from "pg";
import { keyEncryptionKeyOf, keyringOf } from "../src/crypto/key-encryption-key.js";
import { seal } from "../src/crypto/secret-box.js";
import {
  AuthenticateRequestSchema,
  AuthenticateResponseSchema,
  AuthService,
  GetChallengeRequestSchema,
  GetChallengeResponseSchema,
} from "../gen/svault/auth/v1/auth_service_pb.js";
import { PipelinedConnection } from "../src/persistence/pipelined-connection.js";
import { openRecord } from "../src/domain/login/credentials.js";
import { encodeChallengeData, parseCipherKey } from "../src/sdk/challenge-data.js";
import { normalizeUsername } from "../src/sdk/identity-normalization.js";
import { type CeilingMaterial, prepareCeiling } from "./opaque-ceiling.js";
import { grpcJsMethodDefinition } from "../test/support/grpc-js-client.js";
import { childOptions } from "./stats.js";

const material = childOptions<CeilingMaterial>("CeilingMaterial");
const ceiling = await prepareCeiling(material);
const CHALLENGE_TTL_SECONDS = 60;

/** What a login needs of the user at Get Challenge, and how Authenticate finds its challenge again. */
interface LoginStore {
  /** The user's OPAQUE record and credential id; undefined for an unknown user. */
  record(username: string): Promise<{ registrationRecord: string; userIdentifier: string } | undefined>;
  hold(challengeId: string, username: string, serverLoginState: string): Promise<void>;
  /** The challenge's OPAQUE state, taken from memory (single use); undefined when there is none for `username`. */
  take(challengeId: string, username: string): string | undefined;
  /** Consumes the challenge and stores the nonce (its hash); false when another request consumed it first. */
  complete(challengeId: string, username: string, nonce: string): Promise<boolean>;
}

/** Nothing written: the pending login in a Map, the record from memory. */
function memoryStore(): LoginStore {
  const pending = new Map<string, { username: string; state: string }>();
  return {
    record: async (username) => ceiling.logins.get(username),
    async hold(challengeId, username, state) {
      pending.set(challengeId, { username, state });
    },
    take(challengeId, username) {
      const held = pending.get(challengeId);
      pending.delete(challengeId);
      return held?.username === username ? held.state : undefined;
    },
    complete: async () => true,
  };
}

/**
 * svault's three statements (or two: see FLOOR_DB above), the state also held in memory for
 * Authenticate (as src/domain/login/pending-logins.ts).
 */
async function postgresStore(statements: 2 | 3): Promise<LoginStore> {
  const keyring = keyringOf(keyEncryptionKeyOf(Buffer.from(material.kek, "base64")));
  const setup = new pg.Client({ connectionString: material.databaseUrl });
  await setup.connect();
  await setup.query(`create table if not exists floor_challenge (
    id text primary key, tenant_id text not null, username text not null, state_sealed bytea not null, expires_at timestamptz not null)`);
  await setup.query(`create table if not exists floor_nonce (
    nonce_hash bytea primary key, tenant_id text not null, username text not null, expires_at timestamptz not null)`);
  await setup.query(
    `create table if not exists floor_spent (id text primary key, tenant_id text not null, expires_at timestamptz not null)`,
  );
  await setup.end();
  // svault's own client: the statements of a tick pipelined in one write (src/persistence/pipelined-connection.ts).
  const connection = await PipelinedConnection.open({ connectionString: material.databaseUrl }, 10_000);
  const tenant = material.tenantId;
  const pending = new Map<string, { username: string; state: string }>();
  return {
    async record(username) {
      const rows = (await connection.run({
        name: "floor-record",
        text: `select u.id, c.credential_id, c.record_sealed from app_user u join user_credential c on c.user_id = u.id
                where u.tenant_id = $1 and u.username_normalized = $2`,
        values: [tenant, username],
      })) as { id: string; credential_id: string; record_sealed: Buffer }[];
      const row = rows[0];
      return row && { registrationRecord: openRecord(keyring, tenant, row.id, row.record_sealed), userIdentifier: row.credential_id };
    },
    async hold(challengeId, username, state) {
      const sealed = seal(keyring, Buffer.from(state), `floor:${challengeId}`);
      pending.set(challengeId, { username, state });
      if (statements === 2) return;
      await connection.run({
        name: "floor-hold",
        text: `insert into floor_challenge (id, tenant_id, username, state_sealed, expires_at)
               values ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
        values: [challengeId, tenant, username, sealed, CHALLENGE_TTL_SECONDS],
      });
    },
    take(challengeId, username) {
      const held = pending.get(challengeId);
      pending.delete(challengeId);
      return held?.username === username ? held.state : undefined;
    },
    async complete(challengeId, username, nonce) {
      const nonceHash = createHash("sha256").update(nonce).digest();
      const rows = await connection.run(
        statements === 2
          ? {
              name: "floor-spend",
              text: `with spent as (insert into floor_spent (id, tenant_id, expires_at) values ($1, $2, now() + make_interval(secs => $5))
                                on conflict do nothing returning 1)
               insert into floor_nonce (nonce_hash, tenant_id, username, expires_at)
               select $4, $2, $3, now() + make_interval(secs => $5) from spent returning 1`,
              values: [challengeId, tenant, username, nonceHash, CHALLENGE_TTL_SECONDS],
            }
          : {
              name: "floor-complete",
              text: `with taken as (delete from floor_challenge where id = $1 and tenant_id = $2 and username = $3 and expires_at > now() returning 1)
               insert into floor_nonce (nonce_hash, tenant_id, username, expires_at)
               select $4, $2, $3, now() + make_interval(secs => $5) from taken returning 1`,
              values: [challengeId, tenant, username, nonceHash, CHALLENGE_TTL_SECONDS],
            },
      );
      return rows.length === 1;
    },
  };
}

const statements = Number(process.env.FLOOR_DB ?? 0);
if (statements !== 0 && statements !== 2 && statements !== 3) throw new Error(`FLOOR_DB is 0, 2 or 3, got ${process.env.FLOOR_DB}`);
const store = statements === 0 ? memoryStore() : await postgresStore(statements);

type Answer = { status: number; body: Record<string, unknown> };
const refused = (status: number, message: string): Answer => ({ status, body: { error: message } });

async function challenge(input: { username?: unknown; cipherKey?: unknown }): Promise<Answer> {
  if (typeof input.username !== "string" || typeof input.cipherKey !== "string") return refused(400, "username and cipherKey");
  const username = normalizeUsername(input.username);
  const { message } = parseCipherKey(input.cipherKey);
  const user = await store.record(username);
  if (!user) return refused(401, "unknown user");
  const login = ceiling.logins.get(username);
  if (!login) return refused(401, "unknown user");
  const { serverLoginState, loginResponse } = opaque.server.startLogin({
    serverSetup: ceiling.serverSetup,
    startLoginRequest: message,
    registrationRecord: user.registrationRecord,
    userIdentifier: user.userIdentifier,
    identifiers: login.identifiers,
  });
  const challengeId = randomBytes(24).toString("base64url");
  await store.hold(challengeId, username, serverLoginState);
  const challengeData = encodeChallengeData({ v: 1, kind: "login", challenge_id: challengeId, login_response: loginResponse });
  return { status: 200, body: { challenge_data: challengeData, proto_version: 1 } };
}

async function authenticate(input: { username?: unknown; challenge_id?: unknown; challenge_data?: unknown }): Promise<Answer> {
  if (typeof input.username !== "string" || typeof input.challenge_id !== "string" || typeof input.challenge_data !== "string")
    return refused(400, "username, challenge_id and challenge_data");
  const username = normalizeUsername(input.username);
  const serverLoginState = store.take(input.challenge_id, username);
  const login = ceiling.logins.get(username);
  if (serverLoginState === undefined || !login) return refused(401, "unknown challenge");
  try {
    opaque.server.finishLogin({ serverLoginState, finishLoginRequest: input.challenge_data, identifiers: login.identifiers });
  } catch {
    return refused(401, "wrong secret");
  }
  const nonce = randomBytes(32).toString("base64url");
  if (!(await store.complete(input.challenge_id, username, nonce))) return refused(401, "challenge already used");
  return { status: 200, body: { nonce } };
}

/** The answer to one request; `parse` reads its JSON body (node:http: the bytes; Fastify: already parsed). */
async function answer(path: string, parse: () => Record<string, unknown>): Promise<Answer> {
  try {
    const input = parse();
    if (path.startsWith("/api/v1/auth/challenge")) return await challenge(input);
    if (path.startsWith("/api/v1/auth/authenticate")) return await authenticate(input);
    return refused(404, "no such route");
  } catch (error) {
    return refused(400, String(error));
  }
}

/** A gRPC message's frame: no compression, its length, its bytes. */
function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

let port: number;
if (process.env.FLOOR_HTTP === "http2") {
  // gRPC on bare node:http2, framing by hand: the leanest gRPC server Node has (svault's own gRPC
  // listener, src/rpc/grpc-listener.ts, is on node:http2 too).
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", async () => {
      const body = Buffer.concat(chunks);
      const message = body.subarray(5, 5 + body.readUInt32BE(1));
      let output: Uint8Array | undefined;
      let refusal = "no such method";
      if (headers[":path"] === "/svault.auth.v1.AuthService/GetChallenge") {
        const request = fromBinary(GetChallengeRequestSchema, message);
        const { status, body: answer } = await challenge({ ...request.challenge });
        if (status === 200)
          output = toBinary(
            GetChallengeResponseSchema,
            create(GetChallengeResponseSchema, { challengeData: answer.challenge_data as string, protoVersion: "1" }),
          );
        else refusal = String(answer.error);
      } else if (headers[":path"] === "/svault.auth.v1.AuthService/Authenticate") {
        const proof = fromBinary(AuthenticateRequestSchema, message).proof;
        const { status, body: answer } = await authenticate({
          username: proof?.username,
          challenge_id: proof?.challengeId,
          challenge_data: proof?.challengeData,
        });
        if (status === 200)
          output = toBinary(AuthenticateResponseSchema, create(AuthenticateResponseSchema, { nonce: answer.nonce as string }));
        else refusal = String(answer.error);
      }
      if (!output) {
        stream.respond(
          { ":status": 200, "content-type": "application/grpc", "grpc-status": "16", "grpc-message": encodeURIComponent(refusal) },
          { endStream: true },
        );
        return;
      }
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(grpcFrame(output));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
} else if (process.env.FLOOR_HTTP === "grpc") {
  const server = new grpc.Server();
  const method = (name: string) => grpcJsMethodDefinition(AuthService.method[name as keyof typeof AuthService.method]);
  /** A unary handler: the step's answer as `output`, a refusal as UNAUTHENTICATED. */
  const unary =
    (step: (request: Record<string, unknown>) => Promise<Answer>, output: (body: Record<string, unknown>) => unknown) =>
    (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      void step(call.request).then(({ status, body }) =>
        status === 200 ? callback(null, output(body)) : callback({ code: grpc.status.UNAUTHENTICATED, details: String(body.error) }),
      );
    };
  server.addService({ GetChallenge: method("getChallenge"), Authenticate: method("authenticate") } as unknown as grpc.ServiceDefinition, {
    GetChallenge: unary(
      (request) => challenge((request as { challenge?: Record<string, unknown> }).challenge ?? {}),
      (body) => create(GetChallengeResponseSchema, { challengeData: body.challenge_data as string, protoVersion: "1" }),
    ),
    Authenticate: unary(
      (request) => {
        const proof = (request as { proof?: Record<string, string> }).proof ?? {};
        return authenticate({ username: proof.username, challenge_id: proof.challengeId, challenge_data: proof.challengeData });
      },
      (body) => create(AuthenticateResponseSchema, { nonce: body.nonce as string }),
    ),
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
} else if (process.env.FLOOR_HTTP === "fastify") {
  const app = Fastify({ logger: false });
  app.post("/api/v1/auth/:step", async (request, reply) => {
    const { status, body } = await answer(request.url, () => request.body as Record<string, unknown>);
    return reply.code(status).send(body);
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as { port: number }).port;
} else {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const { status, body } = await answer(request.url ?? "", () => JSON.parse(Buffer.concat(chunks).toString("utf8")));
      const text = JSON.stringify(body);
      response.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
}
process.stdout.write(`${JSON.stringify({ port })}\n`);
