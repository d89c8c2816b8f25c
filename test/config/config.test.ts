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
    assert.equal(config.refreshTokenReuseGraceSeconds, 60);
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
      REFRESH_TOKEN_REUSE_GRACE_SECONDS: "0",
    });
    assert.equal(config.port, 9000);
    assert.equal(config.grpcPort, 9001);
    assert.equal(config.publicUrl, "https://id.example.com", "trailing slash removed");
    assert.equal(config.databaseUrl, "postgres://u@db:5432/svault");
    assert.equal(config.dataDir, "/var/lib/svault");
    assert.equal(config.kek, kek);
    assert.equal(config.logLevel, "debug");
    assert.equal(config.databasePipelines, 0, "0 runs the hot paths' statements on the pool");
    assert.equal(config.refreshTokenReuseGraceSeconds, 0, "0 turns the reuse grace off");
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
      REFRESH_TOKEN_REUSE_GRACE_SECONDS: "301",
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
      "REFRESH_TOKEN_REUSE_GRACE_SECONDS",
    ]) {
      assert.ok(
        problems.some((p) => p.startsWith(name)),
        `${name} named in ${JSON.stringify(problems)}`,
      );
    }
  });

  it("reads the operations' variables: drain, metrics listener and token, tracing on by its endpoint", () => {
    const defaults = loadConfig({});
    assert.deepEqual(
      [defaults.shutdownDrainMs, defaults.metricsPort, defaults.metricsToken, defaults.tracing],
      [0, undefined, undefined, false],
    );
    const config = loadConfig({
      SHUTDOWN_DRAIN_MS: "3000",
      METRICS_PORT: "9464",
      METRICS_TOKEN: "0123456789abcdef",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    });
    assert.deepEqual(
      [config.shutdownDrainMs, config.metricsPort, config.metricsToken, config.tracing],
      [3000, 9464, "0123456789abcdef", true],
    );
    assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" }).tracing, true);
    const problems = problemsOf({ SHUTDOWN_DRAIN_MS: "soon", METRICS_PORT: "99999", METRICS_TOKEN: "short" });
    for (const name of ["SHUTDOWN_DRAIN_MS", "METRICS_PORT", "METRICS_TOKEN"]) {
      assert.ok(
        problems.some((p) => p.startsWith(name)),
        `${name} named in ${JSON.stringify(problems)}`,
      );
    }
  });

  it("reads the rate limits as <limit>/<seconds> or off, with documented defaults", () => {
    assert.deepEqual(loadConfig({}).rateLimits, {
      clientFailures: { limit: 20, windowSeconds: 60 },
      keyFailures: { limit: 20, windowSeconds: 60 },
      addressFailures: { limit: 50, windowSeconds: 60 },
      registrationChallenges: { limit: 20, windowSeconds: 60 },
      resetRequests: { limit: 10, windowSeconds: 300 },
    });
    const config = loadConfig({ RATE_LIMIT_ADDRESS_FAILURES: "5/30", RATE_LIMIT_RESET_REQUESTS: "off" });
    assert.deepEqual(config.rateLimits.addressFailures, { limit: 5, windowSeconds: 30 });
    assert.equal(config.rateLimits.resetRequests, undefined, "off");
    for (const bad of ["5", "0/60", "5/0", "-1/60", "5/60s", "1234567890/60"]) {
      assert.deepEqual(
        problemsOf({ RATE_LIMIT_KEY_FAILURES: bad }),
        [`RATE_LIMIT_KEY_FAILURES must be <limit>/<seconds> (e.g. 20/60) or off, got "${bad}"`],
        bad,
      );
    }
  });

  it("reads the database timeouts, and refuses any that is not a positive number of milliseconds", () => {
    const defaults = loadConfig({});
    assert.deepEqual([defaults.databaseConnectTimeoutMs, defaults.databaseStatementTimeoutMs], [5_000, 10_000]);
    const config = loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: "250", DATABASE_STATEMENT_TIMEOUT_MS: "1500" });
    assert.deepEqual([config.databaseConnectTimeoutMs, config.databaseStatementTimeoutMs], [250, 1_500]);
    const problems = problemsOf({ DATABASE_CONNECT_TIMEOUT_MS: "0", DATABASE_STATEMENT_TIMEOUT_MS: "10s" });
    assert.deepEqual(problems, [
      'DATABASE_CONNECT_TIMEOUT_MS must be a positive integer, got "0"',
      'DATABASE_STATEMENT_TIMEOUT_MS must be a positive integer, got "10s"',
    ]);
  });
});

describe("WEBAUTHN_RP_ID", () => {
  it("is PUBLIC_URL's host by default, or a parent domain of it", () => {
    assert.equal(loadConfig({ PUBLIC_URL: "https://id.example.com" }).webauthnRpId, "id.example.com");
    assert.equal(loadConfig({ PUBLIC_URL: "https://id.example.com", WEBAUTHN_RP_ID: "Example.com" }).webauthnRpId, "example.com");
  });

  it("refuses a domain PUBLIC_URL is not on: its passkeys could never be used", () => {
    for (const rpId of ["other.example", "ample.com", "sub.id.example.com"]) {
      const problems = problemsOf({ PUBLIC_URL: "https://id.example.com", WEBAUTHN_RP_ID: rpId });
      assert.ok(
        problems.some((p) => p.startsWith("WEBAUTHN_RP_ID")),
        `${rpId}: ${JSON.stringify(problems)}`,
      );
    }
  });
});
