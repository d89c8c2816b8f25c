// AuthTransport over the REST API (login protocol §6–§10, ROUTES.md #1–3, 11, 15–18, 27) with
// fetch: JSON bodies with the reference's field names, the tenant in the query, the caller's
// credentials as `X-API-Key` or `Authorization: Bearer`. A non-2xx answer throws SvaultAuthError.
// Operations that return nothing answer the JSON `null` (as the reference does); their body is
// not inspected, so servers that answer `{}` or nothing work too.
import type { JWK } from "jose";
import { type FieldViolation, parseRetryAfter, SvaultAuthError } from "./errors.js";
import {
  type AuthenticateAnswer,
  type AuthenticateRequest,
  type AuthTransport,
  type CallerCredentials,
  type ChallengeAnswer,
  type ChallengeRequest,
  type ChangePasswordRequest,
  credentialHeaders,
  type JsonObject,
  type RegisterRequest,
  type RequestResetPasswordRequest,
  type ResetContext,
  type ResetPasswordCodeRequest,
  type TenantContext,
} from "./transport.js";

export interface RestTransportOptions extends CallerCredentials {
  /** The server's base URL, e.g. `https://id.example.com` (the `PUBLIC_URL`). */
  readonly baseUrl: string;
  /** Defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Extra headers sent with every call. */
  readonly headers?: Record<string, string>;
}

type Query = Record<string, string | undefined>;

export class RestTransport implements AuthTransport {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: RestTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async getChallenge(request: ChallengeRequest, context: TenantContext): Promise<ChallengeAnswer> {
    const body = await this.callForObject("POST", "/api/v1/auth/challenge", tenantQuery(context), {
      username: request.username,
      cipherKey: request.cipherKey,
    });
    return challengeAnswer(body);
  }

  async authenticate(request: AuthenticateRequest, context: TenantContext): Promise<AuthenticateAnswer> {
    const body = await this.callForObject("POST", "/api/v1/auth/authenticate", tenantQuery(context), {
      username: request.username,
      cipherKey: request.cipherKey,
      challenge_id: request.challengeId,
      challenge_data: request.challengeData,
      ...optional("ber", request.ber),
      ...optional("log_data", request.logData),
    });
    if (typeof body.nonce !== "string" || body.nonce === "") throw malformed("Authenticate answered no nonce");
    return { nonce: body.nonce, needVerify: body.need_verify === true };
  }

  async register(request: RegisterRequest, context: TenantContext): Promise<void> {
    await this.call("POST", "/api/v1/auth/register", tenantQuery(context), {
      username: request.username,
      ...optional("email", request.email),
      encrypted_commitment: request.encryptedCommitment,
      proto_version: request.protoVersion,
      ...optional("log_data", request.logData),
    });
  }

  async requestResetPassword(request: RequestResetPasswordRequest, context: ResetContext): Promise<void> {
    const query = { tenant_id: context.tenantId, client_id: context.clientId };
    await this.call("POST", "/api/v1/auth/reset-password", query, { username: request.username, email: request.email });
  }

  async resetPasswordCode(request: ResetPasswordCodeRequest): Promise<void> {
    await this.call(
      "POST",
      "/api/v1/auth/reset-password/code",
      {},
      {
        code: request.code,
        username: request.username,
        encrypted_commitment: request.encryptedCommitment,
        proto_version: request.protoVersion,
        ...optional("log_data", request.logData),
      },
    );
  }

  async changePassword(request: ChangePasswordRequest): Promise<void> {
    const body = {
      encrypted_commitment: request.encryptedCommitment,
      proto_version: request.protoVersion,
      ...optional("log_data", request.logData),
    };
    await this.call("POST", "/api/v1/auth/change-password", {}, body, credentialHeaders(this.options));
  }

  async auxChallenge(request: { readonly cipherKey: string }): Promise<ChallengeAnswer> {
    const body = await this.callForObject(
      "POST",
      "/api/v1/auth/aux-challenge",
      {},
      { cipherKey: request.cipherKey },
      credentialHeaders(this.options),
    );
    return challengeAnswer(body);
  }

  async verifyEmail(code: string): Promise<void> {
    await this.call("GET", "/api/v1/auth/verify-email", { code });
  }

  async getJwks(tenantId: string): Promise<{ keys: JWK[] }> {
    const body = await this.callForObject("GET", `/${encodeURIComponent(tenantId)}/.well-known/jwks.json`, {});
    if (!Array.isArray(body.keys)) throw malformed("The JWKS has no keys");
    return { keys: body.keys as JWK[] };
  }

  /** A call whose answer must be a JSON object: anything else is refused as malformed. */
  private async callForObject(
    method: "GET" | "POST",
    path: string,
    query: Query,
    body?: Record<string, unknown>,
    extraHeaders: Record<string, string> = {},
  ): Promise<Record<string, unknown>> {
    const json = await this.call(method, path, query, body, extraHeaders);
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw malformed(`${method} ${path} answered no JSON object`);
    return json as Record<string, unknown>;
  }

  /** The parsed JSON of a successful answer (undefined when it had no body or no valid JSON). */
  private async call(
    method: "GET" | "POST",
    path: string,
    query: Query,
    body?: Record<string, unknown>,
    extraHeaders: Record<string, string> = {},
  ): Promise<unknown> {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query)) if (value) url.searchParams.set(name, value);
    const headers: Record<string, string> = { accept: "application/json", ...this.options.headers, ...extraHeaders };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await this.fetchImpl(url, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) throw errorFromResponse(response, json, text);
    return json;
  }
}

function tenantQuery(context: TenantContext): Query {
  return { auth_req_id: context.authReqId, tenant_id: context.tenantId };
}

function optional<K extends string>(name: K, value: string | JsonObject | undefined): Partial<Record<K, string | JsonObject>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, string | JsonObject>);
}

function challengeAnswer(body: Record<string, unknown>): ChallengeAnswer {
  if (typeof body.challenge_data !== "string" || typeof body.proto_version !== "string") {
    throw malformed("The challenge answer lacks challenge_data or proto_version");
  }
  return { challengeData: body.challenge_data, protoVersion: body.proto_version };
}

function malformed(detail: string): SvaultAuthError {
  return new SvaultAuthError({ status: 502, detail });
}

/**
 * The reference's `{"detail": "..."}` or `{"detail": [{loc, msg, type}]}` (422), or the OAuth
 * endpoints' `{"error", "error_description"}`; else the status text.
 */
function errorFromResponse(response: Response, json: unknown, text: string): SvaultAuthError {
  const body = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  let detail = response.statusText || `HTTP ${response.status}`;
  let violations: FieldViolation[] | undefined;
  if (typeof body.detail === "string") {
    detail = body.detail;
  } else if (Array.isArray(body.detail)) {
    violations = (body.detail as Record<string, unknown>[]).map((v) => ({
      loc: Array.isArray(v.loc) ? (v.loc as (string | number)[]) : [],
      msg: String(v.msg ?? ""),
      type: String(v.type ?? ""),
    }));
    detail = violations.map((v) => (v.loc.length > 0 ? `${v.loc.join(".")}: ${v.msg}` : v.msg)).join("; ");
  } else if (typeof body.error === "string") {
    detail = typeof body.error_description === "string" && body.error_description ? body.error_description : body.error;
  } else if (json === undefined && text) {
    detail = text.slice(0, 200);
  }
  return new SvaultAuthError({
    status: response.status,
    detail,
    retryAfter: parseRetryAfter(response.headers.get("retry-after")),
    violations,
  });
}
