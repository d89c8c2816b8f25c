import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deleteExpiredRows } from "../../src/persistence/expired-rows.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

describe("housekeeping", () => {
  it("deletes expired authorization requests and challenges, and keeps live ones", async () => {
    const connection = server.running.database.orm.em.getConnection();
    for (const [id, offset] of [
      ["old", "-1 minute"],
      ["live", "1 minute"],
    ]) {
      await connection.execute(
        `insert into auth_request (id, tenant_id, client_id, params, expires_at, created_at) values (?, 'default', 'c', '{}', now() + interval '${offset}', now())`,
        [id],
      );
      await connection.execute(
        `insert into auth_challenge (id, tenant_id, purpose, username_normalized, proto_version, expires_at, created_at)
         values (?, 'default', 'login', 'u', 'v', now() + interval '${offset}', now())`,
        [id],
      );
    }
    assert.equal(await deleteExpiredRows(new UnitOfWork(server.running.database.orm.em.fork())), 2);
    const left = (await connection.execute("select id from auth_request union all select id from auth_challenge")) as { id: string }[];
    assert.deepEqual(
      left.map((r) => r.id),
      ["live", "live"],
    );
  });

  it("deletes rate-limit counters whose window has ended, and keeps running ones", async () => {
    const connection = server.running.database.orm.em.getConnection();
    for (const [subject, offset] of [
      ["ended", "-1 second"],
      ["running", "1 minute"],
    ]) {
      await connection.execute(
        `insert into rate_limit (scope, kind, subject, hits, expires_at) values ('', 'address_failures', ?, 3, now() + interval '${offset}')`,
        [subject],
      );
    }
    assert.equal(await deleteExpiredRows(new UnitOfWork(server.running.database.orm.em.fork())), 1);
    const left = (await connection.execute("select subject from rate_limit")) as { subject: string }[];
    assert.deepEqual(
      left.map((r) => r.subject),
      ["running"],
    );
  });
});
