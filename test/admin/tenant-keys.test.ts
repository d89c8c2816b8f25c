// A tenant's keys as stored and used: the initial key set, private keys sealed under the KEK,
// rotation through the key store (publish, activate, grace, retire) with tokens that stay
// verifiable against the published JWKS, and List / Rotate Tenant Key over the API: the schedule
// without key material, the audit log line, bad requests, and concurrent rotations.
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, randomBytes, X509Certificate } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { calculateJwkThumbprint, createLocalJWKSet, type JWK, jwtVerify, SignJWT } from "jose";
import { keyEncryptionKeyOf, keyringOf } from "../../src/crypto/key-encryption-key.js";
import { open, SecretBoxError } from "../../src/crypto/secret-box.js";
import { type TenantKey, TenantKeyEntity } from "../../src/persistence/entities/tenant-key.js";
import { TenantKeyService } from "../../gen/svault/tenant/v1/tenant_key_service_pb.js";
import { createTenant, grpcClient, rest, violationLocs, withKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];
const HOUR = 3_600_000;

/** The repositories of `tenantId` on a unit of work of their own, as a request would have. */
const repositoriesOf = (tenantId: string, target: TestServer = server) =>
  new TenantRepositories(new UnitOfWork(target.running.database.orm.em.fork()), tenantId);

async function storedKeys(tenantId: string, target: TestServer = server): Promise<TenantKey[]> {
  return target.running.database.orm.em
    .fork()
    .find(TenantKeyEntity, { tenant: tenantId }, { filters: { tenant: false }, orderBy: { createdAt: "asc" } });
}

function serverKeyring(target: TestServer = server) {
  assert.ok(target.config.kek, "the test server has an explicit KEK");
  return keyringOf(keyEncryptionKeyOf(Buffer.from(target.config.kek, "base64")));
}

const sealAad = (kid: string) => `tenant-key:${kid}`;
const kidsOf = (jwks: Record<string, unknown>[]) => jwks.map((jwk) => jwk.kid as string);

