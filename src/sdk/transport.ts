// What the SDK's flows need from the server, independent of the wire: REST (rest-transport.ts)
// or Connect/gRPC (connect-transport.ts). Names are camelCase here; each transport maps them to
// the wire's field names. Every refused call throws SvaultAuthError.
import type { JWK } from "jose";

/** A JSON object (`google.protobuf.Struct` on the wire): `log_data`, `ber`. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** Which tenant an auth call is for (login protocol §5): `auth_req_id`, else `tenant_id`, else the default. */
export interface TenantContext {
  readonly authReqId?: string | undefined;
  readonly tenantId?: string | undefined;
}

export interface ChallengeRequest {
  readonly username: string;
  /** `login:<KE1>` or `register:<registrationRequest>`. */
  readonly cipherKey: string;
}

export interface ChallengeAnswer {
  /** base64url(JSON), see challenge-data.ts. */
  readonly challengeData: string;
  readonly protoVersion: string;
}

export interface AuthenticateRequest {
  readonly username: string;
  readonly cipherKey: string;
  readonly challengeId: string;
  /** KE3. */
  readonly challengeData: string;
  readonly ber?: JsonObject | undefined;
  readonly logData?: JsonObject | undefined;
}

export interface AuthenticateAnswer {
  readonly nonce: string;
  readonly needVerify: boolean;
}

export interface RegisterRequest {
  readonly username: string;
  readonly email?: string | undefined;
  readonly encryptedCommitment: string;
  readonly protoVersion: string;
  readonly logData?: JsonObject | undefined;
}

export interface ResetPasswordCodeRequest {
  readonly code: string;
  readonly username: string;
  readonly encryptedCommitment: string;
  readonly protoVersion: string;
  readonly logData?: JsonObject | undefined;
}

export interface RequestResetPasswordRequest {
  readonly username: string;
  readonly email: string;
}

/** Request Reset Password's query: the tenant and the client whose pages the e-mail links to. */
export interface ResetContext {
  readonly tenantId?: string | undefined;
  readonly clientId?: string | undefined;
}

export interface ChangePasswordRequest {
  readonly encryptedCommitment: string;
  readonly protoVersion: string;
  readonly logData?: JsonObject | undefined;
}

export interface AuthTransport {
  getChallenge(request: ChallengeRequest, context: TenantContext): Promise<ChallengeAnswer>;
  authenticate(request: AuthenticateRequest, context: TenantContext): Promise<AuthenticateAnswer>;
  register(request: RegisterRequest, context: TenantContext): Promise<void>;
  requestResetPassword(request: RequestResetPasswordRequest, context: ResetContext): Promise<void>;
  resetPasswordCode(request: ResetPasswordCodeRequest): Promise<void>;
  /** Needs the caller's credentials (API key or access token). */
  changePassword(request: ChangePasswordRequest): Promise<void>;
  /** Needs the caller's credentials (API key or access token). `cipherKey` is `register:<…>`. */
  auxChallenge(request: { readonly cipherKey: string }): Promise<ChallengeAnswer>;
  verifyEmail(code: string): Promise<void>;
  /** The tenant's JWKS (`GET /{tenant_id}/.well-known/jwks.json`). */
  getJwks(tenantId: string): Promise<{ keys: JWK[] }>;
}

/** How a transport authenticates the signed-in caller (Change Password, Aux Challenge). */
export interface CallerCredentials {
  /** Sent as `X-API-Key` (gRPC: `x-api-key`). */
  readonly apiKey?: string | undefined;
  /** Sent as `Authorization: Bearer` (gRPC: `authorization`). */
  readonly accessToken?: string | undefined;
}

export function credentialHeaders(credentials: CallerCredentials): Record<string, string> {
  if (credentials.apiKey) return { "x-api-key": credentials.apiKey };
  if (credentials.accessToken) return { authorization: `Bearer ${credentials.accessToken}` };
  return {};
}
