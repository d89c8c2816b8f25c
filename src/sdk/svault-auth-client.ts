// The high-level flows of the login protocol over any AuthTransport: register, login, change,
// reset and e-mail verification. `secret` is always the encoded password string (secret.ts): the
// UI encodes the user's PIN/pattern, and refuses weak ones at registration, change and reset.
import type { JWK } from "jose";
import { encryptCommitment, selectEncryptionKey } from "./commitment.js";
import { invalidLoginError } from "./errors.js";
import { opaqueIdentifiers, tenantIdFromIssuer } from "./identity.js";
import { finishLogin, finishRegistration, startLogin, startRegistration } from "./opaque-flow.js";
import type { AuthenticateAnswer, AuthTransport, ChallengeAnswer, JsonObject, TenantContext } from "./transport.js";

export interface SvaultAuthClientOptions {
  readonly transport: AuthTransport;
  /**
   * The tenant's standard issuer `{PUBLIC_URL}/{tenant_id}` (not the `/oidc/` alias): OPAQUE's
   * server identifier.
   */
  readonly issuer: string;
  /** The tenant; defaults to the issuer's last path segment. Sent as `tenant_id`. */
  readonly tenantId?: string | undefined;
  /** The pending authorization request (the hosted login page has it). Sent as `auth_req_id`. */
  readonly authReqId?: string | undefined;
  /** The client whose pages a reset e-mail links to (Request Reset Password's `client_id`). */
  readonly clientId?: string | undefined;
  /** Recorded with every attempt (`log_data`; device, app version…); a call's own is merged over it. */
  readonly logData?: JsonObject | undefined;
  /** The tenant's X25519 `use: enc` JWK, to skip fetching the JWKS. */
  readonly encryptionKey?: JWK | undefined;
}

export interface RegisterParams {
  readonly username: string;
  readonly email?: string | undefined;
  readonly secret: string;
  /** The suite to register with; default: what the server's challenge answer names. */
  readonly protoVersion?: string | undefined;
  readonly logData?: JsonObject | undefined;
}

export interface LoginParams {
  readonly username: string;
  readonly secret: string;
  /** Extra-factor form data for Authenticate (`ber`). */
  readonly ber?: JsonObject | undefined;
  readonly logData?: JsonObject | undefined;
}

export interface ChangeSecretParams {
  /**
   * The signed-in user's username: it is part of OPAQUE's client identifier, which the new
   * record must be bound to.
   */
  readonly username: string;
  readonly secret: string;
  readonly protoVersion?: string | undefined;
  readonly logData?: JsonObject | undefined;
}

export interface ResetWithCodeParams {
  readonly code: string;
  readonly username: string;
  readonly secret: string;
  readonly protoVersion?: string | undefined;
  readonly logData?: JsonObject | undefined;
}

export type LoginResult = AuthenticateAnswer;

/** How long a fetched JWKS is used (the server allows caching it for 5 minutes). */
const JWKS_TTL_MS = 5 * 60 * 1000;

export class SvaultAuthClient {
  readonly tenantId: string;
  readonly issuer: string;
  private readonly transport: AuthTransport;
  private readonly context: TenantContext;
  private cachedKey: { key: Promise<JWK>; until: number } | undefined;

  constructor(private readonly options: SvaultAuthClientOptions) {
    this.transport = options.transport;
    this.issuer = options.issuer;
    const fromIssuer = tenantIdFromIssuer(options.issuer);
    if (options.tenantId !== undefined && options.tenantId !== fromIssuer) {
      throw new Error(`tenantId ${options.tenantId} does not match the issuer ${options.issuer}`);
    }
    this.tenantId = options.tenantId ?? fromIssuer;
    this.context = { authReqId: options.authReqId, tenantId: this.tenantId };
  }

  /** Self-service registration (§6). Throws SvaultAuthError (409: taken, 403: not allowed…). */
  async register(params: RegisterParams): Promise<void> {
    const key = this.encryptionKey();
    const commitment = await this.registrationCommitment(params.username, params.secret, params.protoVersion, (cipherKey) =>
      this.transport.getChallenge({ username: params.username, cipherKey }, this.context),
    );
    await this.transport.register(
      {
        username: params.username,
        email: params.email,
        encryptedCommitment: await encryptCommitment(await key, commitment.payload),
        protoVersion: commitment.protoVersion,
        logData: this.logData(params.logData),
      },
      this.context,
    );
  }

