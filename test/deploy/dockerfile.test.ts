import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { validate } from "dockerfile-utils";
import { DOCKERFILE, readDockerfile } from "../../scripts/dockerfile-stages.js";
import { loadConfig } from "../../src/config/config.js";
import { REPO } from "./yaml-files.js";

const text = readFileSync(DOCKERFILE, "utf8");
const { stages, runtime } = readDockerfile(text);
const final = stages.at(-1);

describe("Dockerfile", () => {
  it("passes the Docker language server's linter (dockerfile-utils)", () => {
    assert.deepEqual(
      validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`),
      [],
    );
    // The linter does find problems: the same file with a misspelt instruction and a bad flag.
    const broken = text.replace("WORKDIR /app", "WORKDR /app").replace("--interval=30s", "--interval=30");
    assert.equal(validate(broken).length, 2);
  });

  it("builds in one stage and installs only production dependencies in another, from which the image takes node_modules", () => {
    const names = stages.map((s) => s.name);
    stages.forEach((stage, index) => {
      for (const from of stage.copiesFrom) assert.ok(names.slice(0, index).includes(from), `COPY --from=${from} names an earlier stage`);
    });
    const build = stages.find((s) => s.runs.includes("node scripts/build-app.mjs --outdir /app"));
    const production = stages.find((s) => s.runs.some((r) => r.startsWith("npm ci --omit=dev")));
    assert.ok(build?.name && production?.name);
    assert.ok(!production.runs.some((r) => /npm (ci|install)(?! --omit=dev)/.test(r)), "no full install in the production stage");
    assert.match(text, new RegExp(`COPY --from=${production.name} /app/node_modules ./node_modules`));
    assert.deepEqual([...(final?.copiesFrom ?? [])].sort(), [build.name, production.name].sort());
  });

  it("runs the compiled service as a non-root user under tini, listening on every interface", () => {
    assert.notEqual(runtime.user.uid, 0);
    assert.notEqual(runtime.user.gid, 0);
    assert.deepEqual(runtime.entrypoint, ["/usr/bin/tini", "--"]);
    const [node, ...rest] = runtime.cmd;
    assert.equal(node, "node");
    assert.equal(rest.at(-1), "src/main.js");
    // The node flags (--expose-gc for the collection when idle, docs/operations.md "Memory") are those `npm start` runs dist/app with.
    const start = (JSON.parse(readFileSync(new URL("package.json", REPO), "utf8")) as { scripts: { start: string } }).scripts.start;
    assert.equal(start, ["node", ...rest.slice(0, -1), "dist/app/src/main.js"].join(" "));
    assert.ok(rest.includes("--expose-gc"));
    assert.ok(existsSync(new URL("src/main.ts", REPO)), "the compiled twin of src/main.ts");
    assert.equal(runtime.env.NODE_ENV, "production");
    const config = loadConfig(runtime.env);
    assert.equal(config.host, "0.0.0.0");
    assert.deepEqual(runtime.exposedPorts, [config.port, config.grpcPort], "EXPOSE the ports the service listens on");
    assert.deepEqual(runtime.volumes, [config.dataDir], "DATA_DIR is the volume");
  });

  it("checks readiness on /health/ready of the configured port", () => {
    const [node, flag, script] = runtime.healthcheck.command;
    assert.equal(node, "node");
    assert.equal(flag, "-e");
    assert.match(script ?? "", /fetch\(`http:\/\/127\.0\.0\.1:\$\{process\.env\.PORT\}\/health\/ready`/);
    assert.deepEqual(Object.keys(runtime.healthcheck.options).sort(), ["interval", "retries", "start-period", "timeout"]);
  });

  it("has a build context that is an allow-list of what the build reads", () => {
    const patterns = readFileSync(new URL(".dockerignore", REPO), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#"));
    assert.equal(patterns[0], "*", "everything excluded first");
    const included = patterns.slice(1);
    assert.ok(included.every((p) => p.startsWith("!")));
    for (const pattern of included) assert.ok(existsSync(new URL(pattern.slice(1), REPO)), `${pattern} exists`);
    for (const local of ["data", "node_modules", "dist", ".env"]) assert.ok(!included.some((p) => p.slice(1).startsWith(local)), local);
  });
});
