// Tenant isolation of the repositories of grants, sessions, clients, API keys, the tenant's row and
// keys, and the blocker lists, structurally (test/support/tenant-isolation.ts): every method, run
// for tenant A with tenant B's ids, hashes and names, sees none of B's rows and changes none of
// them (every tenant-owned table of B compared before and after). Each case has a positive control:
// the same call on A's own data does see or change it, so a method that lost its tenant
// predicate fails here. (The users' repository has its own: user-repository-isolation.test.ts.)
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { BlockedIpEntity } from "../../src/persistence/entities/blocked.js";
import { ClientEntity } from "../../src/persistence/entities/client.js";
import { TenantEntity } from "../../src/persistence/entities/tenant.js";
import { TenantKeyEntity } from "../../src/persistence/entities/tenant-key.js";
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { dumpOf, untouched } from "../support/tenant-isolation.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

let t: TestOrm;
const A = "riso-a";
const B = "riso-b";
/** The same address is blocked in both tenants: lifting it in A must leave B's block. */
const BLOCKED_IP = "203.0.113.9";

/** What one tenant holds: a client, a user with a live session, a code, a rotated refresh token and its unused successor, a key… */
interface Seeded {
  readonly tenantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly email: string;
  readonly sessionId: string;
  readonly familyId: string;
  readonly codeHash: Buffer;
  readonly usedCodeHash: Buffer;
  /** An address blocked in this tenant only. */
  readonly ownIp: string;
  readonly refreshHash: Buffer;
  readonly rotatedHash: Buffer;
  readonly successorHash: Buffer;
  readonly jti: string;
  readonly apiKeyId: string;
  readonly kid: string;
}

const sql = (text: string, params: unknown[] = []) => t.orm.em.getConnection().execute(text, params);
const reposOf = (tenantId: string) => new TenantRepositories(new UnitOfWork(t.orm.em.fork()), tenantId);
const later = () => ({ hash: randomBytes(32), expiresAt: new Date(Date.now() + 86_400_000) });

async function seed(tenantId: string): Promise<Seeded> {
  const s: Seeded = {
    tenantId,
    clientId: `${tenantId}-app`,
    userId: randomUUID(),
    email: `${tenantId}@example.com`,
    sessionId: randomBytes(9).toString("hex"),
    familyId: randomBytes(9).toString("hex"),
    codeHash: randomBytes(32),
    usedCodeHash: randomBytes(32),
    ownIp: `198.51.100.${Math.floor(Math.random() * 250) + 1}`,
    refreshHash: randomBytes(32),
    rotatedHash: randomBytes(32),
    successorHash: randomBytes(32),
    jti: randomBytes(9).toString("hex"),
    apiKeyId: randomBytes(8).toString("hex"),
    kid: randomBytes(16).toString("hex"),
  };
  const em = t.orm.em.fork();
  em.create(TenantEntity, {
    id: tenantId,
    blockConfig: { user_free_attempts: 5, user_block_after: 10, ip_block_after: 50, window_seconds: 900, block_seconds: 900 },
    loginOrder: ["PIN"],
  });
  await em.flush();
  em.create(ClientEntity, {
    id: randomUUID(),
    tenant: tenantId,
    clientId: s.clientId,
    name: "app",
    redirectUris: [`https://${tenantId}.example/cb`],
    postLogoutRedirectUri: [],
    allowedScopes: ["openid"],
    tokenEndpointAuthMethod: "client_secret_basic",
    clientLogoutUri: `https://${tenantId}.example/logout`,
    clientType: "confidential",
    secretHash: randomBytes(32),
    singAlg: "EdDSA",
    flow: { grant_types: ["authorization_code"], access_token_ttl_seconds: 60, refresh_token_ttl_seconds: 60, id_token_ttl_seconds: 60 },
  });
  em.create(TenantKeyEntity, {
    id: s.kid,
    tenant: tenantId,
    alg: "EdDSA",
    use: "sig",
    publicJwk: { kty: "OKP" },
    privateKeySealed: randomBytes(16),
    publishAt: new Date(),
    activateAt: new Date(),
    retireAt: null,
  });
  em.create(BlockedIpEntity, { tenant: tenantId, ip: BLOCKED_IP, failures: 50, reason: "test" });
  em.create(BlockedIpEntity, { tenant: tenantId, ip: s.ownIp, failures: 50, reason: "test" });
  await em.flush();
  await sql(
    `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, roles, locale, created_at, updated_at)
     values (?, ?, 'u', 'u', ?, ?, '[]', 'de', now(), now())`,
    [s.userId, tenantId, s.email, s.email],
  );
  await sql(
    `insert into user_session (id, tenant_id, user_id, secret_hash, auth_time, amr, clients, client_issuers, created_at, last_seen_at)
     values (?, ?, ?, ?, now(), '["pin"]', ?, '{}', now(), now())`,
    [s.sessionId, tenantId, s.userId, randomBytes(32), JSON.stringify([s.clientId])],
  );
  await sql("insert into token_family (id, tenant_id, client_id, user_id, session_id, created_at) values (?, ?, ?, ?, ?, now())", [
    s.familyId,
    tenantId,
    s.clientId,
    s.userId,
    s.sessionId,
  ]);
  const token = `insert into refresh_token (hash, tenant_id, family_id, client_id, user_id, session_id, scope, issuer, auth_time, amr,
      expires_at, rotated_at, successor_hash, created_at)
    values (?, ?, ?, ?, ?, ?, 'openid', 'https://issuer', now(), '["pin"]', now() + interval '1 day', ?, ?, now())`;
  await sql(token, [s.refreshHash, tenantId, s.familyId, s.clientId, s.userId, s.sessionId, null, null]);
  await sql(token, [s.successorHash, tenantId, s.familyId, s.clientId, s.userId, s.sessionId, null, null]);
  await sql(token, [s.rotatedHash, tenantId, s.familyId, s.clientId, s.userId, s.sessionId, new Date(), s.successorHash]);
  await sql(
    `insert into authorization_code (hash, tenant_id, family_id, client_id, user_id, session_id, redirect_uri, scope, issuer, auth_time, amr, expires_at)
     values (?, ?, ?, ?, ?, ?, 'https://app/cb', 'openid', 'https://issuer', now(), '["pin"]', now() + interval '1 minute')`,
    [s.codeHash, tenantId, s.familyId, s.clientId, s.userId, s.sessionId],
  );
  await sql(
    `insert into authorization_code (hash, tenant_id, family_id, client_id, user_id, session_id, redirect_uri, scope, issuer, auth_time, amr, expires_at, used_at)
     values (?, ?, ?, ?, ?, ?, 'https://app/cb', 'openid', 'https://issuer', now(), '["pin"]', now() + interval '1 minute', now())`,
    [s.usedCodeHash, tenantId, s.familyId, s.clientId, s.userId, s.sessionId],
  );
  await sql("insert into revoked_access_token (jti, tenant_id, expires_at) values (?, ?, now() + interval '1 hour')", [s.jti, tenantId]);
  await sql("insert into api_key (id, tenant_id, user_id, name, scopes, secret_hash, created_at) values (?, ?, ?, 'k', '[]', ?, now())", [
    s.apiKeyId,
    tenantId,
    s.userId,
    randomBytes(32),
  ]);
  return s;
}

