// Login, steps 1 and 2 (docs/login-protocol.md §7) on the server: KE1 → KE2 with the user's
// record (or a fake one for unknown users), then KE3 → a single-use nonce for Sign In.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import * as opaque from "@serenity-kit/opaque";
import type { Keyring } from "../../crypto/key-encryption-key.js";
import { open, seal } from "../../crypto/secret-box.js";
import type { Tenant } from "../../persistence/entities/tenant.js";
import { encodeChallengeData, parseCipherKey, WireFormatError } from "../../sdk/challenge-data.js";
import { PROTO_VERSION_DEFAULT } from "../../sdk/proto-version.js";
import { normalizeUsername } from "../users/identity-normalization.js";
import type { AuthEventRecorder } from "./auth-events.js";
import type { AuthTarget } from "./auth-target.js";
import { consumeChallenge, insertChallenge } from "./challenges.js";
import { openRecord } from "./credentials.js";
import { invalidCredentials, invalidField } from "./login-errors.js";
import type { LoginThrottle } from "./login-throttle.js";
import type { OpaqueSetups } from "./opaque-setups.js";
import { issueSecret, randomId } from "./single-use-secrets.js";

export const LOGIN_CHALLENGE_TTL_SECONDS = 120;
export const NONCE_TTL_SECONDS = 300;

/** Who is calling, for throttling and the audit trail. */
export interface CallerInfo {
  readonly ip: string;
  readonly userAgent: string;
}

export interface LoginDeps {
  readonly keyring: Keyring;
  readonly setups: OpaqueSetups;
  readonly throttle: LoginThrottle;
  readonly events: AuthEventRecorder;
  readonly issuerOf: (tenantId: string) => string;
}

interface UserLoginRow {
  id: string;
  is_disabled: boolean;
  is_verified: boolean;
  email: string | null;
  credential_id: string | null;
  record_sealed: Buffer | null;
  proto_version: string | null;
}

const USER_QUERY = `select u.id, u.is_disabled, u.is_verified, u.email, c.credential_id, c.record_sealed, c.proto_version
  from app_user u left join user_credential c on c.user_id = u.id
  where u.tenant_id = ? and u.username_normalized = ?`;

export function opaqueIdentifiersFor(issuer: string, tenantId: string, normalizedUsername: string) {
  return { client: `${tenantId}:${normalizedUsername}`, server: issuer };
}

