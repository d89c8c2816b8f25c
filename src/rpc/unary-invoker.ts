// One unary method's implementation behind the interceptors, as the REST gateway and the gRPC
// listener's direct path run it: what Connect's `invokeUnaryImplementation` does per call, with
// the per-call work that does not depend on the call done once. Connect, per call: wraps the
// implementation in a new closure, copies the interceptor list, reverses it and wraps each
// interceptor around the next (`applyInterceptors`), makes the request and response objects with
// `Object.assign` of a second object each, copies the context into a new object for the handler
// (`mergeRequest`), and awaits twice in two async functions (each a promise or more, and every
// promise pays the async hooks an AsyncLocalStorage keeps on). Here the chain is composed once per
// method, when the listener starts; the call's context travels with its request (under a symbol:
// interceptors pass on the request they got, or a copy with its properties); the handler gets the
// call's context itself when no interceptor replaced the request's header, signal, values or
// service (else a copy with them, as Connect makes); and the only promises are the handler's and
// the one that turns its output into the response.
//
// What handlers and interceptors see is Connect's: the same request and response shapes (the
// request's `header` is the context's `requestHeader`, the response's `header` and `trailer` the
// context's `responseHeader` and `responseTrailer`), the interceptors in the order given (the first
// outermost), the output normalised to a message of the method's type, and a response whose
// header or trailer an interceptor replaced copied into the context's, as Connect copies them.
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { HandlerContext, Interceptor, MethodImplSpec, UnaryRequest, UnaryResponse } from "@connectrpc/connect";

type UnarySpec = Extract<MethodImplSpec, { kind: "unary" }>;
type AnyFn = Parameters<Interceptor>[0];

/** The call's handler context, on the request the chain passes from interceptor to interceptor. */
const CALL = Symbol("unary call context");

interface CallRequest extends UnaryRequest {
  readonly [CALL]?: HandlerContext;
}

export class UnaryInvoker {
  readonly #spec: UnarySpec;
  readonly #chain: AnyFn;

  constructor(spec: UnarySpec, interceptors: readonly Interceptor[]) {
    this.#spec = spec;
    let next: AnyFn = (req) => this.#implement(req as CallRequest);
    for (let i = interceptors.length - 1; i >= 0; i--) next = (interceptors[i] as Interceptor)(next);
    this.#chain = next;
  }

  /**
   * Runs the call: the interceptors, then the implementation with `context`. Resolves with the
   * chain's response: `outputOf` gives its message (a promise fewer than resolving with the
   * message). The headers and trailers a failed call set are in `context.responseHeader` and
   * `context.responseTrailer`.
   */
  invoke(context: HandlerContext, input: MessageShape<DescMessage>): Promise<UnaryResponse> {
    const request: CallRequest = {
      stream: false,
      message: input,
      method: this.#spec.method,
      requestMethod: context.requestMethod,
      url: context.url,
      signal: context.signal,
      header: context.requestHeader,
      service: this.#spec.method.parent,
      contextValues: context.values,
      [CALL]: context,
    };
    try {
      return this.#chain(request) as Promise<UnaryResponse>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #implement(req: CallRequest): Promise<UnaryResponse> {
    const context = req[CALL];
    if (context === undefined) {
      return Promise.reject(new Error(`an interceptor of ${this.#spec.method.name} passed on a request it did not get (or a copy of it)`));
    }
    const handlerContext =
      req.header === context.requestHeader &&
      req.signal === context.signal &&
      req.contextValues === context.values &&
      req.service === context.service
        ? context
        : { ...context, service: req.service, requestHeader: req.header, signal: req.signal, values: req.contextValues };
    let output: ReturnType<UnarySpec["impl"]>;
    try {
      output = this.#spec.impl(req.message, handlerContext);
    } catch (error) {
      return Promise.reject(error);
    }
    const method = this.#spec.method;
    return Promise.resolve(output).then(
      (message): UnaryResponse => ({
        stream: false,
        message: create(method.output, message),
        method,
        service: method.parent,
        header: context.responseHeader,
        trailer: context.responseTrailer,
      }),
    );
  }
}

/**
 * The output of a call `invoke` answered; the headers and trailers it set are then in
 * `context.responseHeader` and `context.responseTrailer` (an interceptor's replacements copied
 * there, as Connect copies them).
 */
export function outputOf(response: UnaryResponse, context: HandlerContext): MessageShape<DescMessage> {
  replaceHeaders(response.header, context.responseHeader);
  replaceHeaders(response.trailer, context.responseTrailer);
  return response.message;
}

function replaceHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  for (const name of [...to.keys()]) to.delete(name);
  from.forEach((value, name) => {
    to.set(name, value);
  });
}
