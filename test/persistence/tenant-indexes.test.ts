// Indexes on tenant-owned tables lead with tenant_id (issue 15), so that a tenant's statements
// use them and one tenant's rows are adjacent in them. The ones that do not are exactly those
// docs/architecture.md ("Indexes") lists, each for a reason: checked here against the migrated
// schema, so that a new index that does not lead with tenant_id must be listed there and here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TENANT_OWNED_TABLES } from "../support/statement-audit.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

/** Indexes of tenant-owned tables that do not lead with tenant_id, and why (the docs say the same). */
const NOT_LEADING: Record<string, string> = {
  // Primary keys of random identifiers (uuids, 128-bit and longer random ids, SHA-256 hashes of
  // secrets): unique across tenants by construction. Statements name the tenant besides the key.
  app_user_pkey: "random id",
  api_key_pkey: "random id",
  auth_challenge_pkey: "random id",
  auth_event_pkey: "serial id of the audit log (read by tenant and time: auth_event_tenant_at_index)",
  auth_request_pkey: "random id",
  authorization_code_pkey: "hash of a secret",
  client_pkey: "random id",
  login_nonce_pkey: "hash of a secret",
  one_time_code_pkey: "hash of a secret",
  refresh_token_pkey: "hash of a secret",
  revoked_access_token_pkey: "random jti",
  tenant_key_pkey: "key thumbprint",
  token_family_pkey: "random id",
  user_credential_pkey: "a user's random id",
  user_session_pkey: "random id",
  passkey_credential_pkey: "random id",
  user_group_pkey: "random id",
  mfa_flow_pkey: "random id",
  face_template_pkey: "random id",
  // The foreign key's cascade from app_user looks keys up by user alone.
  api_key_user_id_index: "foreign key cascade",
  // The housekeeping sweep deletes expired rows of every tenant.
  auth_challenge_expires_at_index: "housekeeping",
  auth_request_expires_at_index: "housekeeping",
  authorization_code_expires_at_index: "housekeeping",
  revoked_access_token_expires_at_index: "housekeeping",
  passkey_challenge_expires_at_index: "housekeeping",
  pushed_authorization_request_expires_at_index: "housekeeping",
  used_jti_expires_at_index: "housekeeping",
  mfa_flow_expires_at_index: "housekeeping",
};

let t: TestOrm;
let indexes: { table: string; index: string; first: string }[];

before(async () => {
  t = await openTestOrm();
  indexes = (await t.orm.em.getConnection().execute(
    `select c.relname as "table", i.relname as "index", a.attname as "first"
       from pg_index x
       join pg_class i on i.oid = x.indexrelid
       join pg_class c on c.oid = x.indrelid
       join pg_namespace n on n.oid = c.relnamespace and n.nspname = current_schema()
       left join pg_attribute a on a.attrelid = c.oid and a.attnum = x.indkey[0]
      order by 1, 2`,
  )) as { table: string; index: string; first: string }[];
});
after(() => t.close());

describe("indexes of tenant-owned tables", () => {
  it("lead with tenant_id, save the documented ones", () => {
    const notLeading = indexes
      .filter((row) => TENANT_OWNED_TABLES.includes(row.table) && row.first !== "tenant_id")
      .map((row) => row.index)
      .sort();
    assert.deepEqual(notLeading, Object.keys(NOT_LEADING).sort());
  });

  it("the docs list the same indexes", () => {
    const docs = readFileSync(join(import.meta.dirname, "..", "..", "docs", "architecture.md"), "utf8");
    const missing = Object.keys(NOT_LEADING).filter((index) => !docs.includes(`\`${index}\``));
    assert.deepEqual(missing, [], "docs/architecture.md, Indexes: name each of these");
  });

  it("the check sees the schema (the tenant-owned tables and their indexes)", () => {
    assert.ok(indexes.some((row) => row.index === "app_user_tenant_created_index" && row.first === "tenant_id"));
    assert.ok(indexes.some((row) => row.index === "token_family_session_index" && row.first === "tenant_id"));
    assert.ok(TENANT_OWNED_TABLES.includes("refresh_token") && !TENANT_OWNED_TABLES.includes("rate_limit"));
  });
});
