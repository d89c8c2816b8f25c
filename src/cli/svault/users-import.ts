// `svault users import FILE`: users from CSV or JSON Lines, through Batch Create User in batches
// of up to its limit (the `max_items` rule of BatchCreateUserRequest.users), two calls in flight
// (--in-flight) while the next batch is read. Each row is checked first against the rules the
// service applies to it (CreateUserRequest's, run by the service's own validator), so that a
// refused row comes with its reason; the service's verdict (created, duplicate, refused) is what
// counts. After each batch the progress is saved (import-state.ts): an interrupted import resumes
// where it stopped.
import { appendFileSync } from "node:fs";
import { getOption, type JsonObject } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import { field as fieldExtension } from "../../../gen/svault/api/v1/options_pb.js";
import { TenantService } from "../../../gen/svault/tenant/v1/tenant_service_pb.js";
import { BatchUserInputSchema } from "../../../gen/svault/user/v1/user_pb.js";
import { BatchCreateUserRequestSchema, UserService } from "../../../gen/svault/user/v1/user_service_pb.js";
import { openEndpoint, requireApiKey } from "./connection.js";
import { describeError, usageError } from "./exit-codes.js";
import { setExamples } from "./examples.js";
import { formatOf, ROW_FORMATS, type RowFormat, readRows, type SourceRow } from "./import-rows.js";
import {
  defaultStatePath,
  type FileIdentity,
  identify,
  type ImportProgress,
  loadState,
  NO_PROGRESS,
  removeState,
  saveState,
} from "./import-state.js";
import { render, rowsTable } from "./output.js";
import { resolveSettings } from "./settings.js";
import { judge, problemsOf, type RowProblem, type SentRow, type TenantRules, tenantRules } from "./user-rows.js";

interface Batch {
  readonly rows: readonly SentRow[];
  /** Rows refused before sending (unreadable, or breaking a field rule). */
  readonly refused: readonly RowProblem[];
  /** Rows of the file settled once this batch is: the previous batches' and this one's. */
  readonly rowsDone: number;
  readonly offset: number;
}

export const MAX_BATCH = getOption(BatchCreateUserRequestSchema.field.users, fieldExtension).maxItems ?? 1000;
const SHOWN_PROBLEMS = 20;
/** Two keep the service busy while the CLI handles an answer and sends the next batch; more only add load. */
const MAX_IN_FLIGHT = 4;

interface ImportOptions {
  tenantId?: string;
  format?: RowFormat;
  batchSize: number;
  inFlight: number;
  state?: string;
  restart?: boolean;
  report?: string;
  newUserIds?: boolean;
}

export function usersImportCommand(): Command {
  const command = new Command("import")
    .summary("Creates users from a CSV or JSON Lines file, in batches; resumable")
    .description(
      `Creates the users of FILE through Batch Create User, up to ${MAX_BATCH} per call. CSV files have a header row naming ` +
        "the fields of BatchUserInput (username, email, is_disabled, is_verified, locale, roles, external_id; booleans " +
        "true/false, roles separated by ';'); JSON Lines files have one such object per line (what `svault users " +
        "export` writes). Rows breaking a field rule are refused with the reason, rows repeating a username or e-mail " +
        "address are reported as duplicates, the others are created. Progress is saved after every batch: run the same " +
        "command again after an interruption and it goes on after the last committed batch (the rows of the batches " +
        "in flight at the interruption may then count as duplicates).",
    )
    .argument("<file>", "the CSV or JSON Lines file")
    .addOption(new Option("--tenant-id <string>", "the tenant (default: the profile's, or SVAULT_TENANT)"))
    .addOption(new Option("--format <format>", "the file's format (default: from its extension)").choices(ROW_FORMATS))
    .addOption(
      new Option("--batch-size <integer>", `rows per Batch Create call, 1 to ${MAX_BATCH}`)
        .argParser(integerFrom(1, MAX_BATCH))
        .default(MAX_BATCH),
    )
    .addOption(
      new Option("--in-flight <integer>", `Batch Create calls under way at once, 1 to ${MAX_IN_FLIGHT}`)
        .argParser(integerFrom(1, MAX_IN_FLIGHT))
        .default(2),
    )
    .addOption(new Option("--state <file>", "where the progress is saved (default: FILE.import-state.json)"))
    .addOption(new Option("--restart", "ignore a saved progress and import from the first row"))
    .addOption(new Option("--report <file>", "append every row not created (JSON Lines: line, username, outcome, reason)"))
    .addOption(
      new Option(
        "--new-user-ids",
        "ignore the rows' user_id and let the service pick ids (ids are unique in the installation: copying an export into another tenant needs it)",
      ),
    )
    .action(async (file: string, options: ImportOptions, self: Command) => runImport(file, options, self));
  return setExamples(command, [
    "svault users import people.csv --tenant-id acme",
    "svault users export --tenant-id old --out old.jsonl && svault users import old.jsonl --tenant-id new --report problems.jsonl",
  ]);
}

