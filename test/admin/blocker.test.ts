// The blocker lists of a tenant as an API user sees them: ordering, paging, both route families,
// and lifting blocks of IP addresses and usernames.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { BlockerService } from "../../gen/svault/tenant/v1/blocker_service_pb.js";
import { BlockedIpEntity, BlockedUserEntity } from "../../src/persistence/entities/blocked.js";
import { scopeToTenant } from "../../src/persistence/tenant-scope.js";
import { createTenant, grpcClient, rest, violationLocs, withKey } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

type Json = Record<string, unknown>;
type Page = { data: Json[]; has_next: boolean; total_count: number };

const BASE = Date.parse("2030-03-01T12:00:00.000Z");
const MINUTE = 60_000;

/** Blocked IPs of `tenantId`, the i-th blocked i minutes after BASE. */
async function seedIps(tenantId: string, ips: string[], until?: (index: number) => Date | null): Promise<void> {
  const em = scopeToTenant(server.running.database.orm.em.fork(), tenantId);
  ips.forEach((ip, index) => {
    em.create(BlockedIpEntity, {
      tenant: tenantId,
      ip,
      failures: 50 + index,
      reason: `too many failures (${index})`,
      blockedAt: new Date(BASE + index * MINUTE),
      blockedUntil: until ? until(index) : null,
    });
  });
  await em.flush();
}

async function seedUsers(tenantId: string, usernames: string[]): Promise<void> {
  const em = scopeToTenant(server.running.database.orm.em.fork(), tenantId);
  usernames.forEach((username, index) => {
    em.create(BlockedUserEntity, {
      tenant: tenantId,
      username,
      failures: 10 + index,
      reason: "too many failures",
      blockedAt: new Date(BASE + index * MINUTE),
    });
  });
  await em.flush();
}

const get = (path: string) => rest(server, server.adminKey, "GET", path);
const del = (path: string) => rest(server, server.adminKey, "DELETE", path);
const pageOf = (res: { status: number; body: unknown }): Page => {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Page;
};
const ipsOf = (page: Page) => page.data.map((entry) => entry.ip);

