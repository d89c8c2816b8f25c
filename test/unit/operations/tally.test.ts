// The metrics of the request path are Tallys (src/operations/tally.ts), not prom-client's Counter
// and Histogram: what a scrape of /metrics shows must not change for that. The same events go to
// a prom-client metric in one registry and to a Tally in another; both registries must render
// the same text, in the Prometheus and the OpenMetrics formats.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import client from "prom-client";
import { Tally } from "../../../src/operations/tally.js";

const BUCKETS = [0.002, 0.01, 0.1, 1];
const EVENTS: [string, string, number][] = [
  ["POST", "/api/v1/auth/challenge", 0.0015],
  ["POST", "/api/v1/auth/challenge", 0.002],
  ["POST", "/api/v1/auth/challenge", 0.05],
  ["GET", "/:p0/userinfo", 0.3],
  ["GET", "/:p0/userinfo", 7],
  ["POST", "/api/v1/auth/authenticate", 0.01],
];

function registries(openMetrics: boolean) {
  const reference = new client.Registry();
  const tallied = new client.Registry();
  if (openMetrics) {
    // The registry's type parameter names its format; the instances are the same class.
    for (const registry of [reference, tallied])
      (registry as unknown as client.Registry<client.OpenMetricsContentType>).setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE);
  }
  const labelNames = ["method", "route"] as const;
  const help = "help text";
  const counter = new client.Counter({ name: "x_requests_total", help, labelNames, registers: [reference] });
  const histogram = new client.Histogram({ name: "x_duration_seconds", help, labelNames, buckets: BUCKETS, registers: [reference] });
  const counted = new Tally({ name: "x_requests_total", help, labelNames, registry: tallied });
  const timed = new Tally({ name: "x_duration_seconds", help, labelNames, buckets: BUCKETS, registry: tallied });
  for (const [method, route, seconds] of EVENTS) {
    counter.inc({ method, route });
    histogram.observe({ method, route }, seconds);
    counted.add([method, route]);
    timed.add([method, route], seconds);
  }
  return { reference, tallied };
}

describe("Tally", () => {
  it("renders counters and histograms exactly as prom-client's do (Prometheus text format)", async () => {
    const { reference, tallied } = registries(false);
    const text = await tallied.metrics();
    assert.equal(text, await reference.metrics());
    // And the figures are the events': cumulative buckets, +Inf, sum and count per series.
    assert.match(text, /x_duration_seconds_bucket\{le="0\.002",method="POST",route="\/api\/v1\/auth\/challenge"\} 2\n/);
    assert.match(text, /x_duration_seconds_bucket\{le="1",method="GET",route="\/:p0\/userinfo"\} 1\n/);
    assert.match(text, /x_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/:p0\/userinfo"\} 2\n/);
    assert.match(text, /x_duration_seconds_sum\{method="GET",route="\/:p0\/userinfo"\} 7\.3\n/);
    assert.match(text, /x_requests_total\{method="POST",route="\/api\/v1\/auth\/challenge"\} 3\n/);
  });

  it("renders the same as prom-client in the OpenMetrics format too", async () => {
    const { reference, tallied } = registries(true);
    assert.equal(await tallied.metrics(), await reference.metrics());
  });

  it("starts from nothing again after a reset, as the registry's resetMetrics does", async () => {
    const { reference, tallied } = registries(false);
    reference.resetMetrics();
    tallied.resetMetrics();
    assert.equal(await tallied.metrics(), await reference.metrics());
    assert.doesNotMatch(await tallied.metrics(), /x_requests_total\{/);
  });

  it("totals its events over every series (what the idle collector watches)", () => {
    const registry = new client.Registry();
    const counted = new Tally({ name: "y_total", help: "h", labelNames: ["route"], registry });
    assert.equal(counted.total(), 0);
    for (const [, route] of EVENTS) counted.add([route]);
    assert.equal(counted.total(), EVENTS.length);
    counted.reset();
    assert.equal(counted.total(), 0);
  });
});
