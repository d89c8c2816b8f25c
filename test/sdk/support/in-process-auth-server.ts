// A stand-in for the server side of docs/login-protocol.md, in-process and without HTTP, written
// from the spec with @serenity-kit/opaque's server functions and jose: it proves that the SDK's
// wire formats, identifiers (§3) and key stretching (§2) interoperate with a spec-following server.
// It implements AuthTransport, so SvaultAuthClient runs against it unchanged. Deliberately
// independent of the SDK's helpers (own base64url/JSON handling) so that it checks them.
import { createHash, randomBytes } from "node:crypto";
import * as opaque from "@serenity-kit/opaque";
import { calculateJwkThumbprint, compactDecrypt, exportJWK, generateKeyPair, type JWK } from "jose";
import type {
  AuthenticateAnswer,
  AuthenticateRequest,
  AuthTransport,
  ChallengeAnswer,
  ChallengeRequest,
  ChangePasswordRequest,
  RegisterRequest,
  RequestResetPasswordRequest,
  ResetContext,
  ResetPasswordCodeRequest,
  TenantContext,
} from "../../../src/sdk/transport.js";

const DEFAULT_VERSION = "opaque-3dh/ristretto255-sha512/argon2id-m65536-t3-p1";
const VERSIONS: Record<string, { memory: number; iterations: number; parallelism: number }> = {
  [DEFAULT_VERSION]: { memory: 65536, iterations: 3, parallelism: 1 },
  "opaque-3dh/ristretto255-sha512/argon2id-m19456-t2-p1": { memory: 19456, iterations: 2, parallelism: 1 },
};

/** What the test can inspect and tweak. */
export interface InProcessServerOptions {
  readonly tenantId: string;
  readonly issuer: string;
  /** The proto_version answered to registration challenges (default: the default version). */
  readonly registrationVersion?: string;
}

interface StoredUser {
  username: string;
  email: string | undefined;
  credentialId: string;
  record: string;
  protoVersion: string;
}

interface Challenge {
  kind: "login" | "register";
  username: string;
  ke1Hash?: string;
  serverLoginState?: string;
  userExists?: boolean;
  credentialId?: string;
  /** For Aux Challenge: the caller. */
  caller?: string;
}

/** A refused call: `status` and `detail`, like the SDK's SvaultAuthError (not shared, on purpose). */
export class HttpLikeError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export class InProcessAuthServer {
  readonly tenantId: string;
  readonly issuer: string;
  readonly users = new Map<string, StoredUser>();
  readonly resetCodes = new Map<string, string>();
  readonly calls: string[] = [];
  private readonly challenges = new Map<string, Challenge>();
  private serverSetup = "";
  private encPrivate: CryptoKey | undefined;
  private encPublic: JWK | undefined;
  private readonly registrationVersion: string;

  private constructor(options: InProcessServerOptions) {
    this.tenantId = options.tenantId;
    this.issuer = options.issuer;
    this.registrationVersion = options.registrationVersion ?? DEFAULT_VERSION;
  }

