// The peer of the side-by-side benchmark (issue 22), in its own process: oidc-provider 9.13 set up
// as a production deployment of the same service would be — the same confidential client
// (client_secret_basic), EdDSA (Ed25519) signatures for ID tokens and JWT access tokens (RFC 9068,
// through a resource server, as oidc-provider issues JWT access tokens only for one), refresh
// token rotation on every use, client_credentials, introspection, revocation — on Postgres
// (pg-adapter.ts, PEER_ADAPTER=postgres) or on its own in-memory adapter (PEER_ADAPTER=memory).
// With PEER_ASSERTION_JWK (an Ed25519 public JWK), a second client `bench-jwt` authenticates with
// private_key_jwt (RFC 7523, EdDSA; every assertion's jti is claimed through the adapter's
// ReplayDetection model, as svault claims it in its database), for client_credentials only.
//
// Bench-only routes (no provider work):
//   POST /__bench/seed?chains=N[&jkt=T]
//                                N refresh tokens (heads of rotating chains) and one opaque access
//                                token for userinfo and introspection — with `jkt`, also one
//                                bound to that DPoP key thumbprint (`cnf.jkt`) —, made through
//                                the provider's own models and stored by its adapter
//   GET  /__bench/query-count    {"queries": n}: the adapter's statements since start
// Prints `{"port":…}` on stdout once listening; SIGTERM closes it.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import pg from "pg";
import { createSchema, postgresAdapter, StatementCounter } from "./pg-adapter.js";

const ISSUER = process.env.PEER_ISSUER ?? "http://127.0.0.1";
const ADAPTER = process.env.PEER_ADAPTER ?? "memory";
const CLIENT_ID = process.env.PEER_CLIENT_ID ?? "bench-app";
const CLIENT_SECRET = process.env.PEER_CLIENT_SECRET ?? "";
const ASSERTION_CLIENT_ID = "bench-jwt";
if (!CLIENT_SECRET) throw new Error("peer-server: PEER_CLIENT_SECRET is required");
const RESOURCE = "urn:svault-bench:api";
const ACCOUNT = { id: "bench-user", name: "Bench User", email: "bench@example.com" };

const counter = new StatementCounter();
let adapter: ReturnType<typeof postgresAdapter> | undefined;
let pool: pg.Pool | undefined;
if (ADAPTER === "postgres") {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("peer-server: DATABASE_URL is required with PEER_ADAPTER=postgres");
  // The pool size svault's own pool defaults to is 10 as well (DATABASE_POOL_SIZE).
  pool = new pg.Pool({ connectionString: url, max: 10 });
  await createSchema(pool);
  adapter = postgresAdapter(pool, counter);
}

const signingKey = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
const assertionJwk = process.env.PEER_ASSERTION_JWK ? (JSON.parse(process.env.PEER_ASSERTION_JWK) as Record<string, unknown>) : undefined;
/** The private_key_jwt client, as svault's `bench-jwt` is registered (bench/peer/run.ts). */
const assertionClients = assertionJwk
  ? [
      {
        client_id: ASSERTION_CLIENT_ID,
        token_endpoint_auth_method: "private_key_jwt",
        token_endpoint_auth_signing_alg: "EdDSA",
        // The provider checks every client's ID token algorithm against the enabled ones.
        id_token_signed_response_alg: "EdDSA",
        jwks: { keys: [assertionJwk] },
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        scope: "api:read",
      },
    ]
  : [];

