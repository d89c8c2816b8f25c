// What a benchmark phase costs, split where process.cpuUsage() cannot: the CPU time of the main
// thread against that of the process's other threads (libuv's pool, where WebCrypto jobs run; V8's
// helpers; from /proc/self/task), and — when asked — a sampling CPU profile of the main thread
// taken only while the phase runs (node:inspector), summed by function over all its rounds.
import { readdirSync, readFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { spawnSync } from "node:child_process";

const clockTicks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU seconds of each thread of this process, by thread id. */
export function threadCpuSeconds(): Map<number, number> {
  const threads = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      threads.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / clockTicks);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return threads;
}

/** The CPUs each thread may run on (`Cpus_allowed_list`), with how many threads share each list. */
export function threadAffinities(): Map<string, number> {
  const lists = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const allowed = /^Cpus_allowed_list:\s*(.*)$/m.exec(readFileSync(`/proc/self/task/${tid}/status`, "utf8"))?.[1]?.trim() ?? "?";
      lists.set(allowed, (lists.get(allowed) ?? 0) + 1);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return lists;
}

/** Main-thread and other-thread CPU seconds between two `threadCpuSeconds()` readings. */
export function splitCpu(before: Map<number, number>, after: Map<number, number>): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const [tid, seconds] of after) {
    const spent = seconds - (before.get(tid) ?? 0);
    if (tid === process.pid) main += spent;
    else others += spent;
  }
  return { main, others };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Self time (µs) by function of the main thread, by phase, over the rounds it profiled. */
export class PhaseProfiler {
  private readonly session = new Session();
  private readonly selfTime = new Map<string, Map<string, number>>();
  private started = false;

  async start(): Promise<void> {
    if (!this.started) {
      this.session.connect();
      await this.session.post("Profiler.enable");
      await this.session.post("Profiler.setSamplingInterval", { interval: 200 });
      this.started = true;
    }
    await this.session.post("Profiler.start");
  }

  async stop(phase: string): Promise<void> {
    const { profile } = await this.session.post("Profiler.stop");
    const selfTime = this.selfTime.get(phase) ?? new Map<string, number>();
    this.selfTime.set(phase, selfTime);
    const nodes = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node as ProfileNode]));
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const node = nodes.get(samples[i] as number);
      if (!node) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url.replace(/^.*\/node_modules\//, "").replace(/^.*\/(src|bench)\//, "$1/");
      const key = url === "" ? functionName || "(anonymous)" : `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
      selfTime.set(key, (selfTime.get(key) ?? 0) + (deltas[i + 1] ?? 0));
    }
  }

  /** The phase's `top` functions by self time, in µs per `count` operations. */
  summary(phase: string, count: number, top = 25): { name: string; perOperationUs: number; share: number }[] {
    const selfTime = this.selfTime.get(phase) ?? new Map<string, number>();
    const total = [...selfTime.values()].reduce((a, b) => a + b, 0);
    return [...selfTime.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, perOperationUs: us / count, share: us / total }));
  }

  close(): void {
    if (this.started) this.session.disconnect();
  }
}
