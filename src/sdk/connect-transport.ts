// AuthTransport over Connect/gRPC/gRPC-Web: clients of svault.auth.v1.AuthService and
// svault.oidc.v1.OidcService on any @connectrpc Transport the caller builds (connect-node's
// createGrpcTransport in Node, connect-web's createConnectTransport in a browser). A ConnectError
// becomes the same SvaultAuthError as REST, with an HTTP-like status.
import { Code, ConnectError, type Client, createClient, type Transport } from "@connectrpc/connect";
import type { JWK } from "jose";
import { AuthService } from "../../gen/svault/auth/v1/auth_service_pb.js";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { OidcService } from "../../gen/svault/oidc/v1/oidc_service_pb.js";
import { type FieldViolation, parseRetryAfter, SvaultAuthError } from "./errors.js";
import { httpStatusOf } from "./http-status.js";
import {
  type AuthenticateAnswer,
  type AuthenticateRequest,
  type AuthTransport,
  type CallerCredentials,
  type ChallengeAnswer,
  type ChallengeRequest,
  type ChangePasswordRequest,
  credentialHeaders,
  type RegisterRequest,
  type RequestResetPasswordRequest,
  type ResetContext,
  type ResetPasswordCodeRequest,
  type TenantContext,
} from "./transport.js";

export interface ConnectTransportOptions extends CallerCredentials {
  readonly transport: Transport;
}

/**
 * Connect code → HTTP-like status: the server's own table (http-status.ts), except
 * that invalid input is 422, as the REST API answers for field errors.
 */
export function statusOfConnectCode(code: Code): number {
  return code === Code.InvalidArgument ? 422 : httpStatusOf(code);
}

/** The SvaultAuthError for any error a Connect call threw. */
export function toSvaultAuthError(error: unknown): SvaultAuthError {
  const connectError = ConnectError.from(error);
  let violations: FieldViolation[] | undefined;
  try {
    violations = connectError
      .findDetails(BadRequestSchema)
      .flatMap((bad) => bad.fieldViolations.map((v) => ({ loc: v.field ? v.field.split(".") : [], msg: v.description, type: v.reason })));
  } catch {
    violations = undefined;
  }
  return new SvaultAuthError({
    status: statusOfConnectCode(connectError.code),
    detail: connectError.rawMessage,
    retryAfter: parseRetryAfter(connectError.metadata.get("retry-after")),
    violations,
    cause: connectError,
  });
}

export class ConnectTransport implements AuthTransport {
  private readonly auth: Client<typeof AuthService>;
  private readonly oidc: Client<typeof OidcService>;

  constructor(private readonly options: ConnectTransportOptions) {
    this.auth = createClient(AuthService, options.transport);
    this.oidc = createClient(OidcService, options.transport);
  }

  getChallenge(request: ChallengeRequest, context: TenantContext): Promise<ChallengeAnswer> {
    return mapped(async () => {
      const answer = await this.auth.getChallenge({
        ...tenantFields(context),
        challenge: { username: request.username, cipherKey: request.cipherKey },
      });
      return { challengeData: answer.challengeData, protoVersion: answer.protoVersion };
    });
  }

  authenticate(request: AuthenticateRequest, context: TenantContext): Promise<AuthenticateAnswer> {
    return mapped(async () => {
      const answer = await this.auth.authenticate({
        ...tenantFields(context),
        proof: {
          username: request.username,
          cipherKey: request.cipherKey,
          challengeId: request.challengeId,
          challengeData: request.challengeData,
          ber: request.ber,
          logData: request.logData,
        },
      });
      return { nonce: answer.nonce, needVerify: answer.needVerify };
    });
  }

  register(request: RegisterRequest, context: TenantContext): Promise<void> {
    return mapped(async () => {
      await this.auth.register({
        ...tenantFields(context),
        registration: {
          username: request.username,
          email: request.email ?? "",
          encryptedCommitment: request.encryptedCommitment,
          protoVersion: request.protoVersion,
          logData: request.logData,
        },
      });
    });
  }

  requestResetPassword(request: RequestResetPasswordRequest, context: ResetContext): Promise<void> {
    return mapped(async () => {
      await this.auth.requestResetPassword({
        tenantId: context.tenantId ?? "",
        clientId: context.clientId ?? "",
        account: { username: request.username, email: request.email },
      });
    });
  }

  resetPasswordCode(request: ResetPasswordCodeRequest): Promise<void> {
    return mapped(async () => {
      await this.auth.resetPasswordCode({
        code: request.code,
        username: request.username,
        encryptedCommitment: request.encryptedCommitment,
        protoVersion: request.protoVersion,
        logData: request.logData,
      });
    });
  }

  changePassword(request: ChangePasswordRequest): Promise<void> {
    return mapped(async () => {
      await this.auth.changePassword(
        { encryptedCommitment: request.encryptedCommitment, protoVersion: request.protoVersion, logData: request.logData },
        { headers: credentialHeaders(this.options) },
      );
    });
  }

  auxChallenge(request: { readonly cipherKey: string }): Promise<ChallengeAnswer> {
    return mapped(async () => {
      const answer = await this.auth.auxChallenge({ cipherKey: request.cipherKey }, { headers: credentialHeaders(this.options) });
      return { challengeData: answer.challengeData, protoVersion: answer.protoVersion };
    });
  }

  verifyEmail(code: string): Promise<void> {
    return mapped(async () => {
      await this.auth.verifyEmail({ code });
    });
  }

  getJwks(tenantId: string): Promise<{ keys: JWK[] }> {
    return mapped(async () => {
      const answer = await this.oidc.getJwks({ tenantId });
      return { keys: answer.keys as JWK[] };
    });
  }
}

function tenantFields(context: TenantContext): { authReqId: string; tenantId: string } {
  return { authReqId: context.authReqId ?? "", tenantId: context.tenantId ?? "" };
}

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toSvaultAuthError(error);
  }
}
