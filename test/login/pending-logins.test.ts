// The in-memory copy of the challenges an instance issued: taken once, never past its expiry,
// bounded, and per tenant — or per authorization request, for a step that names one instead of
// its tenant.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type PendingLogin, PendingLogins } from "../../src/domain/login/pending-logins.js";
import type { LoginTarget } from "../../src/persistence/repositories/login-repository.js";

const tenant = (tenantId: string): LoginTarget => ({ tenantId, authReqId: null });
const request = (authReqId: string): LoginTarget => ({ tenantId: null, authReqId });

const loginUntil = (expiresAt: number, username = "alice", authReqId: string | null = null): PendingLogin => ({
  usernameNormalized: username,
  userId: "00000000-0000-4000-8000-000000000001",
  cipherKey: "login:KE1",
  authReqId,
  serverLoginState: "state",
  loginOrder: ["PIN"],
  hasUsernameAndEmail: false,
  expiresAt,
});

describe("pending logins", () => {
  it("hands a challenge out once", () => {
    const pending = new PendingLogins(10, () => 1_000);
    pending.remember("t", "c1", loginUntil(2_000));
    assert.equal(pending.take(tenant("t"), "c1")?.login.usernameNormalized, "alice");
    assert.equal(pending.take(tenant("t"), "c1"), undefined);
    assert.equal(pending.size, 0);
  });

  it("keeps challenges apart by tenant", () => {
    const pending = new PendingLogins(10, () => 1_000);
    pending.remember("a", "c1", loginUntil(2_000, "alice"));
    assert.equal(pending.take(tenant("b"), "c1"), undefined, "unknown at another tenant");
    assert.equal(pending.take(tenant("a"), "c1")?.login.usernameNormalized, "alice", "and still there for its own");
  });

  it("hands a challenge of an authorization request out for that request only, with its tenant", () => {
    const pending = new PendingLogins(10, () => 1_000);
    pending.remember("a", "c1", loginUntil(2_000, "alice", "req-1"));
    assert.equal(pending.take(request("req-2"), "c1"), undefined, "unknown at another request");
    const held = pending.take(request("req-1"), "c1");
    assert.equal(held?.tenantId, "a");
    assert.equal(held?.login.usernameNormalized, "alice");
    assert.equal(pending.take(request("req-1"), "c1"), undefined, "once");
    pending.remember("a", "c2", loginUntil(2_000, "alice"));
    assert.equal(pending.take(request("req-1"), "c2"), undefined, "a challenge issued without a request is not the request's");
    assert.equal(pending.take(tenant("a"), "c2")?.login.usernameNormalized, "alice", "and still there for its tenant");
  });

  it("does not hand out an expired challenge, and forgets it", () => {
    let now = 1_000;
    const pending = new PendingLogins(10, () => now);
    pending.remember("t", "c1", loginUntil(2_000));
    now = 2_000;
    assert.equal(pending.take(tenant("t"), "c1"), undefined);
    assert.equal(pending.size, 0);
  });

  it("drops expired challenges as new ones arrive", () => {
    let now = 1_000;
    const pending = new PendingLogins(10, () => now);
    pending.remember("t", "c1", loginUntil(1_500));
    pending.remember("t", "c2", loginUntil(1_600));
    now = 1_550;
    pending.remember("t", "c3", loginUntil(2_550));
    assert.equal(pending.size, 2, "c1 is gone");
    assert.ok(pending.take(tenant("t"), "c2"));
    assert.ok(pending.take(tenant("t"), "c3"));
  });

  it("holds at most its capacity, dropping the oldest", () => {
    const pending = new PendingLogins(3, () => 1_000);
    for (const id of ["c1", "c2", "c3", "c4"]) pending.remember("t", id, loginUntil(5_000));
    assert.equal(pending.size, 3);
    assert.equal(pending.take(tenant("t"), "c1"), undefined, "the oldest was dropped");
    for (const id of ["c2", "c3", "c4"]) assert.ok(pending.take(tenant("t"), id), id);
  });
});