let a: Seeded;
let b: Seeded;

before(async () => {
  t = await openTestOrm();
  a = await seed(A);
  b = await seed(B);
});
after(() => t.close());

/**
 * One method: `call(repos, data)` runs it with A's repositories on `data` (B's, then A's);
 * `nothing` says what it answers when it reaches nothing, `something` what it answers on A's own.
 */
interface Case {
  readonly method: string;
  call(repos: TenantRepositories, data: Seeded): Promise<unknown>;
  nothing(answer: unknown): void;
  something(answer: unknown): void;
}

const none = (answer: unknown) =>
  assert.ok(answer === undefined || answer === false || (Array.isArray(answer) && answer.length === 0), String(answer));
const found = (answer: unknown) =>
  assert.ok(answer !== undefined && answer !== false && !(Array.isArray(answer) && answer.length === 0), String(answer));
/** For methods that answer nothing: the positive control is in the rows (A changed), checked by `changesA`. */
const ignored = () => undefined;

const READS: Case[] = [
  { method: "grants.findCode", call: (r, d) => r.grants.findCode(d.codeHash, d.clientId), nothing: none, something: found },
  {
    method: "grants.findRefreshToken",
    call: (r, d) => r.grants.findRefreshToken(d.refreshHash, d.clientId, 60),
    nothing: none,
    something: found,
  },
  {
    method: "grants.liveAccessToken",
    call: (r, d) => r.grants.liveAccessToken(d.familyId, "unrevoked-jti", d.clientId),
    nothing: none,
    something: found,
  },
  {
    method: "grants.liveAccessToken (a client's own token, no family)",
    call: (r, d) => r.grants.liveAccessToken(undefined, "unrevoked-jti", d.clientId),
    nothing: none,
    something: found,
  },
  { method: "sessions.findLive", call: (r, d) => r.sessions.findLive(d.sessionId), nothing: none, something: found },
  { method: "sessions.listLive", call: (r, d) => r.sessions.listLive(d.userId), nothing: none, something: found },
  { method: "clients.findForAuthentication", call: (r, d) => r.clients.findForAuthentication(d.clientId), nothing: none, something: found },
  { method: "clients.find", call: (r, d) => r.clients.find(d.clientId), nothing: none, something: found },
  { method: "clients.exists", call: (r, d) => r.clients.exists(d.clientId), nothing: none, something: found },
  { method: "clients.withLogoutUri", call: (r, d) => r.clients.withLogoutUri([d.clientId]), nothing: none, something: found },
  {
    method: "clients.list / redirectUris",
    call: async (r, d) =>
      [...(await r.clients.list(0, 100)).map((c) => c.clientId), ...(await r.clients.redirectUris())].filter((v) =>
        v.includes(d.clientId.slice(0, 6)),
      ),
    nothing: none,
    something: found,
  },
  { method: "apiKeys.listOfUser", call: (r, d) => r.apiKeys.listOfUser(d.userId), nothing: none, something: found },
  {
    method: "apiKeys.list",
    call: async (r, d) => (await r.apiKeys.list()).filter((k) => k.id === d.apiKeyId),
    nothing: none,
    something: found,
  },
  {
    method: "tenantKeys.list",
    call: async (r, d) => (await r.tenantKeys.list()).filter((k) => k.id === d.kid),
    nothing: none,
    something: found,
  },
  {
    method: "tenant.locales",
    call: async (r, d) => ((await r.tenant.locales(d.email)).userLocale === "de" ? [d.email] : []),
    nothing: none,
    something: found,
  },
  {
    method: "blocker.listIps",
    call: async (r, d) =>
      (await r.blocker.listIps({ page: 0, pageSize: 10, sortDirection: -1 })).data.filter((ip) => ip.tenant === d.tenantId),
    nothing: none,
    something: found,
  },
];

