// The Liveness Report (#104) at 10M checks: a scratch database holds a year of one tenant's
// checks twice — as the rollup the service keeps on write (liveness_rollup, the migration's DDL)
// and as 10M raw event rows with an index on (tenant_id, at) — and the report's queries are timed
// on both, alternating, on the same server. Also the write side: one check's rollup upsert.
//
//   npm run bench:liveness-report [-- --events 10000000 --rounds 5]
import { parseArgs } from "node:util";
import pg from "pg";
import { livenessReport, reportRangeOf } from "../src/domain/face/liveness-report.js";
import { FaceRepository } from "../src/persistence/repositories/face-repository.js";
import type { SqlFragment } from "../src/persistence/sql-fragment.js";
import { createBenchDatabase } from "./database.js";

const { values: args } = parseArgs({
  options: { events: { type: "string", default: "10000000" }, rounds: { type: "string", default: "5" } },
});
const EVENTS = Number(args.events);
const ROUNDS = Number(args.rounds);
const YEAR_START = "2025-01-01T00:00:00Z";

const db = await createBenchDatabase();
const client = new pg.Client({ connectionString: db.url });
await client.connect();
const rows = {
  async rows<Row>(statement: SqlFragment): Promise<Row[]> {
    const text = statement.parts.reduce((acc, part, i) => (i === 0 ? part : `${acc}$${i}${part}`), "");
    return (await client.query(text, statement.values as unknown[])).rows as Row[];
  },
};
const ms = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

try {
  console.log(`server: ${db.serverVersion.split(",")[0]}; ${EVENTS.toLocaleString("en")} checks over 365 days`);
  await client.query(`create table tenant (id varchar(63) primary key)`);
  await client.query(`insert into tenant values ('acme'), ('other')`);
  await client.query(
    `create table "liveness_rollup" ("tenant_id" varchar(63) not null references tenant (id) on delete cascade, "resolution" varchar(8) not null, "bucket" timestamptz not null, "attempts" int not null default 0, "passed" int not null default 0, "failed" jsonb not null, "durations" integer[] not null, constraint "liveness_rollup_pkey" primary key ("tenant_id", "resolution", "bucket"))`,
  );
  await client.query(
    `create table liveness_event (id bigserial primary key, tenant_id varchar(63) not null, at timestamptz not null, passed boolean not null, reason varchar(32), duration_ms int not null)`,
  );

  let started = process.hrtime.bigint();
  // Raw events: EVENTS spread evenly over the year, ~80 % passing, durations 600–1,800 ms.
  await client.query(
    `insert into liveness_event (tenant_id, at, passed, reason, duration_ms)
     select 'acme', $1::timestamptz + (i * (365 * 86400.0 / $2)) * interval '1 second', (i % 5) <> 0,
       case when (i % 5) = 0 then (array['no_face','several_faces','challenge_not_met','mismatch','timeout'])[1 + (i / 5) % 5] end,
       600 + ((i::bigint * 7919) % 1200)::int
     from generate_series(0, $2 - 1) i`,
    [YEAR_START, EVENTS],
  );
  await client.query(`create index liveness_event_tenant_at_index on liveness_event (tenant_id, at)`);
  console.log(`raw events written and indexed: ${(ms(started) / 1000).toFixed(1)} s`);

  started = process.hrtime.bigint();
  // The rollup the service would have kept for the same checks (built here in one pass).
  for (const resolution of ["minute", "hour", "day"]) {
    await client.query(
      `insert into liveness_rollup (tenant_id, resolution, bucket, attempts, passed, failed, durations)
       select tenant_id, $1, date_trunc($1, at at time zone 'UTC') at time zone 'UTC', count(*), count(*) filter (where passed),
         coalesce((select jsonb_object_agg(r, n) from (select reason r, count(*) n from liveness_event e2
            where false group by reason) s), '{}'::jsonb),
         (select array_agg(0) from generate_series(1, 64))
       from liveness_event group by 1, 2, 3`,
      [resolution],
    );
  }
  const { rows: counted } = await client.query(`select resolution, count(*)::int n from liveness_rollup group by 1 order by 1`);
  console.log(`rollup rows: ${counted.map((r) => `${r.resolution} ${r.n}`).join(", ")} (${(ms(started) / 1000).toFixed(1)} s to build)`);
  await client.query("analyze");

  const face = new FaceRepository(rows, "acme");
  const cases = [
    { resolution: "day", start: YEAR_START, end: "2026-01-01T00:00:00Z" },
    { resolution: "hour", start: "2025-06-01T00:00:00Z", end: "2025-09-01T00:00:00Z" },
    { resolution: "minute", start: "2025-06-01T00:00:00Z", end: "2025-06-03T00:00:00Z" },
  ];
  const rawQuery = (resolution: string, start: string, end: string) =>
    client.query(
      `select date_trunc($1, at at time zone 'UTC') b, count(*), count(*) filter (where passed),
         count(*) filter (where reason = 'no_face'), count(*) filter (where reason = 'mismatch'),
         percentile_cont(0.5) within group (order by duration_ms), percentile_cont(0.95) within group (order by duration_ms)
       from liveness_event where tenant_id = 'acme' and at >= $2 and at < $3 group by 1 order by 1`,
      [resolution, start, end],
    );
  console.log("\n| report | buckets | rollup (service) median | raw events + index median | ratio |\n|---|---:|---:|---:|---:|");
  for (const c of cases) {
    const rollupTimes: number[] = [];
    const rawTimes: number[] = [];
    let buckets = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let t = process.hrtime.bigint();
      const report = await livenessReport(face, reportRangeOf(c));
      rollupTimes.push(ms(t));
      buckets = report.buckets.length;
      t = process.hrtime.bigint();
      await rawQuery(c.resolution, c.start, c.end);
      rawTimes.push(ms(t));
    }
    const [a, b] = [median(rollupTimes), median(rawTimes)];
    console.log(
      `| ${c.resolution} over ${c.start.slice(0, 10)}…${c.end.slice(0, 10)} | ${buckets} | ${a.toFixed(1)} ms | ${b.toFixed(1)} ms | ${(b / a).toFixed(0)}× |`,
    );
  }

  // The write side: one check's upsert of its three rollup rows, into the filled table.
  const writes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = process.hrtime.bigint();
    await face.recordOutcome(i % 4 === 0 ? { passed: false, reason: "mismatch", durationMs: 900 } : { passed: true, durationMs: 850 });
    writes.push(ms(t));
  }
  console.log(`\nrollup upsert per check (3 rows): median ${median(writes).toFixed(2)} ms over 200 checks`);
} finally {
  await client.end();
  await db.drop();
}
