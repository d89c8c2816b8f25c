// The Liveness Report (#104): the face checks of a tenant per bucket of time, from the rollup that
// every check updates (face-repository.ts, one row per tenant, resolution and bucket): a report
// reads exactly its buckets, so its cost is bounded by the range's bucket count, never by the
// number of checks behind them. The ranges are bounded per resolution (422 beyond).
import { invalidArgument } from "../../errors/domain-error.js";
import {
  DURATION_BUCKETS,
  type FaceRepository,
  type ReportResolution,
  type RollupRow,
} from "../../persistence/repositories/face-repository.js";

export const FAILURE_REASONS = ["no_face", "several_faces", "challenge_not_met", "mismatch", "timeout", "other"] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

const STEP_MS: Readonly<Record<ReportResolution, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The longest range per resolution: 2,880, 2,208 and 1,096 buckets. */
export const MAX_RANGE_MS: Readonly<Record<ReportResolution, number>> = {
  minute: 2 * 86_400_000,
  hour: 92 * 86_400_000,
  day: 1096 * 86_400_000,
};

export interface ReportBucket {
  /** Undefined for the total. */
  readonly start?: Date;
  readonly attempts: number;
  readonly passed: number;
  readonly failed: Readonly<Record<FailureReason, number>>;
  readonly medianMs: number;
  readonly p95Ms: number;
}

export interface LivenessReport {
  readonly resolution: ReportResolution;
  readonly buckets: readonly ReportBucket[];
  readonly total: ReportBucket;
}

export interface ReportRange {
  readonly start: Date;
  readonly end: Date;
  readonly resolution: ReportResolution;
}

/** The range of a request, checked: bad values are 422 naming the query parameter. */
export function reportRangeOf(input: { start: string; end: string; resolution: string }): ReportRange {
  const resolution = (input.resolution || "day") as ReportResolution;
  const start = parseInstant(input.start);
  const end = parseInstant(input.end);
  const violations = [];
  if (start === undefined) violations.push({ path: ["start"], message: "start must be an RFC 3339 date-time", type: "datetime_parsing" });
  if (end === undefined) violations.push({ path: ["end"], message: "end must be an RFC 3339 date-time", type: "datetime_parsing" });
  if (start !== undefined && end !== undefined) {
    if (end.getTime() <= start.getTime()) violations.push({ path: ["end"], message: "end must be after start", type: "value_error" });
    else if (end.getTime() - start.getTime() > MAX_RANGE_MS[resolution]) {
      const days = MAX_RANGE_MS[resolution] / 86_400_000;
      violations.push({ path: ["end"], message: `a range by ${resolution} spans at most ${days} days`, type: "value_error" });
    }
  }
  if (violations.length > 0 || start === undefined || end === undefined) throw invalidArgument(violations);
  return { start: floorTo(start, resolution), end, resolution };
}

export async function livenessReport(face: FaceRepository, range: ReportRange): Promise<LivenessReport> {
  const rows = await face.rollup(range.resolution, range.start, range.end);
  const byStart = new Map(rows.map((row) => [row.bucket.getTime(), row]));
  const buckets: ReportBucket[] = [];
  const step = STEP_MS[range.resolution];
  for (let at = range.start.getTime(); at < range.end.getTime(); at += step) {
    buckets.push({ start: new Date(at), ...summaryOf(byStart.get(at) ? [byStart.get(at) as RollupRow] : []) });
  }
  return { resolution: range.resolution, buckets, total: summaryOf(rows) };
}

function summaryOf(rows: readonly RollupRow[]): Omit<ReportBucket, "start"> {
  const failed = Object.fromEntries(FAILURE_REASONS.map((reason) => [reason, 0])) as Record<FailureReason, number>;
  const histogram = new Array<number>(DURATION_BUCKETS).fill(0);
  let attempts = 0;
  let passed = 0;
  for (const row of rows) {
    attempts += row.attempts;
    passed += row.passed;
    for (const [reason, count] of Object.entries(row.failed)) {
      const key = (FAILURE_REASONS as readonly string[]).includes(reason) ? (reason as FailureReason) : "other";
      failed[key] += count;
    }
    row.durations.forEach((count, index) => {
      histogram[index] = (histogram[index] ?? 0) + count;
    });
  }
  return { attempts, passed, failed, medianMs: quantile(histogram, 0.5), p95Ms: quantile(histogram, 0.95) };
}

/**
 * The q-quantile of a histogram of logarithmic buckets (bucket i: [2^(i/4), 2^((i+1)/4)) ms), as
 * the upper bound of the bucket it falls in, rounded to the millisecond: at most 19 % high.
 */
export function quantile(histogram: readonly number[], q: number): number {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let index = 0; index < histogram.length; index++) {
    seen += histogram[index] ?? 0;
    if (seen >= rank) return Math.round(2 ** ((index + 1) / 4));
  }
  return Math.round(2 ** (histogram.length / 4));
}

function parseInstant(value: string): Date | undefined {
  // RFC 3339 with a zone (or a bare date, taken as UTC midnight).
  if (!/^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function floorTo(date: Date, resolution: ReportResolution): Date {
  const step = STEP_MS[resolution];
  return new Date(Math.floor(date.getTime() / step) * step);
}