const WRITES: Case[] = [
  {
    method: "grants.revokeFamilyOfReusedToken",
    call: (r, d) => r.grants.revokeFamilyOfReusedToken(d.familyId, d.rotatedHash),
    nothing: ignored,
    something: ignored,
  },
  {
    method: "grants.revokeFamilyOfReplayedCode",
    call: (r, d) => r.grants.revokeFamilyOfReplayedCode(d.familyId, d.usedCodeHash),
    nothing: ignored,
    something: ignored,
  },
  { method: "grants.reissue", call: (r, d) => r.grants.reissue(d.rotatedHash, d.successorHash, later()), nothing: none, something: found },
  { method: "grants.rotate", call: (r, d) => r.grants.rotate(d.refreshHash, later()), nothing: none, something: found },
  { method: "grants.redeemCode", call: (r, d) => r.grants.redeemCode(d.codeHash, later()), nothing: none, something: found },
  {
    method: "grants.denyAccessToken",
    // B's jti (taken: nothing happens), or a new one of A's.
    call: (r, d) =>
      r.grants.denyAccessToken(d.tenantId === r.tenantId ? randomBytes(9).toString("hex") : d.jti, Math.floor(Date.now() / 1000) + 60),
    nothing: ignored,
    something: ignored,
  },
  {
    method: "grants.revokeFamilyOfRefreshToken",
    call: (r, d) => r.grants.revokeFamilyOfRefreshToken(d.refreshHash, { clientId: d.clientId }),
    nothing: none,
    something: found,
  },
  { method: "tenantKeys.retire", call: (r, d) => r.tenantKeys.retire(d.kid, new Date()), nothing: ignored, something: ignored },
  {
    method: "apiKeys.replaceSecret",
    call: (r, d) => r.apiKeys.replaceSecret(d.apiKeyId, randomBytes(32)),
    nothing: ignored,
    something: ignored,
  },
  { method: "apiKeys.delete", call: (r, d) => r.apiKeys.delete(d.apiKeyId), nothing: none, something: found },
  { method: "sessions.end (by id)", call: (r, d) => r.sessions.end({ ids: [d.sessionId] }), nothing: none, something: found },
  {
    method: "blocker.unblockIp", // B's own address; then, on A, the address blocked in both tenants (inside `untouched(B)`).
    call: (r, d) => r.blocker.unblockIp(d.tenantId === r.tenantId ? BLOCKED_IP : d.ownIp),
    nothing: ignored,
    something: found,
  },
  { method: "clients.delete", call: (r, d) => r.clients.delete(d.clientId), nothing: none, something: found },
];

describe("repositories of tenant A on tenant B's data", () => {
  for (const c of READS) {
    it(`${c.method} sees nothing of B, and A's own`, async () => {
      c.nothing(await untouched(t.orm, B, () => c.call(reposOf(A), b)));
      c.something(await c.call(reposOf(A), a));
    });
  }

  // Each write on fresh tenants: a write on A's own data may end what another needs (a revoked
  // family, a redeemed code), which would void that one's positive control.
  WRITES.forEach((c, i) => {
    it(`${c.method} changes nothing of B, and does change A`, async () => {
      const [ownA, ownB] = [await seed(`wa-${i}`), await seed(`wb-${i}`)];
      c.nothing(await untouched(t.orm, ownB.tenantId, () => c.call(reposOf(ownA.tenantId), ownB)));
      const beforeA = await dumpOf(t.orm, ownA.tenantId);
      c.something(await untouched(t.orm, ownB.tenantId, () => c.call(reposOf(ownA.tenantId), ownA)));
      assert.notDeepEqual(await dumpOf(t.orm, ownA.tenantId), beforeA, `${c.method} changed none of A's rows`);
    });
  });
});