describe("blocked IP addresses", () => {
  const ips = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"];
  before(async () => {
    await createTenant(server, "blk");
    await createTenant(server, "blk-other");
    await seedIps("blk", ips, (index) => (index === 0 ? new Date(BASE + 15 * MINUTE) : null));
    await seedIps("blk-other", ["10.9.9.9"]);
  });

  it("lists newest block first by default, with every field of an entry", async () => {
    const page = pageOf(await get("/api/v1/tenants/blk/blocked-ips"));
    assert.deepEqual(ipsOf(page), [...ips].reverse());
    assert.equal(page.total_count, 5);
    assert.equal(page.has_next, false);
    assert.deepEqual(page.data[4], {
      ip: "10.0.0.1",
      failures: 50,
      reason: "too many failures (0)",
      blocked_at: "2030-03-01T12:00:00Z",
      blocked_until: "2030-03-01T12:15:00Z",
    });
    assert.deepEqual(
      page.data[0],
      { ip: "10.0.0.5", failures: 54, reason: "too many failures (4)", blocked_at: "2030-03-01T12:04:00Z", blocked_until: null },
      "blocked_until null: until lifted",
    );
  });

  it("lists oldest first with sort_direction=1, and newest first with -1", async () => {
    assert.deepEqual(ipsOf(pageOf(await get("/api/v1/tenants/blk/blocked-ips?sort_direction=1"))), ips);
    assert.deepEqual(ipsOf(pageOf(await get("/api/v1/tenants/blk/blocked-ips?sort_direction=-1"))), [...ips].reverse());
  });

  it("pages with page and page_size, telling whether a next page exists", async () => {
    const first = pageOf(await get("/api/v1/tenants/blk/blocked-ips?page=0&page_size=2"));
    assert.deepEqual(ipsOf(first), ["10.0.0.5", "10.0.0.4"]);
    assert.equal(first.has_next, true);
    assert.equal(first.total_count, 5);
    const second = pageOf(await get("/api/v1/tenants/blk/blocked-ips?page=1&page_size=2"));
    assert.deepEqual(ipsOf(second), ["10.0.0.3", "10.0.0.2"]);
    assert.equal(second.has_next, true);
    const last = pageOf(await get("/api/v1/tenants/blk/blocked-ips?page=2&page_size=2"));
    assert.deepEqual(ipsOf(last), ["10.0.0.1"]);
    assert.equal(last.has_next, false);
    assert.equal(last.total_count, 5);
    const beyond = pageOf(await get("/api/v1/tenants/blk/blocked-ips?page=3&page_size=2"));
    assert.deepEqual(beyond.data, []);
    assert.equal(beyond.has_next, false);
    assert.equal(beyond.total_count, 5);
    const exact = pageOf(await get("/api/v1/tenants/blk/blocked-ips?page=0&page_size=5"));
    assert.equal(exact.has_next, false, "a full last page has no next");
    const oldestPage = pageOf(await get("/api/v1/tenants/blk/blocked-ips?page=1&page_size=3&sort_direction=1"));
    assert.deepEqual(ipsOf(oldestPage), ["10.0.0.4", "10.0.0.5"]);
  });

  it("rejects page_size outside (0, 500], a negative page and a sort_direction outside [-1, 1] with 422", async () => {
    assert.deepEqual(violationLocs(await get("/api/v1/tenants/blk/blocked-ips?page_size=0")), [["query", "page_size"]]);
    assert.deepEqual(violationLocs(await get("/api/v1/tenants/blk/blocked-ips?page_size=501")), [["query", "page_size"]]);
    assert.deepEqual(violationLocs(await get("/api/v1/tenants/blk/blocked-ips?page=-1")), [["query", "page"]]);
    assert.deepEqual(violationLocs(await get("/api/v1/tenants/blk/blocked-ips?sort_direction=2")), [["query", "sort_direction"]]);
    assert.deepEqual(violationLocs(await get("/api/v1/tenants/blk/blocked-ips?page_size=many")), [["query", "page_size"]]);
    assert.deepEqual(violationLocs(await get("/api/v1/blocker/blk/ips?page_size=0")), [["query", "page_size"]]);
    assert.equal(pageOf(await get("/api/v1/tenants/blk/blocked-ips?page_size=500")).data.length, 5);
  });

  it("answers the same on /api/v1/blocker/{tenant}/ips", async () => {
    for (const query of ["", "?sort_direction=1", "?page=1&page_size=2"]) {
      const main = await get(`/api/v1/tenants/blk/blocked-ips${query}`);
      const alias = await get(`/api/v1/blocker/blk/ips${query}`);
      assert.equal(alias.status, 200);
      assert.deepEqual(alias.body, main.body, query);
    }
  });

  it("shows only the tenant's own blocks", async () => {
    const other = pageOf(await get("/api/v1/tenants/blk-other/blocked-ips"));
    assert.deepEqual(ipsOf(other), ["10.9.9.9"]);
    assert.ok(!ipsOf(pageOf(await get("/api/v1/tenants/blk/blocked-ips"))).includes("10.9.9.9"));
    const empty = pageOf(await get("/api/v1/tenants/default/blocked-ips"));
    assert.deepEqual(empty, { data: [], has_next: false, total_count: 0 });
  });

  it("DELETE ?ip= lifts a block with 204, then answers 404; on either route", async () => {
    assert.equal((await del("/api/v1/tenants/blk/blocked-ips?ip=10.0.0.3")).status, 204);
    assert.ok(!ipsOf(pageOf(await get("/api/v1/tenants/blk/blocked-ips"))).includes("10.0.0.3"));
    assert.equal(pageOf(await get("/api/v1/tenants/blk/blocked-ips")).total_count, 4);
    const again = await del("/api/v1/tenants/blk/blocked-ips?ip=10.0.0.3");
    assert.equal(again.status, 404);
    assert.equal(typeof (again.body as Json).detail, "string");

    await del("/api/v1/blocker/blk/ips?ip=10.0.0.4");
    assert.equal((await del("/api/v1/blocker/blk/ips?ip=10.0.0.4")).status, 404);
    assert.deepEqual(ipsOf(pageOf(await get("/api/v1/tenants/blk/blocked-ips"))), ["10.0.0.5", "10.0.0.2", "10.0.0.1"]);
  });

  it("DELETE does not lift another tenant's block", async () => {
    assert.equal((await del("/api/v1/tenants/blk/blocked-ips?ip=10.9.9.9")).status, 404);
    assert.deepEqual(ipsOf(pageOf(await get("/api/v1/tenants/blk-other/blocked-ips"))), ["10.9.9.9"]);
  });

  it("DELETE rejects an invalid or missing ip with 422 in the query", async () => {
    for (const ip of ["not-an-ip", "10.0.0.256", "10.0.0", "1.2.3.4.5"]) {
      assert.deepEqual(violationLocs(await del(`/api/v1/tenants/blk/blocked-ips?ip=${encodeURIComponent(ip)}`)), [["query", "ip"]], ip);
    }
    assert.deepEqual(violationLocs(await del("/api/v1/tenants/blk/blocked-ips")), [["query", "ip"]]);
    assert.deepEqual(violationLocs(await del("/api/v1/blocker/blk/ips?ip=nope")), [["query", "ip"]]);
  });

  it("lifts IPv6 blocks too, however the address is written", async () => {
    await seedIps("blk", ["2001:db8::1"]);
    assert.equal((await del(`/api/v1/tenants/blk/blocked-ips?ip=${encodeURIComponent("2001:DB8:0::1")}`)).status, 204);
    assert.ok(!ipsOf(pageOf(await get("/api/v1/tenants/blk/blocked-ips"))).includes("2001:db8::1"));
  });

  it("answers the same over gRPC", async () => {
    const client = grpcClient(server, BlockerService);
    const page = await client.listBlockedIps({ tenantId: "blk", pageSize: 2, sortDirection: 1 }, withKey(server.adminKey));
    assert.deepEqual(
      page.data.map((entry) => entry.ip),
      ["10.0.0.1", "10.0.0.2"],
    );
    assert.equal(page.hasNext, true);
    const error = await client.listBlockedIps({ tenantId: "blk", pageSize: 0 }, withKey(server.adminKey)).then(
      () => assert.fail("expected an error"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(error.code, Code.InvalidArgument);
    assert.deepEqual(
      error.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field),
      ["page_size"],
    );
    const missing = await client.deleteBlockedIp({ tenantId: "blk", ip: "10.0.0.99" }, withKey(server.adminKey)).then(
      () => assert.fail("expected an error"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(missing.code, Code.NotFound);
  });
});

describe("blocked usernames", () => {
  before(async () => {
    await createTenant(server, "blk-users");
    await seedUsers("blk-users", ["alice", "bob", "carol", "dave"]);
  });

  const usersOf = (page: Page) => page.data.map((entry) => entry.username);

  it("lists, sorts and pages like the IP list, on both routes", async () => {
    const page = pageOf(await get("/api/v1/tenants/blk-users/blocked-users"));
    assert.deepEqual(usersOf(page), ["dave", "carol", "bob", "alice"]);
    assert.equal(page.total_count, 4);
    assert.deepEqual(page.data[3], {
      username: "alice",
      failures: 10,
      reason: "too many failures",
      blocked_at: "2030-03-01T12:00:00Z",
      blocked_until: null,
    });
    const oldest = pageOf(await get("/api/v1/tenants/blk-users/blocked-users?sort_direction=1&page=1&page_size=3"));
    assert.deepEqual(usersOf(oldest), ["dave"]);
    assert.equal(oldest.has_next, false);
    const first = pageOf(await get("/api/v1/tenants/blk-users/blocked-users?page_size=3"));
    assert.equal(first.has_next, true);
    for (const query of ["", "?sort_direction=1", "?page=1&page_size=3"]) {
      assert.deepEqual(
        (await get(`/api/v1/blocker/blk-users/users${query}`)).body,
        (await get(`/api/v1/tenants/blk-users/blocked-users${query}`)).body,
      );
    }
    assert.deepEqual(violationLocs(await get("/api/v1/tenants/blk-users/blocked-users?page_size=0")), [["query", "page_size"]]);
    assert.deepEqual(violationLocs(await get("/api/v1/blocker/blk-users/users?page_size=501")), [["query", "page_size"]]);
  });

  it("unblocks a username whatever its case or width (normalized), then answers 404", async () => {
    const remaining = async () => usersOf(pageOf(await get("/api/v1/tenants/blk-users/blocked-users")));
    await del("/api/v1/tenants/blk-users/blocked-users?username=ALICE");
    assert.deepEqual(await remaining(), ["dave", "carol", "bob"]);
    assert.equal((await del("/api/v1/tenants/blk-users/blocked-users?username=alice")).status, 404);
    await del(`/api/v1/blocker/blk-users/users?username=${encodeURIComponent("ＢＯＢ")}`);
    assert.deepEqual(await remaining(), ["dave", "carol"], "full-width letters");
    await del(`/api/v1/tenants/blk-users/blocked-users?username=${encodeURIComponent(" Carol ")}`);
    assert.deepEqual(await remaining(), ["dave"], "surrounding spaces");
    const missing = await del("/api/v1/tenants/blk-users/blocked-users?username=nobody");
    assert.equal(missing.status, 404);
    assert.equal(typeof (missing.body as Json).detail, "string");
  });

  it("rejects a missing or too long username with 422", async () => {
    assert.deepEqual(violationLocs(await del("/api/v1/tenants/blk-users/blocked-users")), [["query", "username"]]);
    assert.deepEqual(violationLocs(await del(`/api/v1/tenants/blk-users/blocked-users?username=${"x".repeat(129)}`)), [
      ["query", "username"],
    ]);
  });
});
