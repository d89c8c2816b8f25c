// Pushed authorization requests (RFC 9126) of one tenant: stored under the SHA-256 of their
// `request_uri`, taken once, and only by the client that pushed them.
import { sql } from "../sql-fragment.js";
import type { UnitOfWork } from "../unit-of-work.js";

export class PushedRequestRepository {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tenantId: string,
  ) {}

  async store(hash: Buffer, clientId: string, params: Record<string, unknown>, expiresAt: Date): Promise<void> {
    await this.uow.execute(sql`insert into pushed_authorization_request (tenant_id, hash, client_id, params, expires_at)
      values (${this.tenantId}, ${hash}, ${clientId}, ${JSON.stringify(params)}::jsonb, ${expiresAt})`);
  }

  /** Deletes and returns the request's parameters when it is the client's and unexpired: of two uses only one finds it. */
  async take(hash: Buffer, clientId: string, now: Date): Promise<Record<string, unknown> | undefined> {
    const row = await this.uow.first<{ params: Record<string, unknown> | string }>(sql`delete from pushed_authorization_request
      where tenant_id = ${this.tenantId} and hash = ${hash} and client_id = ${clientId} and expires_at > ${now}
      returning params`);
    if (!row) return undefined;
    return typeof row.params === "string" ? (JSON.parse(row.params) as Record<string, unknown>) : row.params;
  }
}
