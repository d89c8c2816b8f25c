// The project's copy of the route table of the API reference (ROUTES.md of the shared spec), as
// data in routes.json: every operation with its number, the RPC that serves it, its REST method
// and path, and its authentication, one row per line. The contract test holds the served protos
// to it. Paths are google.api.http templates (query parameters are the request's other fields).
// The RPC names of operations not served yet (SCIM, passkeys, MFA, analytics) are the planned ones.
// RPCs beyond the reference (the project's own administration: key rotation, a user's sessions)
// have rows too, without a number, marked `beyondReference`.
// The reference numbers its SCIM catch-all 95–98 for five verbs: DELETE shares 98 with PATCH.
import { readFileSync } from "node:fs";

/** ROUTES.md's Auth column: `none` is its `—`. */
export type RouteAuth = "none" | "key|bearer" | "client" | "bearer" | "client|bearer";

export interface Route {
  /**
   * The operation's number in ROUTES.md (one number may have several rows: GET and POST, aliases);
   * absent on a row beyond the reference.
   */
  readonly op?: number;
  /** Its title in the API reference (beyond it: the RPC's name in words). */
  readonly operation: string;
  /**
   * An RPC the API reference does not have, which the project adds (its proto comment says
   * "beyond the reference"). Its row has no `op`.
   */
  readonly beyondReference?: true;
  /** The RPC serving it: `<package>.<Service>.<Method>`. */
  readonly rpc: string;
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly auth: RouteAuth;
  /**
   * A path beside the operation's own that ROUTES.md allows: the blocker's aliases, the per-issuer
   * userinfo (its OIDC section) and revocation endpoints that discovery advertises.
   */
  readonly alias?: true;
  /**
   * The members of the reference's JSON request body (its request sample): each must be a field of
   * the body the binding reads, since unknown members are ignored (docs/architecture.md).
   */
  readonly body?: readonly string[];
}

export const ROUTES: readonly Route[] = JSON.parse(readFileSync(new URL("./routes.json", import.meta.url), "utf8"));
