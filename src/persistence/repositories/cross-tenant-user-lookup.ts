// The one read of a user that does not name a tenant: Get Current User answers the caller's own
// user, whichever tenant its credential acts in (a super admin's key made for another tenant
// acts there, its user lives in the home tenant). The statement says so in its text, where
// review and the statement check see it.
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";
import { isUserId, recordOf, USER_COLUMNS, type UserRecord, type UserRow } from "./user-rows.js";

export class CrossTenantUserLookup {
  constructor(private readonly uow: UnitOfWork) {}

  /** The authenticated caller's own user, by the id its credential carries. */
  async callerUser(userId: string): Promise<UserRecord | undefined> {
    if (!isUserId(userId)) return undefined;
    const row = await this.uow.first<UserRow>(
      sql`select ${USER_COLUMNS} from app_user /* cross-tenant: the caller's own user, whose credential may act in another tenant */ where id = ${userId}`,
    );
    return row && recordOf(row);
  }
}
