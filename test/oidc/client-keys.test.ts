// A client's published JWK Set (`jwks_uri`) as the server fetches it: from a real local HTTP
// server, bounded in size, kept for five minutes (the clock is injected, not waited for), fetched
// again early only for a key id it does not know, and never a set holding private keys.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from "jose";
import { ClientKeys, clientKeyViolations, jwksProblem } from "../../src/domain/clients/client-keys.js";

let server: Server;
let url: string;
/** What the server answers next, and how many times it was asked. */
let body = "";
let status = 200;
let requests = 0;

before(async () => {
  server = createServer((_req, res) => {
    requests += 1;
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});
after(() => new Promise((resolve) => server.close(resolve)));

async function keyPair(kid: string) {
  const pair = await generateKeyPair("ES256");
  return { pair, jwk: { ...(await exportJWK(pair.publicKey)), kid } as JWK };
}

async function verifies(keys: ClientKeys, signer: Awaited<ReturnType<typeof keyPair>>): Promise<boolean> {
  const jwt = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: signer.jwk.kid as string }).sign(signer.pair.privateKey);
  const getKey = await keys.keysOf({ jwksUri: url });
  if (!getKey) return false;
  try {
    await jwtVerify(jwt, getKey);
    return true;
  } catch {
    return false;
  }
}

describe("a client's jwks_uri", () => {
  it("is fetched once and kept for five minutes, then fetched again", async () => {
    let now = 1_000_000;
    const keys = new ClientKeys(() => now);
    const first = await keyPair("a");
    body = JSON.stringify({ keys: [first.jwk] });
    requests = 0;
    assert.equal(await verifies(keys, first), true);
    assert.equal(await verifies(keys, first), true);
    assert.equal(requests, 1, "kept");
    now += 5 * 60_000;
    assert.equal(await verifies(keys, first), true);
    assert.equal(requests, 2, "fetched again after five minutes");
  });

  it("is fetched again early for a key id it does not know, at most once a minute", async () => {
    let now = 2_000_000;
    const keys = new ClientKeys(() => now);
    const old = await keyPair("old");
    const rotated = await keyPair("new");
    body = JSON.stringify({ keys: [old.jwk] });
    requests = 0;
    assert.equal(await verifies(keys, old), true);
    body = JSON.stringify({ keys: [old.jwk, rotated.jwk] });
    assert.equal(await verifies(keys, rotated), false, "within a minute of the last fetch: not fetched again");
    assert.equal(requests, 1);
    now += 61_000;
    assert.equal(await verifies(keys, rotated), true, "the client's new key, after a minute");
    assert.equal(requests, 2);
  });

  it("keeps the last set while the URL fails, and tries it again a minute later, not on every request", async () => {
    let now = 3_000_000;
    const keys = new ClientKeys(() => now);
    const key = await keyPair("kept");
    body = JSON.stringify({ keys: [key.jwk] });
    requests = 0;
    assert.equal(await verifies(keys, key), true);
    now += 5 * 60_000;
    status = 503;
    try {
      assert.equal(await verifies(keys, key), true, "the last set that could be read");
      assert.equal(await verifies(keys, key), true);
      assert.equal(requests, 2, "one failed fetch, then the kept set");
      now += 61_000;
      await verifies(keys, key);
      assert.equal(requests, 3, "tried again after a minute");
    } finally {
      status = 200;
    }
  });

  it("refuses a set over 64 KiB, or one holding private key material", async () => {
    const key = await keyPair("big");
    body = JSON.stringify({ keys: [key.jwk], padding: "x".repeat(70 * 1024) });
    assert.equal(await verifies(new ClientKeys(), key), false);
    body = JSON.stringify({ keys: [{ ...key.jwk, d: "private" }] });
    assert.equal(await verifies(new ClientKeys(), key), false);
    body = "not json";
    assert.equal(await verifies(new ClientKeys(), key), false);
  });
});

describe("registering a client's keys", () => {
  it("accepts public keys only, https (or loopback http) URLs, and not both kinds", () => {
    assert.equal(jwksProblem({ keys: [{ kty: "EC", crv: "P-256", x: "a", y: "b" }] }), undefined);
    assert.match(jwksProblem({ keys: [{ kty: "oct", k: "secret" }] }) ?? "", /public keys only/);
    assert.match(jwksProblem({ keys: [] }) ?? "", /non-empty/);
    const paths = (settings: Parameters<typeof clientKeyViolations>[0]) => clientKeyViolations(settings).map((v) => v.path.join("."));
    assert.deepEqual(paths({ jwks: null, jwksUri: "http://rp.example/jwks", tokenEndpointAuthMethod: "client_secret_post" }), ["jwks_uri"]);
    assert.deepEqual(paths({ jwks: null, jwksUri: "https://rp.example/jwks", tokenEndpointAuthMethod: "private_key_jwt" }), []);
    assert.deepEqual(paths({ jwks: null, jwksUri: null, tokenEndpointAuthMethod: "private_key_jwt" }), ["token_endpoint_auth_method"]);
    assert.deepEqual(
      paths({ jwks: { keys: [{ kty: "OKP" }] }, jwksUri: "https://rp.example/jwks", tokenEndpointAuthMethod: "client_secret_post" }),
      ["jwks_uri"],
    );
  });
});
