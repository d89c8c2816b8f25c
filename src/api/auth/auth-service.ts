// svault.auth.v1.AuthService: the zero-knowledge login (docs/login-protocol.md), account
// self-service, and the public information the hosted login page reads.
import { create, type JsonObject } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { type AuthService, GetClientTenantResponseSchema } from "../../../gen/svault/auth/v1/auth_service_pb.js";
import { findClientAndTenant, signForTenant } from "../../domain/clients/public-info.js";
import type { AccountFlows } from "../../domain/login/account-flows.js";
import { resolveAuthTarget } from "../../domain/login/auth-target.js";
import { loginTargetOf } from "../../domain/login/login-scope.js";
import type { OpaqueLogin } from "../../domain/login/opaque-login.js";
import type { OpaqueRegistration } from "../../domain/login/opaque-registration.js";
import type { RateLimiter } from "../../domain/ratelimit/rate-limiter.js";
import type { TenantKeyStore } from "../../domain/tenants/tenant-key-store.js";
import { getTenant } from "../../domain/tenants/tenant-admin.js";
import { principal, repositories, unitOfWork } from "../../rpc/context.js";
import { noStore } from "../../rpc/http-response.js";
import { parseCipherKey, REGISTER_CIPHER_KEY_PREFIX } from "../../sdk/challenge-data.js";
import { restJson } from "../../transcoding/response-encoder.js";
import { callerInfo } from "./caller-info.js";
import { publicClientMessage, publicTenantMessage } from "./public-info-converters.js";
import { type SessionHandlerDeps, sessionHandlers } from "./session-handlers.js";

export interface AuthServiceDeps extends SessionHandlerDeps {
  readonly keys: TenantKeyStore;
  readonly defaultTenant: string;
  readonly issuerOf: (tenantId: string) => string;
  readonly login: OpaqueLogin;
  readonly registration: OpaqueRegistration;
  readonly accounts: AccountFlows;
  readonly limits: RateLimiter;
}

/** A `google.protobuf.Struct` field (`log_data`, `ber`) as a plain object, or null. */
const logDataOf = (value: JsonObject | undefined) => (value ? (value as Record<string, unknown>) : null);

