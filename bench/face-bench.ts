// `npm run bench:face`: the face verifier's figures for docs/face-liveness.md, all in one run.
//
// 1. Calibration: face-api embeddings of the test faces (test/biometrics/face-images.ts: 19 people
//    from the photos shipped in @vladmandic/face-api), each in 8 variants of framing, light,
//    JPEG quality and mirroring; the distance distributions of same-person and different-people
//    pairs, and the error rates at candidate thresholds.
// 2. The bare model calls on this thread: JPEG decode, Human (detector + mesh), face-api (detector,
//    landmarks, embedding), per 640×480 frame; median wall time and CPU time.
// 3. The verifier (one worker thread): 16-frame clips one after the other — end-to-end latency
//    p50/p99 and CPU per clip, hence frames verified per second per core.
// 4. The real server's `/health` (startServer, fresh Postgres database) from a sequential client in
//    the same process, with the event loop's delay (the loop the verifier must not block):
//    p50/p99 alone, then while the verifier is kept busy with clips in the same process.
// 5. (with --api) The face step through the real API, and the token endpoint's latency with and
//    without concurrent face verifications (bench/face-api-load.ts).
//
// Usage: npm run bench:face [-- --clips 20 --health-seconds 10] [--api [--api-clips 20 --round-seconds 10 --rounds 3]]
//        npm run bench:face -- --api-only …   (section 5 alone)
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { faceDistance, type FaceEmbedding } from "../src/biometrics/face-embedding.js";
import { loadFaceModels } from "../src/biometrics/face-models.js";
import { decodeFrame, embedPixels, observeFrame } from "../src/biometrics/frame-analysis.js";
import { FaceVerifier } from "../src/biometrics/face-verifier.js";
import { DEFAULT_LIVENESS_CONFIG } from "../src/biometrics/liveness-config.js";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/logging/logger.js";
import { startServer } from "../src/server.js";
import { FACES, type FaceSource, type FrameOptions, face, faceFrame } from "../test/biometrics/face-images.js";
import { createBenchDatabase } from "./database.js";
import { runFaceApiSection } from "./face-api-load.js";
import { median } from "./stats.js";

