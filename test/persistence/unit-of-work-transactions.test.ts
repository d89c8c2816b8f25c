// UnitOfWork.transactional, begun and committed on the connection by hand (not em.transactional,
// which runs inside an AsyncLocalStorage): all or nothing, errors propagate, a nested call is a
// savepoint of the outer transaction, and every statement of the work runs in the transaction.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TenantDirectory } from "../../src/persistence/repositories/tenant-row-repository.js";
import { sql } from "../../src/persistence/sql-fragment.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { openTestOrm, type TestOrm } from "../support/test-orm.js";

let t: TestOrm;
before(async () => {
  t = await openTestOrm();
});
after(() => t.close());

const uow = () => new UnitOfWork(t.orm.em.fork());
const exists = (id: string) => new TenantDirectory(uow()).exists(id);
const addTenant = (tx: UnitOfWork, id: string) => new TenantDirectory(tx).create(id, { blockConfig: {} as never, loginOrder: [] });

class Planned extends Error {}

describe("UnitOfWork.transactional without AsyncLocalStorage", () => {
  it("commits everything together, and nothing is seen by others before the commit", async () => {
    const seenBefore = await uow().transactional(async (tx) => {
      await addTenant(tx, "tx-a");
      await addTenant(tx, "tx-b");
      assert.equal(tx.inTransaction, true);
      return exists("tx-a");
    });
    assert.equal(seenBefore, false, "uncommitted");
    assert.deepEqual([await exists("tx-a"), await exists("tx-b")], [true, true]);
  });

  it("writes nothing when the work fails, and the work's error comes out unchanged", async () => {
    const planned = new Planned("no");
    const error = await uow()
      .transactional(async (tx) => {
        await addTenant(tx, "tx-c");
        throw planned;
      })
      .catch((e: unknown) => e);
    assert.equal(error, planned);
    assert.equal(await exists("tx-c"), false);
  });

  it("a nested call is a savepoint: its failure undoes its own writes only; its writes commit with the outer", async () => {
    await uow().transactional(async (tx) => {
      await addTenant(tx, "tx-d");
      await assert.rejects(
        tx.transactional(async (inner) => {
          await addTenant(inner, "tx-e");
          throw new Planned("inner");
        }),
        Planned,
      );
      await tx.transactional((inner) => addTenant(inner, "tx-f"));
    });
    assert.deepEqual([await exists("tx-d"), await exists("tx-e"), await exists("tx-f")], [true, false, true]);

    await assert.rejects(
      uow().transactional(async (tx) => {
        await tx.transactional((inner) => addTenant(inner, "tx-g"));
        throw new Planned("outer");
      }),
      Planned,
    );
    assert.equal(await exists("tx-g"), false, "the outer rollback takes the nested writes");
  });

  it("runs every statement of the work, nested ones too, in one database transaction; the unit of work outside stays outside", async () => {
    const outside = uow();
    const txid = (u: UnitOfWork) => u.first<{ id: string }>(sql`select txid_current()::text as id`).then((row) => row?.id);
    const ids = await outside.transactional(async (tx) => [await txid(tx), await txid(tx), await tx.transactional((inner) => txid(inner))]);
    assert.equal(new Set(ids).size, 1, ids.join(", "));
    assert.equal(outside.inTransaction, false);
    assert.notEqual(await txid(outside), ids[0]);
  });
});
