// The composition root of the RPC services: which implementation serves which proto service.
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { ApiKeyService } from "../gen/svault/apikey/v1/api_key_service_pb.js";
import { AuthService } from "../gen/svault/auth/v1/auth_service_pb.js";
import { ClientService } from "../gen/svault/client/v1/client_service_pb.js";
import { HealthService } from "../gen/svault/health/v1/health_service_pb.js";
import { BlockerService } from "../gen/svault/tenant/v1/blocker_service_pb.js";
import { TenantKeyService } from "../gen/svault/tenant/v1/tenant_key_service_pb.js";
import { GroupService } from "../gen/svault/user/v1/group_service_pb.js";
import { TenantService } from "../gen/svault/tenant/v1/tenant_service_pb.js";
import { UserService } from "../gen/svault/user/v1/user_service_pb.js";
import { OidcService } from "../gen/svault/oidc/v1/oidc_service_pb.js";
import { MfaAdminService } from "../gen/svault/oidc/v1/mfa_admin_service_pb.js";
import { MfaService } from "../gen/svault/oidc/v1/mfa_service_pb.js";
import { mfaAdminService } from "./api/mfa/mfa-admin-service.js";
import { mfaService } from "./api/mfa/mfa-service.js";
import { type EntraDirectory, HttpEntraDirectory } from "./domain/mfa/entra-directory.js";
import { MfaFlows } from "./domain/mfa/mfa-flows.js";
import { PasskeyFactor } from "./domain/mfa/passkey-factor.js";
import { FaceFactor } from "./domain/mfa/face-factor.js";
import { MfaThrottleRepository } from "./persistence/repositories/mfa-throttle-repository.js";
import { ScimService } from "../gen/svault/scim/v1/scim_service_pb.js";
import { PasskeyService } from "../gen/svault/passkey/v1/passkey_service_pb.js";
import { apiKeyService } from "./api/apikeys/api-key-service.js";
import { OidcDocuments } from "./api/oidc/oidc-documents.js";
import { oidcService } from "./api/oidc/oidc-service.js";
import type { ClientLookup } from "./domain/oidc/client-authentication.js";
import type { Client } from "./persistence/entities/client.js";
import type { Tenant } from "./persistence/entities/tenant.js";
import { InvalidatedCache } from "./persistence/invalidated-cache.js";
import { passkeyService } from "./api/passkeys/passkey-service.js";
import { authService } from "./api/auth/auth-service.js";
import { blockerService } from "./api/blocker/blocker-service.js";
import { clientService } from "./api/clients/client-service.js";
import { grpcHealthService } from "./api/grpc-health/grpc-health-service.js";
import { healthService } from "./api/health/health-service.js";
import { reflectionServices } from "./api/reflection/reflection-service.js";
import { tenantKeyService } from "./api/tenants/tenant-key-service.js";
import { groupService } from "./api/groups/group-service.js";
import { tenantService } from "./api/tenants/tenant-service.js";
import { userService } from "./api/users/user-service.js";
import { scimService } from "./api/scim/scim-service.js";
import type { Config } from "./config/config.js";
import type { Keyring } from "./crypto/key-encryption-key.js";
import { ClientOrigins, tenantRedirectUris } from "./domain/clients/client-origins.js";
import { AccountFlows } from "./domain/login/account-flows.js";
import type { AccountMail } from "./domain/login/account-mail.js";
import type { AuthEventRecorder } from "./domain/login/auth-events.js";
import { OpaqueLogin } from "./domain/login/opaque-login.js";
import { OpaqueRegistration } from "./domain/login/opaque-registration.js";
import { OpaqueSetups } from "./domain/login/opaque-setups.js";
import { ClientKeys } from "./domain/clients/client-keys.js";
import { Authorization } from "./domain/oidc/authorization.js";
import { AuthorizationRequests } from "./domain/oidc/authorization-request.js";
import { DpopProofs } from "./domain/oidc/dpop.js";
import { PasskeyRegistration } from "./domain/passkeys/passkey-registration.js";
import { PasskeyAssertions } from "./domain/passkeys/passkey-assertion.js";
import { PasskeySignIn } from "./domain/passkeys/passkey-sign-in.js";
import { RelatedOrigins } from "./domain/passkeys/related-origins.js";
import { RelyingParty } from "./domain/passkeys/relying-party.js";
import { Issuers } from "./domain/oidc/issuers.js";
import { Logout } from "./domain/oidc/logout.js";
import { Tokens } from "./domain/oidc/tokens.js";
import { AccessTokenChecks } from "./domain/oidc/access-token-check.js";
import { LiveTokenVerdicts } from "./domain/oidc/live-token-verdicts.js";
import type { ChangeFeed } from "./persistence/change-feed.js";
import type { RateLimiter } from "./domain/ratelimit/rate-limiter.js";
import type { Logger } from "./logging/logger.js";
import type { TenantKeyStore } from "./domain/tenants/tenant-key-store.js";
import type { Database } from "./persistence/database.js";
import { PasskeyRepository } from "./persistence/repositories/passkey-repository.js";
import { FaceRepository } from "./persistence/repositories/face-repository.js";
import { FaceService } from "../gen/svault/face/v1/face_service_pb.js";
import { AnalyticsService } from "../gen/svault/analytics/v1/analytics_service_pb.js";
import { faceService } from "./api/face/face-service.js";
import { analyticsService } from "./api/analytics/analytics-service.js";
import { FaceStep, type LivenessVerifier } from "./domain/face/face-step.js";
import { faceResults } from "./domain/face/face-results.js";
import { FaceVerifierError } from "./biometrics/face-verifier.js";
import { RelatedOriginsLookup } from "./persistence/repositories/related-origins-lookup.js";
import { LoginStore } from "./persistence/repositories/login-repository.js";
import { TenantRepositories } from "./persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "./persistence/unit-of-work.js";
import type { Readiness } from "./operations/readiness.js";
import type { BackgroundWork } from "./operations/background-work.js";
import { registerPublicForeignService, registerService, type ServiceRegistration } from "./rpc/registry.js";

