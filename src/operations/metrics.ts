// The service's Prometheus metrics (GET /metrics, metrics-routes.ts), one registry per server.
// Every label takes its values from a small set the code fixes — route templates, RPC names, codes,
// enumerations — never from a user, a tenant or an address, so that the number of series stays
// bounded whatever clients send. What varies per tenant is summed over tenants.
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import client from "prom-client";
import type { Database } from "../persistence/database.js";
import { keyRotationState } from "../persistence/key-rotation-state.js";
import type { AuthEventInput } from "../domain/login/auth-events.js";
import { asDomainError } from "../rpc/interceptors/error-boundary.js";
import { Tally } from "./tally.js";

/** Request latency buckets (seconds): a token answer takes milliseconds, a login's KDF-bound step tens. */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The refusals of the login throttle and the rate limits, by their DomainError reason. */
const THROTTLE_REASONS = new Set(["SLOW_DOWN", "BLOCKED", "RATE_LIMITED"]);

const TOKEN_GRANTS = new Set(["authorization_code", "refresh_token", "client_credentials"]);

/** The token endpoint's RPC: every answer it gives without an error carries tokens. */
const TOKEN_PROCEDURE = "svault.oidc.v1.OidcService/Token";

export class ServiceMetrics {
  readonly registry = new client.Registry();
  // What every request or authentication event counts is a Tally (tally.ts): cheap on the request path.
  private readonly httpRequests: Tally<"method" | "route" | "status">;
  private readonly httpDuration: Tally<"method" | "route">;
  private readonly rpcRequests: Tally<"procedure" | "code">;
  private readonly rpcDuration: Tally<"procedure">;
  private readonly authEvents: Tally<"kind" | "outcome">;
  private readonly throttled: Tally<"reason">;
  private readonly tokensIssued: Tally<"grant">;

  constructor(database: Database, clock: () => number = Date.now) {
    const registers = [this.registry];
    // process_* and nodejs_* (event-loop lag, heap, GC, handles) from prom-client.
    client.collectDefaultMetrics({ register: this.registry });
    const registry = this.registry;
    this.httpRequests = new Tally({
      name: "svault_http_requests_total",
      help: "HTTP/1.1 requests answered, by method, route template (unmatched: no route) and status",
      labelNames: ["method", "route", "status"],
      registry,
    });
    this.httpDuration = new Tally({
      name: "svault_http_request_duration_seconds",
      help: "Time to answer an HTTP/1.1 request, by method and route template",
      labelNames: ["method", "route"],
      buckets: LATENCY_BUCKETS,
      registry,
    });
    this.rpcRequests = new Tally({
      name: "svault_rpc_requests_total",
      help: "RPCs handled over every protocol (REST, Connect, gRPC-Web, gRPC), by procedure and Connect code",
      labelNames: ["procedure", "code"],
      registry,
    });
    this.rpcDuration = new Tally({
      name: "svault_rpc_duration_seconds",
      help: "Time to handle an RPC, by procedure",
      labelNames: ["procedure"],
      buckets: LATENCY_BUCKETS,
      registry,
    });
    this.authEvents = new Tally({
      name: "svault_auth_events_total",
      help: "Authentication events (logins are kind=authenticate), by kind and outcome",
      labelNames: ["kind", "outcome"],
      registry,
    });
    this.throttled = new Tally({
      name: "svault_throttled_total",
      help: "Requests refused by the login throttle (SLOW_DOWN: a delay, BLOCKED: a block) or a rate limit (RATE_LIMITED)",
      labelNames: ["reason"],
      registry,
    });
    this.tokensIssued = new Tally({
      name: "svault_tokens_issued_total",
      help: "Token endpoint answers with tokens, by grant type",
      labelNames: ["grant"],
      registry,
    });
    new client.Gauge({
      name: "svault_db_pool_connections",
      help: "Connections of the ORM's pool, by state (used: lent to a request, free: idle)",
      labelNames: ["state"],
      registers,
      collect() {
        const state = database.state();
        this.set({ state: "used" }, state.poolUsed);
        this.set({ state: "free" }, state.poolFree);
      },
    });
    new client.Gauge({
      name: "svault_db_pool_pending_acquires",
      help: "Requests waiting for a connection of the ORM's pool",
      registers,
      collect() {
        this.set(database.state().poolPending);
      },
    });
    new client.Gauge({
      name: "svault_db_pipeline_connections",
      help: "Open pipelined connections of the login's statements (DATABASE_PIPELINES)",
      registers,
      collect() {
        this.set(database.state().pipelineConnections);
      },
    });
    new client.Gauge({
      name: "svault_db_pipeline_statements_in_flight",
      help: "Statements sent or queued on the pipelined connections, not yet answered",
      registers,
      collect() {
        this.set(database.state().pipelineInFlight);
      },
    });
    const keys = new client.Gauge({
      name: "svault_tenant_keys",
      help: "Tenant keys of the whole installation by algorithm and rotation state (scheduled, published, active, retired)",
      labelNames: ["alg", "state"],
      registers,
    });
    const currentAge = new client.Gauge({
      name: "svault_current_key_max_age_seconds",
      help: "By algorithm, the age of the oldest key that is still some tenant's newest active one: how overdue the most overdue rotation is",
      labelNames: ["alg"],
      registers,
    });
    // One query for both gauges per scrape; a scrape while the database is down keeps the last values.
    const collectKeys = async () => {
      const state = await keyRotationState(database.orm, new Date(clock())).catch(() => undefined);
      if (!state) return;
      keys.reset();
      for (const row of state.keys) keys.set({ alg: row.alg, state: row.state }, row.count);
      currentAge.reset();
      for (const row of state.oldestCurrentKeySeconds) currentAge.set({ alg: row.alg }, row.seconds);
    };
    this.beforeScrape = collectKeys;
  }

