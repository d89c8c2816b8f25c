// When the database is down or hung, every surface answers 503 (gRPC `unavailable`) with a clear
// error in its own shape and a Retry-After (what is kept in memory — discovery, JWKS, a cached
// client's client_credentials — may answer from there instead), within the configured bounds — never a 500, never a
// request held for the whole outage — and the service recovers by itself when the database
// comes back. The service reaches the machine's Postgres through a TCP proxy, which the test cuts
// (Postgres stopped) and freezes (Postgres hung): the shared server itself is never touched.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { OidcService } from "../../gen/svault/oidc/v1/oidc_service_pb.js";
import { DATABASE_RETRY_AFTER_SECONDS } from "../../src/errors/domain-error.js";
import { assertOAuthError, basicAuth, type RawAnswer, send } from "../oidc/support.js";
import { createTenant, rest } from "../support/fixtures.js";
import { createGrpcJsClient } from "../support/grpc-js-client.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { throughProxy, testServerAddress } from "../support/test-database.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";

const TENANT = "outage";
const CONNECT_TIMEOUT_MS = 300;
const STATEMENT_TIMEOUT_MS = 300;
/** The longest a request may wait for the database: statement timeout + the answer grace (1 s). */
const ANSWER_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 1_000;
/** What a loaded test machine may add to a bound: a request's own work, the event loop's lag. */
const SLACK_MS = 700;
const RETRY_AFTER = String(DATABASE_RETRY_AFTER_SECONDS);

let server: TestServer;
let proxy: TcpProxy;
let clientSecret: string;

before(async () => {
  const postgres = testServerAddress();
  proxy = await startTcpProxy(postgres.port, postgres.host);
  server = await startTestServer({
    databaseUrl: (db) => throughProxy(db.url, proxy.port),
    env: { DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS), DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS) },
  });
  await createTenant(server, TENANT, { register_enable: true });
  const created = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
    tenant_id: TENANT,
    client_id: "backend",
    name: "Backend",
    redirect_uris: ["http://localhost:4000/callback"],
    client_type: "confidential",
    flow: { grant_types: ["client_credentials"] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  clientSecret = (created.body as { client_secret: string }).client_secret;
});
after(async () => {
  await proxy?.restore();
  await server?.close();
  await proxy?.close();
});

interface Probe {
  readonly name: string;
  /** Calls the surface; resolves when its answer is checked. */
  expectUnavailable(): Promise<void>;
  expectAvailable(): Promise<void>;
}

