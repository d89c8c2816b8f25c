// The rows of an import file as proto3 JSON objects of a message: JSON Lines (one object per line,
// e.g. what `svault users export` writes) or CSV with a header row naming the message's fields
// (cells converted by each field's type: `true`/`false`, numbers, lists separated by `;`). A row
// that cannot be read is reported with its line and why, and the import goes on; a file that
// cannot be read at all (unknown column, broken quoting) stops it.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { type DescField, type DescMessage, type JsonObject, type JsonValue, ScalarType } from "@bufbuild/protobuf";
import { CliError, usageError } from "./exit-codes.js";

export interface SourceRow {
  /** The line of the file the row ends on (1-based). */
  readonly line: number;
  /** Bytes of the file read up to the end of the row. */
  readonly offset: number;
  /** The row's values (with an `error`: those that could be read, to name the row by). */
  readonly json?: JsonObject;
  /** Why the row cannot be read. */
  readonly error?: string;
}

export const ROW_FORMATS = ["csv", "jsonl"] as const;
export type RowFormat = (typeof ROW_FORMATS)[number];

export function formatOf(file: string, explicit: RowFormat | undefined): RowFormat {
  if (explicit) return explicit;
  if (/\.csv$/i.test(file)) return "csv";
  if (/\.(jsonl|ndjson)$/i.test(file)) return "jsonl";
  throw usageError(`cannot tell the format of ${file} from its name: pass --format csv or --format jsonl`);
}

export function readRows(file: string, format: RowFormat, message: DescMessage): AsyncGenerator<SourceRow> {
  return format === "csv" ? csvRows(file, message) : jsonLines(file);
}

async function* jsonLines(file: string): AsyncGenerator<SourceRow> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  let offset = 0;
  for await (const text of lines) {
    line++;
    offset += Buffer.byteLength(text) + 1;
    if (text.trim() === "") continue;
    let json: JsonValue;
    try {
      json = JSON.parse(text) as JsonValue;
    } catch (error) {
      yield { line, offset, error: `not JSON: ${(error as Error).message}` };
      continue;
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) yield { line, offset, error: "not a JSON object" };
    else yield { line, offset, json };
  }
}

interface CsvRecord {
  readonly record: Record<string, string>;
  readonly info: { readonly lines: number; readonly bytes: number; readonly error?: { readonly message: string } };
}

async function* csvRows(file: string, message: DescMessage): AsyncGenerator<SourceRow> {
  const fieldOf = new Map<string, DescField>();
  for (const field of message.fields) fieldOf.set(field.name, field).set(field.jsonName, field);
  const columns = (header: string[]) => {
    const unknown = header.filter((name) => !fieldOf.has(name));
    if (unknown.length > 0) {
      const known = message.fields.map((field) => field.name).join(", ");
      throw usageError(`${file}: unknown column${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (known: ${known})`);
    }
    return header;
  };
  // Loaded here, not at start-up: only imports need it.
  const { parse } = await import("csv-parse");
  const parser = createReadStream(file).pipe(
    parse({ columns, info: true, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<CsvRecord>) {
      const at = { line: info.lines, offset: info.bytes };
      if (info.error) {
        yield { ...at, error: info.error.message };
        continue;
      }
      const { json, errors } = jsonOfCells(record, fieldOf);
      yield errors.length > 0 ? { ...at, json, error: errors.join("; ") } : { ...at, json };
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw usageError(`${file}: ${(error as Error).message}`);
  }
}

const TRUE = new Set(["true", "yes", "1"]);
const FALSE = new Set(["false", "no", "0", ""]);

/** A CSV row's cells as proto3 JSON (empty cells are unset fields), and the cells that are not. */
function jsonOfCells(record: Record<string, string>, fieldOf: Map<string, DescField>): { json: JsonObject; errors: string[] } {
  const json: JsonObject = {};
  const errors: string[] = [];
  for (const [column, cell] of Object.entries(record)) {
    const field = fieldOf.get(column);
    if (!field || cell === "") continue;
    if (field.fieldKind === "list") json[field.name] = listOf(cell);
    else if (field.fieldKind !== "scalar" || field.scalar !== ScalarType.BOOL) json[field.name] = cell;
    else if (TRUE.has(cell.toLowerCase())) json[field.name] = true;
    else if (FALSE.has(cell.toLowerCase())) json[field.name] = false;
    else errors.push(`${column}: expected true or false, got "${cell}"`);
  }
  return { json, errors };
}

function listOf(cell: string): string[] {
  return cell
    .split(";")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
