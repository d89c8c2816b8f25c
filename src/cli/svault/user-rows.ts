// How `svault users import` judges a row: before sending, by the rules the service applies to it
// (so that a refused row comes with its reason); after, by the service's verdict, which names the
// rows it did not create by username only.
import { fromJson } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import type { TenantService } from "../../../gen/svault/tenant/v1/tenant_service_pb.js";
import { type BatchUserInput, BatchUserInputSchema } from "../../../gen/svault/user/v1/user_pb.js";
import { CreateUserRequestSchema } from "../../../gen/svault/user/v1/user_service_pb.js";
import { validateMessage } from "../../validation/field-rules.js";
import type { SourceRow } from "./import-rows.js";

/** A row the service did not create, and why. */
export interface RowProblem {
  readonly line: number;
  readonly username: string;
  readonly outcome: "duplicate" | "refused";
  readonly reason: string;
}

/** A row sent to Batch Create, and its line in the file. */
export interface SentRow {
  readonly line: number;
  readonly input: BatchUserInput;
}

const DUPLICATE = "repeats the username or e-mail address of an earlier row or of an existing user";
const REFUSED_BY_SERVICE = "refused by the service: a role the API key may not grant, or no e-mail address where the tenant requires one";

/** The row as Batch Create's input, or why the service would refuse it. */
export function judge(row: SourceRow, tenant: TenantRules): { input: BatchUserInput } | RowProblem {
  const username = typeof row.json?.username === "string" ? row.json.username : "";
  const refuse = (reason: string): RowProblem => ({ line: row.line, username, outcome: "refused", reason });
  if (!row.json || row.error) return refuse(row.error ?? "unreadable");
  let input: BatchUserInput;
  try {
    input = fromJson(BatchUserInputSchema, row.json);
  } catch (error) {
    return refuse((error as Error).message.replace(/^cannot decode [^:]+: /, ""));
  }
  // Batch Create judges each row by CreateUserRequest's rules (user.proto); its own validator says
  // why. BatchUserInput has CreateUserRequest's fields (names and numbers), so the row itself is
  // checked by them, with its (ignored) `tenant_id` set as CreateUserRequest requires one.
  input.tenantId = tenant.tenantId;
  // Ids are unique in the whole installation: a copy into another tenant gets new ones.
  if (!tenant.keepUserIds) input.userId = "";
  const violations = validateMessage(CreateUserRequestSchema, input);
  if (violations.length > 0) return refuse(violations.map((v) => `${v.path.join(".")}: ${v.message}`).join("; "));
  if (tenant.emailRequired && !input.email) return refuse("email: required, the tenant's has_username_and_email is set");
  return { input };
}

/** What the rows are judged by beyond the field rules. */
export interface TenantRules {
  readonly tenantId: string;
  /** The tenant's `has_username_and_email`: a user needs an e-mail address. */
  readonly emailRequired: boolean;
  /** Create the users under the rows' `user_id` (a migration keeps its ids); else the service picks them. */
  readonly keepUserIds: boolean;
}

/**
 * The tenant's settings that decide about rows. A key that may not read the tenant learns the
 * same from the service's verdict, with a less precise reason.
 */
export async function tenantRules(tenants: Client<typeof TenantService>, tenantId: string, keepUserIds: boolean): Promise<TenantRules> {
  try {
    const { tenant } = await tenants.getTenant({ tenantId });
    return { tenantId, emailRequired: tenant?.hasUsernameAndEmail ?? false, keepUserIds };
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.PermissionDenied) return { tenantId, emailRequired: false, keepUserIds };
    throw error;
  }
}

/**
 * The service names the rows it did not create by username. A username can occur more than once
 * in a batch; the service keeps the first occurrence, so a reported one is matched to the last
 * occurrence not matched yet.
 */
export function problemsOf(sent: readonly SentRow[], duplicates: readonly string[], failed: readonly string[]): RowProblem[] {
  const linesOf = new Map<string, number[]>();
  for (const { line, input } of sent) linesOf.set(input.username, [...(linesOf.get(input.username) ?? []), line]);
  const problem = (username: string, outcome: RowProblem["outcome"], reason: string): RowProblem => ({
    line: linesOf.get(username)?.pop() ?? 0,
    username,
    outcome,
    reason,
  });
  return [...duplicates.map((u) => problem(u, "duplicate", DUPLICATE)), ...failed.map((u) => problem(u, "refused", REFUSED_BY_SERVICE))];
}
