// OAuth 2.0 errors (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3) as DomainErrors: the OAuth renderer
// turns them into `{error, error_description}` with the right status.
import { Code, DomainError } from "../../errors/domain-error.js";

const CODE_BY_ERROR: Record<string, Code> = {
  invalid_request: Code.InvalidArgument,
  invalid_client: Code.Unauthenticated,
  invalid_grant: Code.InvalidArgument,
  unauthorized_client: Code.InvalidArgument,
  unsupported_grant_type: Code.InvalidArgument,
  invalid_scope: Code.InvalidArgument,
  invalid_target: Code.InvalidArgument,
  invalid_token: Code.Unauthenticated,
  insufficient_scope: Code.PermissionDenied,
  access_denied: Code.PermissionDenied,
  login_required: Code.Unauthenticated,
  server_error: Code.Internal,
};

export function oauthError(error: string, description: string): DomainError {
  return new DomainError(CODE_BY_ERROR[error] ?? Code.InvalidArgument, error.toUpperCase(), description, { oauthError: error });
}
