// The floor server's two login steps (bench/auth-floor-server.ts): the OPAQUE server calls, with
// the pending login kept by a LoginStore, and their answers as svault's REST login gives them.
import { randomBytes } from "node:crypto";
import * as opaque from "@serenity-kit/opaque";
import { encodeChallengeData, parseCipherKey } from "../../src/sdk/challenge-data.js";
import { normalizeUsername } from "../../src/sdk/identity-normalization.js";
import type { OpaqueCeiling } from "../opaque-ceiling.js";
import type { LoginStore } from "./floor-stores.js";

export type Answer = { status: number; body: Record<string, unknown> };
const refused = (status: number, message: string): Answer => ({ status, body: { error: message } });

export interface FloorSteps {
  challenge(input: { username?: unknown; cipherKey?: unknown }): Promise<Answer>;
  authenticate(input: { username?: unknown; challenge_id?: unknown; challenge_data?: unknown }): Promise<Answer>;
  /** The answer to one REST request; `parse` reads its JSON body (node:http: the bytes; Fastify: already parsed). */
  answer(path: string, parse: () => Record<string, unknown>): Promise<Answer>;
}

export function floorSteps(ceiling: OpaqueCeiling, store: LoginStore): FloorSteps {
  async function challenge(input: { username?: unknown; cipherKey?: unknown }): Promise<Answer> {
    if (typeof input.username !== "string" || typeof input.cipherKey !== "string") return refused(400, "username and cipherKey");
    const username = normalizeUsername(input.username);
    const { message } = parseCipherKey(input.cipherKey);
    const user = await store.record(username);
    if (!user) return refused(401, "unknown user");
    const login = ceiling.logins.get(username);
    if (!login) return refused(401, "unknown user");
    const { serverLoginState, loginResponse } = opaque.server.startLogin({
      serverSetup: ceiling.serverSetup,
      startLoginRequest: message,
      registrationRecord: user.registrationRecord,
      userIdentifier: user.userIdentifier,
      identifiers: login.identifiers,
    });
    const challengeId = randomBytes(24).toString("base64url");
    await store.hold(challengeId, username, serverLoginState);
    const challengeData = encodeChallengeData({ v: 1, kind: "login", challenge_id: challengeId, login_response: loginResponse });
    return { status: 200, body: { challenge_data: challengeData, proto_version: 1 } };
  }

  async function authenticate(input: { username?: unknown; challenge_id?: unknown; challenge_data?: unknown }): Promise<Answer> {
    if (typeof input.username !== "string" || typeof input.challenge_id !== "string" || typeof input.challenge_data !== "string")
      return refused(400, "username, challenge_id and challenge_data");
    const username = normalizeUsername(input.username);
    const serverLoginState = store.take(input.challenge_id, username);
    const login = ceiling.logins.get(username);
    if (serverLoginState === undefined || !login) return refused(401, "unknown challenge");
    try {
      opaque.server.finishLogin({ serverLoginState, finishLoginRequest: input.challenge_data, identifiers: login.identifiers });
    } catch {
      return refused(401, "wrong secret");
    }
    const nonce = randomBytes(32).toString("base64url");
    if (!(await store.complete(input.challenge_id, username, nonce))) return refused(401, "challenge already used");
    return { status: 200, body: { nonce } };
  }

  async function answer(path: string, parse: () => Record<string, unknown>): Promise<Answer> {
    try {
      const input = parse();
      if (path.startsWith("/api/v1/auth/challenge")) return await challenge(input);
      if (path.startsWith("/api/v1/auth/authenticate")) return await authenticate(input);
      return refused(404, "no such route");
    } catch (error) {
      return refused(400, String(error));
    }
  }
  return { challenge, authenticate, answer };
}
