// A start on a database whose schema is current decides from the migrations' names alone that
// nothing is pending, and never loads the migration library (@mikro-orm/migrations with umzug and
// its command-line libraries; the migrations' classes import it): it would stay resident for the
// process's lifetime (docs/performance.md, "Memory: the migration library on demand"). A first
// start on an empty database still loads it and migrates. The service runs as production runs
// it — its compiled build (test/support/app-build.ts) as a child process — with a preloaded probe
// that lists the modules it loaded when it exits (loaded-modules-probe.cjs).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { compiledEntry } from "../support/app-build.js";
import { tempDir } from "../support/temp-dir.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

const PROBE = join(import.meta.dirname, "loaded-modules-probe.cjs");
const MIGRATION_LIBRARIES = ["/node_modules/@mikro-orm/migrations/", "/node_modules/umzug/"];

interface Run {
  /** The messages of its log lines, in order. */
  readonly messages: string[];
  /** The CommonJS modules loaded from its start to its exit. */
  readonly modules: string[];
}

/** Starts the compiled service on `databaseUrl`, waits until it listens, stops it with SIGTERM. */
async function startAndStop(databaseUrl: string, dataDir: string): Promise<Run> {
  const modulesFile = join(tempDir("loaded-modules"), "modules.json");
  const { DATABASE_URL: _url, SVAULT_KEK: _kek, PORT: _port, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--require", PROBE, compiledEntry("src/main.ts")], {
    env: {
      ...inherited,
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      PORT: "0",
      GRPC_PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      LOADED_MODULES_FILE: modulesFile,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = once(child, "exit");
  const messages: string[] = [];
  for await (const text of createInterface({ input: child.stdout })) {
    // The bootstrap key's announcement on a first start is plain text.
    const msg = text.startsWith("{") ? ((JSON.parse(text) as { msg?: string }).msg ?? "") : "";
    messages.push(msg);
    if (msg === "listening") child.kill("SIGTERM");
  }
  const [code] = await exited;
  assert.equal(code, 0, `the service listened and stopped cleanly: ${JSON.stringify(messages)}`);
  return { messages, modules: JSON.parse(readFileSync(modulesFile, "utf8")) as string[] };
}

/** The migration libraries whose code was loaded (MikroORM reads every installed @mikro-orm package's package.json, to check that their versions agree). */
const migrationLibrariesIn = (modules: string[]) =>
  MIGRATION_LIBRARIES.filter((library) => modules.some((path) => path.includes(library) && path.endsWith(".js")));

describe("the migration library at start-up", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  it("is loaded to migrate an empty database, and not on a restart on the schema that left", async () => {
    const dataDir = tempDir("migration-library");
    const first = await startAndStop(db.url, dataDir);
    assert.ok(first.messages.includes("database migrated"), JSON.stringify(first.messages));
    assert.deepEqual(migrationLibrariesIn(first.modules), MIGRATION_LIBRARIES, "the probe sees the library when it is loaded");

    const restart = await startAndStop(db.url, dataDir);
    assert.ok(restart.messages.includes("database schema up to date"), JSON.stringify(restart.messages));
    assert.ok(
      restart.modules.some((path) => path.includes("/node_modules/@mikro-orm/core/")),
      "the ORM itself is loaded",
    );
    assert.deepEqual(migrationLibrariesIn(restart.modules), [], "no migration library on a current schema");
  });
});
