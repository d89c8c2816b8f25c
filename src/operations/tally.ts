// Counters and histograms of the request path at the cost of a Map lookup and a few additions per
// event. prom-client's own Counter.inc and Histogram.observe validate and hash their label object
// on every call: with a counter and a histogram per HTTP answer and per RPC, and one counter per
// authentication event, that was ≈ 40 µs of a login's two requests (docs/performance.md, "Login
// and OIDC endpoints"). Here the hot path adds to plain numbers, keyed by the label values, and
// the registry reads them when /metrics is scraped, rendered exactly as prom-client renders its
// own counters and histograms (a registry takes any object with `get()`; index.d.ts's
// MetricObjectWithValues is the shape).
import type client from "prom-client";

/**
 * A label's value: a number (a status code) is written as its decimal text. A label takes either
 * kind, never both: "200" and 200 would be two series of the same labels.
 */
export type LabelValue = string | number;

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  count: number;
  sum: number;
  /** Events per bucket: [i] counts the values ≤ bounds[i] and > bounds[i − 1]; the last, those above every bound. */
  readonly buckets: number[];
}

interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

export interface TallyOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** A histogram's bucket upper bounds, ascending; without them, a counter. */
  readonly buckets?: readonly number[];
  readonly registry: client.Registry;
}

export class Tally<L extends string> {
  // Read by the registry (registry.js), which renames a counter under OpenMetrics: not readonly.
  name: string;
  readonly help: string;
  readonly type: "counter" | "histogram";
  readonly aggregator = "sum";
  private readonly labelNames: readonly L[];
  private readonly bounds: readonly number[];
  /**
   * The series, found level by level by their label values (a Map per label, the series at the
   * last): finding one joins no strings. `series` keeps them in the order they first counted.
   */
  private readonly index = new Map<LabelValue, unknown>();
  private readonly series: Series[] = [];

  constructor(options: TallyOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.bounds = options.buckets ?? [];
    this.type = options.buckets ? "histogram" : "counter";
    options.registry.registerMetric(this as unknown as client.Metric);
  }

  /**
   * One event with these label values, in `labelNames` order (a number is written as its decimal
   * text: a status code); `value` is what a histogram observes.
   */
  add(values: readonly LabelValue[], value = 0): void {
    const series = this.seriesOf(values);
    series.count++;
    if (this.type === "counter") return;
    series.sum += value;
    let bucket = 0;
    while (bucket < this.bounds.length && value > (this.bounds[bucket] as number)) bucket++;
    (series.buckets[bucket] as number)++;
  }

  private seriesOf(values: readonly LabelValue[]): Series {
    let level = this.index;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      const key = values[i] ?? "";
      let next = level.get(key) as Map<LabelValue, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    const key = values[last] ?? "";
    let series = level.get(key) as Series | undefined;
    if (series === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => {
        labels[name] = String(values[i] ?? "");
      });
      series = { labels, count: 0, sum: 0, buckets: new Array(this.bounds.length + 1).fill(0) };
      level.set(key, series);
      this.series.push(series);
    }
    return series;
  }

  /** What the registry renders (prom-client's Counter and Histogram `get()` shapes). */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    for (const { labels, count, sum, buckets } of this.series) {
      if (this.type === "counter") {
        values.push({ value: count, labels });
        continue;
      }
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += buckets[i] as number;
        // `le` first, as prom-client writes it.
        values.push({ value: cumulative, labels: { le, ...labels }, metricName: `${this.name}_bucket` });
      });
      values.push({ value: count, labels: { le: "+Inf", ...labels }, metricName: `${this.name}_bucket` });
      values.push({ value: sum, labels, metricName: `${this.name}_sum` });
      values.push({ value: count, labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Events counted over every series. */
  total(): number {
    let total = 0;
    for (const series of this.series) total += series.count;
    return total;
  }

  reset(): void {
    this.index.clear();
    this.series.length = 0;
  }
}
