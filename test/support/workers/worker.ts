// A test worker (scripts/test.sh starts TEST_CONCURRENCY of them): one process that runs test files
// one after another, each inside a describe named after the file. The workers share the run's
// queue (TEST_QUEUE: one file per line, the longest first) by claiming each file before running
// it (an mkdir under TEST_CLAIMS, which only one process can make), so a worker that drew short
// files takes more of them. Importing the service costs a test process 2–2.5 s of CPU; a worker
// pays it once for all the files it runs (docs/operations.md, "Tests").
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { processCpuMs } from "../process-cpu.js";
import { importKeepingTopLevelCalls } from "./node-test.js";

const queue = readFileSync(required("TEST_QUEUE"), "utf8").split("\n").filter(Boolean);
const claims = required("TEST_CLAIMS");
const timings = process.env.TEST_FILE_TIMINGS;

for (const [index, file] of queue.entries()) {
  if (!claim(index)) continue;
  const name = relative(process.cwd(), file);
  const startedAt = performance.now();
  const cpuBefore = processCpuMs();
  let topLevelCalls: (() => void)[];
  try {
    topLevelCalls = await importKeepingTopLevelCalls(() => import(pathToFileURL(file).href));
  } catch (error) {
    topLevelCalls = [() => it("loads", () => Promise.reject(error))];
  }
  await describe(name, () => {
    for (const call of topLevelCalls) call();
  });
  if (timings) {
    const cpu = processCpuMs();
    const line = {
      file,
      wallMs: Math.round(performance.now() - startedAt),
      cpuMs: cpu.own - cpuBefore.own,
      childrenCpuMs: cpu.children - cpuBefore.children,
      worker: process.pid,
    };
    appendFileSync(timings, `${JSON.stringify(line)}\n`);
  }
}

function claim(index: number): boolean {
  try {
    mkdirSync(`${claims}/${index}`);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: test workers are started by scripts/test.sh`);
  return value;
}
