// Plain statements join the EntityManager's transaction: rolled back with it, and run on its
// connection (a statement on another connection would wait for the transaction's row lock).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { executeSql } from "../../src/persistence/execute-sql.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const countRequests = async (id: string) =>
  Number(
    (
      (await executeSql(server.running.database.orm.em.fork(), "select count(*) as n from auth_request where id = ?", [id], "get")) as {
        n: string;
      }
    ).n,
  );

describe("executeSql", () => {
  it("rolls back with the transaction it runs in", async () => {
    const em = server.running.database.orm.em.fork();
    await assert.rejects(
      em.transactional(async (tx) => {
        await executeSql(
          tx,
          "insert into auth_request (id, tenant_id, client_id, params, expires_at, created_at) values (?, 'default', 'c', '{}', now() + interval '1 minute', now())",
          ["rolled-back"],
          "run",
        );
        assert.equal(await countRequests("rolled-back"), 0, "not visible outside the transaction before it commits");
        throw new Error("abort");
      }),
      /abort/,
    );
    assert.equal(await countRequests("rolled-back"), 0);
  });

  it("sees the transaction's own uncommitted rows and locks", async () => {
    const em = server.running.database.orm.em.fork();
    await em.transactional(async (tx) => {
      await executeSql(
        tx,
        "insert into auth_request (id, tenant_id, client_id, params, expires_at, created_at) values (?, 'default', 'c', '{}', now() + interval '1 minute', now())",
        ["committed"],
        "run",
      );
      const locked = (await executeSql(tx, "select id from auth_request where id = ? for update", ["committed"])) as { id: string }[];
      assert.deepEqual(locked, [{ id: "committed" }]);
    });
    assert.equal(await countRequests("committed"), 1);
  });
});
