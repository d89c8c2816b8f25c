// A passkey step of a login, standing in for Verify Auth (#102, the passkeys work) until it is
// merged: it stores exactly what #102 stores when an assertion verifies — a login nonce of the
// user and the authorization request with the passkey's amr (`hwk` device-bound or `swk` synced,
// plus `user` when the authenticator verified the user) — so that Sign In's combination of factor
// steps can be tested on its own. The real passkey, in Chromium with a virtual authenticator, is
// tested with #102.
import pg from "pg";
import { randomToken } from "../../src/crypto/random-token.js";
import { hashSecret } from "../../src/crypto/secret-hash.js";
import type { TestServer } from "../support/test-server.js";

export async function standInPasskeyNonce(
  server: TestServer,
  step: { tenantId: string; username: string; authReqId: string; amr?: readonly string[] },
): Promise<string> {
  const nonce = randomToken(32);
  const client = new pg.Client({ connectionString: server.db.url });
  await client.connect();
  try {
    const inserted = await client.query(
      `insert into login_nonce (hash, tenant_id, user_id, auth_req_id, amr, expires_at, created_at)
       select $1::bytea, $2::varchar, id, $3::varchar, $4::jsonb, now() + interval '5 minutes', now()
       from app_user where tenant_id = $2::varchar and username_normalized = $5`,
      [hashSecret(nonce), step.tenantId, step.authReqId, JSON.stringify(step.amr ?? ["hwk", "user"]), step.username],
    );
    if (inserted.rowCount !== 1) throw new Error(`no user ${step.username} in tenant ${step.tenantId}`);
  } finally {
    await client.end();
  }
  return nonce;
}
