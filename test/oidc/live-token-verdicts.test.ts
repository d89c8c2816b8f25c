// The verdicts that an access token is live, kept in memory (src/domain/oidc/live-token-verdicts.ts),
// on the real Postgres with the real repositories: a verdict is reused until something that decides
// it changes; this instance's own writes (the repositories' announcements) drop it at once; any
// other writer's once the commit's notification is heard (the migration's triggers), while ordinary
// traffic (new families and sessions, a session's use, a DPoP binding, a SCIM profile) notifies
// nothing; with the listening connection killed (pg_terminate_backend) no verdict is reused for
// more than the stated second, on an injected clock. And every column the liveness statement reads
// has a trigger, so that a column added to it later cannot be forgotten. The test waits for
// notifications, never for time. (Two server instances over HTTP: verdicts-across-instances.test.ts.)
import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import pg from "pg";
import { LiveTokenVerdicts, VERDICT_TABLES, type VerdictClaims } from "../../src/domain/oidc/live-token-verdicts.js";
import { type Change, ChangeFeed, type FeedTimers } from "../../src/persistence/change-feed.js";
import { DEFAULT_CACHE_BOUNDS } from "../../src/persistence/invalidated-cache.js";
import { GrantRepository } from "../../src/persistence/repositories/grant-repository.js";
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import type { SqlFragment } from "../../src/persistence/sql-fragment.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { captureLogs } from "../support/log-capture.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";
import { endPool } from "../support/end-pool.js";

const T = "verdicts";
const OTHER = "sentinel";
const { unheardMs } = DEFAULT_CACHE_BOUNDS;

let testOrm: TestOrm;
/** The test's own connections: its writes "by hand" (another instance, an operator) go through them. */
let sql: pg.Pool;
const statements = mock.method(GrantRepository.prototype, "liveAccessToken");
const logs = captureLogs("warn");

/** Time moved on by hand, on top of real time. Nothing the feeds schedule ever runs: no heartbeat after the first, no reconnection. */
let shift = 0;
const timers: FeedTimers = { now: () => Date.now() + shift, after: () => () => undefined };

/** This instance: hears only its own repositories' announcements (as the embedded database's sole writer does). */
let own: ChangeFeed;
let ownVerdicts: LiveTokenVerdicts;
/** Another instance's view: hears only the database's notifications, on a listening connection. */
let listening: ChangeFeed;
let heardVerdicts: LiveTokenVerdicts;

const repos = (tenantId = T) => new TenantRepositories(new UnitOfWork(testOrm.orm.em.fork()), tenantId);

let made = 0;
/** A fresh user, session and family of the tenant; the claims of an access token of theirs. */
async function grant(): Promise<VerdictClaims & { userId: string; sessionId: string }> {
  made++;
  const userId = crypto.randomUUID();
  const sessionId = `s-${made}`;
  const fid = `f-${made}`;
  await sql.query(
    `insert into app_user (id, tenant_id, username, username_normalized, email, email_normalized, locale, roles, created_at, updated_at)
     values ($1, $2, $3, $3, $4, $4, 'en', '["user"]', now(), now())`,
    [userId, T, `user${made}`, `user${made}@example.com`],
  );
  await sql.query(
    `insert into user_session (id, tenant_id, user_id, secret_hash, auth_time, amr, clients, created_at, last_seen_at)
     values ($1, $2, $3, '\\x00', now(), '[]', '[]', now(), now())`,
    [sessionId, T, userId],
  );
  await sql.query(
    "insert into token_family (id, tenant_id, client_id, user_id, session_id, created_at) values ($1, $2, 'app', $3, $4, now())",
    [fid, T, userId, sessionId],
  );
  return { fid, jti: `jti-${made}`, client_id: "app", userId, sessionId };
}

/** Statements run by `check`. */
async function statementsOf(check: () => Promise<unknown>): Promise<number> {
  const before = statements.mock.callCount();
  await check();
  return statements.mock.callCount() - before;
}

/** Every change `feed` hears until (and with) the first that matches. */
function heardUntil(feed: ChangeFeed, last: (change: Change) => boolean): Promise<Change[]> {
  const heard: Change[] = [];
  return new Promise((resolve) => {
    const stop = feed.onChange((change) => {
      heard.push(change);
      if (!last(change)) return;
      stop();
      resolve(heard);
    });
  });
}
const of =
  (table: Change["table"], tenantId = T) =>
  (change: Change) =>
    change.table === table && change.tenantId === tenantId;

