// The gRPC listener over TLS (GRPC_TLS_CERT/GRPC_TLS_KEY), as the CLI meets it: its certificate is
// verified against Node's CAs or --ca-file, and --insecure skips the check only when given.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createSelfSignedRsaCertificate } from "../../src/crypto/x509.js";
import { tempDir } from "../support/temp-dir.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { runCli } from "./run-cli.js";

const dir = tempDir("cli-tls");
const certFile = join(dir, "cert.pem");
let server: TestServer;
let env: Record<string, string>;

before(async () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const der = createSelfSignedRsaCertificate({
    commonName: "localhost",
    privateKeyPkcs8: privateKey.export({ type: "pkcs8", format: "der" }),
    publicKeySpki: publicKey.export({ type: "spki", format: "der" }),
  });
  writeFileSync(certFile, `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`);
  const keyFile = join(dir, "key.pem");
  writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
  server = await startTestServer({ env: { GRPC_TLS_CERT: certFile, GRPC_TLS_KEY: keyFile } });
  env = { SVAULT_URL: `https://localhost:${server.grpcPort}`, SVAULT_API_KEY: server.adminKey };
});
after(() => server.close());

describe("svault against a gRPC listener with TLS", () => {
  it("refuses a certificate no trusted CA signed: exit 6, saying why", async () => {
    const result = await runCli(["tenants", "list"], { env });
    assert.equal(result.code, 6, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`^error: unavailable: cannot reach gRPC https://localhost:${server.grpcPort}: .*self[- ]signed certificate`),
    );
  });

  it("trusts the CA of --ca-file (or SVAULT_CA_FILE)", async () => {
    const [flag, variable] = await Promise.all([
      runCli(["tenants", "get", "default", "-o", "json", "--ca-file", certFile], { env }),
      runCli(["tenants", "get", "default", "-o", "json"], { env: { ...env, SVAULT_CA_FILE: certFile } }),
    ]);
    for (const result of [flag, variable]) {
      assert.equal(result.code, 0, result.stderr);
      assert.equal((JSON.parse(result.stdout) as { tenant_id: string }).tenant_id, "default");
    }
  });

  it("skips the verification with --insecure, and only then", async () => {
    const result = await runCli(["tenants", "get", "default", "-o", "json", "--insecure"], { env });
    assert.equal(result.code, 0, result.stderr);
  });

  it("a CA file it cannot read: exit 2", async () => {
    const result = await runCli(["tenants", "list", "--ca-file", join(dir, "missing.pem")], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: cannot read the CA file .*missing\.pem/);
  });
});
