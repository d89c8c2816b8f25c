// How the pages name the secret: the catalogue's messages select on it (`{factors, select, pin
// {…} pattern {…} other {…}}`), so that each language words "PIN", "pattern" or both itself.
// Shared by the server and the browser code.
import type { PublicTenantInfo } from "./page-data.js";

export type Factors = "pin" | "pattern" | "both";

export function factorsOf(tenant: Pick<PublicTenantInfo, "usePin" | "usePattern">): Factors {
  if (tenant.usePin && tenant.usePattern) return "both";
  return tenant.usePattern ? "pattern" : "pin";
}
