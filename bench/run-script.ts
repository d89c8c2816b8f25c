// Runs another bench script as a child (`node --import tsx bench/<script>`), for the scripts that
// chain benchmarks (issue22.ts, login-ablation.ts) and then read the files the child wrote.
import { spawn } from "node:child_process";

const benchDir = new URL(".", import.meta.url).pathname;

/** Runs bench/`script` to its end (its output passed through to stderr); fails with it. */
export function runScript(script: string, scriptArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", `${benchDir}${script}`, ...scriptArgs], {
      env: { ...process.env, ...env },
      stdio: ["ignore", process.stderr, process.stderr],
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))));
  });
}