  /**
   * Login (§7): `{nonce, needVerify}` for Sign In. A wrong secret throws SvaultAuthError 401
   * ("Invalid username or secret") — locally, without calling Authenticate, when the client already
   * knows from KE2 (the server counted the attempt at Get Challenge).
   */
  async login(params: LoginParams): Promise<LoginResult> {
    const started = await startLogin(params.secret);
    const answer = await this.transport.getChallenge({ username: params.username, cipherKey: started.cipherKey }, this.context);
    const finished = await finishLogin({
      started,
      secret: params.secret,
      challengeData: answer.challengeData,
      protoVersion: answer.protoVersion,
      identifiers: this.identifiers(params.username),
    });
    if (!finished) throw invalidLoginError();
    return this.transport.authenticate(
      {
        username: params.username,
        cipherKey: started.cipherKey,
        challengeId: finished.challengeId,
        challengeData: finished.finishLoginRequest,
        ber: params.ber,
        logData: this.logData(params.logData),
      },
      this.context,
    );
  }

  /** Change (§9) for the signed-in caller: the transport must carry their API key or access token. */
  async changeSecret(params: ChangeSecretParams): Promise<void> {
    const key = this.encryptionKey();
    const commitment = await this.registrationCommitment(params.username, params.secret, params.protoVersion, (cipherKey) =>
      this.transport.auxChallenge({ cipherKey }),
    );
    await this.transport.changePassword({
      encryptedCommitment: await encryptCommitment(await key, commitment.payload),
      protoVersion: commitment.protoVersion,
      logData: this.logData(params.logData),
    });
  }

  /** Asks for a reset code by e-mail (§9); the answer is the same whether or not the account exists. */
  async requestReset(params: { readonly username: string; readonly email: string }): Promise<void> {
    await this.transport.requestResetPassword(
      { username: params.username, email: params.email },
      { tenantId: this.tenantId, clientId: this.options.clientId },
    );
  }

  /** Sets a new secret with the e-mailed code (§9). */
  async resetWithCode(params: ResetWithCodeParams): Promise<void> {
    const key = this.encryptionKey();
    const commitment = await this.registrationCommitment(params.username, params.secret, params.protoVersion, (cipherKey) =>
      this.transport.getChallenge({ username: params.username, cipherKey }, this.context),
    );
    await this.transport.resetPasswordCode({
      code: params.code,
      username: params.username,
      encryptedCommitment: await encryptCommitment(await key, commitment.payload),
      protoVersion: commitment.protoVersion,
      logData: this.logData(params.logData),
    });
  }

  /** Confirms an e-mail address with the e-mailed code (§10). */
  async verifyEmail(code: string): Promise<void> {
    await this.transport.verifyEmail(code);
  }

  /** OPAQUE's identifiers for `username` in this tenant (§3). */
  identifiers(username: string): { client: string; server: string } {
    return opaqueIdentifiers(this.issuer, this.tenantId, username);
  }

  private async registrationCommitment(
    username: string,
    secret: string,
    protoVersion: string | undefined,
    challenge: (cipherKey: string) => Promise<ChallengeAnswer>,
  ): Promise<{ payload: { challenge_id: string; registration_record: string }; protoVersion: string }> {
    const started = await startRegistration(secret);
    const answer = await challenge(started.cipherKey);
    const finished = await finishRegistration({
      started,
      secret,
      challengeData: answer.challengeData,
      protoVersion: protoVersion ?? answer.protoVersion,
      identifiers: this.identifiers(username),
    });
    return {
      payload: { challenge_id: finished.challengeId, registration_record: finished.registrationRecord },
      protoVersion: finished.protoVersion,
    };
  }

  /** The tenant's encryption key, fetched at most every 5 minutes; a failed fetch is not cached. */
  private encryptionKey(): Promise<JWK> {
    if (this.options.encryptionKey) return Promise.resolve(this.options.encryptionKey);
    const now = Date.now();
    if (this.cachedKey && this.cachedKey.until > now) return this.cachedKey.key;
    const key = this.transport.getJwks(this.tenantId).then(selectEncryptionKey);
    const entry = { key, until: now + JWKS_TTL_MS };
    this.cachedKey = entry;
    key.catch(() => {
      if (this.cachedKey === entry) this.cachedKey = undefined;
    });
    return key;
  }

  private logData(own: JsonObject | undefined): JsonObject | undefined {
    if (!this.options.logData) return own;
    return { ...this.options.logData, ...own };
  }
}
