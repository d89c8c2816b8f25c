// The cache behind the token path's tenants, keys and clients (src/persistence/invalidated-cache.ts):
// how long an entry is reused with and without a listening connection, and that a change drops it,
// including a change heard while a load was running. The clock is injected; nothing waits.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChangeFeed, parseChange } from "../../src/persistence/change-feed.js";
import { InvalidatedCache } from "../../src/persistence/invalidated-cache.js";

function setUp() {
  let now = 1_000_000;
  const feed = new ChangeFeed({});
  const cache = new InvalidatedCache<number>(feed, ["client"], { heardMs: 300_000, unheardMs: 1_000, maxEntries: 2 }, () => now);
  let loads = 0;
  const load = () => Promise.resolve(++loads);
  return { feed, cache, load, loads: () => loads, advance: (ms: number) => (now += ms) };
}

describe("InvalidatedCache", () => {
  it("without a listening connection, reuses an entry for less than a second, never longer", async () => {
    const { cache, load, advance } = setUp();
    assert.equal(await cache.get("t", "c", load), 1);
    advance(999);
    assert.equal(await cache.get("t", "c", load), 1);
    advance(1);
    assert.equal(await cache.get("t", "c", load), 2);
  });

  it("with a listening connection, reuses an entry until its change is heard", async () => {
    const { feed, cache, load, advance } = setUp();
    feed.soleWriter();
    assert.equal(await cache.get("t", "c", load), 1);
    advance(60_000);
    assert.equal(await cache.get("t", "c", load), 1);
    feed.emit({ table: "client", tenantId: "other" });
    assert.equal(await cache.get("t", "c", load), 1, "another tenant's change leaves it");
    feed.emit({ table: "tenant_key", tenantId: "t" });
    assert.equal(await cache.get("t", "c", load), 1, "a table it does not depend on leaves it");
    feed.emit({ table: "client", tenantId: "t" });
    assert.equal(await cache.get("t", "c", load), 2);
    feed.emit({ table: "*", tenantId: "*" });
    assert.equal(await cache.get("t", "c", load), 3, "a missed notification drops everything");
  });

  it("does not keep a value whose load ran while a change was heard", async () => {
    const { feed, cache } = setUp();
    feed.soleWriter();
    let release: (value: number) => void = () => undefined;
    const slow = cache.get("t", "c", () => new Promise<number>((resolve) => (release = resolve)));
    feed.emit({ table: "client", tenantId: "t" });
    release(1);
    assert.equal(await slow, 1);
    assert.equal(await cache.get("t", "c", () => Promise.resolve(2)), 2, "the stale value was not kept");
  });

  it("loads a key once for concurrent readers, and keeps at most maxEntries", async () => {
    const { feed, cache, load, loads } = setUp();
    feed.soleWriter();
    const [a, b] = await Promise.all([cache.get("t", "c", load), cache.get("t", "c", load)]);
    assert.deepEqual([a, b, loads()], [1, 1, 1]);
    await cache.get("t", "d", load);
    await cache.get("t", "e", load);
    assert.equal(await cache.get("t", "c", load), 4, "the oldest entry went first");
  });

  it("drops the oldest entry of the tenant that loaded one least recently, and a tenant's change frees its places", async () => {
    const { feed, cache, load, loads } = setUp();
    feed.soleWriter();
    await cache.get("a", "x", load); // 1
    await cache.get("b", "x", load); // 2
    await cache.get("a", "y", load); // 3: a loaded least recently (before b): its oldest, x, goes
    assert.deepEqual([await cache.get("b", "x", load), await cache.get("a", "y", load), loads()], [2, 3, 3]);
    feed.emit({ table: "client", tenantId: "b" });
    assert.equal(await cache.get("c", "x", load), 4);
    assert.equal(await cache.get("a", "y", load), 3, "b's change made room: a's entry stays");
    assert.equal(await cache.get("a", "x", load), 5, "a's x went first");
  });

  it("reads a notification's payload, and ignores what it does not know", () => {
    assert.deepEqual(parseChange("client:acme"), { table: "client", tenantId: "acme" });
    assert.deepEqual(parseChange("tenant_key:a-b"), { table: "tenant_key", tenantId: "a-b" });
    assert.deepEqual(parseChange("app_user:acme"), { table: "app_user", tenantId: "acme" });
    assert.equal(parseChange("api_key:acme"), undefined);
    assert.equal(parseChange("client"), undefined);
    assert.equal(parseChange(undefined), undefined);
  });
});
