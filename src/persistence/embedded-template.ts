// A new embedded database starts as a copy of a freshly initialised one. initdb is most of what a
// first start costs (about 3 s of CPU, far more wall time on a busy machine: docs/operations.md)
// and its result is the same for every data directory of one PGlite version, so the first
// database made on this machine is dumped, right after initdb, as a template under
// node_modules/.cache — beside the PGlite it was made with, and gone with it on reinstall — and
// every later new DATA_DIR (a wiped ./data, each test's) is loaded from that copy instead.
// The template is a checkpointed copy of an idle cluster: a database loaded from it starts with
// Postgres's ordinary recovery from that checkpoint. Without a writable cache, nothing changes
// but the speed.
import { PGlite } from "@electric-sql/pglite";
import { mkdirSync, openAsBlob, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../logging/logger.js";

const CACHE_DIR = fileURLToPath(new URL("../../node_modules/.cache/svault/", import.meta.url));

/** The template's file: one per PGlite version, whose initdb made it. */
function templateFile(cacheDir: string): string {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const { version } = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return join(cacheDir, `pglite-${version}-initdb.tar`);
}

/** Creates a new database in the empty directory `pgDir`, from the template when there is one. */
export async function createFromTemplate(pgDir: string, logger: Logger, cacheDir = CACHE_DIR): Promise<PGlite> {
  const file = templateFile(cacheDir);
  let template: Blob | undefined;
  try {
    template = await openAsBlob(file);
  } catch {
    // None yet: this start makes it.
  }
  if (template) {
    logger.info({ dataDir: pgDir, template: file }, "creating the embedded database from the template");
    try {
      return await PGlite.create(pgDir, { loadDataDir: template });
    } catch (error) {
      logger.warn({ err: error, template: file }, "the embedded database template is unusable: initialising from scratch");
      rmSync(file, { force: true });
      rmSync(pgDir, { recursive: true, force: true });
      mkdirSync(pgDir, { recursive: true, mode: 0o700 });
    }
  }
  logger.info({ dataDir: pgDir }, "creating the embedded database: initdb (the first time on this machine takes a few seconds)");
  const db = await PGlite.create(pgDir);
  await saveTemplate(db, file, logger);
  return db;
}

async function saveTemplate(db: PGlite, file: string, logger: Logger): Promise<void> {
  // Written aside and renamed: a start that reads it never sees half a file.
  const partial = `${file}.${process.pid}.partial`;
  try {
    // Everything initdb wrote is in the data files: the copy needs no WAL before this point.
    await db.exec("checkpoint");
    const tar = Buffer.from(await (await db.dumpDataDir("none")).arrayBuffer());
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(partial, tar);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    logger.debug({ err: error, template: file }, "could not save the embedded database template");
  }
}