before(async () => {
  testOrm = await openTestOrm();
  sql = new pg.Pool({ connectionString: testOrm.db.url, max: 2 });
  for (const tenant of [T, OTHER]) {
    await sql.query(
      "insert into tenant (id, display_name, block_config, login_order, created_at, updated_at) values ($1, $1, '{}', '[]', now(), now())",
      [tenant],
    );
  }
  // Announcements of writes through this ORM's units of work go to the feed made last for it.
  own = new ChangeFeed(testOrm.orm.em.getMetadata(), { timers });
  own.soleWriter();
  ownVerdicts = new LiveTokenVerdicts(own, DEFAULT_CACHE_BOUNDS, timers.now);
  // Heartbeats are not the subject here (change-feed-heartbeat.test.ts): the feed counts as hearing
  // for as long as its connection is up, and a killed connection is noticed when it closes.
  listening = new ChangeFeed({}, { timers, heartbeat: { everyMs: 500, heardForMs: 3_600_000, lostAfterMs: 7_200_000 } });
  heardVerdicts = new LiveTokenVerdicts(listening, DEFAULT_CACHE_BOUNDS, timers.now);
  await listening.listen(
    { connectionString: testOrm.db.url },
    (channel, payload) => sql.query("select pg_notify($1, $2)", [channel, payload]),
    logs.logger,
  );
});
after(async () => {
  ownVerdicts.close();
  heardVerdicts.close();
  await listening.close();
  await endPool(sql);
  await testOrm.close();
  statements.mock.restore();
});

describe("verdicts kept in memory", () => {
  it("a live token's verdict, with its user, is reused: one statement for many checks", async () => {
    const claims = await grant();
    assert.equal(await statementsOf(() => ownVerdicts.live(repos(), claims)), 1);
    const verdict = await ownVerdicts.live(repos(), claims);
    assert.equal(verdict?.user?.id, claims.userId);
    assert.equal(verdict?.user?.email, `user${made}@example.com`);
    assert.equal(await statementsOf(() => ownVerdicts.live(repos(), claims)), 0);
    assert.ok(Object.isFrozen(verdict?.user) && Object.isFrozen(verdict?.user?.roles), "a shared verdict cannot be changed");
  });

  it("a refusal is never kept: each check of a dead token asks the database", async () => {
    const claims = await grant();
    await sql.query("update token_family set revoked_at = now() where id = $1", [claims.fid]);
    assert.equal(await ownVerdicts.live(repos(), claims), undefined);
    assert.equal(await statementsOf(() => ownVerdicts.live(repos(), claims)), 1);
    assert.equal(await statementsOf(() => ownVerdicts.live(repos(), { ...claims, jti: "another" })), 1);
  });

  it("a token of another tenant, or of another client, is not judged by this one's verdict", async () => {
    const claims = await grant();
    assert.ok(await ownVerdicts.live(repos(), claims));
    assert.equal(await ownVerdicts.live(repos(OTHER), claims), undefined);
    assert.equal(await statementsOf(() => ownVerdicts.live(repos(), { ...claims, client_id: "other" })), 1);
  });
});

