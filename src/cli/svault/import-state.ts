// What makes an import resumable: after each committed batch, a small state file records how many
// rows of which file (by size and SHA-256) are settled for which tenant, and the counts so far.
// A rerun of the same import starts after those rows; a finished import removes the file. The
// file is replaced atomically (written aside, renamed), so an interruption never leaves half of it.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { usageError } from "./exit-codes.js";

export interface ImportProgress {
  /** Rows of the file (records, in file order) that are created or reported. */
  readonly rowsDone: number;
  readonly created: number;
  readonly duplicates: number;
  readonly refused: number;
}

export interface ImportState extends ImportProgress {
  readonly version: 1;
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
  readonly tenantId: string;
}

export interface FileIdentity {
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
}

export const NO_PROGRESS: ImportProgress = { rowsDone: 0, created: 0, duplicates: 0, refused: 0 };

export function defaultStatePath(file: string): string {
  return `${file}.import-state.json`;
}

export async function identify(file: string): Promise<FileIdentity> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { file: resolve(file), size: statSync(file).size, sha256: hash.digest("hex") };
}

/** The progress of an earlier, unfinished import of this file into this tenant (none: from the start). */
export function loadState(path: string, identity: FileIdentity, tenantId: string): ImportProgress {
  if (!existsSync(path)) return NO_PROGRESS;
  let state: ImportState;
  try {
    state = JSON.parse(readFileSync(path, "utf8")) as ImportState;
  } catch (error) {
    throw usageError(`the import state ${path} is not valid JSON (${(error as Error).message}): remove it, or pass --restart`);
  }
  if (state.version !== 1 || typeof state.rowsDone !== "number")
    throw usageError(`${path} is not an import state: remove it, or pass --restart`);
  if (state.sha256 !== identity.sha256 || state.size !== identity.size) {
    throw usageError(`${identity.file} changed since the import that ${path} records: pass --restart to import it from the start`);
  }
  if (state.tenantId !== tenantId) {
    throw usageError(`${path} records an import into tenant "${state.tenantId}", not "${tenantId}": pass --restart to start over`);
  }
  return { rowsDone: state.rowsDone, created: state.created, duplicates: state.duplicates, refused: state.refused };
}

export function saveState(path: string, identity: FileIdentity, tenantId: string, progress: ImportProgress): void {
  const state: ImportState = { version: 1, ...identity, tenantId, ...progress };
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`);
  renameSync(temporary, path);
}

export function removeState(path: string): void {
  rmSync(path, { force: true });
}
