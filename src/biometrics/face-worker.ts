// A face worker thread: loads the models once, then runs one job at a time for the pool
// (face-verifier.ts). A failure inside a job is answered as an error for that job; a crash of the
// thread is the pool's to notice and repair.
import { parentPort } from "node:worker_threads";
import { type FromWorker, runFaceJob, type ToWorker } from "./face-jobs.js";
import { loadFaceModels } from "./face-models.js";

const port = parentPort;
if (!port) throw new Error("face-worker.ts runs as a worker thread of the face verifier");

const models = await loadFaceModels();
const answer = (message: FromWorker) => port.postMessage(message);

port.on("message", async ({ id, job, deadline }: ToWorker) => {
  try {
    answer({ id, outcome: await runFaceJob(models, job, deadline) });
  } catch (error) {
    // Never the frames: only what went wrong, for the pool's typed error.
    answer({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
answer({ ready: true });
