// The change feed's proof that it hears (src/persistence/change-feed.ts, docs/operations.md
// "Caches"), on the real Postgres: a listening connection that falls silent — still open, but
// nothing goes through it either way (test/support/tcp-proxy.ts `stall`: a network partition, a NAT
// that forgot it) — is noticed by the heartbeat within the stated bound: a cache entry is reused at
// most 1 s after a change the feed missed, and the feed listens again on a new connection. The
// heartbeats go through another, working connection, as the service's own statements do. The
// feed's time is moved on by hand (on top of real time); the test waits for events, never for time.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { ChangeFeed, DEFAULT_HEARTBEAT, type FeedTimers } from "../../src/persistence/change-feed.js";
import { InvalidatedCache } from "../../src/persistence/invalidated-cache.js";
import { captureLogs } from "../support/log-capture.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { testServerAddress, throughProxy } from "../support/test-database.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";
import { until } from "../support/until.js";
import { endPool } from "../support/end-pool.js";

const { everyMs, heardForMs, lostAfterMs } = DEFAULT_HEARTBEAT;

/** Time that moves when the test says so; what falls due on the way runs in order. */
function manualTimers() {
  let shift = 0;
  const due: { at: number; run: () => void; cancelled: boolean }[] = [];
  const now = () => Date.now() + shift;
  const timers: FeedTimers = {
    now,
    after(ms, run) {
      const timer = { at: now() + ms, run, cancelled: false };
      due.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  };
  const advance = (ms: number) => {
    shift += ms;
    for (;;) {
      const next = due.filter((timer) => !timer.cancelled && timer.at <= now()).sort((a, b) => a.at - b.at)[0];
      if (!next) return;
      next.cancelled = true;
      next.run();
    }
  };
  return { timers, advance };
}

let testOrm: TestOrm;
let proxy: TcpProxy;
/** Working connections: the heartbeats and the test's own changes go through them. */
let sql: pg.Pool;
const logs = captureLogs("warn");
const { timers, advance } = manualTimers();
const feed = new ChangeFeed({}, { timers });
const cache = new InvalidatedCache<string>(feed, ["tenant"], undefined, timers.now);
let loads = 0;
const displayName = () =>
  cache.get("feed", "", async () => {
    loads++;
    return (await sql.query<{ display_name: string }>("select display_name from tenant where id = 'feed'")).rows[0]?.display_name ?? "";
  });
const rename = (name: string) => sql.query("update tenant set display_name = $1 where id = 'feed'", [name]);

/** The next change the feed hears. */
const nextChange = () =>
  new Promise<void>((resolve) => {
    const stop = feed.onChange(() => {
      stop();
      resolve();
    });
  });

/** One heartbeat period on, and the heartbeat it sent heard. */
async function beatHeard(): Promise<void> {
  // The beat this advance runs is sent at `from + everyMs` or later (the feed's time only moves
  // on), every earlier one at `from` or before. Read before the advance, not after it: the clock
  // read after it also counts the real time spent in between, and on a loaded machine a pause of
  // more than a millisecond there made the wait one that no heartbeat could end (only advances send them).
  const from = timers.now();
  advance(everyMs);
  await until(() => feed.heardUntil >= from + everyMs, { what: "the heartbeat is heard" });
}

before(async () => {
  testOrm = await openTestOrm();
  sql = new pg.Pool({ connectionString: testOrm.db.url, max: 2 });
  await sql.query(
    "insert into tenant (id, display_name, block_config, login_order, created_at, updated_at) values ('feed', 'before', '{}', '[]', now(), now())",
  );
  const { host, port } = testServerAddress();
  proxy = await startTcpProxy(port, host);
  await feed.listen(
    { connectionString: throughProxy(testOrm.db.url, proxy.port) },
    (channel, payload) => sql.query("select pg_notify($1, $2)", [channel, payload]),
    logs.logger,
  );
});
after(async () => {
  cache.close();
  await feed.close();
  await endPool(sql);
  await proxy.close();
  await testOrm.close();
});

describe("the change feed's heartbeat", () => {
  it("proves every half second that it still hears, so an entry is kept across heartbeats until its change arrives", async () => {
    assert.equal(feed.listening, true);
    assert.equal(await displayName(), "before");
    for (let beat = 0; beat < 10; beat++) await beatHeard();
    assert.equal(feed.listening, true);
    assert.equal(await displayName(), "before");
    assert.equal(loads, 1, "5 s later the entry is still reused");
    const heard = nextChange();
    await rename("after");
    await heard;
    assert.equal(await displayName(), "after");
    assert.equal(loads, 2);
  });

  it("a listening connection that falls silent: no entry is reused 1 s after a change it missed, and it listens again on a new connection", async () => {
    await beatHeard();
    proxy.stall();
    const changedAt = timers.now();
    await rename("silent");
    assert.equal(await displayName(), "after", "the change was not heard: the connection is silent");
    // Time moves on in tenth-seconds; every stale answer is judged against the bound.
    for (;;) {
      advance(100);
      const askedAt = timers.now();
      const answer = await displayName();
      if (answer === "silent") break;
      assert.equal(answer, "after");
      assert.ok(askedAt - changedAt < heardForMs, `a stale answer ${askedAt - changedAt} ms after the change`);
    }
    assert.equal(feed.listening, false, "the feed no longer counts as hearing");

    // The heartbeats stay unheard: the connection is given up and opened again (through the proxy, anew).
    const warned = logs.waitForLine((line) => String(line.msg).startsWith("lost the connection that hears"));
    advance(lostAfterMs);
    assert.match(((await warned).err as { message: string }).message, /no heartbeat heard/);
    // Listening again shows as what it has heard moving past the loss (heardUntil is -Infinity
    // from the loss until a connection listens). Not `feed.listening`: that also needs the last
    // proof to be younger than heardForMs of the feed's time, which real time moves too, and on a
    // loaded machine it could expire before the check with no heartbeat left to renew it.
    const lostAt = timers.now();
    advance(1_000);
    await until(() => feed.heardUntil >= lostAt, { what: "the feed listens again" });
    const heard = nextChange();
    await rename("back");
    await heard;
    assert.equal(await displayName(), "back");
  });
});
