// The `groups` claim (docs/oidc.md): the display names of the user's groups in the token's tenant,
// in ID tokens and at userinfo when the `groups` scope was granted. Display names, not ids: they are
// what a relying party writes its rules against ("admins"), they are unique enough per tenant in
// practice (Entra and Okta push their group names), and ids would make every relying party look
// them up. Capped so a member of thousands of groups cannot make a token too big for a header.
import type { GroupRepository } from "../../persistence/repositories/group-repository.js";

export const GROUPS_SCOPE = "groups";

/** The most group names one token carries; further groups (in name order) are left out. */
export const MAX_GROUPS_IN_CLAIM = 100;

/** `{ groups: [...] }` when `scope` grants `groups`, otherwise nothing (not even an empty list). */
export async function groupsClaim(groups: GroupRepository, userId: string, scope: string): Promise<{ groups?: string[] }> {
  if (!scope.split(" ").includes(GROUPS_SCOPE)) return {};
  return { groups: await groups.displayNamesOfMember(userId, MAX_GROUPS_IN_CLAIM) };
}
