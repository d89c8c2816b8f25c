// The key store keeps a tenant's current signing key until the schedule's next moment (or until
// the keys change), instead of judging the schedule for every token. Read here as the token path
// reads it — through the store's own clock, injected — at the instants around each moment: the
// same key while nothing changes, the new key from the very millisecond it activates, the
// old one again for a time before that (a clock walked back), and a rotation that withdraws a
// pending key taking effect at once, though the kept answer's moment had not come.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TenantRepositories } from "../../src/persistence/repositories/tenant-repositories.js";
import { UnitOfWork } from "../../src/persistence/unit-of-work.js";
import { createTenant } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** The key store's clock (epoch ms): the real time until a test sets it. */
let clockAt: number | undefined;

let server: TestServer;
before(async () => {
  server = await startTestServer({ clock: () => clockAt ?? Date.now() });
});
after(() => server.close());

const tenantId = "memo";
const repositories = () => new TenantRepositories(new UnitOfWork(server.running.database.orm.em.fork()), tenantId);
/** The EdDSA key that signs at the store's clock, as the token endpoint asks for it. */
const current = () => server.running.keys.currentKey(tenantId, "EdDSA");

describe("the current signing key, kept until the schedule's next moment", () => {
  let t0: number;
  let lead: number;
  let oldKid: string;
  let newKid: string;

  before(async () => {
    await createTenant(server, tenantId);
    lead = server.config.keyPublishLeadSeconds * 1000;
    t0 = Date.now();
    clockAt = t0;
    oldKid = (await current()).kid;
    newKid = (await server.running.keys.rotate(repositories(), "EdDSA")).kid;
  });

  // Not the same object each time: the key list itself is read again whenever the change feed has
  // been silent for a second (a loaded machine), and a new list is judged afresh.
  it("answers with the same key while nothing changes", async () => {
    for (const at of [t0 + 1, t0 + lead / 2, t0 + lead - 2]) {
      clockAt = at;
      assert.equal((await current()).kid, oldKid);
    }
  });

  it("switches at the very millisecond the new key activates, and back for a time before it", async () => {
    clockAt = t0 + lead - 1;
    assert.equal((await current()).kid, oldKid);
    clockAt = t0 + lead;
    assert.equal((await current()).kid, newKid);
    clockAt = t0 + lead - 1;
    assert.equal((await current()).kid, oldKid, "a clock walked back is judged afresh");
    clockAt = t0 + lead + 1;
    assert.equal((await current()).kid, newKid);
  });

  it("follows a rotation at once: a withdrawn pending key never signs, though the kept key's moment was its activation", async () => {
    const t1 = t0 + lead + 3_600_000;
    clockAt = t1;
    const pending = (await server.running.keys.rotate(repositories(), "EdDSA")).kid;
    clockAt = t1 + 60_000;
    assert.equal((await current()).kid, newKid, "kept until the pending key's activation");
    const replacing = (await server.running.keys.rotate(repositories(), "EdDSA")).kid;
    clockAt = t1 + lead;
    const signer = await current();
    assert.notEqual(signer.kid, pending, "the withdrawn key does not sign at its activation");
    assert.equal(signer.kid, newKid);
    clockAt = t1 + 60_000 + lead;
    assert.equal((await current()).kid, replacing);
  });
});