describe("a new tenant's keys", () => {
  let keys: TenantKey[];
  before(async () => {
    await createTenant(server, "keys-a");
    keys = await storedKeys("keys-a");
  });

  it("are exactly three: EdDSA and RS256 for signing, ECDH-ES for encryption, all current", async () => {
    assert.equal(keys.length, 3);
    assert.deepEqual(keys.map((k) => `${k.alg}/${k.use}`).sort(), ["ECDH-ES/enc", "EdDSA/sig", "RS256/sig"]);
    for (const key of keys) {
      assert.equal(key.tenant, "keys-a");
      assert.equal(key.retireAt, null, `${key.alg} is not retired`);
      assert.equal(key.publishAt.getTime(), key.activateAt.getTime(), `${key.alg} is active as soon as published`);
      assert.ok(Math.abs(key.publishAt.getTime() - Date.now()) < 60_000);
      // The kid is the RFC 7638 thumbprint of the public key.
      assert.equal(key.id, await calculateJwkThumbprint(key.publicJwk as JWK, "sha256"));
      assert.equal(key.publicJwk.kid, key.id);
      assert.equal(key.publicJwk.alg, key.alg);
      assert.equal(key.publicJwk.use, key.use);
      for (const member of PRIVATE_MEMBERS) assert.ok(!(member in key.publicJwk), `${key.alg} public JWK has no ${member}`);
    }
    const byAlg = Object.fromEntries(keys.map((k) => [k.alg, k.publicJwk]));
    assert.equal(byAlg.EdDSA?.kty, "OKP");
    assert.equal(byAlg.EdDSA?.crv, "Ed25519");
    assert.equal(byAlg["ECDH-ES"]?.kty, "OKP");
    assert.equal(byAlg["ECDH-ES"]?.crv, "X25519");
    assert.equal(byAlg.RS256?.kty, "RSA");
    // Another tenant has keys of its own.
    await createTenant(server, "keys-b");
    const other = await storedKeys("keys-b");
    assert.equal(other.length, 3);
    assert.ok(other.every((k) => !keys.some((mine) => mine.id === k.id)));
  });

  it("publish an RS256 key with a self-signed x5c certificate of that very key", () => {
    const rsa = keys.find((k) => k.alg === "RS256");
    assert.ok(rsa);
    const x5c = rsa.publicJwk.x5c as string[];
    assert.ok(Array.isArray(x5c) && x5c.length === 1, "one certificate");
    const certificate = new X509Certificate(Buffer.from(x5c[0] as string, "base64"));
    assert.match(certificate.subject, /CN=svault tenant keys-a/);
    assert.equal(certificate.subject, certificate.issuer, "self-signed");
    assert.ok(certificate.verify(certificate.publicKey), "signed by its own key");
    const certificateJwk = certificate.publicKey.export({ format: "jwk" });
    assert.equal(certificateJwk.n, rsa.publicJwk.n);
    assert.equal(certificateJwk.e, rsa.publicJwk.e);
    assert.ok(Date.parse(certificate.validFrom) <= Date.now() && Date.now() < Date.parse(certificate.validTo));
    for (const key of keys.filter((k) => k.alg !== "RS256")) assert.ok(!("x5c" in key.publicJwk), `${key.alg} has no x5c`);
  });

  it("store the private key sealed: not in clear, and only the server's KEK with the key's own AAD opens it", () => {
    const keyring = serverKeyring();
    for (const key of keys) {
      const sealed = Buffer.from(key.privateKeySealed);
      const pkcs8 = open(keyring, sealed, sealAad(key.id));
      // The plaintext is the PKCS#8 private key of the published public key.
      const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
      const publicJwk = createPublicKey(privateKey).export({ format: "jwk" });
      if (key.alg === "RS256") assert.equal(publicJwk.n, key.publicJwk.n);
      else assert.equal(publicJwk.x, key.publicJwk.x);
      // Neither the PKCS#8 bytes nor the raw private scalar appear in the stored value.
      assert.equal(sealed.indexOf(pkcs8), -1, `${key.alg}: PKCS#8 in clear`);
      const d = Buffer.from(privateKey.export({ format: "jwk" }).d as string, "base64url");
      assert.equal(sealed.indexOf(d), -1, `${key.alg}: private scalar in clear`);
      assert.ok(sealed.length > pkcs8.length, "sealed carries a header, IV and tag");

      // Another KEK — unknown id, or forged under the same id — cannot open it.
      const otherKek = keyringOf(keyEncryptionKeyOf(randomBytes(32)));
      assert.throws(
        () => open(otherKek, sealed, sealAad(key.id)),
        (e: unknown) => e instanceof SecretBoxError && e.reason === "UNKNOWN_KEK",
      );
      const forged = keyringOf({ id: keyring.current.id, key: randomBytes(32) });
      assert.throws(
        () => open(forged, sealed, sealAad(key.id)),
        (e: unknown) => e instanceof SecretBoxError && e.reason === "AUTHENTICATION_FAILED",
      );
      // Copied into another key's row, it does not open either.
      const neighbour = keys.find((k) => k.id !== key.id);
      assert.ok(neighbour);
      assert.throws(
        () => open(keyring, sealed, sealAad(neighbour.id)),
        (e: unknown) => e instanceof SecretBoxError && e.reason === "AUTHENTICATION_FAILED",
      );
    }
  });

  it("never store the KEK itself", async () => {
    const kek = Buffer.from(server.config.kek as string, "base64");
    const rows = (await server.running.database.orm.em.getConnection().execute("select t::text as row from tenant_key t")) as {
      row: string;
    }[];
    assert.ok(rows.length >= 3);
    for (const { row } of rows) {
      assert.ok(!row.includes(kek.toString("hex")), "KEK (hex) in a row");
      assert.ok(!row.includes(server.config.kek as string), "KEK (base64) in a row");
    }
  });

  it("sign with the current EdDSA key, verifiable against the published JWKS", async () => {
    const current = await server.running.keys.currentKey("keys-a", "EdDSA");
    assert.equal(current.kid, keys.find((k) => k.alg === "EdDSA")?.id);
    const jwks = await server.running.keys.publishedJwks("keys-a");
    assert.deepEqual(kidsOf(jwks).sort(), keys.map((k) => k.id).sort());
    for (const jwk of jwks) for (const member of PRIVATE_MEMBERS) assert.ok(!(member in jwk));
    const token = await new SignJWT({ sub: "u" }).setProtectedHeader({ alg: "EdDSA", kid: current.kid }).sign(current.privateKey);
    const { protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: jwks as JWK[] }));
    assert.equal(protectedHeader.kid, current.kid);
    // Another tenant's JWKS does not verify it.
    const foreign = await server.running.keys.publishedJwks("keys-b");
    await assert.rejects(jwtVerify(token, createLocalJWKSet({ keys: foreign as JWK[] })));
  });
});