describe("this instance's writes: the very next check refuses, without waiting for anything", () => {
  // `own` hears nothing from the database: only the repositories' announcements can drop a verdict.
  const writes: [string, (claims: Awaited<ReturnType<typeof grant>>) => Promise<unknown>][] = [
    [
      "the revocation endpoint denies the access token's jti",
      (c) => repos().grants.denyAccessToken(c.jti, Math.floor(Date.now() / 1000) + 600),
    ],
    ["a session ends (logout, front/back channel, admin, revoke-all)", (c) => repos().sessions.end({ ids: [c.sessionId] })],
    ["a user's token families are revoked (disable, SCIM active=false)", (c) => repos().users.revokeTokenFamilies(c.userId)],
    ["a user is deleted (admin, batch, SCIM)", (c) => repos().transactional((tx) => tx.users.deleteWithDependents([c.userId]))],
  ];
  for (const [name, write] of writes) {
    it(name, async () => {
      const claims = await grant();
      assert.ok(await ownVerdicts.live(repos(), claims));
      assert.equal(await statementsOf(() => ownVerdicts.live(repos(), claims)), 0, "held in memory");
      await write(claims);
      assert.equal(await ownVerdicts.live(repos(), claims), undefined);
    });
  }

  it("a write inside a transaction: a check that read the state before the commit is not kept beyond it", async () => {
    const claims = await grant();
    await repos().transactional(async (tx) => {
      await tx.users.revokeTokenFamilies(claims.userId);
      // Another request's check, on another connection, while the revocation is not committed yet.
      assert.ok(await ownVerdicts.live(repos(), claims), "the old state, as committed so far");
    });
    assert.equal(await ownVerdicts.live(repos(), claims), undefined);
  });

  it("a refresh token presented again after rotation revokes its family (reuse detection)", async () => {
    const claims = await grant();
    const hash = Buffer.from(`rt-${claims.fid}`);
    await sql.query(
      `insert into refresh_token (hash, tenant_id, family_id, client_id, user_id, session_id, scope, issuer, auth_time, amr, expires_at,
         created_at, rotated_at) values ($1, $2, $3, 'app', $4, $5, 'openid', 'iss', now(), '[]', now() + interval '1 hour', now(), now())`,
      [hash, T, claims.fid, claims.userId, claims.sessionId],
    );
    assert.ok(await ownVerdicts.live(repos(), claims));
    await repos().grants.revokeFamilyOfReusedToken(claims.fid as string, hash);
    assert.equal(await ownVerdicts.live(repos(), claims), undefined);
  });

  it("a user's fields change (admin update, e-mail change, verification): the next check shows the new ones", async () => {
    const claims = await grant();
    assert.equal((await ownVerdicts.live(repos(), claims))?.user?.email, `user${made}@example.com`);
    await repos().users.changeEmail(claims.userId, "new@example.com", "new@example.com");
    const verdict = await ownVerdicts.live(repos(), claims);
    assert.equal(verdict?.user?.email, "new@example.com");
    assert.equal(verdict?.user?.isVerified, false);
  });
});

describe("everybody else's writes: refused once the commit's notification is heard", () => {
  // `listening` hears nothing announced: only the triggers' notifications can drop a verdict.
  const writes: [string, Change["table"], (claims: Awaited<ReturnType<typeof grant>>) => string, unknown[]?][] = [
    ["a family revoked", "token_family", (c) => `update token_family set revoked_at = now() where id = '${c.fid}'`],
    ["a family deleted", "token_family", (c) => `delete from token_family where id = '${c.fid}'`],
    ["a session ended", "user_session", (c) => `update user_session set ended_at = now() where id = '${c.sessionId}'`],
    ["a session deleted", "user_session", (c) => `delete from user_session where id = '${c.sessionId}'`],
    ["a user disabled", "app_user", (c) => `update app_user set is_disabled = true where id = '${c.userId}'`],
    ["a user deleted", "app_user", (c) => `delete from app_user where id = '${c.userId}'`],
    [
      "a jti revoked",
      "revoked_access_token",
      (c) => `insert into revoked_access_token values ('${c.jti}', '${T}', now() + interval '1 hour')`,
    ],
  ];
  for (const [name, table, write] of writes) {
    it(name, async () => {
      const claims = await grant();
      assert.ok(await heardVerdicts.live(repos(), claims));
      assert.equal(await statementsOf(() => heardVerdicts.live(repos(), claims)), 0, "held in memory");
      const heard = heardUntil(listening, of(table));
      await sql.query(write(claims));
      await heard;
      assert.equal(await heardVerdicts.live(repos(), claims), undefined);
    });
  }

  it("a user's username edited: the next check after the notification shows the new one", async () => {
    const claims = await grant();
    assert.equal((await heardVerdicts.live(repos(), claims))?.user?.username, `user${made}`);
    const heard = heardUntil(listening, of("app_user"));
    await sql.query("update app_user set username = 'renamed' where id = $1", [claims.userId]);
    await heard;
    assert.equal((await heardVerdicts.live(repos(), claims))?.user?.username, "renamed");
  });

  it("ordinary traffic notifies nothing: new families, sessions and users, a session's use, a DPoP binding, a SCIM profile, a rotation", async () => {
    const claims = await grant();
    assert.ok(await heardVerdicts.live(repos(), claims));
    // Postgres delivers notifications in commit order: whatever the ordinary writes sent would be heard before the sentinel.
    const heard = heardUntil(listening, of("revoked_access_token", OTHER));
    await grant();
    await sql.query("update user_session set last_seen_at = now(), clients = '[\"app\"]' where id = $1", [claims.sessionId]);
    await sql.query("update token_family set dpop_jkt = 'jkt' where id = $1", [claims.fid]);
    await sql.query(`update app_user set scim_profile = '{"title": "x"}' where id = $1`, [claims.userId]);
    await sql.query("update app_user set is_disabled = false where id = $1", [claims.userId]);
    await sql.query(
      `insert into refresh_token (hash, tenant_id, family_id, client_id, user_id, session_id, scope, issuer, auth_time, amr, expires_at,
         created_at) values ('\\x01', $1, $2, 'app', $3, $4, 'openid', 'iss', now(), '[]', now() + interval '1 hour', now())`,
      [T, claims.fid, claims.userId, claims.sessionId],
    );
    await sql.query("update refresh_token set rotated_at = now() where hash = '\\x01'");
    await sql.query(`insert into revoked_access_token values ('sentinel', '${OTHER}', now() + interval '1 hour')`);
    assert.deepEqual(await heard, [{ table: "revoked_access_token", tenantId: OTHER }]);
    assert.equal(await statementsOf(() => heardVerdicts.live(repos(), claims)), 0, "the verdict is still held");
  });
});

