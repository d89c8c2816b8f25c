// Principals for the unit tests of user administration: a caller of a role, as authentication resolves it.
import { type Principal, type Role, scopesOfRole } from "../../../src/domain/auth/permissions.js";

export function callerWith(role: Role): Principal {
  return {
    kind: "api_key",
    userId: "00000000-0000-4000-8000-000000000001",
    tenantId: "t",
    role,
    scopes: scopesOfRole(role),
    global: false,
  };
}
