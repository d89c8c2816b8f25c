// The OPAQUE secrets of one tenant: its users' credentials (the registration record, sealed with
// the KEK by domain/login/credentials.ts) and the tenant's server setup (sealed likewise, by
// domain/login/opaque-setups.ts). Both on the request's unit of work, so that a credential is
// stored in the transaction that consumed its registration challenge. Every statement names this
// repository's tenant. (The login reads credentials with its own first statement: login-repository.ts.)
import { OpaqueSetupEntity } from "../entities/credential.js";
import { sql } from "../sql-fragment.js";
import { scopeToTenant } from "../tenant-scope.js";
import type { UnitOfWork } from "../unit-of-work.js";
import type { StoredCredential } from "./login-repository.js";

export class CredentialRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  /** Sets (or replaces) a user's credential; the previous one stops working at once. */
  async store(userId: string, credential: StoredCredential): Promise<void> {
    await this.uow.execute(
      sql`insert into user_credential (user_id, tenant_id, credential_id, record_sealed, proto_version, updated_at)
     values (${userId}, ${this.tenantId}, ${credential.credentialId}, ${credential.recordSealed}, ${credential.protoVersion}, now())
     on conflict (user_id) do update set credential_id = excluded.credential_id, record_sealed = excluded.record_sealed,
       proto_version = excluded.proto_version, updated_at = now()
     where user_credential.tenant_id = excluded.tenant_id`,
    );
  }

  /** The tenant's sealed OPAQUE server setup, if it has one yet. */
  async setup(): Promise<Buffer | undefined> {
    const row = await scopeToTenant(this.uow.em, this.tenantId).findOne(OpaqueSetupEntity, { tenant: this.tenantId }, { refresh: true });
    return row ? Buffer.from(row.setupSealed) : undefined;
  }

  /** Stores the tenant's sealed setup unless it has one: of two racing instances, the first one's stays. */
  async addSetup(sealed: Buffer): Promise<void> {
    await this.uow.execute(
      sql`insert into opaque_setup (tenant_id, setup_sealed, created_at) values (${this.tenantId}, ${sealed}, now()) on conflict (tenant_id) do nothing`,
    );
  }
}
