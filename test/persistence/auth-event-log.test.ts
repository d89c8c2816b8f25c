// The audit trail's batch statement (src/persistence/repositories/auth-event-log.ts): a batch's
// times go as epoch milliseconds and Postgres makes the timestamps; each must be the millisecond
// the recorder took, exactly, whatever its fraction of a second; and every column lands in its own.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { TenantEntity } from "../../src/persistence/entities/tenant.js";
import { AuthEventLog, type AuthEventRow } from "../../src/persistence/repositories/auth-event-log.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

const TENANT = "audit-log";
const BLOCK = { user_free_attempts: 5, user_block_after: 10, ip_block_after: 50, window_seconds: 900, block_seconds: 900 };
let t: TestOrm;

before(async () => {
  t = await openTestOrm();
  const em = t.orm.em.fork();
  em.create(TenantEntity, { id: TENANT, blockConfig: BLOCK, loginOrder: ["PIN"] });
  await em.flush();
});
after(() => t.close());

const rowAt = (atMs: number, i: number): AuthEventRow => ({
  tenantId: TENANT,
  atMs,
  kind: "challenge",
  outcome: i % 2 === 0 ? "success" : "failure",
  reason: `reason-${i}`,
  username: `user-${i}`,
  userId: i % 3 === 0 ? null : randomUUID(),
  ip: `198.51.100.${i % 250}`,
  userAgent: `agent ${i}`,
  clientId: i % 2 === 0 ? null : `client-${i}`,
  logData: i % 2 === 0 ? null : JSON.stringify({ i }),
});

describe("the auth_event batch", () => {
  it("stores each event's millisecond exactly, and every column in its own", async () => {
    // The edges of a second and of the epoch's range this service sees, and a spread of others.
    const times = [0, 1, 999, 1_000, 1_733_500_000_123, 1_796_585_367_379, 4_102_444_800_999, Date.now()];
    for (let i = 0; i < 400; i++) times.push(1_700_000_000_000 + Math.floor(Math.random() * 300_000_000_000));
    const rows = times.map(rowAt);
    await new AuthEventLog(t.database.sql).append(rows);

    const stored = await t.orm.em.getConnection().execute<
      {
        at: Date;
        reason: string;
        kind: string;
        outcome: string;
        username: string;
        user_id: string | null;
        ip: string;
        user_agent: string;
        client_id: string | null;
        log_data: unknown;
      }[]
    >(
      "select at, kind, outcome, reason, username, user_id, ip, user_agent, client_id, log_data from auth_event where tenant_id = ? order by id",
      [TENANT],
    );
    assert.equal(stored.length, rows.length);
    stored.forEach((event, i) => {
      const row = rows[i] as AuthEventRow;
      assert.equal(new Date(event.at).getTime(), row.atMs, `event ${i}`);
      assert.deepEqual(
        [
          event.kind,
          event.outcome,
          event.reason,
          event.username,
          event.user_id,
          event.ip,
          event.user_agent,
          event.client_id,
          event.log_data,
        ],
        [
          row.kind,
          row.outcome,
          row.reason,
          row.username,
          row.userId,
          row.ip,
          row.userAgent,
          row.clientId,
          row.logData && JSON.parse(row.logData),
        ],
      );
    });
  });
});
