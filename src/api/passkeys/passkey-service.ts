// svault.passkey.v1.PasskeyService: registering passkeys (signed-in users), signing in with them
// (public, as the login steps), the related origins document, and the administrators' view.
import type { ServiceImpl } from "@connectrpc/connect";
import type { PasskeyService } from "../../../gen/svault/passkey/v1/passkey_service_pb.js";
import type { OpaqueLogin } from "../../domain/login/opaque-login.js";
import { deletePasskeyOfUser, listPasskeysOfUser } from "../../domain/passkeys/passkey-admin.js";
import type { PasskeyRegistration } from "../../domain/passkeys/passkey-registration.js";
import type { PasskeySignIn } from "../../domain/passkeys/passkey-sign-in.js";
import type { RelatedOrigins } from "../../domain/passkeys/related-origins.js";
import { principal, repositories } from "../../rpc/context.js";
import { noStore } from "../../rpc/http-response.js";
import { callerInfo } from "../auth/caller-info.js";
import { optionsStruct, passkeyMessage } from "./passkey-converters.js";

export interface PasskeyServiceDeps {
  readonly registration: PasskeyRegistration;
  readonly signIn: PasskeySignIn;
  readonly relatedOrigins: RelatedOrigins;
  readonly login: Pick<OpaqueLogin, "scopeOf">;
  readonly defaultTenant: string;
}

export function passkeyService(deps: PasskeyServiceDeps): ServiceImpl<typeof PasskeyService> {
  const { registration, signIn, login, defaultTenant } = deps;
  const own = (ctx: Parameters<typeof principal>[0]) => {
    const caller = principal(ctx);
    return { caller, repos: repositories(ctx, caller.tenantId) };
  };
  return {
    async registerOptions(_request, ctx) {
      noStore(ctx);
      const { caller, repos } = own(ctx);
      return { options: optionsStruct(await registration.options(repos, caller.userId)) };
    },
    async verifyRegistration(request, ctx) {
      const { caller, repos } = own(ctx);
      await registration.verify(repos, caller.userId, request);
      return {};
    },
    async authOptions(request, ctx) {
      noStore(ctx);
      const tenantId = request.tenantId || request.account?.tenantId || "";
      const scope = await login.scopeOf({ authReqId: request.authReqId, tenantId }, defaultTenant);
      return { options: optionsStruct(await signIn.options(scope, request.account?.username ?? "")) };
    },
    async verifyAuth(request, ctx) {
      noStore(ctx);
      const assertion = request.assertion;
      const tenantId = request.tenantId || assertion?.tenantId || "";
      const scope = await login.scopeOf({ authReqId: request.authReqId, tenantId }, defaultTenant);
      const result = await signIn.verify(
        scope,
        {
          id: assertion?.id ?? "",
          rawId: assertion?.rawId ?? "",
          clientDataJson: assertion?.clientDataJson ?? "",
          authenticatorData: assertion?.authenticatorData ?? "",
          signature: assertion?.signature ?? "",
          username: assertion?.username ?? "",
          userHandle: assertion?.userHandle ?? "",
          authenticatorAttachment: assertion?.authenticatorAttachment ?? "",
        },
        callerInfo(ctx),
      );
      return { nonce: result.nonce, needVerify: result.needVerify };
    },
    async webauthnConfig() {
      return { origins: await deps.relatedOrigins.origins() };
    },
    async listPasskeysOfUser(request, ctx) {
      const passkeys = await listPasskeysOfUser(repositories(ctx, request.tenantId), request.userId);
      return { passkeys: passkeys.map(passkeyMessage) };
    },
    async deletePasskeyOfUser(request, ctx) {
      await deletePasskeyOfUser(repositories(ctx, request.tenantId), principal(ctx), request.userId, request.keyId);
      return {};
    },
  };
}