describe("key rotation through the key store", () => {
  const tenantId = "rotating";
  let lead: number;
  let grace: number;
  let t0: Date;
  const at = (offsetMs: number) => new Date(t0.getTime() + offsetMs);
  let oldKid: string;
  let newKid: string;
  let tokenBefore: string;

  before(async () => {
    await createTenant(server, tenantId);
    lead = server.config.keyPublishLeadSeconds * 1000;
    grace = server.config.keyGraceSeconds * 1000;
    assert.equal(lead, 86_400_000, "default publish lead");
    assert.equal(grace, 604_800_000, "default grace");
    t0 = new Date();
    const old = await server.running.keys.currentKey(tenantId, "EdDSA", t0);
    oldKid = old.kid;
    tokenBefore = await new SignJWT({ sub: "signed-before-rotation" })
      .setProtectedHeader({ alg: "EdDSA", kid: old.kid })
      .setIssuedAt(Math.floor(t0.getTime() / 1000))
      .sign(old.privateKey);
    newKid = (await server.running.keys.rotate(repositoriesOf(tenantId), "EdDSA", t0)).kid;
  });

  it("stores the new key's schedule and the old key's retirement", async () => {
    assert.notEqual(newKid, oldKid);
    const keys = await storedKeys(tenantId);
    assert.equal(keys.length, 4);
    const fresh = keys.find((k) => k.id === newKid);
    const old = keys.find((k) => k.id === oldKid);
    assert.ok(fresh && old);
    assert.equal(fresh.alg, "EdDSA");
    assert.equal(fresh.publishAt.getTime(), t0.getTime());
    assert.equal(fresh.activateAt.getTime(), t0.getTime() + lead);
    assert.equal(fresh.retireAt, null);
    assert.equal(old.retireAt?.getTime(), t0.getTime() + lead + grace);
    // The new private key is sealed for its own kid, too.
    open(serverKeyring(), Buffer.from(fresh.privateKeySealed), sealAad(fresh.id));
    // The other algorithms are untouched.
    for (const key of keys.filter((k) => k.alg !== "EdDSA")) assert.equal(key.retireAt, null, key.alg);
  });

  it("before activation: the old key still signs, both are published", async () => {
    for (const now of [t0, at(HOUR), at(lead - 1)]) {
      assert.equal((await server.running.keys.currentKey(tenantId, "EdDSA", now)).kid, oldKid, now.toISOString());
      const published = kidsOf(await server.running.keys.publishedJwks(tenantId, now));
      assert.ok(published.includes(oldKid) && published.includes(newKid), now.toISOString());
      assert.equal(published.length, 4);
    }
    // Just before the rotation the new key was not published yet.
    const earlier = kidsOf(await server.running.keys.publishedJwks(tenantId, at(-1)));
    assert.ok(!earlier.includes(newKid));
  });

  it("from activation: the new key signs, the old one stays published until the grace ends", async () => {
    for (const now of [at(lead), at(lead + HOUR), at(lead + grace - 1)]) {
      assert.equal((await server.running.keys.currentKey(tenantId, "EdDSA", now)).kid, newKid, now.toISOString());
      const published = kidsOf(await server.running.keys.publishedJwks(tenantId, now));
      assert.ok(published.includes(oldKid) && published.includes(newKid), now.toISOString());
    }
    for (const now of [at(lead + grace), at(lead + grace + 365 * 24 * HOUR)]) {
      assert.equal((await server.running.keys.currentKey(tenantId, "EdDSA", now)).kid, newKid);
      const published = kidsOf(await server.running.keys.publishedJwks(tenantId, now));
      assert.ok(!published.includes(oldKid), `old key retired at ${now.toISOString()}`);
      assert.ok(published.includes(newKid));
      assert.equal(published.length, 3);
    }
  });

  it("a JWS signed before the rotation verifies against the published JWKS through the grace, not after", async () => {
    const verifiesAt = async (token: string, now: Date) => {
      const jwks = (await server.running.keys.publishedJwks(tenantId, now)) as JWK[];
      try {
        await jwtVerify(token, createLocalJWKSet({ keys: jwks }), { currentDate: now });
        return true;
      } catch {
        return false;
      }
    };
    for (const now of [at(HOUR), at(lead), at(lead + grace / 2), at(lead + grace - 1000)]) {
      assert.ok(await verifiesAt(tokenBefore, now), `verifies at ${now.toISOString()}`);
    }
    assert.equal(await verifiesAt(tokenBefore, at(lead + grace)), false, "the old key left the JWKS");

    // A token of the new key verifies from activation on, with a JWKS fetched before that.
    const signer = await server.running.keys.currentKey(tenantId, "EdDSA", at(lead));
    const tokenAfter = await new SignJWT({ sub: "signed-after-activation" })
      .setProtectedHeader({ alg: "EdDSA", kid: signer.kid })
      .sign(signer.privateKey);
    const cachedBeforeActivation = (await server.running.keys.publishedJwks(tenantId, at(HOUR))) as JWK[];
    await jwtVerify(tokenAfter, createLocalJWKSet({ keys: cachedBeforeActivation }));
    assert.ok(await verifiesAt(tokenAfter, at(lead + grace + HOUR)));
  });
});

