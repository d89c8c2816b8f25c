// Prints the test files given, one per line, in the order the test workers take them: the longest
// first (by durations.json, each file's wall time in a whole run), so no worker is left with a long
// file at the end while the others have finished. A file not listed there goes first: it may be long.
// `node test/support/workers/queue.mjs --record <TEST_FILE_TIMINGS file>` rewrites durations.json
// from a run's timings: a run with TEST_CONCURRENCY=1, where no file is slowed by the others.
import { readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, relative } from "node:path";

const DURATIONS = new URL("./durations.json", import.meta.url);
const args = process.argv.slice(2);

if (args[0] === "--record") {
  const timings = readFileSync(args[1], "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const durations = Object.fromEntries(
    timings
      .filter((timing) => timing.file.endsWith(".test.ts"))
      .map((timing) => [isAbsolute(timing.file) ? relative(process.cwd(), timing.file) : timing.file, timing.wallMs])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  writeFileSync(DURATIONS, `${JSON.stringify(durations, null, 1)}\n`);
} else {
  const durations = JSON.parse(readFileSync(DURATIONS, "utf8"));
  const expected = (file) => durations[file] ?? Number.POSITIVE_INFINITY;
  const ordered = [...args].sort((a, b) => expected(b) - expected(a));
  process.stdout.write(ordered.map((file) => `${file}\n`).join(""));
}
