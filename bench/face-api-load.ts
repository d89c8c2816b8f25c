// Section 5 of `npm run bench:face` (bench/face-bench.ts): the face step through the real API, and
// what it does to the token endpoint. A real server (startServer, fresh Postgres database) with
// one face worker; a face tenant whose user enrolled the test face s6b; every clip is a sign-in's
// face step as the hosted page does it (PIN/pattern through the SDK, Start Liveness, Verify
// Liveness with 16 frames of 480 × 360 at JPEG quality 70, as the page sends).
//
// 5a. Verify Liveness's latency through the API (call to answer), clips one after the other.
// 5b. The token endpoint (client_credentials, a sequential client) alone and while two face
//     clients keep the worker busy, in alternating rounds (the machine is shared): p50/p99 per
//     condition, and the process's CPU per token request in the quiet rounds.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import type { FaceVerifier } from "../src/biometrics/face-verifier.js";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/logging/logger.js";
import { PROTO_VERSION_LIGHT } from "../src/sdk/proto-version.js";
import { RestTransport } from "../src/sdk/rest-transport.js";
import { SvaultAuthClient } from "../src/sdk/svault-auth-client.js";
import { startServer } from "../src/server.js";
import { face, faceFrame } from "../test/biometrics/face-images.js";
import { createBenchDatabase } from "./database.js";

const TENANT = "bench-face";
const SECRET = "pinpat/v1|PIN:482913";
const API_KEY = /svk_[a-z2-7]{16}_[A-Za-z0-9_-]{43}/;

export interface FaceApiOptions {
  readonly verifier: FaceVerifier;
  /** Clips for 5a. */
  readonly clips: number;
  /** Seconds of each round of 5b, and the number of rounds of each condition. */
  readonly roundSeconds: number;
  readonly rounds: number;
}

const nearestRank = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** The clip the hosted page would send for a turn to the user's left: s6b then its mirror image, 16 frames. */
async function pageClip(): Promise<string[]> {
  const frames = [await faceFrame(face("s6b")), await faceFrame(face("s6b"), { mirror: true })];
  const small = await Promise.all(frames.map((frame) => sharp(frame).resize(480, 360).jpeg({ quality: 70 }).toBuffer()));
  return Array.from({ length: 16 }, (_, i) => (small[i < 8 ? 0 : 1] as Buffer).toString("base64"));
}

