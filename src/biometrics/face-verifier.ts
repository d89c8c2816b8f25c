// The face verifier: a pool of worker threads running the face models (face-worker.ts), so that a
// verification never blocks the service's event loop. Bounded everywhere: uploads are checked
// before they are queued (frame-limits.ts), the queue has a maximum length (a full queue refuses
// with BUSY instead of growing), each job has a deadline (the worker stops at it; a worker still
// busy `killGraceMs` later is terminated and replaced), and a worker that dies is replaced while
// the job it had fails with WORKER_FAILED.
import { availableParallelism } from "node:os";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { FaceEmbedding } from "./face-embedding.js";
import type { EmbedFailure, FaceJob, FaceJobOutcome, FromWorker, ToWorker } from "./face-jobs.js";
import { frameUploadProblem, singleFrameProblem } from "./frame-limits.js";
import { type LivenessFailure, TURN_DIRECTIONS, type TurnDirection } from "./liveness-check.js";
import { type LivenessConfig, livenessConfigViolations } from "./liveness-config.js";

export interface FaceVerifierOptions {
  /** Worker threads, each with its own models and working memory (~350 MB). Default: cores − 1, at least 1. */
  readonly workers?: number;
  /** Jobs that may wait for a worker; one more is refused with BUSY. Default: 4 per worker. */
  readonly maxQueued?: number;
  /** How long a job may run on its worker. Default 10 s. */
  readonly jobTimeoutMs?: number;
  /** How long after its deadline a worker still on the job is terminated. Default 2 s. */
  readonly killGraceMs?: number;
  /** Called with each worker thread started (initial ones and replacements): for monitoring and tests. */
  readonly onWorkerStarted?: (worker: Worker) => void;
}

export interface LivenessRequest {
  /** The clip: JPEG frames as the camera captured them, first to last. */
  readonly frames: readonly Uint8Array[];
  readonly direction: TurnDirection;
  readonly config: LivenessConfig;
}

export interface LivenessResult {
  readonly passed: boolean;
  readonly reason?: LivenessFailure;
  readonly yawPath: readonly number[];
  /** From the call to the answer, queueing included. */
  readonly durationMs: number;
  /** First-to-last-frame embedding distance, when both frames were embedded. */
  readonly distance?: number;
  /** The frontal (first) frame's embedding, when the clip passed: to match or enrol. */
  readonly embedding?: FaceEmbedding;
}

export interface EmbedResult {
  readonly embedding?: FaceEmbedding;
  readonly reason?: EmbedFailure;
  readonly durationMs: number;
}

export type FaceVerifierErrorReason =
  /** The queue is full: try again shortly. */
  | "BUSY"
  /** The verifier was closed. */
  | "CLOSED"
  /** The worker running the job failed or died; the job did not complete (no verdict). */
  | "WORKER_FAILED";

export class FaceVerifierError extends Error {
  constructor(
    readonly reason: FaceVerifierErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "FaceVerifierError";
  }
}

export interface FaceVerifierStats {
  readonly workers: number;
  readonly busy: number;
  readonly queued: number;
  /** Workers replaced after dying or being terminated at a deadline. */
  readonly restarts: number;
}

interface PendingJob {
  readonly job: FaceJob;
  resolve(outcome: FaceJobOutcome): void;
  reject(error: Error): void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  /** The job it runs, with its id and kill timer. */
  running?: { readonly id: number; readonly pending: PendingJob; readonly timer: NodeJS.Timeout; timedOut: boolean };
}

/**
 * Starts face-worker: its compiled twin in a build; from the TypeScript sources (npm start, tests)
 * through tsx, whose loader Node 20 does not carry into worker threads by itself.
 */
