// GET /metrics (src/operations/metrics.ts): protected, Prometheus text, and its values move with
// real traffic — REST and RPCs by template, a whole login and code flow, a refresh, a throttled
// caller — with labels that never carry a tenant's id, a username or an address.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { benchUsers, codeFlow, createTenantAndClient, registerUsers, type Target } from "../../bench/auth-setup.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const TOKEN = "metrics-token-0123456789";
const TENANT = "metrics-tenant";

/** `name{labels}` → value, from Prometheus' text format. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe("GET /metrics on the main port, behind METRICS_TOKEN", () => {
  let server: TestServer;
  const scrape = async () => {
    const res = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    return { text: await res.text() };
  };
  before(async () => {
    // A low limit of failed authentications per address, tripped at the end of the traffic.
    server = await startTestServer({ env: { METRICS_TOKEN: TOKEN, RATE_LIMIT_ADDRESS_FAILURES: "3/60" } });
  });
  after(() => server.close());

  it("answers 401 without the token or with another one", async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: "Bearer metrics-token-0123456780" },
      { authorization: `Basic ${TOKEN}` },
    ]) {
      const res = await fetch(`${server.baseUrl}/metrics`, { headers });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="metrics"');
      assert.doesNotMatch(await res.text(), /svault_/);
    }
  });

  it("counts requests, RPCs, logins, tokens by grant and throttled callers after real traffic; pool, keys and event loop are there", async () => {
    const before = parse((await scrape()).text);
    const target: Target = { baseUrl: server.baseUrl, issuer: `${server.baseUrl}/${TENANT}`, tenantId: TENANT };
    const client = await createTenantAndClient(target, server.adminKey);
    const [user] = benchUsers(1);
    assert.ok(user);
    await registerUsers(target, [user]);
    const tokens = await codeFlow(target, client, user);
    const refreshed = await fetch(`${target.issuer}/token`, {
      method: "POST",
      headers: { authorization: client.basic, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: tokens.refreshToken }),
    });
    assert.equal(refreshed.status, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await fetch(`${server.baseUrl}/api/v1/tenants`, { headers: { "x-api-key": "svk_aaaaaaaaaaaaaaaa_wrong" } })).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);

    const { text } = await scrape();
    const after = parse(text);
    const moved = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);
    assert.equal(moved('svault_http_requests_total{method="POST",route="/api/v1/tenants",status="201"}'), 1);
    assert.equal(moved('svault_http_requests_total{method="POST",route="/:p0/token",status="200"}'), 2);
    assert.equal(moved('svault_http_request_duration_seconds_count{method="POST",route="/:p0/token"}'), 2);
    assert.equal(moved('svault_rpc_requests_total{procedure="svault.oidc.v1.OidcService/Token",code="ok"}'), 2);
    assert.equal(moved('svault_rpc_requests_total{procedure="svault.tenant.v1.TenantService/ListTenants",code="unauthenticated"}'), 3);
    assert.equal(moved('svault_rpc_requests_total{procedure="svault.tenant.v1.TenantService/ListTenants",code="resource_exhausted"}'), 2);
    assert.equal(moved('svault_tokens_issued_total{grant="authorization_code"}'), 1);
    assert.equal(moved('svault_tokens_issued_total{grant="refresh_token"}'), 1);
    assert.equal(moved('svault_auth_events_total{kind="authenticate",outcome="success"}'), 1);
    assert.equal(moved('svault_auth_events_total{kind="register",outcome="success"}'), 1);
    assert.equal(moved('svault_throttled_total{reason="RATE_LIMITED"}'), 2);
    // Both tenants' keys are active now; the new tenant's were just made.
    assert.equal(after.get('svault_tenant_keys{alg="EdDSA",state="active"}'), 2);
    assert.ok((after.get('svault_current_key_max_age_seconds{alg="EdDSA"}') ?? -1) >= 0);
    assert.ok(after.has('svault_db_pool_connections{state="used"}') && after.has('svault_db_pool_connections{state="free"}'));
    assert.ok(after.has("svault_db_pipeline_connections") && after.has("svault_db_pool_pending_acquires"));
    assert.ok(after.has("nodejs_eventloop_lag_seconds"));

    // Bounded labels: no tenant id, username, client id or address anywhere in the answer.
    for (const value of [TENANT, user.username, client.clientId, "127.0.0.1"]) assert.ok(!text.includes(value), `${value} in /metrics`);
  });
});

describe("GET /metrics on METRICS_PORT", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { METRICS_PORT: "0" } });
  });
  after(() => server.close());

  it("is served on its own port, and not on the main one", async () => {
    const port = server.running.metricsPort;
    assert.ok(port !== undefined);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^# HELP /m);
    assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 404);
    assert.equal((await fetch(`${server.baseUrl}/metrics`)).status, 404);
  });
});
