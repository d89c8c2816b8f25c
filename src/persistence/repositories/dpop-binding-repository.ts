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

  /** The key thumbprint the family of a client's refresh token is bound to (null: unbound); undefined for an unknown token. */
  async keyOfRefreshToken(hash: Buffer, clientId: string): Promise<string | null | undefined> {
    const row = await this.uow.first<{ dpop_jkt: string | null }>(sql`select f.dpop_jkt from refresh_token r
      join token_family f on f.id = r.family_id and f.tenant_id = r.tenant_id
      where r.tenant_id = ${this.tenantId} and r.hash = ${hash} and r.client_id = ${clientId}`);
    return row ? row.dpop_jkt : undefined;
  }
}