const { values } = parseArgs({
  options: {
    clips: { type: "string", default: "20" },
    "health-seconds": { type: "string", default: "10" },
    api: { type: "boolean", default: false },
    "api-only": { type: "boolean", default: false },
    "api-clips": { type: "string", default: "20" },
    "round-seconds": { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
  },
});
const CLIPS = Number(values.clips);
const HEALTH_MS = Number(values["health-seconds"]) * 1000;

/** Section 5 on a verifier of its own (one worker, as section 3). */
const apiSection = async () => {
  const own = await FaceVerifier.start({ workers: 1, jobTimeoutMs: 120_000 });
  try {
    await runFaceApiSection({
      verifier: own,
      clips: Number(values["api-clips"]),
      roundSeconds: Number(values["round-seconds"]),
      rounds: Number(values.rounds),
    });
  } finally {
    await own.close();
  }
};

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const nearestRank = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

console.log(
  `# Face verifier benchmark\n\nstarted ${new Date().toISOString()}; load average before: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}\n`,
);

if (values["api-only"]) {
  await apiSection();
  console.log(
    `\nload average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  process.exit(0);
}

// 1 and 2: the bare model calls on this thread.
const models = await loadFaceModels();
const VARIANTS: readonly (readonly [string, FrameOptions])[] = [
  ["base", {}],
  ["mirror", { mirror: true }],
  ["small", { faceShare: 0.35 }],
  ["large", { faceShare: 0.65 }],
  ["dark", { brightness: 0.7 }],
  ["bright", { brightness: 1.3 }],
  ["jpeg50", { quality: 50 }],
  ["shifted", { shift: 0.2 }],
];
const timings = {
  decode: [] as number[],
  human: [] as number[],
  faceApi: [] as number[],
  decodeCpu: [] as number[],
  humanCpu: [] as number[],
  faceApiCpu: [] as number[],
};
const embeddings = new Map<string, FaceEmbedding[]>();
let missed = 0;
let tensorsAfterFirstFrame: number | undefined;
for (const source of FACES) {
  const list: FaceEmbedding[] = [];
  for (const [, options] of VARIANTS) {
    const jpeg = await faceFrame(source, options);
    let wall = performance.now();
    let cpu = cpuMs();
    const decoded = await decodeFrame(jpeg);
    if ("problem" in decoded) throw new Error(decoded.problem);
    timings.decode.push(performance.now() - wall);
    timings.decodeCpu.push(cpuMs() - cpu);
    [wall, cpu] = [performance.now(), cpuMs()];
    await observeFrame(models, decoded.pixels);
    timings.human.push(performance.now() - wall);
    timings.humanCpu.push(cpuMs() - cpu);
    [wall, cpu] = [performance.now(), cpuMs()];
    const embedding = await embedPixels(models, decoded.pixels);
    timings.faceApi.push(performance.now() - wall);
    timings.faceApiCpu.push(cpuMs() - cpu);
    decoded.pixels.dispose();
    if (embedding) list.push(embedding);
    else missed++;
    tensorsAfterFirstFrame ??= tf.memory().numTensors;
  }
  embeddings.set(source.id, list);
}

const same: number[] = [];
const different: number[] = [];
const ids = [...embeddings.keys()];
for (const [i, id] of ids.entries()) {
  const mine = embeddings.get(id) ?? [];
  for (let a = 0; a < mine.length; a++)
    for (let b = a + 1; b < mine.length; b++) same.push(faceDistance(mine[a] as FaceEmbedding, mine[b] as FaceEmbedding));
  for (const other of ids.slice(i + 1)) {
    for (const x of mine) for (const y of embeddings.get(other) ?? []) different.push(faceDistance(x, y));
  }
}
const describe = (values: number[]) =>
  `min ${Math.min(...values).toFixed(3)}, p1 ${nearestRank(values, 1).toFixed(3)}, median ${median(values).toFixed(3)}, p99 ${nearestRank(values, 99).toFixed(3)}, max ${Math.max(...values).toFixed(3)}`;
console.log("## 1. Embedding distances (face-api, 128-d, Euclidean)\n");
console.log(
  `${FACES.length} people × ${VARIANTS.length} variants (${VARIANTS.map(([name]) => name).join(", ")}); ${missed} variant(s) without a face found.\n`,
);
console.log(`- same person: ${same.length} pairs — ${describe(same)}`);
console.log(`- different people: ${different.length} pairs — ${describe(different)}\n`);
console.log("| threshold | false non-match (same person refused) | false match (different people accepted) |\n|---:|---:|---:|");
for (const threshold of [0.4, 0.45, 0.5, 0.55, 0.6]) {
  const fnmr = same.filter((d) => d > threshold).length;
  const fmr = different.filter((d) => d <= threshold).length;
  const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(2)} % (${n}/${of})`;
  console.log(`| ${threshold.toFixed(2)} | ${pct(fnmr, same.length)} | ${pct(fmr, different.length)} |`);
}

console.log("\n## 2. Bare model calls per 640×480 frame, on this thread (median)\n");
console.log("| step | wall | CPU |\n|---|---:|---:|");
console.log(`| JPEG decode (sharp) | ${ms(median(timings.decode))} | ${ms(median(timings.decodeCpu))} |`);
console.log(`| Human: detector + mesh (yaw) | ${ms(median(timings.human))} | ${ms(median(timings.humanCpu))} |`);
console.log(`| face-api: detector + landmarks + embedding | ${ms(median(timings.faceApi))} | ${ms(median(timings.faceApiCpu))} |`);
const bareClipCpu =
  16 * (median(timings.decodeCpu) + median(timings.humanCpu)) + 2 * (median(timings.decodeCpu) + median(timings.faceApiCpu));
console.log(
  `\nTensors held after the first frame: ${tensorsAfterFirstFrame}, after the last: ${tf.memory().numTensors} (model weights; more would be a leak).`,
);
console.log(`\nA 16-frame clip's model work (16 × decode + Human, 2 × decode + face-api): ${ms(bareClipCpu)} of CPU.`);

// 3. The verifier, one clip at a time on one worker.
const clipOf = async (source: FaceSource) => {
  const [start, end] = [await faceFrame(source), await faceFrame(source, { mirror: true })];
  return Array.from({ length: 16 }, (_, i) => (i < 8 ? start : end));
};
const clip = await clipOf(face("s6b"));
// A long job timeout: on a busy machine a clip may take several seconds, and this measures it.
const verifier = await FaceVerifier.start({ workers: 1, jobTimeoutMs: 120_000 });
await verifier.verifyLiveness({ frames: clip, direction: "left", config: DEFAULT_LIVENESS_CONFIG });
const latencies: number[] = [];
const cpuBefore = cpuMs();
for (let i = 0; i < CLIPS; i++) {
  const started = performance.now();
  const result = await verifier.verifyLiveness({ frames: clip, direction: "left", config: DEFAULT_LIVENESS_CONFIG });
  if (!result.passed) throw new Error(`the benchmark clip failed: ${result.reason}`);
  latencies.push(performance.now() - started);
}
const clipCpu = (cpuMs() - cpuBefore) / CLIPS;
console.log("\n## 3. Verification of a 16-frame clip through the worker pool (1 worker)\n");
console.log(`${CLIPS} clips one after the other: latency p50 ${ms(nearestRank(latencies, 50))}, p99 ${ms(nearestRank(latencies, 99))};`);
console.log(`CPU per clip ${ms(clipCpu)} (process-wide) → ${((16 * 1000) / clipCpu).toFixed(1)} frames verified per second per core;`);
console.log(
  `bare model calls of the same clip: ${ms(bareClipCpu)} CPU → the pool's overhead ${((100 * (clipCpu - bareClipCpu)) / bareClipCpu).toFixed(0)} %.`,
);

// 4. /health of the real server, alone and under face load in the same process.
const database = await createBenchDatabase();
const dataDir = mkdtempSync(join(tmpdir(), "svault-face-bench-"));
const logger = createLogger("error");
const server = await startServer(
  loadConfig({ PORT: "0", GRPC_PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, DATABASE_URL: database.url, LOG_LEVEL: "error" }),
  logger,
  { announce: () => {} },
);
/** `/health` latencies from a sequential client, and the event loop's delay meanwhile (p99, ms). */
const health = async (until: number) => {
  const samples: number[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  while (performance.now() < until) {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${server.port}/health`);
    if (!response.ok) throw new Error(`/health answered ${response.status}`);
    await response.arrayBuffer();
    samples.push(performance.now() - started);
  }
  loopDelay.disable();
  return { samples, loopDelayP99: loopDelay.percentile(99) / 1e6 };
};
try {
  const quiet = await health(performance.now() + HEALTH_MS);
  let stop = false;
  let verified = 0;
  const load = async () => {
    while (!stop) {
      await verifier.verifyLiveness({ frames: clip, direction: "left", config: DEFAULT_LIVENESS_CONFIG });
      verified++;
    }
  };
  const loaders = [load(), load()];
  const loaded = await health(performance.now() + HEALTH_MS);
  stop = true;
  await Promise.all(loaders);
  const line = (what: string, { samples, loopDelayP99 }: Awaited<ReturnType<typeof health>>) =>
    `| ${what} | ${samples.length} | ${ms(nearestRank(samples, 50))} | ${ms(nearestRank(samples, 99))} | ${ms(Math.max(...samples))} | ${ms(loopDelayP99)} |`;
  console.log(`\n## 4. /health with and without face verifications (${HEALTH_MS / 1000} s each, sequential client)\n`);
  console.log("| | requests | p50 | p99 | max | event-loop delay p99 |\n|---|---:|---:|---:|---:|---:|");
  console.log(line("alone", quiet));
  console.log(line(`with 2 clips in flight (${verified} clips verified meanwhile)`, loaded));
} finally {
  await server.close();
  await verifier.close();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
if (values.api) await apiSection();
console.log(
  `\nload average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
