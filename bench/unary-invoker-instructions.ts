// Instructions per call of the RPC spine's per-call mechanism alone, the way Connect runs it
// (`invokeUnaryImplementation`, an async error boundary, two `new Headers()` per call,
// `createContextValues`) against this service's (`UnaryInvoker`, the error boundary's `then`,
// `ResponseHeaders`, the call's values on a prototype): one handler that sets a header, six
// interceptors shaped as the service's (one with a `then`, the error boundary, four passing the
// request on), AsyncLocalStorage's promise hooks on as in the server. Run each variant under
// callgrind for two call counts; the difference of the totals over the difference of the counts is
// the instructions per call, start-up and compilation cancelled out (docs/performance.md,
// "client_credentials: the spine's per-call work"):
//
//   for v in connect invoker; do for n in 20000 60000; do
//     valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$v.$n node --no-concurrent-recompilation \
//       --import tsx bench/unary-invoker-instructions.ts $v $n 2>&1 | grep Collected; done; done
import { AsyncLocalStorage } from "node:async_hooks";
import { create } from "@bufbuild/protobuf";
import { createContextValues, createServiceImplSpec, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import {
  GetOpenidConfigurationRequestSchema,
  GetOpenidConfigurationResponseSchema,
  OidcService,
} from "../gen/svault/oidc/v1/oidc_service_pb.js";
import type { Logger } from "../src/logging/logger.js";
import { clientAddressKey, loggerKey, requestContextValues, requestIdKey } from "../src/rpc/context.js";
import { ResponseHeaders } from "../src/rpc/response-headers.js";
import { outputOf, UnaryInvoker } from "../src/rpc/unary-invoker.js";

new AsyncLocalStorage().run(1, () => {});
const [variant, count] = process.argv.slice(2);
if (variant !== "connect" && variant !== "invoker") throw new Error("usage: unary-invoker-instructions.ts connect|invoker N");
const n = Number(count);
const answer = create(GetOpenidConfigurationResponseSchema, { issuer: "x" });
const impl = {
  async getOpenidConfiguration(_request: unknown, ctx: HandlerContext) {
    ctx.responseHeader.set("cache-control", "no-store");
    return answer;
  },
};
const spec = createServiceImplSpec(OidcService, impl as unknown as Parameters<typeof createServiceImplSpec>[1]).methods
  .getOpenidConfiguration;
if (spec?.kind !== "unary") throw new Error("no unary method");
const withThen: Interceptor = (next) => (req) => next(req).then((res) => res);
const asyncBoundary: Interceptor = (next) => async (req) => {
  // The old error boundary's shape (an async try/catch); its translation never runs here.
  try {
    return await next(req);
  } catch (error) {
    throw error instanceof Error ? error : new Error(String(error));
  }
};
const thenBoundary: Interceptor = (next) => (req) => {
  let answered: ReturnType<typeof next>;
  try {
    answered = next(req);
  } catch (error) {
    return Promise.reject(error);
  }
  return answered.then(undefined, (error: unknown) => {
    throw error;
  });
};
const passing: Interceptor = (next) => (req) => next(req);
const connectChain = [withThen, asyncBoundary, passing, passing, passing, passing];
const invoker = new UnaryInvoker(spec, [withThen, thenBoundary, passing, passing, passing, passing]);
const input = create(GetOpenidConfigurationRequestSchema, { tenantId: "t" });
const signal = new AbortController().signal;
const requestHeader = new Headers();
const logger = {} as Logger;

function connectValues() {
  return createContextValues().set(requestIdKey, "r").set(clientAddressKey, "a").set(loggerKey, logger);
}

function contextOf(ours: boolean): HandlerContext {
  return {
    service: OidcService,
    method: spec?.method as HandlerContext["method"],
    protocolName: "rest",
    requestMethod: "POST",
    url: "/t",
    signal,
    timeoutMs: () => undefined,
    requestHeader,
    responseHeader: ours ? ResponseHeaders.of() : new Headers(),
    responseTrailer: ours ? ResponseHeaders.of() : new Headers(),
    values: ours ? requestContextValues({ requestId: "r", clientAddress: "a", logger }) : connectValues(),
  };
}

for (let i = 0; i < n; i++) {
  if (variant === "connect") await invokeUnaryImplementation(spec, contextOf(false), input, connectChain);
  else {
    const ctx = contextOf(true);
    outputOf(await invoker.invoke(ctx, input), ctx);
  }
}
