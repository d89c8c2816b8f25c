// Environment → validated, typed, frozen configuration. Every problem is reported at once,
// naming the variable, so an operator fixes a deployment in one round.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type DatabaseConnection, DatabaseUrlError, parseDatabaseUrl } from "../persistence/database-url.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
/** JSON lines (for log collectors), or pretty-printed for a person at a terminal (pino-pretty, a dev dependency). */
export type LogFormat = "json" | "pretty";

/** At most `limit` events per window of `windowSeconds`. */
export interface RateWindow {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** The rate limits outside the login (domain/ratelimit/, docs/operations.md); undefined: off. */
export interface RateLimitSettings {
  /** Failed authentications of one OAuth client (token, revocation). */
  readonly clientFailures: RateWindow | undefined;
  /** Failed authentications with one API key id. */
  readonly keyFailures: RateWindow | undefined;
  /** Failed authentications (client, API key, access token) from one client address. */
  readonly addressFailures: RateWindow | undefined;
  /** Registration challenges (registration, reset, change of the secret) from one client address. */
  readonly registrationChallenges: RateWindow | undefined;
  /** Reset-password requests (each may send a mail) from one client address. */
  readonly resetRequests: RateWindow | undefined;
}

export interface Config {
  /** HTTP/1.1 listener: REST, Connect, gRPC-Web, UI. */
  readonly port: number;
  /** HTTP/2 listener: gRPC (and Connect/gRPC-Web over HTTP/2). */
  readonly grpcPort: number;
  readonly host: string;
  /** Externally visible base URL, without a trailing slash. */
  readonly publicUrl: string;
  /** The WebAuthn relying party id of passkeys (docs/passkeys.md): PUBLIC_URL's host unless WEBAUTHN_RP_ID names a parent domain of it. */
  readonly webauthnRpId: string;
  /** Postgres URL; undefined means the embedded database under dataDir. */
  readonly databaseUrl: string | undefined;
  /** DATABASE_URL parsed (host or socket directory, port, credentials, TLS); undefined like databaseUrl. */
  readonly databaseConnection: DatabaseConnection | undefined;
  readonly databasePoolMax: number;
  /** Pipelined connections for the hot paths' plain statements (persistence/statement-pipelines.ts); 0: the pool. */
  readonly databasePipelines: number;
  /** How long to wait for a new connection to DATABASE_URL, or for a free one of the pool. */
  readonly databaseConnectTimeoutMs: number;
  /** The longest a statement may run on DATABASE_URL (Postgres's statement_timeout); its answer is waited for 1 s longer. */
  readonly databaseStatementTimeoutMs: number;
  readonly dataDir: string;
  /** Base64 of 32 bytes; undefined means a development key kept in dataDir. */
  readonly kek: string | undefined;
  /** Older KEKs, only used to open secrets sealed before a KEK rotation. */
  readonly previousKeks: readonly string[];
  /** The tenant created on an empty database, and used where a request names none. */
  readonly defaultTenant: string;
  /** A super-admin API key to install on an empty database instead of generating one. */
  readonly bootstrapApiKey: string | undefined;
  /** Key rotation: how long a new signing key is published before it signs. */
  readonly keyPublishLeadSeconds: number;
  /** Key rotation: how long a replaced key stays published after its successor signs. */
  readonly keyGraceSeconds: number;
  /** How long a rotated refresh token may be presented again while its successor is unused (docs/oidc.md). */
  readonly refreshTokenReuseGraceSeconds: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly env: string;
  readonly version: string;
  readonly grpcTls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly shutdownGraceMs: number;
  /** On SIGTERM: how long readiness fails while the listeners still serve, before they close. */
  readonly shutdownDrainMs: number;
  /** A listener of its own for GET /metrics (undefined: /metrics on PORT, with metricsToken). */
  readonly metricsPort: number | undefined;
  /** The bearer token GET /metrics on PORT requires; undefined there: /metrics answers 404. */
  readonly metricsToken: string | undefined;
  /** OpenTelemetry traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT or …_TRACES_ENDPOINT set). */
  readonly tracing: boolean;
  /** Trust X-Forwarded-For from this many proxy hops (0: use the socket address). */
  readonly trustProxyHops: number;
  /** `smtp://` or `smtps://` URL (may carry credentials); undefined means e-mails are logged, not sent. */
  readonly smtpUrl: string | undefined;
  /** The From header of every e-mail, `Name <address>` or a bare address. */
  readonly smtpFrom: string;
  readonly rateLimits: RateLimitSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty"];

/** Reads one variable at a time and collects every problem instead of stopping at the first. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback?: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === "" ? fallback : value;
  }

  port(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < 0 || value > 65535) {
      this.problems.push(`${name} must be a port number (0-65535), got "${raw}"`);
      return fallback;
    }
    return value;
  }

  nonNegativeInt(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) {
      this.problems.push(`${name} must be a non-negative integer, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  }

  positiveInt(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^[1-9]\d*$/.test(raw)) {
      this.problems.push(`${name} must be a positive integer, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  }

  url(name: string, protocols: string[]): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    try {
      const url = new URL(raw);
      if (!protocols.includes(url.protocol)) throw new Error("protocol");
      return raw;
    } catch {
      this.problems.push(`${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`);
      return undefined;
    }
  }

  /** `<limit>/<seconds>` (e.g. `20/60`; each at most 9 digits), or `off`. */
  rateWindow(name: string, fallback: RateWindow): RateWindow | undefined {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (raw === "off") return undefined;
    const match = /^([1-9]\d{0,8})\/([1-9]\d{0,8})$/.exec(raw);
    if (!match) {
      this.problems.push(`${name} must be <limit>/<seconds> (e.g. 20/60) or off, got "${raw}"`);
      return fallback;
    }
    return { limit: Number(match[1]), windowSeconds: Number(match[2]) };
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * `stdoutIsTty`: whether the logs go to a terminal, where they are pretty-printed unless
 * LOG_FORMAT says otherwise (a container's, a service manager's or a pipe's get JSON).
 */
export function loadConfig(env: Env = process.env, stdoutIsTty = process.stdout.isTTY === true): Config {
  const read = new EnvReader(env);
  const port = read.port("PORT", 8080);
  const grpcPort = read.port("GRPC_PORT", 8081);
  const host = read.string("HOST", "127.0.0.1") as string;
  const publicUrl = (read.url("PUBLIC_URL", ["http:", "https:"]) ?? `http://localhost:${port}`).replace(/\/+$/, "");
  const databaseUrl = read.string("DATABASE_URL");
  let databaseConnection: DatabaseConnection | undefined;
  if (databaseUrl !== undefined) {
    // Not `read.url`: WHATWG URLs reject libpq's socket form (`postgres://user@/db?host=/dir`).
    try {
      databaseConnection = parseDatabaseUrl(databaseUrl);
    } catch (error) {
      if (!(error instanceof DatabaseUrlError)) throw error;
      read.problems.push(error.message);
    }
  }
  const kek = read.string("SVAULT_KEK");
  if (kek !== undefined && Buffer.from(kek, "base64").length !== 32) {
    read.problems.push("SVAULT_KEK must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)");
  }
  const previousKeks = (read.string("SVAULT_KEK_PREVIOUS") ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  if (previousKeks.some((k) => Buffer.from(k, "base64").length !== 32)) {
    read.problems.push("SVAULT_KEK_PREVIOUS must be a comma-separated list of 32-byte keys in base64");
  }
  const defaultTenant = read.string("SVAULT_DEFAULT_TENANT", "default") as string;
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(defaultTenant)) {
    read.problems.push("SVAULT_DEFAULT_TENANT must match ^[a-z0-9][a-z0-9-]{1,62}$");
  }
  const bootstrapApiKey = read.string("SVAULT_BOOTSTRAP_API_KEY");
  if (bootstrapApiKey !== undefined && !/^svk_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$/.test(bootstrapApiKey)) {
    read.problems.push("SVAULT_BOOTSTRAP_API_KEY must be a key made by `npm run -s new-api-key` (svk_<16 chars>_<43 chars>)");
  }
  const certFile = read.string("GRPC_TLS_CERT");
  const keyFile = read.string("GRPC_TLS_KEY");
  if ((certFile === undefined) !== (keyFile === undefined)) {
    read.problems.push("GRPC_TLS_CERT and GRPC_TLS_KEY must be set together");
  }
  const smtpUrl = read.url("SMTP_URL", ["smtp:", "smtps:"]);
  if (smtpUrl !== undefined && new URL(smtpUrl).hostname === "") read.problems.push("SMTP_URL must name a host (smtp://host:587)");
  const smtpFrom = read.string("SMTP_FROM", "Secrets Vault <no-reply@localhost>") as string;
  if (/[\r\n]/.test(smtpFrom) || !/^(?:[^<>]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(smtpFrom)) {
    read.problems.push(`SMTP_FROM must be an e-mail address, optionally with a name ("Name <address>"), got ${JSON.stringify(smtpFrom)}`);
  }
  const publicHost = new URL(publicUrl).hostname;
  const webauthnRpId = (read.string("WEBAUTHN_RP_ID") ?? publicHost).toLowerCase();
  if (publicHost !== webauthnRpId && !publicHost.endsWith(`.${webauthnRpId}`)) {
    read.problems.push(
      `WEBAUTHN_RP_ID must be PUBLIC_URL's host (${publicHost}) or a parent domain of it, got ${JSON.stringify(webauthnRpId)}`,
    );
  }
  const metricsPort = read.string("METRICS_PORT") === undefined ? undefined : read.port("METRICS_PORT", 0);
  const metricsToken = read.string("METRICS_TOKEN");
  if (metricsToken !== undefined && metricsToken.length < 16)
    read.problems.push("METRICS_TOKEN must be at least 16 characters (e.g. `openssl rand -hex 16`)");
  const refreshTokenReuseGraceSeconds = read.nonNegativeInt("REFRESH_TOKEN_REUSE_GRACE_SECONDS", 60);
  if (refreshTokenReuseGraceSeconds > 300) read.problems.push("REFRESH_TOKEN_REUSE_GRACE_SECONDS must be at most 300 (five minutes)");
  const config: Config = {
    port,
    grpcPort,
    host,
    publicUrl,
    webauthnRpId,
    databaseUrl,
    databaseConnection,
    databasePoolMax: read.positiveInt("DATABASE_POOL_MAX", 10),
    databasePipelines: read.nonNegativeInt("DATABASE_PIPELINES", 2),
    databaseConnectTimeoutMs: read.positiveInt("DATABASE_CONNECT_TIMEOUT_MS", 5_000),
    databaseStatementTimeoutMs: read.positiveInt("DATABASE_STATEMENT_TIMEOUT_MS", 10_000),
    dataDir: resolve(read.string("DATA_DIR", "./data") as string),
    kek,
    previousKeks,
    defaultTenant,
    bootstrapApiKey,
    keyPublishLeadSeconds: read.nonNegativeInt("KEY_PUBLISH_LEAD_SECONDS", 86_400),
    keyGraceSeconds: read.nonNegativeInt("KEY_GRACE_SECONDS", 7 * 86_400),
    refreshTokenReuseGraceSeconds,
    logLevel: read.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    logFormat: read.oneOf("LOG_FORMAT", LOG_FORMATS, stdoutIsTty ? "pretty" : "json"),
    env: read.string("SVAULT_ENV", "development") as string,
    version: packageVersion(),
    grpcTls: certFile && keyFile ? { certFile, keyFile } : undefined,
    shutdownGraceMs: read.positiveInt("SHUTDOWN_GRACE_MS", 10_000),
    shutdownDrainMs: read.nonNegativeInt("SHUTDOWN_DRAIN_MS", 0),
    metricsPort,
    metricsToken,
    tracing: read.string("OTEL_EXPORTER_OTLP_ENDPOINT") !== undefined || read.string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") !== undefined,
    trustProxyHops: read.nonNegativeInt("TRUST_PROXY_HOPS", 0),
    smtpUrl,
    smtpFrom,
    rateLimits: {
      clientFailures: read.rateWindow("RATE_LIMIT_CLIENT_FAILURES", { limit: 20, windowSeconds: 60 }),
      keyFailures: read.rateWindow("RATE_LIMIT_KEY_FAILURES", { limit: 20, windowSeconds: 60 }),
      addressFailures: read.rateWindow("RATE_LIMIT_ADDRESS_FAILURES", { limit: 50, windowSeconds: 60 }),
      registrationChallenges: read.rateWindow("RATE_LIMIT_REGISTRATION_CHALLENGES", { limit: 20, windowSeconds: 60 }),
      resetRequests: read.rateWindow("RATE_LIMIT_RESET_REQUESTS", { limit: 10, windowSeconds: 300 }),
    },
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return Object.freeze(config);
}
