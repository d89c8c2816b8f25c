// `svault users import` and `export` as an operator runs them: 10,000 users from a CSV file with
// duplicates and bad rows (the counts checked against the database), JSON Lines, an export
// imported into another tenant, and resuming an import after an interruption.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { identify, saveState } from "../../src/cli/svault/import-state.js";
import { createTenant } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";
import { freePort, startTestServer, type TestServer } from "../support/test-server.js";
import { cliCommand, configHome, runCli, serverEnv } from "./run-cli.js";

let server: TestServer;
let db: pg.Client;
before(async () => {
  server = await startTestServer();
  db = new pg.Client({ connectionString: server.db.url });
  await db.connect();
});
after(async () => {
  await db.end();
  await server.close();
});

const dir = tempDir("cli-import");
const svault = (args: string[]) => runCli(args, { env: serverEnv(server) });

interface Summary {
  rows: number;
  created: number;
  duplicates: number;
  refused: number;
  resumed_after_row: number;
  problems: { line: number; username: string; outcome: string; reason: string }[];
}

async function importJson(args: string[]): Promise<Summary> {
  const result = await svault(["users", "import", ...args, "-o", "json"]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Summary;
}

async function usernamesIn(tenantId: string): Promise<string[]> {
  const { rows } = await db.query<{ username: string }>("select username from app_user where tenant_id = $1 order by username", [tenantId]);
  return rows.map((row) => row.username);
}

/**
 * 10,000 CSV rows: every 50th repeats the username of the row before it, every 50th (offset 10)
 * repeats an e-mail address of an earlier row, every 100th (offset 20) has a username the rules
 * refuse, every 100th (offset 30) a bad boolean. One user exists before the import.
 */
function tenThousandRows(): { csv: string; expected: { created: string[]; duplicates: number; refused: number } } {
  const lines = ["username,email,is_verified,roles,locale,external_id"];
  const created: string[] = [];
  let duplicates = 0;
  let refused = 0;
  for (let i = 0; i < 10_000; i++) {
    const name = `user${String(i).padStart(5, "0")}`;
    if (i % 50 === 1) {
      lines.push(`user${String(i - 1).padStart(5, "0")},other${i}@example.com,false,,,`);
      duplicates++;
    } else if (i % 50 === 11) {
      lines.push(`${name},user${String(i - 1).padStart(5, "0")}@example.com,false,,,`);
      duplicates++;
    } else if (i % 100 === 20) {
      lines.push(`bad name ${i},bad${i}@example.com,true,,,`);
      refused++;
    } else if (i % 100 === 30) {
      lines.push(`${name},${name}@example.com,perhaps,,,`);
      refused++;
    } else if (i === 5_005) {
      lines.push(`existing,someone@example.com,false,,,`);
      duplicates++;
    } else {
      lines.push(`${name},${name}@example.com,${i % 2 === 0},${i % 1000 === 0 ? "tenant_admin" : ""},en,ext-${i}`);
      created.push(name);
    }
  }
  return { csv: `${lines.join("\n")}\n`, expected: { created, duplicates, refused } };
}

describe("svault users import", () => {
  it("imports 10,000 CSV rows with duplicates and bad rows; the counts match the database", async () => {
    await createTenant(server, "imp");
    const existing = await svault(["users", "create", "existing", "--tenant-id", "imp", "--email", "existing@example.com"]);
    assert.equal(existing.code, 0, existing.stderr);
    const { csv, expected } = tenThousandRows();
    const file = join(dir, "people.csv");
    writeFileSync(file, csv);

    const summary = await importJson([file, "--tenant-id", "imp"]);
    assert.deepEqual(
      { rows: summary.rows, created: summary.created, duplicates: summary.duplicates, refused: summary.refused },
      { rows: 10_000, created: expected.created.length, duplicates: expected.duplicates, refused: expected.refused },
    );
    assert.deepEqual(await usernamesIn("imp"), ["existing", ...expected.created].sort());
    assert.equal(summary.problems.length, expected.duplicates + expected.refused);

    // Every problem names its row (header = line 1) and why.
    const byLine = new Map(summary.problems.map((problem) => [problem.line, problem]));
    assert.deepEqual(byLine.get(3), {
      line: 3,
      username: "user00000",
      outcome: "duplicate",
      reason: "repeats the username or e-mail address of an earlier row or of an existing user",
    });
    assert.equal(byLine.get(13)?.outcome, "duplicate", "the e-mail address of row 12");
    assert.deepEqual(byLine.get(22), {
      line: 22,
      username: "bad name 20",
      outcome: "refused",
      reason: "username: String should match pattern '^[a-zA-Z0-9_.@-]+$'",
    });
    assert.deepEqual(byLine.get(32), {
      line: 32,
      username: "user00030",
      outcome: "refused",
      reason: 'is_verified: expected true or false, got "perhaps"',
    });

    const { rows } = await db.query(
      "select is_verified, roles, locale, external_id from app_user where tenant_id = 'imp' and username = 'user01000'",
    );
    assert.deepEqual(rows[0], { is_verified: true, roles: ["tenant_admin"], locale: "en", external_id: "ext-1000" });
    assert.equal(existsSync(`${file}.import-state.json`), false, "a finished import leaves no state behind");
  });

  it("reads JSON Lines, reporting unreadable lines, unknown fields and rule breaches by line", async () => {
    await createTenant(server, "imp-jsonl");
    const file = join(dir, "people.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ username: "ann", email: "ann@example.com", roles: ["tenant_admin"] }),
        "{not json",
        JSON.stringify({ username: "ben", shoe_size: 44 }),
        "",
        JSON.stringify({ username: "cat", email: "not-an-address" }),
        JSON.stringify({ username: "dan", email: "dan@example.com", is_disabled: true }),
        JSON.stringify({ username: "eve" }),
      ].join("\n"),
    );
    const summary = await importJson([file, "--tenant-id", "imp-jsonl"]);
    assert.deepEqual([summary.rows, summary.created, summary.duplicates, summary.refused], [6, 2, 0, 4]);
    assert.deepEqual(
      summary.problems.map((p) => [p.line, p.username]),
      [
        [2, ""],
        [3, "ben"],
        [5, "cat"],
        [7, "eve"],
      ],
    );
    assert.match(summary.problems[0]?.reason ?? "", /^not JSON: /);
    assert.match(summary.problems[1]?.reason ?? "", /shoe_size/);
    assert.match(summary.problems[2]?.reason ?? "", /^email: /);
    assert.equal(summary.problems[3]?.reason, "email: required, the tenant's has_username_and_email is set");
    assert.deepEqual(await usernamesIn("imp-jsonl"), ["ann", "dan"]);
  });

  it("exports a tenant as JSON Lines (no secrets) that imports into another tenant unchanged", async () => {
    await createTenant(server, "exp-a");
    await createTenant(server, "exp-b");
    const rows = Array.from({ length: 1203 }, (_, i) => JSON.stringify({ username: `e${i}`, email: `e${i}@example.com`, locale: "de" }));
    const source = join(dir, "source.jsonl");
    writeFileSync(source, rows.join("\n"));
    assert.equal((await importJson([source, "--tenant-id", "exp-a"])).created, 1203);

    const exported = join(dir, "exported.jsonl");
    const result = await svault(["users", "export", "--tenant-id", "exp-a", "--out", exported]);
    assert.equal(result.code, 0, result.stderr);
    const lines = readFileSync(exported, "utf8").trim().split("\n");
    assert.equal(lines.length, 1203, "every page of List Users");
    const first = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
    assert.deepEqual(Object.keys(first).sort(), [
      "created_at",
      "email",
      "is_disabled",
      "is_verified",
      "locale",
      "roles",
      "tenant_id",
      "updated_at",
      "user_id",
      "username",
    ]);

    // The export keeps each user's id, which is taken in the whole installation: without
    // --new-user-ids every row is a duplicate, and nothing is created in the other tenant.
    const kept = await importJson([exported, "--tenant-id", "exp-b", "--state", join(dir, "kept-ids.state.json")]);
    assert.deepEqual([kept.created, kept.duplicates], [0, 1203]);
    const summary = await importJson([exported, "--tenant-id", "exp-b", "--new-user-ids"]);
    assert.equal(summary.created, 1203);
    const users = await db.query("select username, email, locale from app_user where tenant_id = $1 order by username", ["exp-b"]);
    const original = await db.query("select username, email, locale from app_user where tenant_id = $1 order by username", ["exp-a"]);
    assert.deepEqual(users.rows, original.rows);
  });

  it("resumes after the rows a saved state records, and refuses a state of another file", async () => {
    await createTenant(server, "imp-resume", { has_username_and_email: false });
    const file = join(dir, "resume.csv");
    writeFileSync(file, `username\n${Array.from({ length: 3000 }, (_, i) => `r${i}`).join("\n")}\n`);
    // What an import interrupted after its second batch of 1000 leaves behind.
    saveState(`${file}.import-state.json`, await identify(file), "imp-resume", {
      rowsDone: 2000,
      created: 1990,
      duplicates: 6,
      refused: 4,
    });

    const summary = await importJson([file, "--tenant-id", "imp-resume"]);
    assert.deepEqual(
      [summary.resumed_after_row, summary.rows, summary.created, summary.duplicates, summary.refused],
      [2000, 3000, 2990, 6, 4],
    );
    const names = await usernamesIn("imp-resume");
    assert.equal(names.length, 1000, "only the rows after the saved progress were sent");
    assert.ok(names.every((name) => Number(name.slice(1)) >= 2000));

    saveState(`${file}.import-state.json`, { ...(await identify(file)), sha256: "0".repeat(64) }, "imp-resume", {
      rowsDone: 1,
      created: 1,
      duplicates: 0,
      refused: 0,
    });
    const changed = await svault(["users", "import", file, "--tenant-id", "imp-resume"]);
    assert.equal(changed.code, 2);
    assert.match(changed.stderr, /changed since the import that .* records: pass --restart/);
  });

  it("an import killed mid-way goes on where it stopped when run again: every row ends up once", async () => {
    await createTenant(server, "imp-kill", { has_username_and_email: false });
    const file = join(dir, "kill.csv");
    const statePath = `${file}.import-state.json`;
    writeFileSync(file, `username\n${Array.from({ length: 5000 }, (_, i) => `k${i}`).join("\n")}\n`);

    // Kill the CLI as soon as its first batch is committed (the state file appears).
    const child = spawn(process.execPath, [...cliCommand(), "users", "import", file, "--tenant-id", "imp-kill", "--batch-size", "100"], {
      env: { ...process.env, ...serverEnv(server), XDG_CONFIG_HOME: configHome() },
      stdio: "ignore",
    });
    const watcher = watch(dir, (_event, name) => {
      if (name === "kill.csv.import-state.json") child.kill("SIGKILL");
    });
    await once(child, "exit");
    watcher.close();
    const saved = JSON.parse(readFileSync(statePath, "utf8")) as { rowsDone: number };
    assert.ok(saved.rowsDone > 0 && saved.rowsDone < 5000, `interrupted mid-way (after row ${saved.rowsDone})`);

    const resumed = await svault(["users", "import", file, "--tenant-id", "imp-kill", "--batch-size", "100"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resuming after row ${saved.rowsDone}`));
    const names = await usernamesIn("imp-kill");
    assert.equal(names.length, 5000);
    assert.equal(new Set(names).size, 5000);
    assert.equal(existsSync(statePath), false);
  });

  it("stops with exit code 6 when the service is unreachable, and 2 for a file it cannot read", async () => {
    const file = join(dir, "down.csv");
    writeFileSync(file, "username\nz1\n");
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const down = await runCli(["users", "import", file, "--tenant-id", "imp"], { env: { ...serverEnv(server), SVAULT_URL: nowhere } });
    assert.equal(down.code, 6);
    assert.match(down.stderr, new RegExp(`^error: unavailable: cannot reach gRPC ${nowhere}`, "m"));
    const missing = await svault(["users", "import", join(dir, "missing.csv"), "--tenant-id", "imp"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*missing\.csv/);
    const badHeader = join(dir, "bad-header.csv");
    writeFileSync(badHeader, "username,shoe_size\nz1,44\n");
    const header = await svault(["users", "import", badHeader, "--tenant-id", "imp"]);
    assert.equal(header.code, 2);
    assert.match(header.stderr, /unknown column shoe_size \(known: user_id, username, email/);
  });
});
