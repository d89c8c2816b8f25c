// docs/login-protocol.md tells client authors where the secret's settings come from: the Get
// Client Tenant operation, at its real path, with the real names of the tenant's fields.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { PublicTenantSchema } from "../../gen/svault/auth/v1/public_info_pb.js";
import { ROUTES } from "../contract/routes.js";

const doc = readFileSync(new URL("../../docs/login-protocol.md", import.meta.url), "utf8");
const SECRET_SETTINGS = ["use_pin", "pin_size", "use_pattern", "patter_size", "login_order"];

describe("the login protocol's documentation", () => {
  it("names Get Client Tenant, at its path, as where the secret's settings are read", () => {
    for (const operation of ["Get Client Tenant", "Get Client Tenant Signed"]) {
      const route = ROUTES.find((r) => r.operation === operation);
      assert.ok(route, operation);
      assert.ok(doc.includes(`${route.method} ${route.path}`), `${route.method} ${route.path}`);
    }
    assert.match(doc, /Where a client reads these settings:\*\* Get Client Tenant/);
  });

  it("gives the settings by the names the answer's tenant has", () => {
    const fields = PublicTenantSchema.fields.map((field) => field.name);
    for (const setting of SECRET_SETTINGS) {
      assert.ok(fields.includes(setting), `${setting} is a field of PublicTenant`);
      assert.ok(doc.includes(`\`${setting}\``), `${setting} is in the doc`);
    }
  });
});
