// svault.health.v1.HealthService: the `/health` endpoint of load balancers and operators.
import type { ServiceImpl } from "@connectrpc/connect";
import type { HealthService } from "../../../gen/svault/health/v1/health_service_pb.js";
import { noStore, setHttpStatus } from "../../rpc/http-response.js";

export interface HealthDeps {
  readonly isDatabaseUp: () => Promise<boolean>;
  readonly version: string;
  readonly env: string;
}

export function healthService({ isDatabaseUp, version, env }: HealthDeps): ServiceImpl<typeof HealthService> {
  return {
    async check(_request, ctx) {
      const up = await isDatabaseUp();
      noStore(ctx);
      if (!up) setHttpStatus(ctx, 503);
      return { status: up ? "ok" : "unavailable", version, env };
    },
  };
}