const provider = new Provider(ISSUER, {
  ...(adapter ? { adapter } : {}),
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: ["http://localhost:4000/callback"],
      grant_types: ["authorization_code", "refresh_token", "client_credentials"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "EdDSA",
      scope: "openid profile email offline_access api:read",
    },
    ...assertionClients,
  ],
  jwks: { keys: [{ ...signingKey, kid: "bench-ed25519", alg: "EdDSA", use: "sig" }] },
  enabledJWA: { idTokenSigningAlgValues: ["EdDSA"] },
  scopes: ["openid", "profile", "email", "offline_access", "api:read"],
  claims: { openid: ["sub"], profile: ["name"], email: ["email", "email_verified"] },
  findAccount: async (_ctx: unknown, sub: string) =>
    sub === ACCOUNT.id
      ? { accountId: sub, claims: async () => ({ sub, name: ACCOUNT.name, email: ACCOUNT.email, email_verified: true }) }
      : undefined,
  // Rotation on every use, as svault rotates (docs/oidc.md, "Refresh-token rotation").
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    revocation: { enabled: true },
    // Nonces required at the token and PAR endpoints, as svault requires them (docs/oidc.md,
    // DPoP); not at userinfo, a resource, where svault issues and requires none (the proof's iat
    // must then be within a minute, on both).
    dPoP: {
      enabled: true,
      nonceSecret: randomBytes(32),
      requireNonce: (ctx: { oidc: { route: string } }) => ctx.oidc.route !== "userinfo",
    },
    pushedAuthorizationRequests: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx: unknown, resource: string) => {
        if (resource !== RESOURCE) throw new Error(`unknown resource ${resource}`);
        return { scope: "api:read", audience: RESOURCE, accessTokenFormat: "jwt", accessTokenTTL: 600, jwt: { sign: { alg: "EdDSA" } } };
      },
    },
  },
  ttl: { AccessToken: 600, ClientCredentials: 600, IdToken: 600, RefreshToken: 30 * 24 * 3600, Grant: 30 * 24 * 3600 },
  // The provider's default stores the consent step; the benchmark never reaches it.
  loadExistingGrant: async () => undefined,
} as ConstructorParameters<typeof Provider>[1]);
provider.proxy = false;

type Models = {
  Grant: new (
    init: Record<string, unknown>,
  ) => { save(): Promise<string>; addOIDCScope(s: string): void; addResourceScope(r: string, s: string): void };
  Client: { find(id: string): Promise<unknown> };
  RefreshToken: new (init: Record<string, unknown>) => { save(): Promise<string> };
  AccessToken: new (init: Record<string, unknown>) => { save(): Promise<string>; resourceServer?: unknown };
};

/** Refresh-token chain heads and access tokens, as a code flow would have left them. */
async function seed(chains: number, jkt: string | null) {
  const models = provider as unknown as Models;
  const client = await models.Client.find(CLIENT_ID);
  const grant = new models.Grant({ accountId: ACCOUNT.id, clientId: CLIENT_ID });
  grant.addOIDCScope("openid profile email offline_access");
  grant.addResourceScope(RESOURCE, "api:read");
  const grantId = await grant.save();
  const now = Math.floor(Date.now() / 1000);
  const refreshTokens: string[] = [];
  for (let i = 0; i < chains; i++) {
    const token = new models.RefreshToken({
      accountId: ACCOUNT.id,
      client,
      grantId,
      gty: "authorization_code",
      scope: "openid profile email offline_access api:read",
      resource: RESOURCE,
      authTime: now,
      iat: now,
      rotations: 0,
    });
    refreshTokens.push(await token.save());
  }
  // userinfo takes only the provider's opaque tokens for its own audience (no resource).
  const userinfoToken = new models.AccessToken({
    accountId: ACCOUNT.id,
    client,
    grantId,
    gty: "authorization_code",
    scope: "openid profile email",
  });
  const accessToken = await userinfoToken.save();
  // The same, bound to a DPoP key (RFC 9449 §6: the token endpoint would set `jkt` from the proof).
  const dpopAccessToken = jkt
    ? await new models.AccessToken({
        accountId: ACCOUNT.id,
        client,
        grantId,
        gty: "authorization_code",
        scope: "openid profile email",
        jkt,
      }).save()
    : undefined;
  return { refreshTokens, accessToken, dpopAccessToken };
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url?.startsWith("/__bench/seed")) {
    const query = new URL(req.url, ISSUER).searchParams;
    seed(Number(query.get("chains") ?? "16"), query.get("jkt")).then(
      (answer) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer)),
      (error: unknown) => res.writeHead(500).end(String(error instanceof Error ? error.stack : error)),
    );
    return;
  }
  if (req.url === "/__bench/query-count") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ queries: counter.count }));
    return;
  }
  callback(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

function stop(): void {
  server.close();
  if (!pool) process.exit(0);
  void pool.end().finally(() => process.exit(0));
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
