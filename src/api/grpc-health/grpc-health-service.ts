// grpc.health.v1.Health, the standard health protocol of gRPC load balancers, Kubernetes probes
// and grpc-health-probe. The whole server is one unit: it is SERVING when it is ready
// (operations/readiness.ts: database, migrations, keys, not shutting down), for the empty service
// name and for every registered service; unknown names are NOT_FOUND.
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { type Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../../gen/grpc/health/v1/health_pb.js";

export interface GrpcHealthDeps {
  readonly isReady: () => Promise<boolean>;
  /** Fully-qualified names of the services this server answers for. */
  readonly serviceNames: () => readonly string[];
  /** How often Watch re-checks the state. */
  readonly watchIntervalMs?: number;
}

export function grpcHealthService(deps: GrpcHealthDeps): ServiceImpl<typeof Health> {
  const statusOf = async (service: string): Promise<ServingStatus> => {
    if (service !== "" && !deps.serviceNames().includes(service)) return ServingStatus.SERVICE_UNKNOWN;
    return (await deps.isReady()) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  };

  return {
    async check({ service }) {
      const status = await statusOf(service);
      if (status === ServingStatus.SERVICE_UNKNOWN) throw new ConnectError(`unknown service ${service}`, Code.NotFound);
      return { status };
    },
    async list() {
      const status = await statusOf("");
      const statuses = Object.fromEntries(["", ...deps.serviceNames()].map((name) => [name, { status }]));
      return { statuses };
    },
    async *watch({ service }, ctx) {
      let last: ServingStatus | undefined;
      while (!ctx.signal.aborted) {
        const status = await statusOf(service);
        if (status !== last) {
          last = status;
          yield { status };
        }
        await sleep(deps.watchIntervalMs ?? 5_000, ctx.signal);
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