function startWorker(): Worker {
  const extension = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./face-worker${extension}`, import.meta.url);
  if (extension !== ".ts") return new Worker(entry);
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}

export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism() - 1);
}

export class FaceVerifier {
  private readonly slots = new Set<Slot>();
  private readonly queue: PendingJob[] = [];
  private readonly workerCount: number;
  private readonly maxQueued: number;
  private readonly jobTimeoutMs: number;
  private readonly killGraceMs: number;
  private nextId = 1;
  private restarts = 0;
  private closed = false;

  private constructor(private readonly options: FaceVerifierOptions) {
    this.workerCount = options.workers ?? defaultWorkerCount();
    this.maxQueued = options.maxQueued ?? 4 * this.workerCount;
    this.jobTimeoutMs = options.jobTimeoutMs ?? 10_000;
    this.killGraceMs = options.killGraceMs ?? 2_000;
    if (!Number.isInteger(this.workerCount) || this.workerCount < 1) throw new RangeError("workers must be a positive integer");
    if (!Number.isInteger(this.maxQueued) || this.maxQueued < 0) throw new RangeError("maxQueued must be a non-negative integer");
  }

  /** A verifier whose workers have all loaded their models. */
  static async start(options: FaceVerifierOptions = {}): Promise<FaceVerifier> {
    const verifier = new FaceVerifier(options);
    try {
      await Promise.all(Array.from({ length: verifier.workerCount }, () => verifier.spawn()));
    } catch (error) {
      await verifier.close();
      throw error;
    }
    return verifier;
  }

  /**
   * Checks a liveness clip: one face in every frame, a frontal start, a turn of at least
   * `config.min_turn_degrees` towards `direction`, and the first and last frames the same person.
   * Refused uploads answer `bad_input` without queueing. Rejects with FaceVerifierError (BUSY,
   * CLOSED, WORKER_FAILED) when no verdict could be reached.
   */
  async verifyLiveness(request: LivenessRequest): Promise<LivenessResult> {
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    if (livenessConfigViolations(request.config).length > 0) throw new TypeError("verifyLiveness needs a valid liveness_config");
    const badInput = frameUploadProblem(request.frames, request.config.frame_count) || !TURN_DIRECTIONS.includes(request.direction);
    if (badInput) return { passed: false, reason: "bad_input", yawPath: [], durationMs: durationMs() };
    const job = { kind: "liveness", frames: request.frames, direction: request.direction, config: request.config } as const;
    const outcome = await this.run(job);
    if (outcome.kind !== "liveness") throw new Error("a liveness job answered with another kind");
    const { kind: _, ...result } = outcome;
    return { ...result, durationMs: durationMs() };
  }

  /** The embedding of the one face in `frame` (to enrol a template), or why there is none. */
  async embed(frame: Uint8Array): Promise<EmbedResult> {
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    if (singleFrameProblem(frame)) return { reason: "bad_input", durationMs: durationMs() };
    const outcome = await this.run({ kind: "embed", frame });
    if (outcome.kind !== "embed") throw new Error("an embed job answered with another kind");
    const { kind: _, ...result } = outcome;
    return { ...result, durationMs: durationMs() };
  }

  stats(): FaceVerifierStats {
    const busy = [...this.slots].filter((slot) => slot.running).length;
    return { workers: this.slots.size, busy, queued: this.queue.length, restarts: this.restarts };
  }

  /** Terminates the workers; queued and running jobs fail with CLOSED. */
  async close(): Promise<void> {
    this.closed = true;
    const error = () => new FaceVerifierError("CLOSED", "the face verifier is closed");
    for (const pending of this.queue.splice(0)) pending.reject(error());
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) {
      if (slot.running) {
        clearTimeout(slot.running.timer);
        slot.running.pending.reject(error());
      }
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private run(job: PendingJob["job"]): Promise<FaceJobOutcome> {
    if (this.closed) return Promise.reject(new FaceVerifierError("CLOSED", "the face verifier is closed"));
    if (this.slots.size === 0) return Promise.reject(new FaceVerifierError("WORKER_FAILED", "no face worker is running"));
    return new Promise((resolve, reject) => {
      const idle = [...this.slots].find((slot) => slot.ready && !slot.running);
      if (idle) return this.dispatch(idle, { job, resolve, reject });
      if (this.queue.length >= this.maxQueued) {
        return reject(new FaceVerifierError("BUSY", "face verification is busy: try again shortly"));
      }
      this.queue.push({ job, resolve, reject });
    });
  }

  private dispatch(slot: Slot, pending: PendingJob): void {
    const id = this.nextId++;
    const deadline = Date.now() + this.jobTimeoutMs;
    // The worker gives up at the deadline by itself; one stuck in a single model call past the
    // grace period is terminated (its exit handler answers the job with `timeout`).
    const timer = setTimeout(() => {
      if (slot.running?.id !== id) return;
      slot.running.timedOut = true;
      void slot.worker.terminate();
    }, this.jobTimeoutMs + this.killGraceMs);
    slot.running = { id, pending, timer, timedOut: false };
    slot.worker.postMessage({ id, job: pending.job, deadline } satisfies ToWorker);
  }

  /** The slot is free again: give it the next queued job. */
  private release(slot: Slot): void {
    if (slot.running) clearTimeout(slot.running.timer);
    slot.running = undefined;
    const next = this.queue.shift();
    if (next) this.dispatch(slot, next);
  }

  private spawn(): Promise<void> {
    const worker = startWorker();
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    this.options.onWorkerStarted?.(worker);
    return new Promise((resolve, reject) => {
      worker.on("message", (message: FromWorker) => {
        if ("ready" in message) {
          slot.ready = true;
          resolve();
          return this.release(slot);
        }
        const running = slot.running;
        if (running?.id !== message.id) return;
        if ("outcome" in message) running.pending.resolve(message.outcome);
        else running.pending.reject(new FaceVerifierError("WORKER_FAILED", `the face worker failed: ${message.error}`));
        this.release(slot);
      });
      // An uncaught error ends the thread: "exit" follows and does the repair.
      worker.on("error", (error) => {
        if (!slot.ready) reject(error);
      });
      worker.on("exit", () => this.onExit(slot));
    });
  }

  private onExit(slot: Slot): void {
    if (!this.slots.delete(slot)) return; // closed
    const running = slot.running;
    if (running) {
      clearTimeout(running.timer);
      if (running.timedOut) {
        const timedOut: FaceJobOutcome =
          running.pending.job.kind === "liveness"
            ? { kind: "liveness", passed: false, reason: "timeout", yawPath: [] }
            : { kind: "embed", reason: "timeout" };
        running.pending.resolve(timedOut);
      } else {
        running.pending.reject(new FaceVerifierError("WORKER_FAILED", "the face worker stopped during the job"));
      }
    }
    if (this.closed || !slot.ready) return; // a worker that never loaded its models is not retried in a loop
    this.restarts++;
    this.spawn().catch(() => this.failQueuedIfNoWorkers());
  }

  private failQueuedIfNoWorkers(): void {
    if (this.slots.size > 0) return;
    for (const pending of this.queue.splice(0)) pending.reject(new FaceVerifierError("WORKER_FAILED", "no face worker is running"));
  }
}
