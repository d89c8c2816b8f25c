// svault.analytics.v1.AnalyticsService: the Liveness Report (#104).
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AnalyticsService, LivenessBucketSchema } from "../../../gen/svault/analytics/v1/analytics_service_pb.js";
import { livenessReport, type ReportBucket, reportRangeOf } from "../../domain/face/liveness-report.js";
import { getTenant } from "../../domain/tenants/tenant-admin.js";
import { repositories } from "../../rpc/context.js";

export function analyticsService(): ServiceImpl<typeof AnalyticsService> {
  return {
    async livenessReport(request, ctx) {
      const range = reportRangeOf(request);
      const repos = repositories(ctx, request.tenantId);
      await getTenant(repos);
      const report = await livenessReport(repos.face, range);
      return {
        tenantId: request.tenantId,
        resolution: report.resolution,
        buckets: report.buckets.map(bucketMessage),
        total: bucketMessage(report.total),
      };
    },
  };
}

function bucketMessage(bucket: ReportBucket): MessageInitShape<typeof LivenessBucketSchema> {
  const f = bucket.failed;
  return {
    ...(bucket.start ? { start: timestampFromDate(bucket.start) } : {}),
    attempts: BigInt(bucket.attempts),
    passed: BigInt(bucket.passed),
    failed: {
      noFace: BigInt(f.no_face),
      severalFaces: BigInt(f.several_faces),
      challengeNotMet: BigInt(f.challenge_not_met),
      mismatch: BigInt(f.mismatch),
      timeout: BigInt(f.timeout),
      other: BigInt(f.other),
    },
    medianMs: bucket.medianMs,
    p95Ms: bucket.p95Ms,
  };
}
