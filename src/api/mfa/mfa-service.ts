// svault.oidc.v1.MfaService: the tenant's MFA issuer for Microsoft Entra ID (#31–34). Discovery
// and JWKS are JSON; the authorization request and the form answer with HTML pages or redirects
// (google.api.HttpBody), rendered from what the use case decides (domain/mfa/mfa-flows.ts).
import type { JsonObject } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { MfaService } from "../../../gen/svault/oidc/v1/mfa_service_pb.js";
import { MFA_COOKIE, type MfaAnswer, type MfaFlows, type MfaRequestScope } from "../../domain/mfa/mfa-flows.js";
import type { TenantKeyStore } from "../../domain/tenants/tenant-key-store.js";
import { getTenant } from "../../domain/tenants/tenant-admin.js";
import { chooseLocale, type Locale } from "../../i18n/locales.js";
import { clientAddressKey, entityManager, repositories } from "../../rpc/context.js";
import { getCookie, redirect, setCookie, setHttpStatus } from "../../rpc/http-response.js";
import { errorPage, factorFormPage, formPostPage, type RenderedPage } from "../../ui/mfa/mfa-pages.js";

export interface MfaServiceDeps {
  readonly flows: MfaFlows;
  readonly keys: TenantKeyStore;
  /** Cookies are `Secure` when PUBLIC_URL is https. */
  readonly secureCookies: boolean;
}

const CLAIMS = ["iss", "aud", "sub", "iat", "exp", "nonce", "acr", "amr"];

function scopeOf(ctx: HandlerContext): MfaRequestScope {
  return {
    repositories: (tenantId) => repositories(ctx, tenantId),
    em: entityManager(ctx),
    ip: ctx.values.get(clientAddressKey),
    userAgent: ctx.requestHeader.get("user-agent") ?? "",
    acceptLanguage: ctx.requestHeader.get("accept-language") ?? undefined,
  };
}

/** The pages' language: the flow's (`ui_locales`, which AuthorizeMfa chose), else the browser's (docs/hosted-ui.md). */
function localeOf(ctx: HandlerContext, uiLocales: string): Locale {
  return chooseLocale({ uiLocales, acceptLanguage: ctx.requestHeader.get("accept-language") ?? undefined });
}

function html(ctx: HandlerContext, page: RenderedPage) {
  setHttpStatus(ctx, page.status);
  for (const [name, value] of Object.entries(page.headers)) ctx.responseHeader.set(name, value);
  return { contentType: "text/html; charset=utf-8", data: new TextEncoder().encode(page.html) };
}

export function mfaService({ flows, keys, secureCookies }: MfaServiceDeps): ServiceImpl<typeof MfaService> {
  const render = (ctx: HandlerContext, answer: MfaAnswer, locale: Locale) => {
    switch (answer.kind) {
      case "redirect":
        setCookie(ctx, answer.cookie.name, answer.cookie.value, {
          path: answer.cookie.path,
          maxAgeSeconds: answer.cookie.maxAgeSeconds,
          secure: secureCookies,
          sameSite: "Lax",
        });
        ctx.responseHeader.set("cache-control", "no-store");
        redirect(ctx, answer.location, 303);
        return { contentType: "text/html; charset=utf-8", data: new Uint8Array() };
      case "form_post":
        return html(ctx, formPostPage(locale, answer.redirectUri, answer.fields));
      case "factor": {
        const form = factorFormPage(locale, answer.step, answer.flowId, answer.browserOptions);
        // A verifier registered without its page (src/ui/mfa/mfa-pages.ts) is a wiring mistake.
        if (!form) throw new Error(`The MFA form has no page for the ${answer.step} step`);
        return html(ctx, form);
      }
      case "page":
        return html(ctx, errorPage(answer.locale ?? locale, answer.status, answer.problem));
    }
  };
  /** The flow's cookie; the answer also clears it (the flow is over either way). */
  const browserSecret = (ctx: HandlerContext) => getCookie(ctx, MFA_COOKIE);

  return {
    async getOpenidConfiguration(request, ctx) {
      await getTenant(repositories(ctx, request.tenantId));
      const issuer = flows.issuerOf(request.tenantId);
      ctx.responseHeader.set("cache-control", "public, max-age=3600");
      return {
        issuer,
        authorizationEndpoint: `${issuer}/authorize`,
        jwksUri: `${issuer}/.well-known/jwks.json`,
        scopesSupported: ["openid"],
        responseTypesSupported: ["id_token"],
        responseModesSupported: ["form_post"],
        subjectTypesSupported: ["public"],
        idTokenSigningAlgValuesSupported: ["RS256"],
        claimTypesSupported: ["normal"],
        claimsSupported: CLAIMS,
        grantTypesSupported: ["implicit"],
      };
    },

    async getJwks(request, ctx) {
      await getTenant(repositories(ctx, request.tenantId));
      // The tenant's RSA keys only (they carry x5c); the same schedule as the OIDC issuer's JWKS.
      const jwks = (await keys.publishedJwks(request.tenantId)).filter((key) => key.kty === "RSA");
      ctx.responseHeader.set("cache-control", "public, max-age=300");
      return { keys: jwks as JsonObject[] };
    },

    async authorizeMfa(request, ctx) {
      return render(ctx, await flows.authorize(scopeOf(ctx), request), localeOf(ctx, request.uiLocales));
    },

    async getMfaForm(request, ctx) {
      return render(ctx, await flows.showForm(scopeOf(ctx), request.flowId, browserSecret(ctx)), localeOf(ctx, request.uiLocales));
    },

    async completeMfaForm(request, ctx) {
      const answer = await flows.complete(scopeOf(ctx), request.flowId, browserSecret(ctx), request);
      if (answer.kind === "form_post") {
        setCookie(ctx, MFA_COOKIE, "", { path: `/mfa/form/${request.flowId}`, maxAgeSeconds: 0, secure: secureCookies, sameSite: "Lax" });
      }
      return render(ctx, answer, localeOf(ctx, request.uiLocales));
    },
  };
}