export async function runFaceApiSection(options: FaceApiOptions): Promise<void> {
  const database = await createBenchDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "svault-face-api-bench-"));
  let adminKey = "";
  const config = loadConfig({
    PORT: "0",
    GRPC_PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    LOG_LEVEL: "error",
  });
  const server = await startServer(config, createLogger("error"), {
    announce: (text) => (adminKey = API_KEY.exec(text)?.[0] ?? adminKey),
    faceVerifier: options.verifier,
  });
  const base = `http://127.0.0.1:${server.port}`;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      redirect: "manual",
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
  };
  const admin = { "x-api-key": adminKey };
  try {
    if (!adminKey) throw new Error("the server announced no API key");
    const must = (what: string, answer: { status: number; body: unknown }, status: number) => {
      if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body as Record<string, unknown>;
    };
    must(
      "tenant",
      await call(
        "POST",
        "/api/v1/tenants",
        {
          tenant_id: TENANT,
          register_enable: true,
          has_username_and_email: false,
          use_face_recognition: true,
          liveness_config: { provider: "svault", threshold: 0, max_attempts: 10 },
          block_config: { user_free_attempts: 99, user_block_after: 100, ip_block_after: 100000 },
        },
        admin,
      ),
      201,
    );
    const client = must(
      "client",
      await call(
        "POST",
        "/api/v1/clients",
        {
          tenant_id: TENANT,
          client_id: "app",
          name: "app",
          redirect_uris: ["http://localhost:4000/callback"],
          client_type: "confidential",
          flow: { grant_types: ["authorization_code", "client_credentials"] },
        },
        admin,
      ),
      201,
    );
    const basic = `Basic ${Buffer.from(`app:${client.client_secret as string}`).toString("base64")}`;
    const sdk = (authReqId?: string) =>
      new SvaultAuthClient({
        transport: new RestTransport({ baseUrl: base }),
        issuer: `${config.publicUrl}/${TENANT}`,
        ...(authReqId ? { authReqId } : {}),
      });
    await sdk().register({ username: "alice", secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
    const clip = await pageClip();

    /** A fresh authorization request (the login page's id), as a browser's Authorize makes it. */
    const authorize = async () => {
      const query = new URLSearchParams({
        client_id: "app",
        response_type: "code",
        scope: "openid",
        redirect_uri: "http://localhost:4000/callback",
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method: "S256",
      });
      const answer = await call("GET", `/${TENANT}/authorize?${query}`);
      const location = new URL(answer.headers.get("location") ?? "", base);
      const id = location.searchParams.get("auth_req_id");
      if (!id) throw new Error(`Authorize answered ${answer.status} ${location}`);
      return id;
    };
    /** One face step of a sign-in: PIN/pattern, Start Liveness, Verify Liveness; the verify call's latency. */
    const faceStep = async (purpose: "sign_in" | "enrol" = "sign_in") => {
      const authReqId = await authorize();
      const { nonce } = await sdk(authReqId).login({ username: "alice", secret: SECRET });
      const started = must("start", await call("POST", "/api/v1/face/liveness/start", { auth_req_id: authReqId, nonce, purpose }), 200);
      const frames = started.direction === "left" ? clip : [...clip].reverse();
      const t0 = performance.now();
      must(
        "verify",
        await call("POST", "/api/v1/face/liveness/verify", { auth_req_id: authReqId, challenge: started.challenge, frames }),
        200,
      );
      return performance.now() - t0;
    };
    await faceStep("enrol");
    await faceStep();

    // 5a.
    const latencies: number[] = [];
    const cpuBefore = cpuMs();
    for (let i = 0; i < options.clips; i++) latencies.push(await faceStep());
    // Process-wide (the worker thread included): the whole sign-in's face step, PIN/pattern too.
    const cpuPerStep = (cpuMs() - cpuBefore) / options.clips;
    console.log("\n## 5. The face step through the API\n");
    console.log(
      `5a. Verify Liveness (16 frames of 480 × 360, ${Math.round(clip.reduce((n, f) => n + f.length, 0) / 1024)} KiB of base64), ${options.clips} clips one after the other: p50 ${ms(nearestRank(latencies, 50))}, p99 ${ms(nearestRank(latencies, 99))}; process CPU per face step (Authorize, PIN/pattern, Start and Verify Liveness, server and client) ${ms(cpuPerStep)}.`,
    );

    // 5b.
    const token = async () => {
      const t0 = performance.now();
      const response = await fetch(`${base}/${TENANT}/token`, {
        method: "POST",
        headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
      });
      if (!response.ok) throw new Error(`token: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
      return performance.now() - t0;
    };
    const tokens = async (seconds: number) => {
      const samples: number[] = [];
      const cpu0 = cpuMs();
      const until = performance.now() + seconds * 1000;
      while (performance.now() < until) samples.push(await token());
      return { samples, cpuPerRequest: (cpuMs() - cpu0) / samples.length };
    };
    await tokens(1);
    const quiet: number[] = [];
    const loaded: number[] = [];
    const quietCpu: number[] = [];
    const roundP99s: string[] = [];
    let verified = 0;
    for (let round = 0; round < options.rounds; round++) {
      const alone = await tokens(options.roundSeconds);
      quiet.push(...alone.samples);
      quietCpu.push(alone.cpuPerRequest);
      let stop = false;
      const load = async () => {
        while (!stop) {
          await faceStep();
          verified++;
        }
      };
      const loaders = [load(), load()];
      const withFaces = await tokens(options.roundSeconds);
      loaded.push(...withFaces.samples);
      roundP99s.push(`${ms(nearestRank(alone.samples, 99))} / ${ms(nearestRank(withFaces.samples, 99))}`);
      stop = true;
      await Promise.all(loaders);
    }
    const row = (what: string, samples: number[]) =>
      `| ${what} | ${samples.length} | ${ms(nearestRank(samples, 50))} | ${ms(nearestRank(samples, 99))} | ${ms(Math.max(...samples))} |`;
    console.log(
      `\n5b. The token endpoint (client_credentials), sequential client, ${options.rounds} alternating rounds of ${options.roundSeconds} s per condition:\n`,
    );
    console.log("| | requests | p50 | p99 | max |\n|---|---:|---:|---:|---:|");
    console.log(row("alone", quiet));
    console.log(row(`with 2 face clients (${verified} clips verified meanwhile)`, loaded));
    console.log(`\np99 per round (alone / with faces): ${roundP99s.join("; ")}.`);
    console.log(
      `p99 ratio (with / alone): ${(nearestRank(loaded, 99) / nearestRank(quiet, 99)).toFixed(2)}; p50 ratio: ${(nearestRank(loaded, 50) / nearestRank(quiet, 50)).toFixed(2)}; process CPU per token request alone (server and client in one process): ${ms(nearestRank(quietCpu, 50))} (median of the rounds).`,
    );
  } finally {
    await server.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
