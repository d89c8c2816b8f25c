// The zero-setup path a newcomer takes: `npm start` with no DATABASE_URL runs on the embedded
// Postgres under DATA_DIR (schema, triggers and all), shuts down cleanly on SIGTERM, and finds its
// data again after a restart.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startServerProcess } from "../support/server-process.js";
import { tempDir } from "../support/temp-dir.js";

const isListening = (line: Record<string, unknown>) => line.msg === "listening";

describe("the service process on the embedded database", () => {
  it("starts, answers /health, stops on SIGTERM, and keeps its data across a restart", async () => {
    const dataDir = tempDir("embedded");
    const env = { DATA_DIR: dataDir, PORT: "0", GRPC_PORT: "0", LOG_LEVEL: "info" };

    const first = startServerProcess(env);
    const { port } = (await first.waitForLog(isListening)) as { port: number };
    // A first start says what it is doing from its first moment, each step with its time.
    const steps = first.logs.map((line) => line.msg as string);
    const stepAt = (prefix: string) => steps.findIndex((msg) => msg.startsWith(prefix));
    const order = [
      "starting: loading the service",
      "service loaded",
      "creating the embedded database",
      "embedded Postgres (PGlite) started",
      "database migrated",
      "bootstrapped an empty database",
      "listening",
    ];
    const at = order.map(stepAt);
    assert.equal(at[0], 0, `the first line: ${steps[0]}`);
    assert.deepEqual(
      at,
      [...at].sort((a, b) => a - b),
      `each step once, in order: ${JSON.stringify(steps)}`,
    );
    assert.ok(!at.includes(-1), `every step logged: ${JSON.stringify(steps)}`);
    for (const timed of ["service loaded", "embedded Postgres (PGlite) started", "database migrated"]) {
      assert.equal(typeof first.logs.find((line) => line.msg === timed)?.ms, "number", `${timed} says how long it took`);
    }
    // The first start bootstraps the empty database and shows the super-admin key once.
    const adminKey = /svk_[a-z2-7]{16}_[A-Za-z0-9_-]{43}/.exec(first.stdoutText())?.[0];
    assert.ok(adminKey, "the bootstrap key is printed on the first start");
    const created = await fetch(`http://127.0.0.1:${port}/api/v1/tenants`, {
      method: "POST",
      headers: { "x-api-key": adminKey, "content-type": "application/json" },
      body: JSON.stringify({ tenant_id: "persisted" }),
    });
    assert.equal(created.status, 201);
    // Users of the tenant, counted by the database's triggers (PL/pgSQL on PGlite too).
    const usersApi = (port: number, path = "") => `http://127.0.0.1:${port}/api/v1/tenants/persisted/users${path}`;
    const headers = { "x-api-key": adminKey };
    const batch = await fetch(usersApi(port, "/batch"), {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ users: ["ann", "bob", "cid"].map((name) => ({ username: name, email: `${name}@example.com` })) }),
    });
    assert.equal(((await batch.json()) as { success_created_count: number }).success_created_count, 3);
    const bob = (await (await fetch(usersApi(port, "/by-name/bob"), { headers })).json()) as { user_id: string };
    assert.equal((await fetch(usersApi(port, `/${bob.user_id}`), { method: "DELETE", headers })).status, 204);
    const totalOf = async (port: number) =>
      ((await (await fetch(usersApi(port), { headers })).json()) as { total_count: number }).total_count;
    assert.equal(await totalOf(port), 2);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "ok");
    const firstKek = first.logs.find((line) => typeof line.kekId === "string")?.kekId;
    assert.ok(firstKek, "the development KEK warning is logged");
    assert.equal(await first.stop(), 0, "clean exit on SIGTERM");
    assert.ok(first.logs.some((line) => line.msg === "stopped"));

    const second = startServerProcess(env);
    const { port: port2 } = (await second.waitForLog(isListening)) as { port: number };
    assert.equal((await fetch(`http://127.0.0.1:${port2}/health`)).status, 200);
    assert.equal(second.logs.find((line) => typeof line.kekId === "string")?.kekId, firstKek, "same development KEK");
    const migrated = second.logs.find((line) => line.msg === "database schema up to date" || line.msg === "database migrated");
    assert.equal(migrated?.msg, "database schema up to date", "no migration re-applied: the schema persisted");
    assert.doesNotMatch(second.stdoutText(), /svk_/, "no second bootstrap");
    const read = await fetch(`http://127.0.0.1:${port2}/api/v1/tenants/persisted`, { headers: { "x-api-key": adminKey } });
    assert.equal(read.status, 200, "the key and the tenant created before the restart are still there");
    assert.equal(await totalOf(port2), 2, "and its user count");
    assert.equal(await second.stop(), 0);
  });

  it("refuses to start with a bad variable and names it", async () => {
    const bad = startServerProcess({ PORT: "eighty", DATA_DIR: tempDir("bad") });
    assert.equal(await bad.exited(), 78);
    assert.match(bad.stderr.join("\n"), /PORT must be a port number/);
  });
});