function integerFrom(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

async function runImport(file: string, options: ImportOptions, self: Command): Promise<void> {
  const settings = resolveSettings(self);
  requireApiKey(settings);
  const tenantId = options.tenantId ?? settings.tenant;
  if (!tenantId) throw usageError("no tenant: pass --tenant-id, set SVAULT_TENANT, or store one in the profile");
  const format = formatOf(file, options.format);
  let identity: FileIdentity;
  try {
    identity = await identify(file);
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const statePath = options.state ?? defaultStatePath(file);
  const earlier = options.restart ? NO_PROGRESS : loadState(statePath, identity, tenantId);
  if (earlier.rowsDone > 0) process.stderr.write(`resuming after row ${earlier.rowsDone} (progress saved in ${statePath})\n`);

  const endpoint = openEndpoint(settings);
  const users = createClient(UserService, endpoint.transport);
  const bar = progressBar(identity.size, earlier);
  let progress = earlier;
  const problems: RowProblem[] = [];
  const settle = (batch: Batch, created: number, found: readonly RowProblem[]) => {
    const all = [...batch.refused, ...found].sort((a, b) => a.line - b.line);
    problems.push(...all);
    if (options.report) appendFileSync(options.report, all.map((problem) => `${JSON.stringify(problem)}\n`).join(""));
    const duplicates = all.filter((problem) => problem.outcome === "duplicate").length;
    progress = {
      rowsDone: batch.rowsDone,
      created: progress.created + created,
      duplicates: progress.duplicates + duplicates,
      refused: progress.refused + all.length - duplicates,
    };
    saveState(statePath, identity, tenantId, progress);
    bar?.update(batch.offset, { rows: progress.rowsDone });
  };
  const call = async (batch: Batch) =>
    batch.rows.length === 0
      ? { successCreatedCount: 0, duplicateUsernames: [], failCreateUsernames: [] }
      : await users.batchCreateUser({ tenantId, users: batch.rows.map((row) => row.input) });

  const interrupted = () => {
    bar?.stop();
    process.stderr.write(`\ninterrupted: rows 1–${progress.rowsDone} are settled; run the same command again to go on\n`);
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  try {
    // Up to --in-flight calls at once, while the next batch is read and checked; their answers are
    // settled (and the progress saved) in file order, so that the saved progress never counts a
    // batch before all the batches ahead of it.
    const tenant = await tenantRules(createClient(TenantService, endpoint.transport), tenantId, !options.newUserIds);
    const window: Promise<void>[] = [];
    let settled: Promise<void> = Promise.resolve();
    for await (const batch of batches(readRows(file, format, BatchUserInputSchema), tenant, options.batchSize, earlier.rowsDone)) {
      if (window.length >= options.inFlight) await window.shift();
      const answer = call(batch);
      settled = settled
        .then(() => answer)
        .then((a) => settle(batch, a.successCreatedCount, problemsOf(batch.rows, a.duplicateUsernames, a.failCreateUsernames)));
      // Awaited through the window or below; this only keeps a failure from counting as unhandled meanwhile.
      answer.catch(() => {});
      settled.catch(() => {});
      window.push(settled);
    }
    await settled;
  } catch (error) {
    bar?.stop();
    if (progress.rowsDone > 0) {
      process.stderr.write(`stopped after row ${progress.rowsDone}: run the same command again to go on (${describeError(error)})\n`);
    }
    throw error;
  } finally {
    process.removeListener("SIGINT", interrupted);
    endpoint.close();
  }
  bar?.stop();
  removeState(statePath);
  process.stdout.write(summary(file, tenantId, earlier, progress, problems, settings.output));
}

/** The file's rows in batches of `size` valid rows, after skipping the `skip` rows settled earlier. */
async function* batches(rows: AsyncIterable<SourceRow>, tenant: TenantRules, size: number, skip: number): AsyncGenerator<Batch> {
  let index = 0;
  let offset = 0;
  let current: SentRow[] = [];
  let refused: RowProblem[] = [];
  for await (const row of rows) {
    index++;
    offset = row.offset;
    if (index <= skip) continue;
    const judged = judge(row, tenant);
    if ("input" in judged) current.push({ line: row.line, input: judged.input });
    else refused.push(judged);
    if (current.length === size) {
      yield { rows: current, refused, rowsDone: index, offset };
      current = [];
      refused = [];
    }
  }
  if (current.length > 0 || refused.length > 0 || index > skip) yield { rows: current, refused, rowsDone: index, offset };
}

function progressBar(bytes: number, earlier: ImportProgress): SingleBar | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new SingleBar({
    stream: process.stderr,
    format: "importing {bar} {percentage}% | {rows} rows | ETA {eta_formatted}",
    hideCursor: true,
  });
  bar.start(bytes, 0, { rows: earlier.rowsDone });
  return bar;
}

function summary(
  file: string,
  tenantId: string,
  earlier: ImportProgress,
  progress: ImportProgress,
  problems: readonly RowProblem[],
  format: "table" | "json" | "yaml",
): string {
  const totals = { rows: progress.rowsDone, created: progress.created, duplicates: progress.duplicates, refused: progress.refused };
  if (format !== "table") {
    return render(
      { file, tenant_id: tenantId, ...totals, resumed_after_row: earlier.rowsDone, problems: problems.map((p) => ({ ...p })) },
      format,
    );
  }
  const lines = [
    `${file} → tenant ${tenantId}: ${totals.rows} rows, ${totals.created} created, ${totals.duplicates} duplicates, ${totals.refused} refused` +
      (earlier.rowsDone > 0 ? ` (rows 1–${earlier.rowsDone} by an earlier run)` : ""),
  ];
  if (problems.length > 0) {
    const shown = problems.slice(0, SHOWN_PROBLEMS).map((problem) => ({ ...problem }) as JsonObject);
    lines.push(rowsTable(shown, ["line", "username", "outcome", "reason"]));
    if (problems.length > SHOWN_PROBLEMS)
      lines.push(`…and ${problems.length - SHOWN_PROBLEMS} more (--report FILE, or --output json, lists them all)`);
  }
  return `${lines.join("\n")}\n`;
}