/** OIDC `amr` values for the tenant's factors. */
export function amrOf(tenant: Tenant): string[] {
  return tenant.loginOrder.map((factor) => (factor === "PIN" ? "pin" : "pattern"));
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();
const stateAad = (challengeId: string) => `login-state:${challengeId}`;

export class OpaqueLogin {
  constructor(private readonly deps: LoginDeps) {}

  /** Step 1: KE1 → KE2. Counted as one guess; the answer does not reveal whether the user exists. */
  async challenge(
    em: EntityManager,
    target: AuthTarget,
    username: string,
    cipherKey: string,
    caller: CallerInfo,
  ): Promise<{ challengeData: string; protoVersion: string }> {
    const { tenant } = target;
    const ke1 = loginMessageOf(cipherKey);
    const normalized = normalizeUsername(username);
    const event = {
      tenantId: tenant.id,
      kind: "challenge" as const,
      username: normalized,
      ...caller,
      clientId: target.client?.clientId ?? null,
    };
    try {
      await this.deps.throttle.admit(em, tenant.id, tenant.blockConfig, normalized, caller.ip);
    } catch (error) {
      this.deps.events.record({ ...event, outcome: "failure", reason: "throttled" });
      throw error;
    }
    const [user] = (await em.getConnection().execute(USER_QUERY, [tenant.id, normalized])) as UserLoginRow[];
    const serverSetup = await this.deps.setups.forTenant(em, tenant.id);
    const usable = user && !user.is_disabled && user.credential_id && user.record_sealed;
    const issuer = this.deps.issuerOf(tenant.id);
    let started: { serverLoginState: string; loginResponse: string };
    try {
      started = opaque.server.startLogin({
        serverSetup,
        startLoginRequest: ke1,
        // An unknown user gets a fake record, with an identifier that is stable per username so
        // that repeated challenges look exactly like a real user's.
        registrationRecord: usable ? openRecord(this.deps.keyring, tenant.id, user.id, user.record_sealed as Buffer) : null,
        userIdentifier: usable ? (user.credential_id as string) : fakeCredentialId(serverSetup, tenant.id, normalized),
        identifiers: opaqueIdentifiersFor(issuer, tenant.id, normalized),
      });
    } catch {
      throw invalidField(["cipherKey"], "cipherKey does not hold a valid OPAQUE KE1");
    }
    const challengeId = randomId();
    await insertChallenge(em, {
      id: challengeId,
      tenant_id: tenant.id,
      purpose: "login",
      username_normalized: normalized,
      user_id: usable ? user.id : null,
      ke1_hash: sha256(cipherKey),
      server_state_sealed: seal(this.deps.keyring, Buffer.from(started.serverLoginState, "utf8"), stateAad(challengeId)),
      credential_id: null,
      auth_req_id: target.authRequest?.id ?? null,
      proto_version: usable ? (user.proto_version as string) : PROTO_VERSION_DEFAULT,
      ttlSeconds: LOGIN_CHALLENGE_TTL_SECONDS,
    });
    this.deps.events.record({ ...event, outcome: "success", reason: "challenge_issued", userId: usable ? user.id : null });
    return {
      challengeData: encodeChallengeData({ v: 1, kind: "login", challenge_id: challengeId, login_response: started.loginResponse }),
      protoVersion: usable ? (user.proto_version as string) : PROTO_VERSION_DEFAULT,
    };
  }

  /** Step 2: KE3 → a single-use nonce bound to tenant, user and authorization request. */
  async authenticate(
    em: EntityManager,
    target: AuthTarget,
    input: { username: string; cipherKey: string; challengeId: string; ke3: string; logData?: Record<string, unknown> | null },
    caller: CallerInfo,
  ): Promise<{ nonce: string; needVerify: boolean; userId: string }> {
    const { tenant } = target;
    loginMessageOf(input.cipherKey);
    const normalized = normalizeUsername(input.username);
    const event = {
      tenantId: tenant.id,
      kind: "authenticate" as const,
      username: normalized,
      ...caller,
      clientId: target.client?.clientId ?? null,
      logData: input.logData ?? null,
    };
    const fail = (reason: string, userId: string | null = null) => {
      this.deps.events.record({ ...event, outcome: "failure", reason, userId });
      return invalidCredentials();
    };

    const challenge = await consumeChallenge(em, tenant.id, input.challengeId);
    if (challenge?.purpose !== "login") throw fail("unknown_or_expired_challenge");
    if (challenge.username_normalized !== normalized) throw fail("username_mismatch");
    const ke1Hash = challenge.ke1_hash ?? Buffer.alloc(0);
    const presented = sha256(input.cipherKey);
    if (ke1Hash.length !== presented.length || !timingSafeEqual(ke1Hash, presented)) throw fail("ke1_mismatch");
    if ((challenge.auth_req_id ?? null) !== (target.authRequest?.id ?? null)) throw fail("auth_request_mismatch");
    if (!challenge.user_id) throw fail("unknown_user");

    const serverLoginState = open(this.deps.keyring, challenge.server_state_sealed as Buffer, stateAad(challenge.id)).toString("utf8");
    try {
      opaque.server.finishLogin({
        serverLoginState,
        finishLoginRequest: input.ke3,
        identifiers: opaqueIdentifiersFor(this.deps.issuerOf(tenant.id), tenant.id, normalized),
      });
    } catch {
      throw fail("wrong_secret", challenge.user_id);
    }

    const [user] = (await em
      .getConnection()
      .execute("select is_disabled, is_verified, email from app_user where id = ? and tenant_id = ?", [challenge.user_id, tenant.id])) as {
      is_disabled: boolean;
      is_verified: boolean;
      email: string | null;
    }[];
    if (!user || user.is_disabled) throw fail("disabled", challenge.user_id);

    await this.deps.throttle.recordSuccess(em, tenant.id, normalized, caller.ip);
    const nonce = issueSecret();
    await em.getConnection().execute(
      `insert into login_nonce (hash, tenant_id, user_id, auth_req_id, amr, expires_at, created_at)
       values (?, ?, ?, ?, ?, now() + make_interval(secs => ?), now())`,
      [nonce.hash, tenant.id, challenge.user_id, challenge.auth_req_id, JSON.stringify(amrOf(tenant)), NONCE_TTL_SECONDS],
      "run",
    );
    this.deps.events.record({ ...event, outcome: "success", reason: "authenticated", userId: challenge.user_id });
    const needVerify = tenant.hasUsernameAndEmail && user.email !== null && !user.is_verified;
    return { nonce: nonce.value, needVerify, userId: challenge.user_id };
  }
}

function loginMessageOf(cipherKey: string): string {
  try {
    const parsed = parseCipherKey(cipherKey);
    if (parsed.kind !== "login") throw new WireFormatError('a login needs a "login:" cipherKey');
    return parsed.message;
  } catch (error) {
    throw invalidField(["cipherKey"], error instanceof Error ? error.message : "invalid cipherKey");
  }
}

/** A credential identifier for a username that has no credential: stable, and unpredictable without the setup. */
function fakeCredentialId(serverSetup: string, tenantId: string, normalizedUsername: string): string {
  return createHmac("sha256", serverSetup).update(`fake-credential:${tenantId}:${normalizedUsername}`).digest("base64url");
}