function assertRestUnavailable(res: RawAnswer, context: string): void {
  assert.equal(res.status, 503, `${context}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.headers.get("retry-after"), RETRY_AFTER, `${context}: Retry-After`);
}

const url = (path: string) => `${server.baseUrl}${path}`;
const adminHeaders = () => ({ "x-api-key": server.adminKey });

/**
 * Discovery and JWKS are kept in memory (docs/operations.md, "Caches, and how long they can be
 * behind"): in an outage they answer from there — the very document of before — while the entry
 * lasts (at most 1 s once the instance has lost the change feed), else 503 like every surface.
 */
function fromMemoryOrUnavailable(name: string, path: string): Probe {
  let before: unknown;
  return {
    name,
    async expectUnavailable() {
      const res = await send(url(path));
      if (res.status === 200) {
        assert.deepEqual(res.body, before, `${name}: from memory, the document it answered before the outage`);
        return;
      }
      assertRestUnavailable(res, name);
      assertOAuthError(res, 503, "temporarily_unavailable", name);
    },
    async expectAvailable() {
      const res = await send(url(path));
      assert.equal(res.status, 200);
      before = res.body;
    },
  };
}

const probes: Probe[] = [
  fromMemoryOrUnavailable("REST discovery", `/${TENANT}/.well-known/openid-configuration`),
  fromMemoryOrUnavailable("REST JWKS", `/${TENANT}/.well-known/jwks.json`),
  {
    name: "REST token endpoint",
    async expectUnavailable() {
      const res = await send(url(`/${TENANT}/token`), {
        form: { grant_type: "client_credentials" },
        headers: { authorization: basicAuth("backend", clientSecret) },
      });
      // client_credentials needs no statement while the client is in the cache (docs/operations.md,
      // "Caches"): a token from memory, or 503 once the entry is gone.
      if (res.status === 200) {
        assert.equal(typeof (res.body as { access_token?: unknown }).access_token, "string", this.name);
        return;
      }
      assertRestUnavailable(res, this.name);
      assertOAuthError(res, 503, "temporarily_unavailable", this.name);
    },
    async expectAvailable() {
      const res = await send(url(`/${TENANT}/token`), {
        form: { grant_type: "client_credentials" },
        headers: { authorization: basicAuth("backend", clientSecret) },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    },
  },
  {
    name: "REST admin API",
    async expectUnavailable() {
      const res = await send(url(`/api/v1/tenants/${TENANT}`), { headers: adminHeaders() });
      assertRestUnavailable(res, this.name);
      assert.deepEqual(res.body, { detail: "The service is temporarily unavailable; try again shortly" });
    },
    async expectAvailable() {
      assert.equal((await send(url(`/api/v1/tenants/${TENANT}`), { headers: adminHeaders() })).status, 200);
    },
  },
  {
    name: "REST login (Get Challenge, on the pipelined connections)",
    async expectUnavailable() {
      const res = await send(url(`/api/v1/auth/challenge?tenant_id=${TENANT}`), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "nobody", cipherKey: "login:AAAA" }),
      });
      assertRestUnavailable(res, this.name);
      assert.deepEqual(res.body, { detail: "The service is temporarily unavailable; try again shortly" });
    },
    async expectAvailable() {
      const res = await send(url(`/api/v1/auth/challenge?tenant_id=${TENANT}`), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "nobody", cipherKey: "login:AAAA" }),
      });
      assert.notEqual(res.status, 503, JSON.stringify(res.body));
      assert.ok(res.status < 500, JSON.stringify(res.body));
    },
  },
  {
    name: "Connect",
    async expectUnavailable() {
      const res = await send(url("/svault.oidc.v1.OidcService/GetOpenidConfiguration"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tenantId: TENANT }),
      });
      // Discovery is kept in memory (see fromMemoryOrUnavailable): the same document, or 503.
      if (res.status === 200) {
        assert.equal((res.body as { issuer: string }).issuer, `${server.config.publicUrl}/${TENANT}`, this.name);
        return;
      }
      assertRestUnavailable(res, this.name);
      assert.equal((res.body as { code: string }).code, "unavailable");
      const client = createClient(OidcService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
      await assert.rejects(client.getOpenidConfiguration({ tenantId: TENANT }), (error: unknown) => {
        assert.ok(error instanceof ConnectError && error.code === Code.Unavailable, String(error));
        assert.equal(error.metadata.get("retry-after"), RETRY_AFTER);
        return true;
      });
    },
    async expectAvailable() {
      const client = createClient(OidcService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
      assert.equal((await client.getOpenidConfiguration({ tenantId: TENANT })).issuer, `${server.config.publicUrl}/${TENANT}`);
    },
  },
  {
    name: "gRPC",
    async expectUnavailable() {
      const oidc = createGrpcJsClient(OidcService, `127.0.0.1:${server.grpcPort}`);
      try {
        // Discovery is kept in memory (see fromMemoryOrUnavailable): the same document, or unavailable.
        const answer = await oidc.rpc.getOpenidConfiguration({ tenantId: TENANT }).then(
          (configuration) => configuration,
          (error: grpc.ServiceError) => {
            assert.equal(error.code, grpc.status.UNAVAILABLE, String(error));
            assert.deepEqual(error.metadata.get("retry-after"), [RETRY_AFTER]);
            return undefined;
          },
        );
        if (answer) assert.equal(answer.issuer, `${server.config.publicUrl}/${TENANT}`, this.name);
      } finally {
        oidc.close();
      }
    },
    async expectAvailable() {
      const oidc = createGrpcJsClient(OidcService, `127.0.0.1:${server.grpcPort}`);
      try {
        assert.equal((await oidc.rpc.getOpenidConfiguration({ tenantId: TENANT })).issuer, `${server.config.publicUrl}/${TENANT}`);
      } finally {
        oidc.close();
      }
    },
  },
  {
    name: "hosted page",
    async expectUnavailable() {
      const res = await fetch(url(`/ui/register?tenant_id=${TENANT}`));
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("retry-after"), RETRY_AFTER);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(await res.text(), /<h1>Sign-in is not available right now<\/h1>/);
    },
    async expectAvailable() {
      assert.equal((await fetch(url(`/ui/register?tenant_id=${TENANT}`))).status, 200);
    },
  },
];

/** Every probe at once; each must answer within `boundMs`. */
async function probeAll(expect: "expectUnavailable" | "expectAvailable", boundMs: number): Promise<void> {
  await Promise.all(
    probes.map(async (probe) => {
      const started = performance.now();
      await probe[expect]();
      const took = performance.now() - started;
      assert.ok(took < boundMs, `${probe.name} answered after ${Math.round(took)} ms (bound ${boundMs} ms)`);
    }),
  );
}

async function health(): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url("/health"));
  return { status: res.status, body: await res.json() };
}

/**
 * Once the proxy lets bytes through again, /health (a statement of its own) says so by itself.
 * After a freeze the statements held back during it reach Postgres first; on a loaded machine the
 * first request after the thaw could still queue behind them past the 300 ms statement timeout.
 * And the service's connections come back one at a time, each with the first request that needs
 * it (the pool's with /health, the pipelined ones with a sign-in): with both cores busy a connect
 * can take longer than this file's 300 ms connect timeout, and that request rightly answers 503.
 * So the surfaces are probed together, within their bounds, once each has answered again on its
 * own — without a restart, which is what these tests are about.
 */
async function databaseReachableAgain(): Promise<void> {
  await until(async () => (await health()).status === 200, { what: "/health answers 200 again" });
  for (const probe of probes) {
    await until(
      () =>
        probe.expectAvailable().then(
          () => true,
          // Still unavailable (503, Connect's and gRPC's unavailable): again. Anything else fails.
          (error: unknown) => {
            if (/unavailable|503/i.test(String(error))) return false;
            throw error;
          },
        ),
      { what: `${probe.name} answers again` },
    );
  }
}

describe("a database that is down or hung", () => {
  it("before the outage, every surface answers", async () => {
    await probeAll("expectAvailable", ANSWER_TIMEOUT_MS + SLACK_MS);
  });

  it("stopped (connections closed and refused): 503 with Retry-After everywhere, at once; /health says unavailable", async () => {
    await proxy.cut();
    await probeAll("expectUnavailable", CONNECT_TIMEOUT_MS + SLACK_MS);
    assert.deepEqual(await health(), { status: 503, body: { status: "unavailable", version: "0.1.0", env: "test" } });
    assert.doesNotMatch(server.logs.text(), /unhandled error|"level":50/, "no request failed as a bug");
  });

  it("back: every surface answers again, without a restart", async () => {
    await proxy.restore();
    await databaseReachableAgain();
    await probeAll("expectAvailable", ANSWER_TIMEOUT_MS + SLACK_MS);
  });

  it("hung (nothing goes through): 503 with Retry-After everywhere within the statement timeout and its grace", async () => {
    proxy.freeze();
    await probeAll("expectUnavailable", ANSWER_TIMEOUT_MS + SLACK_MS);
    assert.equal((await health()).status, 503);
  });

  it("thawed: every surface answers again, without a restart", async () => {
    await proxy.restore();
    await databaseReachableAgain();
    await probeAll("expectAvailable", ANSWER_TIMEOUT_MS + SLACK_MS);
  });
});

describe("a statement held up by a lock", () => {
  it("is cancelled at the statement timeout: 503, and the connection serves the next request", async () => {
    const holder = new pg.Client({ connectionString: server.db.url });
    await holder.connect();
    try {
      await holder.query("begin");
      await holder.query("lock table tenant in access exclusive mode");
      const started = performance.now();
      const res = await send(url(`/api/v1/tenants/${TENANT}`), { headers: adminHeaders() });
      const took = performance.now() - started;
      assertRestUnavailable(res, "admin API behind a lock");
      assert.ok(took < STATEMENT_TIMEOUT_MS + SLACK_MS, `answered after ${Math.round(took)} ms`);
      await holder.query("rollback");
      assert.equal((await send(url(`/api/v1/tenants/${TENANT}`), { headers: adminHeaders() })).status, 200);
    } finally {
      await holder.end();
    }
  });
});

describe("a pool whose connections are all taken", () => {
  it("answers 503 after the connect timeout instead of queueing the request", async () => {
    const acquireTimeoutMs = 200;
    const busy = await startTestServer({
      env: { DATABASE_POOL_MAX: "1", DATABASE_CONNECT_TIMEOUT_MS: String(acquireTimeoutMs), DATABASE_STATEMENT_TIMEOUT_MS: "5000" },
    });
    const holder = new pg.Client({ connectionString: busy.db.url });
    const observer = new pg.Client({ connectionString: busy.db.url });
    await Promise.all([holder.connect(), observer.connect()]);
    try {
      await createTenant(busy, TENANT);
      await holder.query("begin");
      await holder.query("lock table tenant in access exclusive mode");
      // This request takes the pool's only connection and waits for the lock on it.
      const holding = send(`${busy.baseUrl}/api/v1/tenants/${TENANT}`, { headers: { "x-api-key": busy.adminKey } });
      await until(
        async () =>
          (await observer.query("select 1 from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'", [busy.db.name])).rows
            .length > 0,
        { what: "the request waits for the lock" },
      );
      const started = performance.now();
      const res = await send(`${busy.baseUrl}/${TENANT}/.well-known/openid-configuration`);
      const took = performance.now() - started;
      assertRestUnavailable(res, "discovery without a free connection");
      assert.ok(took >= acquireTimeoutMs && took < acquireTimeoutMs + SLACK_MS, `answered after ${Math.round(took)} ms`);
      await holder.query("rollback");
      assert.equal((await holding).status, 200, "the request that held the connection finishes");
      assert.equal((await send(`${busy.baseUrl}/${TENANT}/.well-known/openid-configuration`)).status, 200);
    } finally {
      await Promise.all([holder.end(), observer.end()]);
      await busy.close();
    }
  });
});
