// The one read of a pending authorization request that does not name a tenant: Sign In is given
// only the request's id, and the request names its tenant. By primary key; the statement says so
// in its text, where review and the statement check see it.
import type { AuthRequest } from "../entities/auth-flow.js";
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";
import { jsonColumn } from "./user-rows.js";

export type PendingAuthRequest = Pick<AuthRequest, "id" | "tenant" | "clientId" | "params" | "expiresAt">;

interface AuthRequestRow {
  id: string;
  tenant_id: string;
  client_id: string;
  params: Record<string, unknown> | string;
  expires_at: Date | string;
}

export class AuthRequestLookup {
  constructor(private readonly uow: UnitOfWork) {}

  async find(id: string): Promise<PendingAuthRequest | undefined> {
    const row = await this.uow.first<AuthRequestRow>(
      sql`select id, tenant_id, client_id, params, expires_at
        from auth_request /* cross-tenant: a request id names its tenant */ where id = ${id}`,
    );
    return (
      row && {
        id: row.id,
        tenant: row.tenant_id,
        clientId: row.client_id,
        params: jsonColumn(row.params),
        expiresAt: new Date(row.expires_at),
      }
    );
  }
}
