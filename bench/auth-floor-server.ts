// The floor of a login, for bench/auth-login-ab.ts (BENCH_AB_FLOOR): svault's two login requests
// (Get Challenge, Authenticate; over REST the same paths and JSON in and out, over gRPC the same
// AuthService messages) served with as little as possible around the OPAQUE server calls, so that
// what a login costs here beyond the ceiling is the part no server design avoids, measured in the
// wake of OPAQUE's work as svault's requests are.
//
//   FLOOR_HTTP=node (the default): bare node:http; FLOOR_HTTP=fastify: a bare Fastify app (no
//   plugin, no hook), the framework under svault's REST gateway; for the login over gRPC,
//   FLOOR_HTTP=grpc: AuthService's GetChallenge and Authenticate on a bare @grpc/grpc-js server
//   (protobuf-es messages), FLOOR_HTTP=http2: the same on bare node:http2, framed by hand,
//   FLOOR_HTTP=http2compat: the same on node:http2's compatibility API (a request and a response
//   object per stream), as svault's gRPC listener takes its calls.
//   FLOOR_DB=3: a durable login, as any instance of a cluster could finish it, in the three
//   statements svault's login takes (docs/login-protocol.md §7), on svault's own pipelined
//   Postgres client set up as the service sets it up (two connections, asynchronous commits for
//   the writes), and nothing else: read the user's sealed record; store the challenge with its
//   sealed OPAQUE state; consume the challenge and store the nonce's hash in one statement. No
//   throttle, no audit, no tenant policy, no sign-in order.
//   FLOOR_DB=2: the least a durable, single-use login can write: the challenge is not stored (its
//   sealed state would travel with it to the client), and Authenticate spends its id and stores the
//   nonce in one statement: two statements. Its first is a read only, cheaper than the count of
//   the guess that a real login's would also be (docs/login-protocol.md §8).
//   FLOOR_DB=0 (the default): the pending login is held in a Map and nothing is read or written.
//
// The steps and the stores are in bench/auth-floor/. One JSON argument (CeilingMaterial: the first
// checkout's users, key and database, as the ceiling uses); prints `{"port":N}` once listening.
import http from "node:http";
import http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import Fastify from "fastify";
import {
  AuthenticateRequestSchema,
  AuthenticateResponseSchema,
  AuthService,
  GetChallengeRequestSchema,
  GetChallengeResponseSchema,
} from "../gen/svault/auth/v1/auth_service_pb.js";
import { grpcJsMethodDefinition } from "../test/support/grpc-js-client.js";
import { type Answer, floorSteps } from "./auth-floor/floor-steps.js";
import { memoryStore, postgresStore } from "./auth-floor/floor-stores.js";
import { type CeilingMaterial, prepareCeiling } from "./opaque-ceiling.js";
import { childOptions } from "./stats.js";

const material = childOptions<CeilingMaterial>("CeilingMaterial");
const ceiling = await prepareCeiling(material);
const statements = Number(process.env.FLOOR_DB ?? 0);
if (statements !== 0 && statements !== 2 && statements !== 3) throw new Error(`FLOOR_DB is 0, 2 or 3, got ${process.env.FLOOR_DB}`);
const { challenge, authenticate, answer } = floorSteps(
  ceiling,
  statements === 0 ? memoryStore(ceiling) : await postgresStore(material, statements),
);

/** A gRPC message's frame: no compression, its length, its bytes. */
function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** A unary AuthService call's answer on node:http2: its message, or the refusal's grpc-message. */
async function grpcCall(path: string | undefined, body: Buffer): Promise<{ output: Uint8Array } | { refusal: string }> {
  const message = body.subarray(5, 5 + body.readUInt32BE(1));
  if (path === "/svault.auth.v1.AuthService/GetChallenge") {
    const request = fromBinary(GetChallengeRequestSchema, message);
    const { status, body: answer } = await challenge({ ...request.challenge });
    if (status !== 200) return { refusal: String(answer.error) };
    const response = create(GetChallengeResponseSchema, { challengeData: answer.challenge_data as string, protoVersion: "1" });
    return { output: toBinary(GetChallengeResponseSchema, response) };
  }
  if (path === "/svault.auth.v1.AuthService/Authenticate") {
    const proof = fromBinary(AuthenticateRequestSchema, message).proof;
    const { status, body: answer } = await authenticate({
      username: proof?.username,
      challenge_id: proof?.challengeId,
      challenge_data: proof?.challengeData,
    });
    if (status !== 200) return { refusal: String(answer.error) };
    return { output: toBinary(AuthenticateResponseSchema, create(AuthenticateResponseSchema, { nonce: answer.nonce as string })) };
  }
  return { refusal: "no such method" };
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
      const answer = await grpcCall(headers[":path"], Buffer.concat(chunks));
      if ("refusal" in answer) {
        stream.respond(
          { ":status": 200, "content-type": "application/grpc", "grpc-status": "16", "grpc-message": encodeURIComponent(answer.refusal) },
          { endStream: true },
        );
        return;
      }
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(grpcFrame(answer.output));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
} else if (process.env.FLOOR_HTTP === "http2compat") {
  // The same on node:http2's compatibility API (a request and a response object per stream, as
  // svault's gRPC listener takes its calls today): what that layer costs a login.
  const server = http2.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const answer = await grpcCall(request.headers[":path"], Buffer.concat(chunks));
      response.writeHead(200, { "content-type": "application/grpc" });
      if ("refusal" in answer) {
        response.addTrailers({ "grpc-status": "16", "grpc-message": encodeURIComponent(answer.refusal) });
        response.end();
        return;
      }
      response.write(grpcFrame(answer.output));
      response.addTrailers({ "grpc-status": "0" });
      response.end();
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
// Exits on SIGTERM as on its own end, so that a --cpu-prof profile is written (auth-login-ab.ts).
process.on("SIGTERM", () => process.exit(0));
