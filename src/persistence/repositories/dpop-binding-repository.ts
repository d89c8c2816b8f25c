// DPoP key bindings of token families (RFC 9449 §5): a public client's refresh tokens are bound
// to the key of the proof that obtained them; the binding is the family's, since every refresh
// token of a family descends from one grant.
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";

export class DpopBindingRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  async bindFamily(familyId: string, jkt: string): Promise<void> {
    await this.uow.execute(sql`update token_family set dpop_jkt = ${jkt}
      where tenant_id = ${this.tenantId} and id = ${familyId} and dpop_jkt is null`);
  }
  // A refresh token's binding is read with the token itself (GrantRepository.findRefreshToken).
}
