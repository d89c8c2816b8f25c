// The SDK against the real server (both listeners, real Postgres): register → login over REST
// (RestTransport) and over gRPC (ConnectTransport with connect-node's gRPC transport), in a tenant
// with self-service registration, with the light proto_version.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ConnectTransport } from "../../src/sdk/connect-transport.js";
import { SvaultAuthError } from "../../src/sdk/errors.js";
import { PROTO_VERSION_LIGHT } from "../../src/sdk/proto-version.js";
import { RestTransport } from "../../src/sdk/rest-transport.js";
import { encodeSecret } from "../../src/sdk/secret.js";
import { SvaultAuthClient } from "../../src/sdk/svault-auth-client.js";
import type { AuthTransport } from "../../src/sdk/transport.js";
import { createTenant } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const TENANT = "sdk-roundtrip";
const policy = { usePin: true, pinSize: 6, usePattern: true, patterSize: 3, loginOrder: ["PIN", "PATTERN"] };
const SECRET = encodeSecret(policy, { pin: "482915", pattern: [0, 4, 8, 5] });
const WRONG = encodeSecret(policy, { pin: "482916", pattern: [0, 4, 8, 5] });

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await createTenant(server, TENANT, { register_enable: true, has_username_and_email: false });
});
after(() => server.close());

const issuer = () => `${server.config.publicUrl}/${TENANT}`;

const isStatus = (status: number) => (error: unknown) => {
  assert.ok(error instanceof SvaultAuthError, String(error));
  assert.equal(error.status, status, `${error.status} ${error.detail}`);
  return true;
};

for (const [name, transport] of [
  ["REST", () => new RestTransport({ baseUrl: server.baseUrl })],
  ["gRPC (ConnectTransport)", () => new ConnectTransport({ transport: createGrpcTransport({ baseUrl: server.grpcUrl }) })],
] as [string, () => AuthTransport][]) {
  describe(`SDK ↔ server over ${name}`, () => {
    const username = `User-${name.slice(0, 4).replace(/\W/g, "")}`;

    it("registers a user", async () => {
      const client = new SvaultAuthClient({ transport: transport(), issuer: issuer() });
      await client.register({ username, secret: SECRET, protoVersion: PROTO_VERSION_LIGHT, logData: { test: name } });
    });

    it("logs in with the normalized username and gets a nonce", async () => {
      const client = new SvaultAuthClient({ transport: transport(), issuer: issuer() });
      const result = await client.login({ username: username.toLowerCase(), secret: SECRET });
      assert.equal(typeof result.nonce, "string");
      assert.ok(result.nonce.length > 0);
      assert.equal(result.needVerify, false);
    });

    it("refuses a wrong secret with 401", async () => {
      const client = new SvaultAuthClient({ transport: transport(), issuer: issuer() });
      await assert.rejects(client.login({ username, secret: WRONG }), isStatus(401));
    });

    it("refuses the same username again with 409", async () => {
      const client = new SvaultAuthClient({ transport: transport(), issuer: issuer() });
      await assert.rejects(
        client.register({ username: username.toUpperCase(), secret: WRONG, protoVersion: PROTO_VERSION_LIGHT }),
        isStatus(409),
      );
    });
  });
}

describe("SDK ↔ server across transports", () => {
  it("logs in over gRPC a user registered over REST", async () => {
    const rest = new SvaultAuthClient({ transport: new RestTransport({ baseUrl: server.baseUrl }), issuer: issuer() });
    await rest.register({ username: "crossover", secret: SECRET, protoVersion: PROTO_VERSION_LIGHT });
    const grpc = new SvaultAuthClient({
      transport: new ConnectTransport({ transport: createGrpcTransport({ baseUrl: server.grpcUrl }) }),
      issuer: issuer(),
    });
    const result = await grpc.login({ username: "crossover", secret: SECRET });
    assert.ok(result.nonce);
  });
});
