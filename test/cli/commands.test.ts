// The `svault` CLI run as a child process against the real service: every command group's happy
// path (JSON output parsed and checked against what the service holds), both transports, the
// exit codes and one-line errors scripts rely on, profiles (login never prints the key) and doctor.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { BlockedIpEntity, BlockedUserEntity } from "../../src/persistence/entities/blocked.js";
import { SessionEntity } from "../../src/persistence/entities/oidc.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import { sql } from "../login/login-helpers.js";
import { rest, seedUserWithKey } from "../support/fixtures.js";
import { freePort, startTestServer, type TestServer } from "../support/test-server.js";
import { type CliResult, cliJson, configHome, runCli, serverEnv } from "./run-cli.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

type Json = Record<string, unknown>;
const svault = (args: string[], env: Record<string, string> = {}, input?: string) =>
  runCli(args, { env: { ...serverEnv(server), ...env }, ...(input !== undefined ? { input } : {}) });
const json = <T = Json>(...args: string[]) => cliJson<T>(server, args);

function assertFails(result: CliResult, code: number, message: RegExp): void {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line on stderr: ${result.stderr}`);
  assert.match(lines[0] ?? "", message);
  assert.equal(result.stdout, "");
}

// Each part works in tenants (or on objects) of its own, so they run side by side: most of the
// time is the CLI's start-up.
describe("svault", { concurrency: true }, () => {
  describe("svault tenants", () => {
    it("creates, reads, lists, changes and deletes a tenant", async () => {
      const created = await json("tenants", "create", "cli-t1", "--display-name", "CLI One", "--register-enable", "--pin-size", "8");
      assert.equal(created.tenant_id, "cli-t1");
      assert.equal(created.display_name, "CLI One");
      assert.equal(created.register_enable, true);
      assert.equal(created.pin_size, 8);

      const [got, list] = await Promise.all([json("tenants", "get", "cli-t1"), json<{ tenants: Json[] }>("tenants", "list")]);
      assert.deepEqual(got, created);
      assert.ok(list.tenants.some((t) => t.tenant_id === "cli-t1"));

      // The body of Update Tenant is its `settings`: their fields are options without a prefix;
      // nested messages' fields are dotted; an explicit-presence boolean has a --no- form.
      const updated = await json(
        "tenants",
        "update",
        "cli-t1",
        "--display-name",
        "CLI 1",
        "--no-register-enable",
        "--block-config.block-seconds",
        "600",
      );
      assert.equal(updated.display_name, "CLI 1");
      assert.equal(updated.register_enable, false);
      assert.equal((updated.block_config as Json).block_seconds, 600);
      assert.equal(updated.pin_size, 8, "unset settings keep their value");
      const stored = await rest(server, server.adminKey, "GET", "/api/v1/tenants/cli-t1");
      assert.equal((stored.body as Json).display_name, "CLI 1");

      const deleted = await svault(["tenants", "delete", "cli-t1"]);
      assert.equal(deleted.code, 0, deleted.stderr);
      assertFails(await svault(["tenants", "get", "cli-t1"]), 4, /^error: not found: Tenant cli-t1 not found \(TENANT_NOT_FOUND\)$/);
    });

    it("prints a readable table by default, and YAML when asked", async () => {
      const table = await svault(["tenants", "list"]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /│ tenant_id +│ display_name +│/);
      assert.match(table.stdout, /│ default +│ Default +│/);
      const yaml = await svault(["tenants", "get", "default", "--output", "yaml"]);
      assert.equal((parseYaml(yaml.stdout) as Json).tenant_id, "default");
    });
  });

  describe("svault clients", () => {
    before(() => json("tenants", "create", "cli-c"));

    it("creates a client (its secret shown once), reads, replaces, regenerates the secret and deletes it", async () => {
      const created = await json(
        "clients",
        "create",
        "web",
        "--tenant-id",
        "cli-c",
        "--name",
        "Web",
        "--redirect-uris",
        "http://localhost:3000/cb",
        "http://localhost:3000/cb2",
      );
      assert.deepEqual(created.redirect_uris, ["http://localhost:3000/cb", "http://localhost:3000/cb2"]);
      assert.match(created.client_secret as string, /^.{32,}$/);

      const got = await json("clients", "get", "web", "--tenant-id", "cli-c");
      assert.equal(got.client_secret, undefined, "never read back");
      const list = await json<{ clients: Json[] }>("clients", "list", "--tenant-id", "cli-c");
      assert.deepEqual(
        list.clients.map((c) => c.client_id),
        ["web"],
      );

      // The documented way to change one attribute of a PUT resource: read it, change it, send it back.
      const replaced = await svault(
        ["clients", "update", "web", "--data", "-", "-o", "json"],
        {},
        JSON.stringify({ ...got, is_lock: true }),
      );
      assert.equal(replaced.code, 0, replaced.stderr);
      assert.equal((JSON.parse(replaced.stdout) as Json).is_lock, true);
      assert.deepEqual((JSON.parse(replaced.stdout) as Json).redirect_uris, created.redirect_uris);

      const regenerated = await json("clients", "regenerate-secret", "web", "--tenant-id", "cli-c");
      assert.notEqual(regenerated.client_secret, created.client_secret);

      assert.equal((await svault(["clients", "delete", "web", "--tenant-id", "cli-c"])).code, 0);
      assertFails(await svault(["clients", "get", "web", "--tenant-id", "cli-c"]), 4, /^error: not found: /);
    });
  });

  describe("svault users", () => {
    before(() => json("tenants", "create", "cli-u"));

    it("creates, finds, lists, replaces, re-addresses and deletes users; `me` is the key's owner", async () => {
      const alice = await json(
        "users",
        "create",
        "alice",
        "--tenant-id",
        "cli-u",
        "--email",
        "alice@example.com",
        "--roles",
        "tenant_admin",
      );
      const bob = await json("users", "create", "bob", "--tenant-id", "cli-u", "--email", "bob@example.com");
      assert.deepEqual(alice.roles, ["tenant_admin"]);

      const [byName, byId] = await Promise.all([
        json("users", "get-by-name", "ALICE", "--tenant-id", "cli-u"),
        json("users", "get", bob.user_id as string, "--tenant-id", "cli-u"),
      ]);
      assert.equal(byName.user_id, alice.user_id);
      assert.equal(byId.username, "bob");

      const page = await json<{ data: Json[]; total_count: number; has_next: boolean }>(
        "users",
        "list",
        "--tenant-id",
        "cli-u",
        "--sort-by",
        "username",
        "--sort-direction",
        "1",
        "--limit",
        "1",
      );
      assert.deepEqual(
        page.data.map((u) => u.username),
        ["alice"],
      );
      assert.equal(page.total_count, 2);
      assert.equal(page.has_next, true);

      const disabled = await svault(
        ["users", "update", bob.user_id as string, "--data", "-", "-o", "json"],
        { SVAULT_TENANT: "cli-u" },
        JSON.stringify({ ...byId, is_disabled: true }),
      );
      assert.equal(disabled.code, 0, disabled.stderr);
      assert.equal((JSON.parse(disabled.stdout) as Json).is_disabled, true);

      const moved = await svault(["users", "update-email", bob.user_id as string, "--tenant-id", "cli-u", "--email", "robert@example.com"]);
      assert.equal(moved.code, 0, moved.stderr);
      assert.equal((await json("users", "get", bob.user_id as string, "--tenant-id", "cli-u")).email, "robert@example.com");

      const me = await json("users", "me");
      assert.equal(me.username, "admin");

      assert.equal((await svault(["users", "delete", alice.user_id as string, "--tenant-id", "cli-u"])).code, 0);
      const batchDeleted = await svault(["users", "batch-delete", "--tenant-id", "cli-u", "--users-ids", bob.user_id as string]);
      assert.equal(batchDeleted.code, 0, batchDeleted.stderr);
      assert.equal((await json<{ total_count: number }>("users", "list", "--tenant-id", "cli-u")).total_count, 0);
    });
  });

  describe("svault api-keys", () => {
    it("creates a key that works, lists, regenerates (the old key stops working) and deletes it", async () => {
      const scopes = await json<{ scopes: string[]; tenants: string[] }>("api-keys", "get-scopes");
      assert.ok(scopes.scopes.includes("users:read"));

      const created = await json("api-keys", "create", "--tenant-id", "default", "--name", "bot", "--scopes", "users:read", "profile");
      const key = created.api_key as string;
      assert.match(key, /^svk_/);
      const asBot = await svault(["users", "me", "-o", "json"], { SVAULT_API_KEY: key });
      assert.equal((JSON.parse(asBot.stdout) as Json).username, "admin");

      const listed = await json<{ api_keys: Json[] }>("api-keys", "list", "--tenant-id", "default");
      const mine = listed.api_keys.find((k) => k.key_id === created.key_id);
      assert.deepEqual(mine?.scopes, ["users:read", "profile"]);
      assert.equal(mine?.api_key, undefined, "no secret in lists");

      const regenerated = await json("api-keys", "regenerate", created.key_id as string);
      assert.notEqual(regenerated.api_key, key);
      assertFails(await svault(["users", "me"], { SVAULT_API_KEY: key }), 3, /^error: unauthenticated: /);

      assert.equal((await svault(["api-keys", "delete", created.key_id as string])).code, 0);
      assertFails(await svault(["users", "me"], { SVAULT_API_KEY: regenerated.api_key as string }), 3, /^error: unauthenticated: /);
    });
  });

  describe("svault blocked", () => {
    it("lists blocked addresses and usernames and lifts the blocks", async () => {
      await json("tenants", "create", "cli-b");
      const em = scopeToTenant(server.running.database.orm.em.fork(), "cli-b");
      em.create(BlockedIpEntity, { tenant: "cli-b", ip: "203.0.113.9", failures: 50, reason: "too many failures", blockedAt: new Date() });
      em.create(BlockedUserEntity, {
        tenant: "cli-b",
        username: "mallory",
        failures: 10,
        reason: "too many failures",
        blockedAt: new Date(),
      });
      await em.flush();

      const [ips, users] = await Promise.all([
        json<{ data: Json[]; total_count: number }>("blocked", "list-ips", "--tenant-id", "cli-b"),
        json<{ data: Json[] }>("blocked", "list-users", "--tenant-id", "cli-b"),
      ]);
      assert.deepEqual(
        ips.data.map((b) => b.ip),
        ["203.0.113.9"],
      );
      assert.deepEqual(
        users.data.map((b) => b.username),
        ["mallory"],
      );

      const lifted = await Promise.all([
        svault(["blocked", "delete-ip", "--tenant-id", "cli-b", "--ip", "203.0.113.9"]),
        svault(["blocked", "delete-user", "--tenant-id", "cli-b", "--username", "mallory"]),
      ]);
      assert.deepEqual(
        lifted.map((r) => r.code),
        [0, 0],
      );
      assert.equal((await json<{ total_count: number }>("blocked", "list-ips", "--tenant-id", "cli-b")).total_count, 0);
      assert.equal((await json<{ total_count: number }>("blocked", "list-users", "--tenant-id", "cli-b")).total_count, 0);
    });
  });

  describe("svault sessions", () => {
    it("lists the key owner's sessions and ends them", async () => {
      const me = await json("users", "me");
      const em = scopeToTenant(server.running.database.orm.em.fork(), "default");
      const ids = [randomUUID(), randomUUID()];
      for (const id of ids) {
        em.create(SessionEntity, {
          id,
          tenant: "default",
          user: me.user_id as string,
          secretHash: Buffer.alloc(32),
          authTime: new Date(),
          amr: ["pin"],
          clients: ["web"],
          userAgent: "test",
          lastSeenAt: new Date(),
        });
      }
      await em.flush();

      const listed = await json<{ sessions: Json[]; total: number }>("sessions", "list");
      assert.deepEqual(listed.sessions.map((s) => s.session_id).sort(), [...ids].sort());
      const revoked = await json("sessions", "revoke", ids[0] as string);
      assert.equal(revoked.session_id, ids[0]);
      assert.deepEqual(
        (await json<{ sessions: Json[] }>("sessions", "list")).sessions.map((s) => s.session_id),
        [ids[1]],
      );
      assert.equal((await svault(["sessions", "revoke-all"])).code, 0);
      assert.equal((await json<{ total: number }>("sessions", "list")).total, 0);
    });

    it("with --user, lists and ends a user's sessions (one, then all) for an administrator", async () => {
      await json("tenants", "create", "cli-s");
      const carla = await json("users", "create", "carla", "--tenant-id", "cli-s", "--email", "carla@example.com");
      const userId = carla.user_id as string;
      const em = scopeToTenant(server.running.database.orm.em.fork(), "cli-s");
      const ids = [randomUUID(), randomUUID()];
      for (const id of ids) {
        em.create(SessionEntity, {
          id,
          tenant: "cli-s",
          user: userId,
          secretHash: Buffer.alloc(32),
          authTime: new Date(),
          amr: ["pin"],
          clients: ["web"],
          userAgent: "test",
          lastSeenAt: new Date(),
        });
      }
      await em.flush();

      const listed = await json<{ sessions: Json[]; total: number }>("sessions", "list", "--user", userId, "--tenant-id", "cli-s");
      assert.deepEqual(listed.sessions.map((s) => s.session_id).sort(), [...ids].sort());
      assert.equal(listed.total, 2);
      const table = await svault(["sessions", "list", "--user", userId, "--tenant-id", "cli-s"]);
      assert.match(table.stdout, /│ session_id +│ clients +│/);
      // Without --user the key owner's own sessions are listed, never carla's. The owner may have
      // sessions of its own here: the test above runs concurrently and creates some.
      const own = await json<{ sessions: Json[] }>("sessions", "list");
      assert.deepEqual(
        own.sessions.map((s) => s.session_id).filter((id) => ids.some((mine) => mine === id)),
        [],
        "without --user: the key owner's own",
      );

      const one = await json<{ session_ids: string[] }>("sessions", "revoke", ids[0] as string, "--user", userId, "--tenant-id", "cli-s");
      assert.deepEqual(one.session_ids, [ids[0]]);
      const all = await json<{ session_ids: string[] }>("sessions", "revoke", "--user", userId, "--tenant-id", "cli-s");
      assert.deepEqual(all.session_ids, [ids[1]]);
      const rows = await sql(server, "select id from user_session where user_id = ? and ended_at is null", [userId]);
      assert.deepEqual(rows, []);

      assertFails(await svault(["sessions", "list", "--tenant-id", "cli-s"]), 2, /^error: --tenant-id goes with --user$/);
      assertFails(
        await svault(["sessions", "revoke", ids[0] as string, "--user", userId, "--tenant-id", "cli-s"]),
        4,
        /^error: not found: Session .* not found \(SESSION_NOT_FOUND\)$/,
      );
    });
  });

  describe("svault keys", () => {
    it("lists a tenant's keys with their schedule, and rotates one", async () => {
      await json("tenants", "create", "cli-k");
      const before = await json<{ keys: Json[] }>("keys", "list", "--tenant-id", "cli-k");
      assert.deepEqual(before.keys.map((k) => `${k.alg} ${k.state}`).sort(), ["ECDH-ES active", "EdDSA active", "RS256 active"]);
      const old = before.keys.find((k) => k.alg === "RS256") as Json;

      const rotated = await json<{ key: Json; replaced: Json[] }>("keys", "rotate", "--tenant-id", "cli-k", "--alg", "RS256");
      assert.equal(rotated.key.state, "scheduled");
      assert.deepEqual(
        rotated.replaced.map((k) => [k.kid, k.state]),
        [[old.kid, "active"]],
      );
      // As REST lists them (where an unset retire_at is null; proto3 JSON leaves it out).
      const after = await rest(server, server.adminKey, "GET", "/api/v1/tenants/cli-k/keys");
      const withoutNulls = (key: Json) => Object.fromEntries(Object.entries(key).filter(([, value]) => value !== null));
      assert.deepEqual(
        (await json<{ keys: Json[] }>("keys", "list", "--tenant-id", "cli-k")).keys,
        (after.body as { keys: Json[] }).keys.map(withoutNulls),
      );

      // The table of a rotation: the new key and the one it replaces, one row each.
      const table = await svault(["keys", "rotate", "--tenant-id", "cli-k", "--alg", "EdDSA"]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /│ kid +│ alg +│ use +│ state +│ publish_at +│ activate_at +│ retire_at +│/);
      assert.equal(table.stdout.match(/│ EdDSA │ sig +│ (scheduled|active) +│/g)?.length, 2, table.stdout);

      assertFails(await svault(["keys", "rotate", "--tenant-id", "cli-k"]), 2, /^error: invalid argument: alg: Field required$/);
      assert.equal((await svault(["keys", "rotate", "--tenant-id", "cli-k", "--alg", "HS256"])).code, 2);
    });
  });

  describe("transports", () => {
    it("speaks gRPC to --server by default, and Connect over HTTP/1.1 to --http-server with --connect", async () => {
      const nowhere = `http://127.0.0.1:${await freePort()}`;
      const grpc = await svault(["tenants", "get", "default", "-o", "json"], { SVAULT_HTTP_URL: nowhere });
      assert.equal(grpc.code, 0, grpc.stderr);
      const connect = await svault(["tenants", "get", "default", "-o", "json", "--connect"], { SVAULT_URL: nowhere });
      assert.equal(connect.code, 0, connect.stderr);
      assert.deepEqual(JSON.parse(connect.stdout), JSON.parse(grpc.stdout));
    });
  });

  describe("exit codes and errors", () => {
    it("wrong key: 3, with the server's message", async () => {
      assertFails(
        await svault(["tenants", "list"], { SVAULT_API_KEY: "svk_aaaaaaaaaaaaaaaa_wrong" }),
        3,
        /^error: unauthenticated: Invalid API key$/,
      );
    });

    it("no key: 3, saying how to give one", async () => {
      assertFails(await runCli(["tenants", "list"], { env: { SVAULT_URL: server.grpcUrl } }), 3, /^error: no API key: pass --api-key/);
    });

    it("a key without the scope: 3 (permission denied)", async () => {
      const reader = await seedUserWithKey(server, "default", ["tenant_admin"], ["users:read"]);
      assertFails(
        await svault(["clients", "list", "--tenant-id", "default"], { SVAULT_API_KEY: reader.key }),
        3,
        /^error: permission denied: /,
      );
    });

    it("the service down: 6, naming where the CLI tried to go", async () => {
      const port = await freePort();
      assertFails(
        await svault(["tenants", "list"], { SVAULT_URL: `http://127.0.0.1:${port}` }),
        6,
        new RegExp(`^error: unavailable: cannot reach gRPC http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
      );
    });

    it("a conflict: 5; a value the server refuses: 2 with the field; bad command lines: 2", async () => {
      assertFails(await svault(["tenants", "create", "default"]), 5, /^error: already exists: /);
      assertFails(
        await svault(["tenants", "create", "Not Valid"]),
        2,
        /^error: invalid argument: tenant_id: String should match pattern '\^\[a-z0-9\]\[a-z0-9-\]\{1,62\}\$'$/,
      );
      const unknown = await svault(["tenants", "list", "--frobnicate"]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown option '--frobnicate'/);
      const notANumber = await svault(["tenants", "update", "default", "--pin-size", "six"]);
      assert.equal(notANumber.code, 2);
      assert.match(notANumber.stderr, /expected an integer/);
      const notAChoice = await svault(["users", "list", "--tenant-id", "default", "--sort-by", "age"]);
      assert.equal(notAChoice.code, 2);
      assert.match(notAChoice.stderr, /Allowed choices are created_at, username, email/);
      assertFails(await svault(["tenants", "update", "default", "--data", "{not json"]), 2, /^error: --data is not JSON: /);
    });
  });

  describe("profiles", () => {
    it("login checks the key, stores it (0600) without printing it, and later commands use the profile", async () => {
      const home = configHome();
      const env = { XDG_CONFIG_HOME: home };
      const login = await runCli(
        ["login", "--server", server.grpcUrl, "--http-server", server.baseUrl, "--api-key-stdin", "--tenant-id", "cli-p"],
        {
          env,
          input: `${server.adminKey}\n`,
        },
      );
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stdout, /Logged in as admin \(tenant default\)/);
      assert.ok(!login.stdout.includes(server.adminKey) && !login.stderr.includes(server.adminKey), "the key is never printed");

      const file = join(home, "svault", "config.json");
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const config = JSON.parse(readFileSync(file, "utf8")) as { current: string; profiles: Record<string, Json> };
      assert.equal(config.current, "default");
      assert.equal(config.profiles.default?.apiKey, server.adminKey);

      // No SVAULT_* variables: the server, the key and the default tenant come from the profile.
      await json("tenants", "create", "cli-p");
      const users = await runCli(["users", "list", "-o", "json"], { env });
      assert.equal(users.code, 0, users.stderr);
      assert.equal((JSON.parse(users.stdout) as { total_count: number }).total_count, 0);

      const profiles = await runCli(["profiles", "-o", "json"], { env });
      assert.ok(!profiles.stdout.includes(server.adminKey));
      assert.deepEqual((JSON.parse(profiles.stdout) as { profiles: Json[] }).profiles[0], {
        name: "default",
        current: true,
        server: server.grpcUrl,
        http_server: server.baseUrl,
        tenant: "cli-p",
        transport: "grpc",
        api_key: "stored",
      });

      assert.equal((await runCli(["logout"], { env })).code, 0);
      assertFails(await runCli(["users", "list"], { env: { ...env, SVAULT_URL: server.grpcUrl } }), 3, /^error: no API key/);
    });

    it("login with a key the service refuses: 3, and nothing is stored", async () => {
      const home = configHome();
      const login = await runCli(["login", "--server", server.grpcUrl, "--api-key-stdin"], {
        env: { XDG_CONFIG_HOME: home },
        input: "svk_aaaaaaaaaaaaaaaa_wrong\n",
      });
      assertFails(login, 3, /^error: unauthenticated: /);
      assert.throws(() => statSync(join(home, "svault", "config.json")), { code: "ENOENT" });
    });
  });

  describe("svault doctor", () => {
    it("reports both listeners, the database, the key, its scopes and the issuers", async () => {
      const report = await json<{ checks: { check: string; result: string; detail: string }[] }>("doctor");
      const byName = new Map(report.checks.map((c) => [c.check, c]));
      // Issuers of the tenants other tests create and delete meanwhile may come and go.
      for (const check of report.checks.filter((c) => !c.check.startsWith("issuer "))) {
        assert.equal(check.result, "ok", `${check.check}: ${check.detail}`);
      }
      assert.match(byName.get("gRPC listener")?.detail ?? "", new RegExp(`^gRPC ${server.grpcUrl}: svault \\d+\\.\\d+\\.\\d+, env test`));
      assert.match(byName.get("HTTP listener")?.detail ?? "", new RegExp(`^Connect ${server.baseUrl}: svault`));
      assert.match(byName.get("database")?.detail ?? "", /reachable/);
      assert.match(byName.get("API key")?.detail ?? "", /user admin of tenant default, roles super_admin/);
      assert.match(byName.get("scopes")?.detail ?? "", /tenants:admin/);
      assert.equal(byName.get("issuer default")?.detail, `${server.config.publicUrl}/default`);
    });

    it("exits 6 when a listener is unreachable, and still runs the other checks", async () => {
      const nowhere = `http://127.0.0.1:${await freePort()}`;
      const result = await svault(["doctor", "-o", "json"], { SVAULT_HTTP_URL: nowhere });
      assert.equal(result.code, 6);
      const checks = (JSON.parse(result.stdout) as { checks: { check: string; result: string }[] }).checks;
      assert.deepEqual(
        checks.filter((c) => c.result !== "ok" && !c.check.startsWith("issuer ")).map((c) => c.check),
        ["HTTP listener"],
      );
    });

    it("exits 3 with a key the service refuses", async () => {
      const result = await svault(["doctor", "-o", "json"], { SVAULT_API_KEY: "svk_aaaaaaaaaaaaaaaa_wrong" });
      assert.equal(result.code, 3);
      const checks = (JSON.parse(result.stdout) as { checks: { check: string; result: string }[] }).checks;
      assert.equal(checks.find((c) => c.check === "API key")?.result, "failed");
    });
  });
});
