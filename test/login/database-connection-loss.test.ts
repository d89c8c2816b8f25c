// The login's statements run pipelined on connections of the service's own
// (src/persistence/statement-pipelines.ts). When Postgres drops them (a restart, a failover, an
// administrator's pg_terminate_backend), the service must notice and open new ones: the next
// login works, with no restart of the service.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createTenant } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";
import { authenticate, ke3Of, loginStep1, proofOf, RELAXED_BLOCKING, registerUser, secretOf } from "./login-helpers.js";

const TENANT = "login-connection-loss";
const SECRET = secretOf("314159");

let server: TestServer;
let admin: pg.Client;
before(async () => {
  server = await startTestServer();
  admin = new pg.Client({ connectionString: server.db.url });
  await admin.connect();
  await createTenant(server, TENANT, { register_enable: true, has_username_and_email: false, block_config: RELAXED_BLOCKING });
  await registerUser(server, TENANT, "ada", SECRET);
});
after(async () => {
  await admin?.end();
  await server?.close();
});

async function login(): Promise<number> {
  const step = await loginStep1(server, TENANT, "ada", SECRET);
  const ke3 = ke3Of(server, TENANT, "ada", SECRET, step);
  assert.ok(ke3, "the right secret yields a KE3");
  return (await authenticate(server, TENANT, proofOf("ada", step, ke3))).status;
}

/** The process ids of the service's backends on its database (terminated ones stay until they exit). */
async function serviceBackends(): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    "select pid from pg_stat_activity where datname = $1 and application_name = 'svault' and pid <> pg_backend_pid()",
    [server.db.name],
  );
  return rows.map((row) => row.pid);
}

/** Terminates every backend of the service, one statement at a time on the admin connection; their process ids. */
async function terminateServiceBackends(): Promise<number[]> {
  const pids = await serviceBackends();
  for (const pid of pids) await admin.query("select pg_terminate_backend($1)", [pid]);
  return pids;
}

describe("the login, when Postgres drops the service's connections", () => {
  it("goes on over new connections once the loss is seen, without a restart", async () => {
    assert.equal(await login(), 200, "a login before");
    // The login may have started opening another pipelined connection in the background (the
    // pipelines open one while every open one is busy); on a loaded machine it can come up after
    // the first round of terminations, so they are repeated until the service has no backend left
    // and has seen every one of them go (a connection it still counts is one not seen gone yet).
    const terminated: number[] = [];
    await until(
      async () => {
        terminated.push(...(await terminateServiceBackends()));
        return terminated.length > 0 && server.running.database.state().pipelineConnections === 0 && (await serviceBackends()).length === 0;
      },
      { what: "the service has seen its connections go" },
    );
    assert.equal(await login(), 200, "a login after");
    assert.equal(await login(), 200, "and another");
  });
});