describe("rotation timing from the configuration", () => {
  it("uses KEY_PUBLISH_LEAD_SECONDS and KEY_GRACE_SECONDS", async () => {
    const custom = await startTestServer({ env: { KEY_PUBLISH_LEAD_SECONDS: "60", KEY_GRACE_SECONDS: "120" } });
    try {
      await createTenant(custom, "timed");
      const t0 = new Date();
      const [old] = (await storedKeys("timed", custom)).filter((k) => k.alg === "RS256");
      assert.ok(old);
      const { kid } = await custom.running.keys.rotate(repositoriesOf("timed", custom), "RS256", t0);
      const keys = await storedKeys("timed", custom);
      const fresh = keys.find((k) => k.id === kid);
      assert.ok(fresh);
      assert.equal(fresh.activateAt.getTime() - fresh.publishAt.getTime(), 60_000);
      assert.equal(keys.find((k) => k.id === old.id)?.retireAt?.getTime(), t0.getTime() + 60_000 + 120_000);
      // The rotated RS256 key comes with its own certificate.
      assert.ok(Array.isArray(fresh.publicJwk.x5c));
      const at = (ms: number) => new Date(t0.getTime() + ms);
      assert.equal((await custom.running.keys.currentKey("timed", "RS256", at(59_999))).kid, old.id);
      assert.equal((await custom.running.keys.currentKey("timed", "RS256", at(60_000))).kid, kid);
      assert.ok(!kidsOf(await custom.running.keys.publishedJwks("timed", at(180_000))).includes(old.id));
    } finally {
      await custom.close();
    }
  });
});

