// The error answers of a service's REST routes, per its `(svault.api.v1.error_format)`. The shapes
// are those of src/transcoding/error-renderers.ts; they live in components/responses so that each
// operation only refers to them.
import type { ErrorStyle } from "./annotations.js";
import type { Reference, Response, Schema } from "./openapi-types.js";

const text: Schema = { type: "string" };

const RESPONSES = {
  ValidationError: {
    description: "The request is invalid: each item names a field (`loc`: its source, then its path) and what is wrong.",
    content: {
      "application/json": {
        schema: {
          type: "object",
          properties: {
            detail: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  loc: { type: "array", items: { type: ["string", "integer"] } },
                  msg: text,
                  type: text,
                },
                required: ["loc", "msg", "type"],
              },
            },
          },
          required: ["detail"],
        },
      },
    },
  },
  DetailError: {
    description: "The request failed; `detail` says why (never internals, for 5xx).",
    content: {
      "application/json": { schema: { type: "object", properties: { detail: text }, required: ["detail"] } },
    },
  },
  OAuthError: {
    description: "An OAuth 2.0 error (RFC 6749 §5.2, RFC 6750 §3); a 401 carries `WWW-Authenticate`.",
    content: {
      "application/json": {
        schema: { type: "object", properties: { error: text, error_description: text }, required: ["error"] },
      },
    },
  },
  ScimError: {
    description: "A SCIM error (RFC 7644 §3.12).",
    content: {
      "application/scim+json": {
        schema: {
          type: "object",
          properties: {
            schemas: { type: "array", items: { type: "string", const: "urn:ietf:params:scim:api:messages:2.0:Error" } },
            status: { type: "string", description: "The HTTP status, as a string." },
            scimType: text,
            detail: text,
          },
          required: ["schemas", "status", "detail"],
        },
      },
    },
  },
} satisfies Record<string, Response>;

/** Status (or `default`) → component name, for each style. Bad input: 422, or 400 for OAuth and SCIM. */
const BY_STYLE: Readonly<Record<ErrorStyle, Readonly<Record<string, keyof typeof RESPONSES>>>> = {
  detail: { "422": "ValidationError", default: "DetailError" },
  oauth: { "400": "OAuthError", default: "OAuthError" },
  scim: { "400": "ScimError", default: "ScimError" },
};

export function errorResponses(style: ErrorStyle): Record<string, Reference> {
  return Object.fromEntries(Object.entries(BY_STYLE[style]).map(([status, name]) => [status, { $ref: `#/components/responses/${name}` }]));
}

/** The components the given styles refer to. */
export function errorResponseComponents(styles: Iterable<ErrorStyle>): [string, Response][] {
  const names = new Set([...styles].flatMap((style) => Object.values(BY_STYLE[style])));
  return [...names].map((name) => [name, RESPONSES[name]]);
}
