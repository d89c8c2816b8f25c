// The CLI's way to the service: generated Connect clients over gRPC (HTTP/2, the gRPC listener,
// TLS when the URL is https) or, with --connect, the Connect protocol over HTTP/1.1 (the HTTP
// listener). Every call carries the API key as `x-api-key` metadata.
import { readFileSync } from "node:fs";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { getOption } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { method as methodExtension } from "../../../gen/svault/api/v1/options_pb.js";
import { CliError, ExitCode, usageError } from "./exit-codes.js";
import type { Settings } from "./settings.js";

export interface Endpoint {
  readonly transport: Transport;
  /** `gRPC http://…:8081`, for messages. */
  readonly label: string;
  client<S extends DescService>(service: S): Client<S>;
  /** Ends the HTTP/2 connection (an open one keeps the process alive). */
  close(): void;
}

/** The endpoint commands use: gRPC by default, Connect over HTTP/1.1 with --connect. */
export function openEndpoint(settings: Settings): Endpoint {
  return settings.connect ? httpEndpoint(settings) : grpcEndpoint(settings);
}

export function grpcEndpoint(settings: Settings): Endpoint {
  const url = parseUrl(settings.server, "--server");
  const label = `gRPC ${url.origin}`;
  const sessionManager = new Http2SessionManager(url, {}, url.protocol === "https:" ? tlsOptions(settings) : {});
  const transport = createGrpcTransport({
    baseUrl: url.href,
    sessionManager,
    interceptors: interceptors(settings, label),
    defaultTimeoutMs: settings.timeoutMs,
  });
  return endpoint(transport, label, () => sessionManager.abort());
}

export function httpEndpoint(settings: Settings): Endpoint {
  const url = parseUrl(settings.httpServer, "--http-server");
  const label = `Connect ${url.origin}`;
  const transport = createConnectTransport({
    baseUrl: url.href,
    httpVersion: "1.1",
    useBinaryFormat: true,
    interceptors: interceptors(settings, label),
    defaultTimeoutMs: settings.timeoutMs,
  });
  return endpoint(transport, label, () => {});
}

/** Whether calling `method` needs an API key (it declares a permission). */
export function needsApiKey(method: DescMethod): boolean {
  return getOption(method, methodExtension).permission !== "";
}

export function requireApiKey(settings: Settings): void {
  if (!settings.apiKey) {
    throw new CliError("no API key: pass --api-key, set SVAULT_API_KEY, or store one with `svault login`", ExitCode.auth);
  }
}

function endpoint(transport: Transport, label: string, close: () => void): Endpoint {
  return { transport, label, client: (service) => createClient(service, transport), close };
}

function parseUrl(value: string, option: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`${option} must be a URL such as http://localhost:8081, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw usageError(`${option} must be an http:// or https:// URL, got "${value}"`);
  return url;
}

function tlsOptions(settings: Settings): { ca?: Buffer; rejectUnauthorized: boolean } {
  let ca: Buffer | undefined;
  if (settings.caFile) {
    try {
      ca = readFileSync(settings.caFile);
    } catch (error) {
      throw usageError(`cannot read the CA file ${settings.caFile}: ${(error as Error).message}`);
    }
  }
  return { ...(ca ? { ca } : {}), rejectUnauthorized: !settings.insecure };
}

function interceptors(settings: Settings, label: string): Interceptor[] {
  const apiKey: Interceptor = (next) => (request) => {
    if (settings.apiKey) request.header.set("x-api-key", settings.apiKey);
    return next(request);
  };
  // A failure that did not come from the service (no google.rpc.ErrorInfo, which every answer of
  // the service carries) is one of reaching it: say where the CLI tried to go.
  const reachability: Interceptor = (next) => async (request) => {
    try {
      return await next(request);
    } catch (error) {
      if (!(error instanceof ConnectError) || error.findDetails(ErrorInfoSchema).length > 0) throw error;
      if (error.code === Code.DeadlineExceeded) {
        throw new ConnectError(`no answer from ${label} within ${settings.timeoutMs / 1000} s`, error.code, undefined, undefined, error);
      }
      if (isTransportFailure(error)) {
        throw new ConnectError(`cannot reach ${label}: ${error.rawMessage}`, Code.Unavailable, undefined, undefined, error);
      }
      throw error;
    }
  };
  return [reachability, apiKey];
}

function isTransportFailure(error: ConnectError): boolean {
  if (error.code === Code.Unavailable) return true;
  // Node's own errors (ECONNREFUSED, TLS verification, HTTP/2 protocol errors) carry a `code`.
  const cause = error.cause as { code?: unknown } | undefined;
  return typeof cause?.code === "string";
}
