// What both benchmark launchers (run.ts, auth-bench.ts) need of the machine: option parsing, CPU
// pinning with taskset, per-process and per-Postgres-backend CPU accounting from /proc, and the
// child processes they start.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import os from "node:os";
import { join } from "node:path";

export function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

export const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
export const cores = os.availableParallelism();
const clockTicks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
export const hasTaskset = spawnSync("which", ["taskset"], { encoding: "utf8" }).status === 0;
export const pinned = hasTaskset && cores >= 2;
export const SERVER_CPU = "0";
export const LOADER_CPU = "1";

/** CPU time of a process (all threads), in seconds. */
export function processCpuSeconds(pid: number): number {
  const { user, system } = processCpuTimes(pid);
  return user + system;
}

/** CPU time of a process (all threads), in seconds, in user space and in the kernel. */
export function processCpuTimes(pid: number): { readonly user: number; readonly system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]) / clockTicks, system: Number(fields[12]) / clockTicks }; // utime, stime (fields 14, 15)
}

/** CPU time (seconds) of each Postgres backend serving `database` (its process title names it). */
export function backendCpuSeconds(database: string): Map<number, number> {
  const backends = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(database)) continue;
      backends.set(Number(entry), processCpuSeconds(Number(entry)));
    } catch {
      // The process ended meanwhile.
    }
  }
  return backends;
}

/**
 * Pins every Postgres backend serving `database` to `cpu` (backends are forked by the postmaster,
 * so a connection opened later is not pinned: call this after the pool has grown, and count with
 * `backendsOutside` at the end). Returns how many it pinned.
 */
export function pinBackends(database: string, cpu: string): number {
  let count = 0;
  for (const pid of backendCpuSeconds(database).keys()) {
    if (spawnSync("taskset", ["-p", "-c", cpu, String(pid)], { stdio: "ignore" }).status === 0) count++;
  }
  return count;
}

/** How many backends serving `database` may run on any CPU other than `cpu`. */
export function backendsOutside(database: string, cpu: string): number {
  let count = 0;
  for (const pid of backendCpuSeconds(database).keys()) {
    try {
      const allowed = /^Cpus_allowed_list:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]?.trim();
      if (allowed !== cpu) count++;
    } catch {
      // The process ended meanwhile.
    }
  }
  return count;
}

export function backendCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Busy CPU time of the whole machine (all cores), in seconds. */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return (ticks.reduce((a, b) => a + b, 0) - idle) / clockTicks;
}

const projectDir = new URL("..", import.meta.url).pathname;

/**
 * The node flags svault runs with in production: those of package.json's `start` script, which the
 * container's CMD repeats (test/deploy/dockerfile.test.ts holds the two equal). Benchmarks start
 * svault, and the OPAQUE ceiling it is compared with, with them, so that they measure the service
 * as it ships: the young generation's cap (docs/operations.md, "Memory") changes the garbage
 * collector's share of every request. BENCH_SERVICE_NODE_FLAGS replaces them for an experiment
 * (`BENCH_SERVICE_NODE_FLAGS= npm run bench:auth`: V8's defaults).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = startNodeFlags(projectDir);

/** The node flags of `npm start` in the checkout at `dir` (BENCH_SERVICE_NODE_FLAGS replaces them). */
export function startNodeFlags(dir: string): string[] {
  const start =
    process.env.BENCH_SERVICE_NODE_FLAGS ??
    (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  return start.split(/\s+/).filter((word) => word.startsWith("--"));
}

/** svault (or what a benchmark compares it with on its core), pinned to the server's CPU, with SERVICE_NODE_FLAGS. */
export function spawnService(nodeArgs: string[], env: NodeJS.ProcessEnv = process.env, stdin: "ignore" | "pipe" = "ignore"): ChildProcess {
  return spawnNode(SERVER_CPU, [...SERVICE_NODE_FLAGS, ...nodeArgs], env, stdin);
}

/** Every child still running, so that a launcher can stop them all on exit. */
export const children = new Set<ChildProcess>();

/** `node --import tsx …`, pinned to `cpu` when taskset is available. */
export function spawnNode(
  cpu: string,
  nodeArgs: string[],
  env: NodeJS.ProcessEnv = process.env,
  stdin: "ignore" | "pipe" = "ignore",
): ChildProcess {
  return spawnPlainNode(cpu, ["--import", "tsx", ...nodeArgs], env, stdin);
}

/**
 * `node …` with no loader, pinned to `cpu` when taskset is available: for compiled JavaScript, as
 * production runs it (tsx's loader costs ≈ 50–75 MiB of RSS, docs/performance.md, "Memory").
 */
export function spawnPlainNode(
  cpu: string,
  nodeArgs: string[],
  env: NodeJS.ProcessEnv = process.env,
  stdin: "ignore" | "pipe" = "ignore",
): ChildProcess {
  const command = [process.execPath, ...nodeArgs];
  const [file, fileArgs] = pinned ? ["taskset", ["-c", cpu, ...command]] : [command[0] as string, command.slice(1)];
  const child = spawn(file, fileArgs, { cwd: projectDir, env, stdio: [stdin, "pipe", "inherit"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** A port free on 127.0.0.1 now, for a child server to listen on. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * `valgrind` arguments that run `node nodeArgs` under callgrind, instrumentation off until the
 * caller turns it on (`callgrind_control -i on`), one output file per process and thread in
 * `outDir` (the instruction counters: bench/*-instructions.ts).
 */
export function callgrindArgs(outDir: string, nodeArgs: readonly string[]): string[] {
  return [
    "--tool=callgrind",
    `--callgrind-out-file=${outDir}/cg.out.%p`,
    "--dump-instr=no",
    "--instr-atstart=no",
    "--separate-threads=yes",
    process.execPath,
    ...nodeArgs,
  ];
}
