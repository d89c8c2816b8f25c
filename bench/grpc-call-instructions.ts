// Instructions per unary gRPC call of the gRPC listener of a checkout DIR, counted by valgrind's
// callgrind: Node's HTTP/2 server and its compatibility request and response, the listener's
// direct path (src/rpc/grpc-listener.ts), the RPC spine with the service's interceptors, protobuf
// both ways — without the database, OPAQUE or the rest of the server (bench/request-instructions.ts
// counts whole requests of the real server). The server, a child under callgrind (instrumentation
// off until warm), wires DIR's listener as app.ts does (the same interceptors, context values,
// headers of every answer, refused streams) over Auth Service's Get Challenge and Authenticate,
// whose implementations answer at once with messages of the real login's sizes and `no-store`, as
// the real ones. This process is the @grpc/grpc-js client (one channel, one HTTP/2 connection, one
// call at a time, the login's metadata: bench/auth-login-loops.ts, grpcLogin): --warm calls, then
// --windows windows of --n calls each — of one method, or logins (the two calls in turn) — each
// dumped apart; per call: the main thread's instructions and all threads' (V8's concurrent
// marking and sweeping run on helper threads), each less the idle server's own work (counted for
// 5 s after the windows).
//
// With --cpu-prof PROFILE_DIR the server runs without callgrind, under node --cpu-prof, for a
// profile of the same calls by function (bench/cpu-profile-summary.ts); with --time, without
// either, and the server's CPU time per call of each window is printed instead (it follows the
// machine's load: alternate checkouts).
//
//   node --import tsx bench/grpc-call-instructions.ts DIR [--call challenge|authenticate|login] [--n 2000] [--warm 4000] [--windows 3]
//   node --import tsx bench/grpc-call-instructions.ts DIR --cpu-prof PROFILE_DIR [--n 20000]
//   node --import tsx bench/grpc-call-instructions.ts DIR --time [--n 20000] [--windows 5]
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import http2 from "node:http2";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { callgrindArgs, processCpuSeconds } from "./bench-machine.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    serve: { type: "boolean" },
    call: { type: "string" },
    n: { type: "string" },
    warm: { type: "string" },
    windows: { type: "string" },
    "cpu-prof": { type: "string" },
    time: { type: "boolean" },
  },
});
const dir = positionals[0];
if (!dir) throw new Error("usage: grpc-call-instructions.ts DIR [--call challenge|authenticate|login] [--n N] [--warm N] [--windows N]");
const from = (path: string) => import(`${dir}/${path}`);
const requireFromDir = createRequire(`${dir}/package.json`);
const { AuthService } = await from("gen/svault/auth/v1/auth_service_pb.js");

/** Messages of the real login's sizes: KE1, KE2 (in its JSON, base64url twice), KE3, a nonce. */
const ke1 = `login:${"A".repeat(128)}`;
const challengeData = "e".repeat(700);
const ke3 = "k".repeat(86);
const challengeId = "0f7a3c1e-5b2d-4c8e-9a61-2b7d4e8f1c3a";
const nonce = "n".repeat(43);

if (args.serve) await serve();
else await drive();

