// Runs the real service as a child process, the way an operator starts it, and reads its JSON log
// lines. From the sources through tsx (`node --import tsx src/main.ts`): `npm start` runs the same
// code compiled into dist/app, which parallel test files would rebuild under each other.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly logs: Record<string, unknown>[];
  readonly stderr: string[];
  /** Everything the process wrote on stdout, including lines that are not JSON. */
  stdoutText(): string;
  /**
   * Resolves with the first log line, written already or still to come, that matches; rejects if
   * the process exits first. No deadline of its own: the runner's per-test limit ends a wait that hangs.
   */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  exited(): Promise<number | null>;
}

export function startServerProcess(env: Record<string, string>): ServerProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !["DATABASE_URL", "SVAULT_KEK", "PORT"].includes(key)),
  );
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...inherited, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const stdoutLines: string[] = [];
  const waiters: { predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
    stdoutLines.push(text);
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { msg: text };
    }
    logs.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (text) => stderr.push(text));
  const exit = once(child, "exit").then(([code]) => code as number | null);

  return {
    child,
    logs,
    stderr,
    stdoutText: () => stdoutLines.join("\n"),
    waitForLog(predicate) {
      const seen = logs.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exit.then(() => reject(new Error(`process exited; stderr: ${stderr.join("\n")}`)));
      });
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exit;
    },
    exited: () => exit,
  };
}
