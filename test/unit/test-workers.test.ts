// The test workers (test/support/workers/, scripts/test.sh): processes that run test files one
// after another from a shared queue. A file must see what it would in a process of its own — its
// top-level before/after hooks around its own tests, not the next file's — and each file must run
// exactly once whatever the number of workers; a failure names the file and line it is at.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../support/temp-dir.js";

const LOADER = fileURLToPath(new URL("../support/ts-loader.mjs", import.meta.url));
const WORKER = fileURLToPath(new URL("../support/workers/worker.ts", import.meta.url));

/** A test file that logs its hooks and tests as they run; `failing` makes its second test fail. */
function testFile(name: string, { failing = false } = {}): string {
  return `import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

let opened = false;
before(() => {
  opened = true;
  console.log("${name}: before");
});
after(() => console.log("${name}: after"));

describe("${name} block", () => {
  it("${name} sees its own before hook", () => {
    assert.ok(opened);
    console.log("${name}: test");
  });
});
it("${name} at the top level", () => assert.equal(${failing ? 1 : 0}, 0));
`;
}

interface WorkerRun {
  code: number | null;
  output: string;
}

function startWorker(dir: string): Promise<WorkerRun> {
  // Not this run's: NODE_TEST_CONTEXT would make the worker report to a parent runner instead of
  // printing, TEST_FILE_TIMINGS would add its files to this run's timings.
  const { NODE_TEST_CONTEXT, TEST_FILE_TIMINGS, ...env } = process.env;
  const child = spawn(process.execPath, ["--import", LOADER, "--test-reporter=spec", WORKER], {
    cwd: dir,
    env: { ...env, TEST_QUEUE: join(dir, "queue"), TEST_CLAIMS: join(dir, "claims") },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

/** Writes the files into a fresh directory with a queue of them, and runs `workers` workers on it. */
async function runQueue(files: Record<string, string>, workers: number): Promise<WorkerRun[]> {
  const dir = tempDir("test-workers");
  mkdirSync(join(dir, "claims"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "queue"), Object.keys(files).join("\n"));
  return Promise.all(Array.from({ length: workers }, () => startWorker(dir)));
}

describe("test workers", () => {
  it("run each file's top-level hooks around its own tests, file after file", async () => {
    const [run] = await runQueue({ "first.test.ts": testFile("first"), "second.test.ts": testFile("second") }, 1);
    assert.equal(run?.code, 0, run?.output);
    const steps = run.output.split("\n").filter((line) => /^(first|second): /.test(line));
    assert.deepEqual(steps, ["first: before", "first: test", "first: after", "second: before", "second: test", "second: after"]);
    assert.match(run.output, /▶ first\.test\.ts\n\s+▶ first block/);
    assert.match(run.output, /✔ second\.test\.ts/);
  });

  it("run every file of the queue once between them", async () => {
    const names = ["a", "b", "c", "d", "e", "f"];
    const runs = await runQueue(Object.fromEntries(names.map((name) => [`${name}.test.ts`, testFile(name)])), 3);
    const ran = runs.flatMap((run) => run.output.split("\n").filter((line) => line.endsWith(": test")));
    assert.deepEqual(
      ran.sort(),
      names.map((name) => `${name}: test`),
    );
    for (const run of runs) assert.equal(run.code, 0, run.output);
  });

  it("fail with the failing test's file and line, and go on to the next file", async () => {
    const [run] = await runQueue({ "broken.test.ts": testFile("broken", { failing: true }), "whole.test.ts": testFile("whole") }, 1);
    assert.equal(run?.code, 1, run?.output);
    assert.match(run.output, /test at broken\.test\.ts:\d+:\d+\n✖ broken at the top level/);
    assert.match(run.output, /whole: after/);
  });

  it("report a file that cannot be imported as a failing test of that file", async () => {
    const [run] = await runQueue({ "missing-import.test.ts": 'import "./nowhere.js";\n', "fine.test.ts": testFile("fine") }, 1);
    assert.equal(run?.code, 1, run?.output);
    assert.match(run.output, /▶ missing-import\.test\.ts\n\s+✖ loads[\s\S]*nowhere\.js/);
    assert.match(run.output, /fine: after/);
  });
});
