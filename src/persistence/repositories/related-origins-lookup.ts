// The one passkey read across tenants: the WebAuthn related origins document (/.well-known/webauthn)
// is the deployment's, one RP ID for every tenant, so it lists the redirect URIs of every
// tenant's clients. The statement says so in its text, where review and the statement check see it.
import { sql } from "../sql-fragment.js";
import { jsonColumn } from "./user-rows.js";
import type { RowSource } from "./passkey-repository.js";

export class RelatedOriginsLookup {
  constructor(private readonly db: RowSource) {}

  /** The redirect URIs of every client of every tenant. */
  async everyRedirectUri(): Promise<string[]> {
    const rows = await this.db.rows<{ redirect_uris: string[] | string }>(
      sql`select redirect_uris from client /* cross-tenant: the deployment's related origins */`,
    );
    return rows.flatMap((row) => jsonColumn(row.redirect_uris));
  }
}