  /** Work a scrape waits for before the registry renders (queries). */
  private readonly beforeScrape: () => Promise<void>;

  async render(): Promise<{ contentType: string; body: string }> {
    await this.beforeScrape();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** HTTP/1.1 answers and RPCs (over any protocol) so far: a count that grows with every request. */
  requestsServed(): number {
    return this.httpRequests.total() + this.rpcRequests.total();
  }

  /** One HTTP/1.1 answer; `route` is the route's template (undefined: no route matched). */
  observeHttp(method: string, route: string | undefined, status: number, seconds: number): void {
    const knownMethod = HTTP_METHODS.has(method) ? method : "OTHER";
    const template = route ?? "unmatched";
    this.httpRequests.add([knownMethod, template, status]);
    this.httpDuration.add([knownMethod, template], seconds);
  }

  recordAuthEvent(event: Pick<AuthEventInput, "kind" | "outcome">): void {
    this.authEvents.add([event.kind, event.outcome]);
  }

  /** `service/method` of each RPC, made once (not a new string per call). */
  private readonly procedures = new WeakMap<DescMethod, string>();

  private procedureOf(method: DescMethod): string {
    let procedure = this.procedures.get(method);
    if (procedure === undefined) {
      procedure = `${method.parent.typeName}/${method.name}`;
      this.procedures.set(method, procedure);
    }
    return procedure;
  }

  /**
   * An RPC interceptor: every call's procedure, outcome, duration, and throttle refusals. Not
   * async: one promise per call (the `then`) rather than an async function's and its await's —
   * every promise pays the async hooks MikroORM's AsyncLocalStorage keeps on (docs/performance.md).
   * The only closures made per call are the `then`'s two callbacks: the counting is in methods.
   */
  readonly interceptor: Interceptor = (next) => (req) => {
    // The procedure is one of the registered services' methods: the router answers anything else.
    const procedure = this.procedureOf(req.method);
    const started = performance.now();
    let answer: ReturnType<typeof next>;
    try {
      answer = next(req);
    } catch (error) {
      answer = Promise.reject(error);
    }
    return answer.then(
      (response) => {
        if (procedure === TOKEN_PROCEDURE && !req.stream) this.countTokens(req.message as { grantType?: string });
        this.ended(procedure, started, "ok");
        return response;
      },
      (error: unknown) => {
        this.failed(procedure, started, error);
        throw error;
      },
    );
  };

  private countTokens(request: { grantType?: string }): void {
    const grant = request.grantType ?? "";
    if (TOKEN_GRANTS.has(grant)) this.tokensIssued.add([grant]);
  }

  private failed(procedure: string, started: number, error: unknown): void {
    const domain = asDomainError(error);
    if (domain && THROTTLE_REASONS.has(domain.reason)) this.throttled.add([domain.reason]);
    this.ended(procedure, started, snakeCase(Code[domain?.code ?? ConnectError.from(error).code] ?? "Unknown"));
  }

  private ended(procedure: string, started: number, code: string): void {
    this.rpcRequests.add([procedure, code]);
    this.rpcDuration.add([procedure], (performance.now() - started) / 1000);
  }
}

/** `ResourceExhausted` → `resource_exhausted`, as Connect writes codes on the wire. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter, index: number) => (index > 0 ? "_" : "") + letter.toLowerCase());
}
