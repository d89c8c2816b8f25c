// How a REST route family answers a failure. The service option `(svault.api.v1.error_format)`
// picks the renderer; all of them take the same normalized error and the status from Connect's
// code table, so one failure means the same thing on every surface. 5xx never carries internals.
import { Code } from "@connectrpc/connect";
import { ErrorFormat } from "../../gen/svault/api/v1/options_pb.js";
import type { FieldViolation } from "../errors/domain-error.js";
import { httpStatusOf } from "../sdk/http-status.js";

export interface RestError {
  readonly code: Code;
  /** Safe to show; replaced by a generic text for 5xx. */
  readonly message: string;
  /** For InvalidArgument: violations whose path starts with its source (`body`, `query`, `path`). */
  readonly violations: readonly FieldViolation[];
  readonly oauthError: string | undefined;
  readonly scimType: string | undefined;
  readonly retryAfterSeconds?: number | undefined;
}

export interface RenderedError {
  readonly status: number;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export type ErrorRenderer = (error: RestError) => RenderedError;

const INTERNAL = "Internal Server Error";

function safeMessage(error: RestError, status: number): string {
  // Unavailable says what the client should do (try again later) and carries no internals.
  return status >= 500 && error.code !== Code.Unavailable ? INTERNAL : error.message;
}

/** The reference's shape: `{"detail": "..."}`; 422 with `[{loc, msg, type}]` for bad input. */
export const renderDetailError: ErrorRenderer = (error) => {
  if (error.code === Code.InvalidArgument && error.violations.length > 0) {
    return {
      status: 422,
      contentType: "application/json",
      headers: {},
      body: { detail: error.violations.map((v) => ({ loc: v.path, msg: v.message, type: v.type })) },
    };
  }
  const status = httpStatusOf(error.code);
  return { status, contentType: "application/json", headers: {}, body: { detail: safeMessage(error, status) } };
};

/** Errors of a DPoP proof at a resource: their challenge names the DPoP scheme (RFC 9449 §7.1). */
const DPOP_ERRORS = new Set(["invalid_dpop_proof", "use_dpop_nonce"]);

const OAUTH_ERROR_BY_CODE: Partial<Record<Code, string>> = {
  [Code.InvalidArgument]: "invalid_request",
  [Code.Unauthenticated]: "invalid_token",
  [Code.PermissionDenied]: "access_denied",
  [Code.NotFound]: "invalid_request",
  [Code.ResourceExhausted]: "slow_down",
  [Code.Unavailable]: "temporarily_unavailable",
};

/**
 * RFC 6749 §5.2 and RFC 6750 §3: `{error, error_description}`, never cached. Bad input is 400 (not
 * 422); a resource that does not exist (an unknown tenant's discovery or JWKS) stays 404.
 */
export const renderOAuthError: ErrorRenderer = (error) => {
  const status = error.code === Code.InvalidArgument ? 400 : httpStatusOf(error.code);
  const name = error.oauthError ?? OAUTH_ERROR_BY_CODE[error.code] ?? (status >= 500 ? "server_error" : "invalid_request");
  const description = safeMessage(error, status);
  const headers: Record<string, string> = { "cache-control": "no-store", pragma: "no-cache" };
  if (status === 401) {
    headers["www-authenticate"] =
      name === "invalid_client"
        ? 'Basic realm="svault"'
        : `${DPOP_ERRORS.has(name) ? "DPoP" : "Bearer"} error="${name}", error_description="${description.replace(/["\\]/g, "")}"`;
  }
  return { status, contentType: "application/json", headers, body: { error: name, error_description: description } };
};

/**
 * RFC 7644 §3.12. A failed precondition is a version that no longer matches (`If-Match`): 412
 * (§3.14), not Connect's 400.
 */
export const renderScimError: ErrorRenderer = (error) => {
  const status = error.code === Code.FailedPrecondition ? 412 : httpStatusOf(error.code);
  const scimType = error.scimType ?? (error.code === Code.InvalidArgument ? "invalidValue" : undefined);
  const detail =
    error.violations.length > 0 ? error.violations.map((v) => `${v.path.join(".")}: ${v.message}`).join("; ") : safeMessage(error, status);
  return {
    status,
    contentType: "application/scim+json",
    headers: {},
    body: {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: String(status),
      ...(scimType ? { scimType } : {}),
      detail,
    },
  };
};

export function rendererFor(format: ErrorFormat): ErrorRenderer {
  switch (format) {
    case ErrorFormat.OAUTH:
      return renderOAuthError;
    case ErrorFormat.SCIM:
      return renderScimError;
    default:
      return renderDetailError;
  }
}
