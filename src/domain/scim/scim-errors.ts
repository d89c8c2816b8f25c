// The failures of SCIM requests, with their RFC 7644 §3.12 `scimType`. The SCIM renderer
// (src/transcoding/error-renderers.ts) writes them as SCIM error bodies; gRPC and Connect callers
// get the Connect code, and the scimType as the reason's suffix.
import { Code, DomainError, notFound } from "../../errors/domain-error.js";

export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive";

/** 400 with a scimType. */
export function scimBadRequest(scimType: ScimType, detail: string): DomainError {
  return new DomainError(Code.InvalidArgument, `SCIM_${scimType.toUpperCase()}`, detail, { scimType });
}

export function scimNotFound(resourceType: string, id: string): DomainError {
  return notFound(`SCIM_${resourceType.toUpperCase()}_NOT_FOUND`, `${resourceType} ${id} not found`);
}

/** RFC 7644 §3.14: the resource changed since the version the client names (`If-Match`): 412. */
export function preconditionFailed(): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    "SCIM_PRECONDITION_FAILED",
    "The resource has changed (If-Match does not match its version)",
  );
}