/** For deployments (and tests) that start no face pool: every check fails as unavailable. */
const NO_FACE_VERIFIER: LivenessVerifier = {
  verifyLiveness: () => Promise.reject(new FaceVerifierError("CLOSED", "no face verifier in this process")),
};

export interface ServiceDeps {
  readonly config: Config;
  readonly database: Database;
  readonly keys: TenantKeyStore;
  readonly keyring: Keyring;
  readonly events: AuthEventRecorder;
  readonly mail: AccountMail;
  readonly logger: Logger;
  /** The OIDC building blocks shared with the authenticator (bearer access tokens). */
  readonly oidc: OidcComponents;
  /** The rate limits outside the login, shared with the authenticator. */
  readonly limits: RateLimiter;
  /** Whether this instance should receive traffic (grpc.health.v1.Health reports it). */
  readonly readiness: Readiness;
  /** What requests leave running (back-channel logouts), for the shutdown to wait for. */
  readonly background: BackgroundWork;
  /** Epoch milliseconds (tests inject one: session ages against max_age, MFA flows' expiry). */
  readonly clock?: () => number;
  /** Entra ID's metadata (the HTTP one by default). */
  readonly entraDirectory?: EntraDirectory;
  /** The face step's verifier (a worker-thread pool); without one, face checks fail as unavailable. */
  readonly faceVerifier?: LivenessVerifier;
  /** The tenants' client origins (CORS and passkey ceremonies share them: client-origins.ts). */
  readonly clientOrigins: ClientOrigins;
}