describe("with the listening connection killed", () => {
  it("no verdict is reused more than a second after a change the instance did not hear", async () => {
    const claims = await grant();
    const lost = heardUntil(listening, (change) => change.table === "*");
    const killed = await sql.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'svault-changes' and datname = current_database()",
    );
    assert.ok(killed.rowCount && killed.rowCount > 0, "a listening connection was killed");
    await lost;
    assert.equal(listening.listening, false);
    assert.ok(await heardVerdicts.live(repos(), claims));
    await sql.query("update token_family set revoked_at = now() where id = $1", [claims.fid]);
    const changedAt = timers.now();
    // Time moves on in tenth-seconds; every stale answer is judged against the bound.
    for (let stale = 0; ; stale++) {
      const askedAt = timers.now();
      if ((await heardVerdicts.live(repos(), claims)) === undefined) {
        assert.ok(stale > 0, "the verdict was held in memory while it could be");
        break;
      }
      assert.ok(askedAt - changedAt < unheardMs, `a verdict reused ${askedAt - changedAt} ms after a change it did not hear`);
      shift += 100;
    }
  });
});

describe("every column the liveness statement reads has a trigger", () => {
  it("an update of it, a deletion of its row (an insertion, for a row whose existence refuses) notifies, and the verdicts watch its table", async () => {
    // The statements as GrantRepository runs them (both kinds of token), read from the unit of work.
    const texts: string[] = [];
    const uow = new UnitOfWork(testOrm.orm.em.fork());
    const run = uow.preparedRows.bind(uow);
    uow.preparedRows = <Row>(statement: SqlFragment): Promise<Row[]> => {
      texts.push(statement.text);
      return run<Row>(statement);
    };
    const grants = new GrantRepository(uow, T);
    await grants.liveAccessToken("f", "j", "c");
    await grants.liveAccessToken(undefined, "j", "c");
    assert.equal(texts.length, 2);

    const triggers = (
      await sql.query<{ table: string; def: string }>(
        `select c.relname as table, pg_get_triggerdef(t.oid) as def from pg_trigger t join pg_class c on c.oid = t.tgrelid
         where not t.tgisinternal and t.tgfoid = 'svault_notify_change'::regproc`,
      )
    ).rows;
    const on = (table: string, event: string) =>
      triggers.filter((trigger) => trigger.table === table && new RegExp(`AFTER [A-Z ]*\\b${event}\\b`).test(trigger.def));
    let checked = 0;
    for (const text of texts) {
      const aliases = new Map<string, string>();
      for (const [, table, alias] of text.matchAll(/\b(?:from|join)\s+(\w+)\s+(\w+)\b/g)) aliases.set(alias as string, table as string);
      const refusing = new Set([...text.matchAll(/not exists \(select 1 from (\w+)\b/g)].map(([, table]) => table));
      for (const [, alias, column] of text.matchAll(/\b(\w+)\.(\w+)\b/g)) {
        const table = aliases.get(alias as string);
        if (!table) continue;
        checked++;
        assert.ok(VERDICT_TABLES.includes(table as never), `the verdicts watch ${table}`);
        const covered = on(table, "UPDATE").some((trigger) => !/ WHEN /.test(trigger.def) || trigger.def.includes(`old.${column}`));
        assert.ok(covered, `an update of ${table}.${column} notifies`);
        assert.ok(on(table, refusing.has(table) ? "INSERT" : "DELETE").length > 0, `${table}: a row that appears or goes notifies`);
      }
    }
    assert.ok(checked >= 15, `the statements' columns were found (${checked})`);
  });
});
