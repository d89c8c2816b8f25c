// The administrators' side of enrolled faces: removing one (a user who wants to enrol again, or a
// face enrolled by someone else). Idempotent: removing a face that is not there succeeds, as the
// end state is the same. Templates are never listed or returned.
import type { TenantRepositories } from "../../persistence/repositories/tenant-repositories.js";
import { getTenant } from "../tenants/tenant-admin.js";

export async function deleteFaceOfUser(repos: TenantRepositories, userId: string): Promise<void> {
  await getTenant(repos);
  await repos.face.deleteTemplateOf(userId);
}
