// `svault users export`: every user of a tenant as JSON Lines (the User message in proto3 JSON,
// which has no credential material), paging through List Users oldest first, the next page
// requested while the current one is written. The output is what `svault users import` reads.
import { open } from "node:fs/promises";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { getOption, toJson } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { Command, Option } from "commander";
import { field as fieldExtension } from "../../../gen/svault/api/v1/options_pb.js";
import { UserSchema } from "../../../gen/svault/user/v1/user_pb.js";
import { ListUsersRequestSchema, type ListUsersResponse, UserService } from "../../../gen/svault/user/v1/user_service_pb.js";
import { openEndpoint, requireApiKey } from "./connection.js";
import { usageError } from "./exit-codes.js";
import { setExamples } from "./examples.js";
import { resolveSettings } from "./settings.js";

/** The largest page List Users answers (the `lte` rule of its `limit`). */
const PAGE_SIZE = getOption(ListUsersRequestSchema.field.limit, fieldExtension).lte ?? 100;

interface ExportOptions {
  tenantId?: string;
  username?: string;
  email?: string;
  out?: string;
}

export function usersExportCommand(): Command {
  const command = new Command("export")
    .summary("Writes a tenant's users as JSON Lines, oldest first")
    .description(
      "Writes every user of the tenant (or those matching --username / --email prefixes) as JSON Lines, one User per " +
        "line in proto3 JSON with the protos' field names, oldest first. Users have no secret material. The output " +
        "is what `svault users import` reads. Users created while the export runs may be left out or, if users are " +
        "deleted meanwhile, a user may be written twice.",
    )
    .addOption(new Option("--tenant-id <string>", "the tenant (default: the profile's, or SVAULT_TENANT)"))
    .addOption(new Option("--username <prefix>", "only users whose username starts with this (case-insensitive)"))
    .addOption(new Option("--email <prefix>", "only users whose e-mail address starts with this (case-insensitive)"))
    .addOption(new Option("--out <file>", "write to this file instead of standard output"))
    .action(async (options: ExportOptions, self: Command) => runExport(options, self));
  return setExamples(command, ["svault users export --tenant-id acme --out acme-users.jsonl"]);
}

/** The --out file, opened first so that a bad path is a usage error before any call. */
async function openOut(path: string): Promise<Writable> {
  try {
    return (await open(path, "w")).createWriteStream();
  } catch (error) {
    throw usageError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

async function runExport(options: ExportOptions, self: Command): Promise<void> {
  const settings = resolveSettings(self);
  requireApiKey(settings);
  const tenantId = options.tenantId ?? settings.tenant;
  if (!tenantId) throw usageError("no tenant: pass --tenant-id, set SVAULT_TENANT, or store one in the profile");
  const out: Writable = options.out ? await openOut(options.out) : process.stdout;
  const endpoint = openEndpoint(settings);
  const users = createClient(UserService, endpoint.transport);
  const page = (offset: number) =>
    users.listUsers({
      tenantId,
      username: options.username ?? "",
      email: options.email ?? "",
      limit: PAGE_SIZE,
      offset,
      sortBy: "created_at",
      sortDirection: 1,
    });
  try {
    let offset = 0;
    let next: Promise<ListUsersResponse> | undefined = page(offset);
    while (next) {
      const current: ListUsersResponse = await next;
      offset += current.data.length;
      next = current.hasNext && current.data.length > 0 ? page(offset) : undefined;
      next?.catch(() => {}); // awaited on the next turn; this only keeps it from counting as unhandled meanwhile
      const lines = current.data
        .map((user) => `${JSON.stringify(toJson(UserSchema, user, { useProtoFieldName: true, alwaysEmitImplicit: true }))}\n`)
        .join("");
      if (!out.write(lines)) await once(out, "drain");
    }
  } finally {
    endpoint.close();
    if (options.out) {
      out.end();
      await once(out, "finish");
    }
  }
}