export function authService(deps: AuthServiceDeps): ServiceImpl<typeof AuthService> {
  const { keys, defaultTenant, issuerOf, login, registration, accounts, limits } = deps;
  const target = (ctx: HandlerContext, request: { authReqId: string; tenantId: string }) =>
    resolveAuthTarget(unitOfWork(ctx), request, defaultTenant);
  // The login steps read the tenant — or the authorization request and its tenant — themselves,
  // with their first statement (opaque-login.ts).
  const loginTarget = (request: { authReqId: string; tenantId: string }) => loginTargetOf(request, defaultTenant);
  const registerChallenge = async (
    ctx: HandlerContext,
    request: { authReqId: string; tenantId: string },
    username: string,
    cipherKey: string,
  ) => {
    const found = await target(ctx, request);
    return registration.challenge(repositories(ctx, found.tenant.id), {
      username,
      cipherKey,
      purpose: "register",
      userId: null,
      authReqId: found.authRequest?.id ?? null,
      address: callerInfo(ctx).ip,
    });
  };
  const clientTenant = async (request: { tenantId: string; clientId: string }, ctx: HandlerContext) => {
    const found = await findClientAndTenant(repositories(ctx, request.tenantId || defaultTenant), request.clientId);
    return create(GetClientTenantResponseSchema, { client: publicClientMessage(found), tenant: publicTenantMessage(found) });
  };

  return {
    ...sessionHandlers(deps),
    async getChallenge(request, ctx) {
      noStore(ctx);
      const { username = "", cipherKey = "" } = request.challenge ?? {};
      // A malformed cipherKey is reported by the flow it names (or by the login flow).
      const answer = isRegisterKey(cipherKey)
        ? await registerChallenge(ctx, request, username, cipherKey)
        : await login.challenge(loginTarget(request), username, cipherKey, callerInfo(ctx));
      return { challengeData: answer.challengeData, protoVersion: answer.protoVersion };
    },
    async authenticate(request, ctx) {
      noStore(ctx);
      const proof = request.proof;
      const result = await login.authenticate(
        loginTarget(request),
        {
          username: proof?.username ?? "",
          cipherKey: proof?.cipherKey ?? "",
          challengeId: proof?.challengeId ?? "",
          ke3: proof?.challengeData ?? "",
          ber: logDataOf(proof?.ber),
          logData: logDataOf(proof?.logData),
        },
        callerInfo(ctx),
      );
      return { nonce: result.nonce, needVerify: result.needVerify };
    },
    async register(request, ctx) {
      const input = request.registration;
      const found = await target(ctx, request);
      await accounts.register(
        repositories(ctx, found.tenant.id),
        found,
        {
          username: input?.username ?? "",
          email: input?.email ?? "",
          encryptedCommitment: input?.encryptedCommitment ?? "",
          protoVersion: input?.protoVersion ?? "",
          logData: logDataOf(input?.logData),
        },
        callerInfo(ctx),
      );
      return {};
    },
    async verifyEmail(request, ctx) {
      await accounts.verifyEmail(unitOfWork(ctx), request.code, callerInfo(ctx));
      return {};
    },
    async requestResetPassword(request, ctx) {
      const repos = repositories(ctx, request.tenantId || defaultTenant);
      const tenant = await getTenant(repos);
      // Each request may send a mail: limited per client address, against mail bombing.
      await limits.take([limits.bucket("resetRequests", callerInfo(ctx).ip)]);
      const { username = "", email = "" } = request.account ?? {};
      await accounts.requestReset(repos, tenant, { username, email, clientId: request.clientId }, callerInfo(ctx));
      return {};
    },
    async resetPasswordCode(request, ctx) {
      await accounts.resetWithCode(
        unitOfWork(ctx),
        {
          code: request.code,
          username: request.username,
          encryptedCommitment: request.encryptedCommitment,
          protoVersion: request.protoVersion,
        },
        callerInfo(ctx),
      );
      return {};
    },
    async auxChallenge(request, ctx) {
      noStore(ctx);
      const caller = principal(ctx);
      const answer = await registration.challenge(repositories(ctx, caller.tenantId), {
        username: "",
        cipherKey: request.cipherKey,
        purpose: "change",
        userId: caller.userId,
        authReqId: null,
        address: callerInfo(ctx).ip,
      });
      return { challengeData: answer.challengeData, protoVersion: answer.protoVersion };
    },
    async changePassword(request, ctx) {
      const caller = principal(ctx);
      await accounts.change(
        repositories(ctx, caller.tenantId),
        caller.userId,
        { encryptedCommitment: request.encryptedCommitment, protoVersion: request.protoVersion, logData: logDataOf(request.logData) },
        callerInfo(ctx),
      );
      return {};
    },
    async getClient(request, ctx) {
      return { client: (await clientTenant(request, ctx)).client };
    },
    getClientTenant: clientTenant,
    async getClientTenantSigned(request, ctx) {
      const answer = await clientTenant(request, ctx);
      const tenantId = answer.tenant?.tenantId ?? defaultTenant;
      // The payload is exactly Get Client Tenant's REST body.
      const payload = restJson(GetClientTenantResponseSchema, answer) as Record<string, unknown>;
      return { data: await signForTenant(keys, tenantId, issuerOf(tenantId), payload, "client-tenant+jwt") };
    },
  };
}

/** A well-formed `register:` cipherKey (anything else goes to the login, which reports what is wrong). */
function isRegisterKey(cipherKey: string): boolean {
  // Only a register key changes the flow: a login's KE1 is checked once, by the login itself.
  if (!cipherKey.startsWith(REGISTER_CIPHER_KEY_PREFIX)) return false;
  try {
    return parseCipherKey(cipherKey).kind === "register";
  } catch {
    return false;
  }
}