interface KeyJson {
  kid: string;
  alg: string;
  use: string;
  state: string;
  publish_at: string;
  activate_at: string;
  retire_at: string | null;
}

const listKeys = async (tenantId: string): Promise<KeyJson[]> => {
  const res = await rest(server, server.adminKey, "GET", `/api/v1/tenants/${tenantId}/keys`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body as { keys: KeyJson[] }).keys;
};
const rotateKey = (tenantId: string, alg: string) =>
  rest(server, server.adminKey, "POST", `/api/v1/tenants/${tenantId}/keys/rotate`, { alg });
const jwksKids = async (tenantId: string) =>
  kidsOf(((await rest(server, undefined, "GET", `/${tenantId}/.well-known/jwks.json`)).body as { keys: Record<string, unknown>[] }).keys);

describe("List Tenant Keys and Rotate Tenant Key", () => {
  const tenantId = "keys-api";
  before(() => createTenant(server, tenantId));

  it("lists the keys with their schedule and state, and nothing else", async () => {
    const keys = await listKeys(tenantId);
    const stored = await storedKeys(tenantId);
    assert.deepEqual(keys.map((k) => `${k.alg}/${k.use}/${k.state}`).sort(), [
      "ECDH-ES/enc/active",
      "EdDSA/sig/active",
      "RS256/sig/active",
    ]);
    for (const key of keys) {
      assert.deepEqual(
        Object.keys(key).sort(),
        ["activate_at", "alg", "kid", "publish_at", "retire_at", "state", "use"],
        "no key material",
      );
      const row = stored.find((k) => k.id === key.kid);
      assert.ok(row);
      assert.equal(Date.parse(key.publish_at), row.publishAt.getTime());
      assert.equal(Date.parse(key.activate_at), row.activateAt.getTime());
      assert.equal(key.retire_at, null);
    }
    // gRPC answers the same keys.
    const answer = await grpcClient(server, TenantKeyService).listTenantKeys({ tenantId }, withKey(server.adminKey));
    assert.deepEqual(answer.keys.map((k) => k.kid).sort(), keys.map((k) => k.kid).sort());
  });

  it("rotates: the new key is published at once and scheduled a publish lead later; the signer retires a grace after that; logged without key material", async () => {
    const [old] = (await listKeys(tenantId)).filter((k) => k.alg === "RS256");
    assert.ok(old);
    const before = Date.now();
    const res = await rotateKey(tenantId, "RS256");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { key, replaced } = res.body as { key: KeyJson; replaced: KeyJson[] };
    const lead = server.config.keyPublishLeadSeconds * 1000;
    const grace = server.config.keyGraceSeconds * 1000;
    assert.equal(key.alg, "RS256");
    assert.equal(key.use, "sig");
    assert.equal(key.state, "scheduled");
    assert.ok(Date.parse(key.publish_at) >= before && Date.parse(key.publish_at) <= Date.now());
    assert.equal(Date.parse(key.activate_at) - Date.parse(key.publish_at), lead);
    assert.equal(key.retire_at, null);
    assert.deepEqual(replaced, [{ ...old, retire_at: new Date(Date.parse(key.activate_at) + grace).toISOString() }], "still active");

    // Published at once (relying parties learn it a publish lead before it signs); the old one still signs.
    assert.ok((await jwksKids(tenantId)).includes(key.kid));
    assert.equal((await server.running.keys.currentKey(tenantId, "RS256")).kid, old.kid);
    const listed = (await listKeys(tenantId)).filter((k) => k.alg === "RS256");
    assert.deepEqual(
      listed.map((k) => [k.kid, k.state]),
      [
        [key.kid, "scheduled"],
        [old.kid, "active"],
      ],
      "newest activation first",
    );

    // The audit line: tenant, kids and schedule, who did it; no key material.
    const lines = server.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const logged = lines.find((line) => line.msg === "tenant key rotated" && line.kid === key.kid);
    assert.ok(logged, "the rotation is logged");
    assert.equal(logged.level, 30, "at info");
    assert.equal(logged.tenantId, tenantId);
    assert.equal(logged.alg, "RS256");
    assert.deepEqual(logged.replaced, [{ kid: old.kid, retireAt: replaced[0]?.retire_at }]);
    assert.equal((logged.by as { userId: string }).userId.length > 0, true);
    const row = (await storedKeys(tenantId)).find((k) => k.id === key.kid);
    assert.ok(row);
    const pkcs8 = open(serverKeyring(), Buffer.from(row.privateKeySealed), sealAad(row.id));
    const d = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }).export({ format: "jwk" }).d as string;
    const text = server.logs.text();
    for (const secret of [d, pkcs8.toString("base64"), Buffer.from(row.privateKeySealed).toString("base64")]) {
      assert.ok(!text.includes(secret), "no private key material in the log");
    }
  });

  it("refuses an unknown algorithm and an unknown tenant, changing nothing", async () => {
    const before = await storedKeys(tenantId);
    const bad = await rotateKey(tenantId, "HS256");
    assert.deepEqual(violationLocs(bad), [["body", "alg"]]);
    const missing = await rotateKey("no-such-tenant", "EdDSA");
    assert.equal(missing.status, 404);
    assert.match((missing.body as { detail: string }).detail, /Tenant no-such-tenant not found/);
    assert.equal((await rest(server, server.adminKey, "GET", "/api/v1/tenants/no-such-tenant/keys")).status, 404);
    assert.deepEqual(
      (await storedKeys(tenantId)).map((k) => [k.id, k.retireAt?.getTime() ?? null]),
      before.map((k) => [k.id, k.retireAt?.getTime() ?? null]),
    );
    assert.deepEqual(await storedKeys("no-such-tenant"), []);
  });

  it("runs concurrent rotations one after the other: one key waits to activate, the others are withdrawn", async () => {
    const tenant = "keys-race";
    await createTenant(server, tenant);
    const [signer] = (await listKeys(tenant)).filter((k) => k.alg === "EdDSA");
    assert.ok(signer);
    const answers = await Promise.all(Array.from({ length: 6 }, () => rotateKey(tenant, "EdDSA")));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 200, 200],
    );
    const newKids = answers.map((a) => (a.body as { key: KeyJson }).key.kid);
    const keys = (await listKeys(tenant)).filter((k) => k.alg === "EdDSA");
    assert.equal(keys.length, 7);
    const waiting = keys.filter((k) => k.state === "scheduled");
    assert.equal(waiting.length, 1, `exactly one key waits to activate: ${JSON.stringify(keys)}`);
    const [next] = waiting;
    assert.ok(next && newKids.includes(next.kid));
    // Every other new key was withdrawn before it activated, so it never signed.
    for (const key of keys.filter((k) => newKids.includes(k.kid) && k.kid !== next.kid)) {
      assert.equal(key.state, "retired", key.kid);
      assert.ok(Date.parse(key.retire_at as string) < Date.parse(key.activate_at), `${key.kid} retired before activating`);
    }
    // The signer signs until the last rotation's key activates, and stays published a grace after that.
    const current = keys.find((k) => k.kid === signer.kid);
    assert.equal(current?.state, "active");
    assert.equal(Date.parse(current?.retire_at as string), Date.parse(next.activate_at) + server.config.keyGraceSeconds * 1000);
    assert.deepEqual(
      (await jwksKids(tenant)).filter((kid) => keys.some((k) => k.kid === kid)).sort(),
      [signer.kid, next.kid].sort(),
      "the JWKS holds the signer and the next key only",
    );
  });
});
