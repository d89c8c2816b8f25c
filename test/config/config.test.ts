import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/config.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("has working defaults for a fresh machine", () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.grpcPort, 8081);
    assert.equal(config.publicUrl, "http://localhost:8080");
    assert.equal(config.databaseUrl, undefined, "embedded database by default");
    assert.equal(config.logLevel, "info");
    assert.equal(config.databasePipelines, 2);
    assert.ok(Object.isFrozen(config));
  });

  it("reads every documented variable", () => {
    const kek = randomBytes(32).toString("base64");
    const config = loadConfig({
      PORT: "9000",
      GRPC_PORT: "9001",
      PUBLIC_URL: "https://id.example.com/",
      DATABASE_URL: "postgres://u@db:5432/svault",
      DATA_DIR: "/var/lib/svault",
      SVAULT_KEK: kek,
      LOG_LEVEL: "debug",
      DATABASE_PIPELINES: "0",
    });
    assert.equal(config.port, 9000);
    assert.equal(config.grpcPort, 9001);
    assert.equal(config.publicUrl, "https://id.example.com", "trailing slash removed");
    assert.equal(config.databaseUrl, "postgres://u@db:5432/svault");
    assert.equal(config.dataDir, "/var/lib/svault");
    assert.equal(config.kek, kek);
    assert.equal(config.logLevel, "debug");
    assert.equal(config.databasePipelines, 0, "0 runs the hot paths' statements on the pool");
  });

  it("reports every bad variable by name at once", () => {
    const problems = problemsOf({
      PORT: "eighty",
      GRPC_PORT: "70000",
      PUBLIC_URL: "ftp://x",
      DATABASE_URL: "mysql://x",
      SVAULT_KEK: "c2hvcnQ=",
      LOG_LEVEL: "loud",
      GRPC_TLS_CERT: "/cert.pem",
      DATABASE_PIPELINES: "-1",
    });
    for (const name of [
      "PORT",
      "GRPC_PORT",
      "PUBLIC_URL",
      "DATABASE_URL",
      "SVAULT_KEK",
      "LOG_LEVEL",
      "GRPC_TLS_CERT",
      "DATABASE_PIPELINES",
    ]) {
      assert.ok(
        problems.some((p) => p.startsWith(name)),
        `${name} named in ${JSON.stringify(problems)}`,
      );
    }
  });
});