  static async create(options: InProcessServerOptions): Promise<InProcessAuthServer> {
    const server = new InProcessAuthServer(options);
    await opaque.ready;
    server.serverSetup = opaque.server.createSetup();
    const { publicKey, privateKey } = await generateKeyPair("ECDH-ES", { crv: "X25519", extractable: true });
    const jwk = await exportJWK(publicKey);
    server.encPublic = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: "ECDH-ES", use: "enc" };
    server.encPrivate = privateKey as CryptoKey;
    return server;
  }

  /** A transport for an anonymous caller, or for a signed-in `caller` (Change / Aux Challenge). */
  transport(caller?: string): AuthTransport {
    const call = async <T>(name: string, run: () => T | Promise<T>): Promise<T> => {
      this.calls.push(name);
      return run();
    };
    return {
      getChallenge: (request, context) => call("getChallenge", () => this.getChallenge(request, context)),
      authenticate: (request, context) => call("authenticate", () => this.authenticate(request, context)),
      register: (request, context) => call("register", () => this.register(request, context)),
      requestResetPassword: (request, context) => call("requestResetPassword", () => this.requestResetPassword(request, context)),
      resetPasswordCode: (request) => call("resetPasswordCode", () => this.resetPasswordCode(request)),
      changePassword: (request) => call("changePassword", () => this.changePassword(request, caller)),
      auxChallenge: (request) => call("auxChallenge", () => this.auxChallenge(request.cipherKey, caller)),
      verifyEmail: (code) => call("verifyEmail", () => this.verifyEmail(code)),
      getJwks: (tenantId) => call("getJwks", () => this.getJwks(tenantId)),
    };
  }

  private checkTenant(context: TenantContext): void {
    if (context.tenantId !== this.tenantId) throw new HttpLikeError(404, `unknown tenant ${context.tenantId}`);
  }

  private identifiers(username: string): { client: string; server: string } {
    return { client: `${this.tenantId}:${normalize(username)}`, server: this.issuer };
  }

  private newChallenge(challenge: Challenge): string {
    const id = randomBytes(16).toString("base64url");
    this.challenges.set(id, challenge);
    return id;
  }

  private answer(json: Record<string, unknown>, protoVersion: string): ChallengeAnswer {
    return { challengeData: Buffer.from(JSON.stringify(json), "utf8").toString("base64url"), protoVersion };
  }

  private registrationAnswer(username: string, registrationRequest: string, caller?: string): ChallengeAnswer {
    const credentialId = randomBytes(32).toString("base64url");
    const { registrationResponse } = opaque.server.createRegistrationResponse({
      serverSetup: this.serverSetup,
      userIdentifier: credentialId,
      registrationRequest,
    });
    const challengeId = this.newChallenge({ kind: "register", username: normalize(username), credentialId, ...(caller ? { caller } : {}) });
    return this.answer(
      { v: 1, kind: "register", challenge_id: challengeId, registration_response: registrationResponse },
      this.registrationVersion,
    );
  }

  private getChallenge(request: ChallengeRequest, context: TenantContext): ChallengeAnswer {
    this.checkTenant(context);
    const [prefix, message] = splitCipherKey(request.cipherKey);
    if (prefix === "register") return this.registrationAnswer(request.username, message);
    const user = this.users.get(normalize(request.username));
    const { serverLoginState, loginResponse } = opaque.server.startLogin({
      serverSetup: this.serverSetup,
      registrationRecord: user?.record ?? null,
      startLoginRequest: message,
      userIdentifier: user?.credentialId ?? `fake:${normalize(request.username)}`,
      identifiers: this.identifiers(request.username),
    });
    const challengeId = this.newChallenge({
      kind: "login",
      username: normalize(request.username),
      ke1Hash: sha256(message),
      serverLoginState,
      userExists: user !== undefined,
    });
    return this.answer(
      { v: 1, kind: "login", challenge_id: challengeId, login_response: loginResponse },
      user?.protoVersion ?? DEFAULT_VERSION,
    );
  }

  private authenticate(request: AuthenticateRequest, context: TenantContext): AuthenticateAnswer {
    this.checkTenant(context);
    const challenge = this.challenges.get(request.challengeId);
    this.challenges.delete(request.challengeId);
    const invalid = new HttpLikeError(401, "Invalid username or secret");
    if (challenge?.kind !== "login" || !challenge.userExists || challenge.username !== normalize(request.username)) {
      throw invalid;
    }
    const [prefix, ke1] = splitCipherKey(request.cipherKey);
    if (prefix !== "login" || sha256(ke1) !== challenge.ke1Hash) throw invalid;
    try {
      opaque.server.finishLogin({
        serverLoginState: challenge.serverLoginState as string,
        finishLoginRequest: request.challengeData,
        identifiers: this.identifiers(request.username),
      });
    } catch {
      throw invalid;
    }
    return { nonce: randomBytes(16).toString("base64url"), needVerify: false };
  }

  private async openCommitment(
    jwe: string,
    username: string,
    protoVersion: string,
    caller?: string,
  ): Promise<Challenge & { record: string }> {
    if (!(protoVersion in VERSIONS)) throw new HttpLikeError(422, "unsupported proto_version");
    let plaintext: Uint8Array;
    try {
      const { plaintext: bytes, protectedHeader } = await compactDecrypt(jwe, this.encPrivate as CryptoKey);
      if (protectedHeader.alg !== "ECDH-ES" || protectedHeader.enc !== "A256GCM" || protectedHeader.kid !== this.encPublic?.kid) {
        throw new Error("wrong header");
      }
      plaintext = bytes;
    } catch {
      throw new HttpLikeError(400, "encrypted_commitment does not decrypt");
    }
    const payload = JSON.parse(Buffer.from(plaintext).toString("utf8")) as { challenge_id: string; registration_record: string };
    const challenge = this.challenges.get(payload.challenge_id);
    this.challenges.delete(payload.challenge_id);
    if (challenge?.kind !== "register" || challenge.username !== normalize(username) || challenge.caller !== caller) {
      throw new HttpLikeError(400, "unknown, expired or mismatched challenge");
    }
    return { ...challenge, record: payload.registration_record };
  }

  private async register(request: RegisterRequest, context: TenantContext): Promise<void> {
    this.checkTenant(context);
    const opened = await this.openCommitment(request.encryptedCommitment, request.username, request.protoVersion);
    if (this.users.has(opened.username)) throw new HttpLikeError(409, "The username is taken");
    this.users.set(opened.username, {
      username: request.username,
      email: request.email,
      credentialId: opened.credentialId as string,
      record: opened.record,
      protoVersion: request.protoVersion,
    });
  }

  private requestResetPassword(request: RequestResetPasswordRequest, context: ResetContext): void {
    if (context.tenantId !== this.tenantId) return;
    const user = this.users.get(normalize(request.username));
    if (user && user.email === request.email) this.resetCodes.set(normalize(request.username), randomBytes(32).toString("base64url"));
  }

  private async resetPasswordCode(request: ResetPasswordCodeRequest): Promise<void> {
    const username = normalize(request.username);
    if (!this.resetCodes.has(username) || this.resetCodes.get(username) !== request.code) throw new HttpLikeError(400, "invalid code");
    const opened = await this.openCommitment(request.encryptedCommitment, request.username, request.protoVersion);
    this.resetCodes.delete(username);
    this.replaceCredential(username, opened, request.protoVersion);
  }

  private auxChallenge(cipherKey: string, caller: string | undefined): ChallengeAnswer {
    if (!caller) throw new HttpLikeError(401, "Not authenticated");
    const [prefix, message] = splitCipherKey(cipherKey);
    if (prefix !== "register") throw new HttpLikeError(422, "cipherKey must be register:");
    return this.registrationAnswer(caller, message, normalize(caller));
  }

  private async changePassword(request: ChangePasswordRequest, caller: string | undefined): Promise<void> {
    if (!caller) throw new HttpLikeError(401, "Not authenticated");
    const opened = await this.openCommitment(request.encryptedCommitment, caller, request.protoVersion, normalize(caller));
    this.replaceCredential(normalize(caller), opened, request.protoVersion);
  }

  private replaceCredential(username: string, opened: Challenge & { record: string }, protoVersion: string): void {
    const user = this.users.get(username);
    if (!user) throw new HttpLikeError(404, "no such user");
    user.credentialId = opened.credentialId as string;
    user.record = opened.record;
    user.protoVersion = protoVersion;
  }

  private verifyEmail(code: string): void {
    if (code !== "good-code") throw new HttpLikeError(400, "invalid code");
  }

  private getJwks(tenantId: string): { keys: JWK[] } {
    if (tenantId !== this.tenantId) throw new HttpLikeError(404, "unknown tenant");
    return {
      keys: [
        { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", use: "sig", kid: "sig" },
        this.encPublic as JWK,
      ],
    };
  }
}

function normalize(username: string): string {
  return username.normalize("NFKC").trim().toLowerCase();
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

function splitCipherKey(cipherKey: string): ["login" | "register", string] {
  const match = /^(login|register):([A-Za-z0-9_-]+)$/.exec(cipherKey);
  if (!match) throw new HttpLikeError(422, "malformed cipherKey");
  return [match[1] as "login" | "register", match[2] as string];
}
