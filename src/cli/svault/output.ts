// What a command prints: proto3 JSON (with the protos' field names, as REST writes them) for
// `--output json`, the same as YAML for `--output yaml`, and for people a table: the rows of a
// list answer, or one object's fields (nested ones as `block_config.window_seconds`).
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import Table from "cli-table3";
import { createRequire } from "node:module";
import type { OutputFormat } from "./settings.js";

export interface Rendering {
  /**
   * The members holding the rows of a list answer: a list of objects, or one object (one row);
   * shown as one table of rows, the other members below it.
   */
  readonly rows?: readonly string[];
  /**
   * The columns of those rows, in order (default: every scalar member). A column may be a path
   * into a row (`meta.created`); through a list it takes every item's value (`emails.value`).
   */
  readonly columns?: readonly string[];
}

/**
 * No colours (the output may be a file), no rule between rows, and on a terminal no wider than
 * it: the widest columns give way and their cells wrap.
 */
function compact(rows: readonly (readonly string[])[], head?: readonly string[]): string {
  const widths = fitToTerminal(head ? [head, ...rows] : rows);
  const table = new Table({
    ...(head ? { head: [...head] } : {}),
    ...(widths ? { colWidths: widths, wordWrap: true } : {}),
    style: { head: [], border: [] },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  table.push(...rows.map((row) => [...row]));
  return table.toString();
}

/** Column widths that fit the terminal, or undefined when the table fits as it is (or there is no terminal). */
function fitToTerminal(rows: readonly (readonly string[])[]): number[] | undefined {
  const available = process.stdout.isTTY ? process.stdout.columns : undefined;
  if (!available || rows.length === 0) return undefined;
  // Each cell has a space on either side; each column one border.
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)) + 2);
  let excess = widths.reduce((sum, width) => sum + width + 1, 1) - available;
  if (excess <= 0) return undefined;
  const MIN = 8;
  while (excess > 0) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= MIN) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess--;
  }
  return widths;
}

export function render(value: JsonValue, format: OutputFormat, rendering: Rendering = {}): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(value, null, 2)}\n`;
    case "yaml":
      return yamlOf(value);
    case "table":
      return renderTable(value, rendering);
  }
}

/** The yaml package is loaded only when asked for: it is a third of the CLI's start-up time. */
function yamlOf(value: JsonValue): string {
  const { stringify } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return stringify(value);
}

function renderTable(value: JsonValue, rendering: Rendering): string {
  if (!isObject(value)) return `${cell(value)}\n`;
  const entries = Object.entries(value);
  if (entries.length === 0) return "";
  const listNames = rendering.rows;
  if (listNames === undefined) return `${keyValueTable(flatten(value))}\n`;
  const rows = listNames.flatMap((name) => {
    const member = value[name];
    return Array.isArray(member) ? (member as JsonObject[]) : isObject(member) ? [member] : [];
  });
  const rest = entries.filter(([name]) => !listNames.includes(name));
  const footer = rest.map(([name, member]) => `${name}: ${cell(member)}`).join("  ");
  const none = `(no ${listNames.join(" or ").replaceAll("_", " ")})`;
  return `${rows.length > 0 ? rowsTable(rows, rendering.columns) : none}\n${footer ? `${footer}\n` : ""}`;
}

/** A table of objects: one row each, one column per scalar member (or the chosen columns). */
export function rowsTable(rows: readonly JsonObject[], columns?: readonly string[]): string {
  const heads = columns ?? scalarMembers(rows);
  return compact(
    rows.map((row) => heads.map((head) => cell(valueAt(row, head)))),
    heads,
  );
}

/** The member `column` names: a member of that name, else a path of members. */
function valueAt(row: JsonObject, column: string): JsonValue | undefined {
  if (column in row || !column.includes(".")) return row[column];
  let values: JsonValue[] = [row];
  for (const name of column.split(".")) {
    values = values
      .flatMap((value) => (Array.isArray(value) ? value : [value]))
      .flatMap((value) => (isObject(value) && value[name] !== undefined ? [value[name]] : []));
  }
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values.flat();
}

function keyValueTable(pairs: readonly [string, JsonValue][]): string {
  return compact(pairs.map(([key, value]) => [key, cell(value)]));
}

/** Every member whose value a cell can show, in the order the rows first have them. */
function scalarMembers(rows: readonly JsonObject[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const [name, value] of Object.entries(row)) if (!isObject(value)) names.add(name);
  return [...names];
}

function flatten(object: JsonObject, prefix = ""): [string, JsonValue][] {
  return Object.entries(object).flatMap(([name, value]): [string, JsonValue][] =>
    isObject(value) && Object.keys(value).length > 0 ? flatten(value, `${prefix}${name}.`) : [[`${prefix}${name}`, value]],
  );
}

function cell(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map((item) => (isObject(item) ? JSON.stringify(item) : String(item))).join(", ");
  if (isObject(value)) return JSON.stringify(value);
  return String(value);
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