/** The server: DIR's listener wired as app.ts wires it; prints its port, then serves until killed. */
async function serve(): Promise<void> {
  const { grpcListener } = await from("src/rpc/grpc-listener.ts");
  const { answeringRefusals, httpRequestKey, RefusedStreams } = await from("src/rpc/refused-requests.ts");
  const { connectRoutes } = await from("src/rpc/registry.ts");
  const { requestContextValues } = await from("src/rpc/context.ts");
  const { clientAddressOf } = await from("src/rpc/client-address.ts");
  const { requestIdOf, securityHeaders } = await from("src/operations/http-listener.ts");
  const { ServiceMetrics } = await from("src/operations/metrics.ts");
  const { errorBoundary } = await from("src/rpc/interceptors/error-boundary.ts");
  const { database } = await from("src/rpc/interceptors/database.ts");
  const { authorization } = await from("src/rpc/interceptors/authorization.ts");
  const { validation } = await from("src/rpc/interceptors/validation.ts");
  const { keptBinaryAnswers } = await from("src/rpc/kept-answers.ts");
  const { noStore } = await from("src/rpc/http-response.ts");
  const { createLogger } = await from("src/logging/logger.ts");
  const { RequestLogger } = await from("src/operations/request-logger.ts");

  type Ctx = Parameters<typeof noStore>[0];
  const registrations = [
    {
      service: AuthService,
      impl: {
        async getChallenge(_request: unknown, ctx: Ctx) {
          noStore(ctx);
          return { challengeData, protoVersion: "light" };
        },
        async authenticate(_request: unknown, ctx: Ctx) {
          noStore(ctx);
          return { nonce, needVerify: false };
        },
      },
    },
  ];
  const logger = createLogger("warn");
  // Read only when /metrics is scraped, or a handler asks for a fork: neither happens here.
  const unused = {} as never;
  const metrics = new ServiceMetrics(unused);
  const interceptors = [
    metrics.interceptor,
    errorBoundary(logger),
    database({ em: unused }),
    authorization(unused, registrations),
    validation,
    keptBinaryAnswers,
  ];
  const everyAnswer: Record<string, string> = securityHeaders("http://127.0.0.1");
  const handler = grpcListener({
    routes: answeringRefusals(connectRoutes(registrations)),
    registrations,
    interceptors,
    readMaxBytes: 1024 * 1024,
    shutdownSignal: new AbortController().signal,
    contextValues: (request: http2.Http2ServerRequest) => {
      const requestId = requestIdOf(request.headers["x-request-id"]);
      return requestContextValues({
        requestId,
        clientAddress: clientAddressOf(request.socket.remoteAddress ?? "", request.headers["x-forwarded-for"], 1),
        // As app.ts: the pino child is made on the call's first log line at an enabled level.
        logger: new RequestLogger(logger, { reqId: requestId }, {}),
      }).set(httpRequestKey, request);
    },
  });
  const refusedStreams = new RefusedStreams();
  const server = http2.createServer(
    { settings: { maxConcurrentStreams: 100, maxHeaderListSize: 16 * 1024 }, maxSessionMemory: 10 },
    (request, response) => {
      for (const [name, value] of Object.entries(everyAnswer)) response.setHeader(name, value);
      refusedStreams.watch(request);
      handler(request, response);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // --cpu-prof writes its profile on a normal exit.
  process.on("SIGINT", () => process.exit(0));
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
}

/** The client and counter: starts the server under callgrind, calls it, reads the dumps. */
async function drive(): Promise<void> {
  const call = args.call ?? "login";
  if (call !== "challenge" && call !== "authenticate" && call !== "login") throw new Error("--call: challenge, authenticate or login");
  const N = Number(args.n ?? 2000);
  const WARM = Number(args.warm ?? 4000);
  const WINDOWS = Number(args.windows ?? 3);
  const IDLE_MS = 5000;
  const outDir = `/tmp/grpc-call-instructions-${Date.now()}`;
  mkdirSync(outDir, { recursive: true });
  // Compiling on the main thread makes V8's tiers the same in every run (bench/request-instructions.ts).
  const nodeArgs = ["--no-concurrent-recompilation", "--import", "tsx", fileURLToPath(import.meta.url), dir as string, "--serve"];
  const profileDir = args["cpu-prof"];
  const child = profileDir
    ? spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, ...nodeArgs], {
        cwd: dir,
        stdio: ["ignore", "pipe", "inherit"],
      })
    : spawn("valgrind", callgrindArgs(outDir, nodeArgs), { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  process.on("exit", () => child.kill("SIGKILL"));
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", (line) => resolve(JSON.parse(line)));
    child.once("exit", (code) => reject(new Error(`the server exited: ${code}`)));
  });
  const grpc = requireFromDir("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const { createGrpcJsClient } = await from("test/support/grpc-js-client.ts");
  const client = createGrpcJsClient(AuthService, `127.0.0.1:${port}`);
  const metadata = new grpc.Metadata();
  metadata.set("x-forwarded-for", "10.1.0.7");
  metadata.set("user-agent", "svault-auth-bench");
  const challenge = { tenantId: "bench", challenge: { username: "bench-user-001", cipherKey: ke1 } };
  const proof = { tenantId: "bench", proof: { username: "bench-user-001", cipherKey: ke1, challengeId, challengeData: ke3 } };
  let made = 0;
  const run = async (count: number) => {
    for (let i = 0; i < count; i++, made++) {
      if (call === "authenticate" || (call === "login" && made % 2 === 1)) {
        if ((await client.rpc.authenticate(proof, metadata)).nonce !== nonce) throw new Error("wrong answer");
      } else if ((await client.rpc.getChallenge(challenge, metadata)).challengeData !== challengeData) throw new Error("wrong answer");
    }
  };
  const pid = String(child.pid);
  await run(WARM);
  if (profileDir) {
    await run(N);
    client.close();
    // SIGINT: node writes the profile on its way out.
    child.kill("SIGINT");
    await new Promise((resolve) => child.once("exit", resolve));
    return;
  }
  if (args.time) {
    const perCall: string[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      const before = processCpuSeconds(child.pid as number);
      await run(N);
      perCall.push((((processCpuSeconds(child.pid as number) - before) * 1e6) / N).toFixed(1));
    }
    client.close();
    console.log(`${dir} ${call}: server CPU µs per call, by window: ${perCall.join(" ")}`);
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    return;
  }
  execFileSync("callgrind_control", ["-i", "on", pid]);
  await run(50);
  execFileSync("callgrind_control", ["-z", pid]);
  const windowMs: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const started = performance.now();
    await run(N);
    windowMs.push(performance.now() - started);
    execFileSync("callgrind_control", ["-d", pid]);
  }
  const idleStarted = performance.now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const idleMs = performance.now() - idleStarted;
  execFileSync("callgrind_control", ["-d", pid]);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  client.close();
  /** Instructions of dump `part`: the main thread's, and all threads'. */
  const counted = (part: number) => {
    const files = readdirSync(outDir).filter((file) => file.includes(`.${part}-`));
    const summary = (file: string) => Number(/summary: (\d+)/.exec(readFileSync(`${outDir}/${file}`, "utf8"))?.[1] ?? 0);
    const main = files.find((file) => file.endsWith(`.${part}-01`));
    return { main: main ? summary(main) : 0, all: files.reduce((sum, file) => sum + summary(file), 0) };
  };
  const idle = counted(WINDOWS + 1);
  const per = (which: "main" | "all") =>
    windowMs.map((ms, w) => (counted(w + 1)[which] - (idle[which] / idleMs) * ms) / N).map((v) => Math.round(v));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
  const main = per("main");
  const all = per("all");
  console.log(
    `${dir} ${call}: instructions per call, less the idle work — main thread median ${median(main)} [${main.join(" ")}], ` +
      `all threads median ${median(all)} [${all.join(" ")}]; idle ${Math.round((idle.all / idleMs) * 1000)}/s; windows ${windowMs.map((ms) => ms.toFixed(0)).join(" ")} ms`,
  );
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
}