export interface OidcComponents {
  readonly issuers: Issuers;
  readonly tokens: Tokens;
  /** Access tokens' signature and liveness, the verdicts kept until what decides them changes (access-token-check.ts). */
  readonly accessTokens: AccessTokenChecks;
  /** Clients' registered keys (request objects, private_key_jwt). */
  readonly clientKeys: ClientKeys;
  /** DPoP proofs and nonces, for the token endpoint, userinfo and the admin API. */
  readonly dpop: DpopProofs;
  readonly clock: () => number;
}

export function createOidcComponents(
  config: Config,
  keys: TenantKeyStore,
  keyring: Keyring,
  changes: ChangeFeed,
  clock: () => number = Date.now,
): OidcComponents {
  const issuers = new Issuers(config.publicUrl);
  const tokens = new Tokens(keys, issuers);
  return {
    issuers,
    tokens,
    accessTokens: new AccessTokenChecks(tokens, new LiveTokenVerdicts(changes)),
    clientKeys: new ClientKeys(clock),
    dpop: new DpopProofs(keyring.current.key, clock),
    clock,
  };
}

export function createServices({
  config,
  database,
  keys,
  keyring,
  events,
  mail,
  logger,
  oidc,
  limits,
  readiness,
  background,
  clock,
  entraDirectory = new HttpEntraDirectory(),
  faceVerifier = NO_FACE_VERIFIER,
  clientOrigins,
}: ServiceDeps): ServiceRegistration[] {
  const isDatabaseUp = () => database.ping();
  const { defaultTenant } = config;
  const issuerOf = (tenantId: string) => `${config.publicUrl}/${tenantId}`;
  // The setup is read and stored outside any request's transaction, on a unit of work of its own.
  const setups = new OpaqueSetups(
    keyring,
    (tenantId) => new TenantRepositories(new UnitOfWork(database.orm.em.fork()), tenantId).credentials,
  );
  const faceOf = (tenantId: string) => new FaceRepository(database.sql, tenantId);
  const login = new OpaqueLogin({
    logins: new LoginStore(database.sql),
    keyring,
    setups,
    events,
    issuerOf,
    // `ber` on Authenticate: the face results of checks made before it (docs/face-liveness.md).
    biometrics: faceResults(faceOf),
  });
  const registration = new OpaqueRegistration({ setups, keys, limits });
  const accounts = new AccountFlows({ keyring, registration, mail, events });
  const { issuers, tokens } = oidc;
  const authorization = new Authorization({ issuers, ...(clock ? { clock } : {}) });
  const logout = new Logout({
    tokens,
    issuers,
    keys,
    logger,
    trackBackground: (work) => background.track(work),
    detachedUnitOfWork: () => new UnitOfWork(database.orm.em.fork()),
  });
  const publicUrl = config.publicUrl;
  // The rows every token-path request reads, from memory until they change (invalidated-cache.ts).
  const detached = (tenantId: string) => new TenantRepositories(new UnitOfWork(database.orm.em.fork()), tenantId);
  const tenantRows = new InvalidatedCache<Tenant | undefined>(database.changes, ["tenant"]);
  const documents = new OidcDocuments((tenantId) => tenantRows.get(tenantId, "", () => detached(tenantId).tenant.find()), keys, issuers);
  const clientRows = new InvalidatedCache<Client | undefined>(database.changes, ["client", "tenant"]);
  const authenticationClients = (tenantId: string): ClientLookup => ({
    findForAuthentication: (clientId) =>
      clientRows.get(tenantId, clientId, () => detached(tenantId).clients.findForAuthentication(clientId)),
  });
  const rp = relyingPartyOf(config, clientOrigins);
  // One verification of passkey assertions (and one cache of their public keys) for the sign-in and the MFA form.
  const passkeyAssertions = new PasskeyAssertions(rp);
  const passkeySignIn = new PasskeySignIn({
    rp,
    assertions: passkeyAssertions,
    passkeysOf: (tenantId) => new PasskeyRepository(database.sql, tenantId),
    login,
    events,
  });
  const relatedOrigins = new RelatedOrigins(rp.publicOrigin, () =>
    new RelatedOriginsLookup(new UnitOfWork(database.orm.em.fork())).everyRedirectUri(),
  );
  const mfaFlows = new MfaFlows({
    publicUrl,
    directory: entraDirectory,
    keys,
    events,
    throttleOf: (tenantId) => new MfaThrottleRepository(database.sql, tenantId),
    // The verifiers of the engine's possession/inherence steps the MFA form can run (docs/entra-mfa.md, "Factors").
    factorsOf: (repositories) => [
      new PasskeyFactor(repositories.passkeys, rp, passkeyAssertions),
      // On the plain statements, not the request's unit of work: no transaction waits on the clip's verification.
      new FaceFactor(faceOf(repositories.tenantId), { verifier: faceVerifier, keyring, clock: clock ?? Date.now }),
    ],
    clock: clock ?? Date.now,
  });
  const faceStep = new FaceStep({
    faceOf,
    verifier: faceVerifier,
    keyring,
    login,
    events,
  });
  const registrations: ServiceRegistration[] = [
    registerService(HealthService, healthService({ isDatabaseUp, version: config.version, env: config.env })),
    registerService(TenantService, tenantService({ keys, defaultTenant })),
    registerService(TenantKeyService, tenantKeyService({ keys })),
    registerService(BlockerService, blockerService()),
    registerService(ClientService, clientService()),
    registerService(ApiKeyService, apiKeyService()),
    registerService(UserService, userService({ logout, accounts })),
    registerService(
      AuthService,
      authService({ keys, defaultTenant, issuerOf, login, registration, accounts, authorization, logout, publicUrl, limits }),
    ),
    registerService(
      PasskeyService,
      passkeyService({ registration: new PasskeyRegistration(rp), signIn: passkeySignIn, relatedOrigins, login, defaultTenant }),
    ),
    registerService(
      OidcService,
      oidcService({
        documents,
        authenticationClients,
        issuers,
        tokens,
        accessTokens: oidc.accessTokens,
        authorization,
        publicUrl,
        refreshTokenReuseGraceSeconds: config.refreshTokenReuseGraceSeconds,
        limits,
        authorizationRequests: new AuthorizationRequests({ issuers, clientKeys: oidc.clientKeys, clock: oidc.clock }),
        clientKeys: oidc.clientKeys,
        dpop: oidc.dpop,
        clock: oidc.clock,
      }),
    ),
    registerService(MfaService, mfaService({ flows: mfaFlows, keys, secureCookies: publicUrl.startsWith("https:") })),
    registerService(MfaAdminService, mfaAdminService()),
    registerService(ScimService, scimService({ publicUrl, logout })),
    registerService(GroupService, groupService()),
    registerService(FaceService, faceService({ step: faceStep, login, defaultTenant })),
    registerService(AnalyticsService, analyticsService()),
  ];
  const serviceNames = () => registrations.map((r) => r.service.typeName);
  const isReady = async () => (await readiness.check()).ready;
  registrations.push(registerPublicForeignService(Health, grpcHealthService({ isReady, serviceNames })));
  registrations.push(...reflectionServices(() => registrations));
  return registrations;
}

/** The deployment's WebAuthn relying party: PUBLIC_URL's origin and the tenants' client origins. */
export function relyingPartyOf(
  config: Pick<ServiceDeps["config"], "webauthnRpId" | "publicUrl">,
  clientOrigins: ClientOrigins,
): RelyingParty {
  return new RelyingParty(config.webauthnRpId, config.publicUrl, clientOrigins);
}

/** The tenants' client origins, kept in memory until their clients change (client-origins.ts). */
export function clientOriginsOf(database: Database): ClientOrigins {
  return new ClientOrigins(
    database.changes,
    tenantRedirectUris((tenantId) => new TenantRepositories(new UnitOfWork(database.orm.em.fork()), tenantId)),
  );
}
