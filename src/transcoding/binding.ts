// One REST binding of an RPC: an HTTP method and path template from its google.api.http rule (or
// one of the rule's additional_bindings), compiled once at start-up.
import type { DescField, DescMessage, DescMethodUnary } from "@bufbuild/protobuf";
import { compilePathTemplate, type PathVariable } from "./path-template.js";

export interface HttpBinding {
  readonly method: DescMethodUnary;
  readonly httpMethod: "GET" | "PUT" | "POST" | "DELETE" | "PATCH";
  readonly template: string;
  readonly route: string;
  readonly variables: readonly PathVariable[];
  /** Absent: no body; `*`: the whole request; otherwise the top-level field the body fills. */
  readonly body: DescField | "*" | undefined;
  /** A top-level response field sent as the whole REST body (`response_body`). */
  readonly responseBody: DescField | undefined;
}

export class BindingError extends Error {
  constructor(method: DescMethodUnary, problem: string) {
    super(`${method.parent.typeName}.${method.name}: ${problem}`);
    this.name = "BindingError";
  }
}

export function compileBinding(
  method: DescMethodUnary,
  httpMethod: HttpBinding["httpMethod"],
  template: string,
  body: string,
  responseBody: string,
): HttpBinding {
  const { route, variables } = compilePathTemplate(template);
  for (const variable of variables) {
    if (!resolveFieldPath(method.input, variable.fieldPath)) {
      throw new BindingError(method, `path variable ${variable.fieldPath.join(".")} is not a field of ${method.input.typeName}`);
    }
  }
  return {
    method,
    httpMethod,
    template,
    route,
    variables,
    body: body === "" || body === "*" ? (body === "*" ? "*" : undefined) : requireField(method, method.input, body),
    responseBody: responseBody === "" ? undefined : requireField(method, method.output, responseBody),
  };
}

function requireField(method: DescMethodUnary, message: DescMessage, name: string): DescField {
  const field = message.fields.find((f) => f.name === name);
  if (!field) throw new BindingError(method, `${name} is not a field of ${message.typeName}`);
  return field;
}

/** The fields along a dotted path, or undefined when the path leaves the message. */
export function resolveFieldPath(message: DescMessage, path: readonly string[]): DescField[] | undefined {
  const fields: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of path) {
    const field: DescField | undefined = current === undefined ? undefined : fieldsByEitherName(current).get(name);
    if (!field) return undefined;
    fields.push(field);
    current = field.message;
  }
  return fields;
}

const eitherNames = new WeakMap<DescMessage, ReadonlyMap<string, DescField>>();

/**
 * A message's fields by proto name and by JSON name, once per type: query keys are read on every
 * request. The first field in declaration order that has the name wins, as a search would find it.
 */
function fieldsByEitherName(message: DescMessage): ReadonlyMap<string, DescField> {
  let byName = eitherNames.get(message);
  if (byName === undefined) {
    const map = new Map<string, DescField>();
    for (const field of message.fields) {
      if (!map.has(field.name)) map.set(field.name, field);
      if (!map.has(field.jsonName)) map.set(field.jsonName, field);
    }
    eitherNames.set(message, map);
    byName = map;
  }
  return byName;
}

/**
 * Where a request field came from over REST, for the `loc` of a 422 answer. Paths are in terms of
 * the request message; a path that names a field of the body message directly (as domain rules
 * do, knowing nothing of transport wrappers) is placed in the body too.
 */
export function locationOf(binding: HttpBinding, path: readonly (string | number)[]): (string | number)[] {
  const [first, ...rest] = path;
  if (binding.variables.some((v) => v.fieldPath.length === 1 && v.fieldPath[0] === first)) return ["path", ...path];
  if (binding.body === "*") return ["body", ...path];
  if (binding.body !== undefined && binding.body.name === first) return ["body", ...rest];
  const bodyMessage = binding.body === undefined ? undefined : binding.body.message;
  if (bodyMessage?.fields.some((f) => f.name === first) && !binding.method.input.fields.some((f) => f.name === first)) {
    return ["body", ...path];
  }
  return ["query", ...path];
}

/** Statuses the gateway answers without a body, whatever the handler returned. */
export function sendsNoBody(status: number): boolean {
  return status === 204 || status === 304 || (status >= 300 && status < 400);
}

/** How a binding answers success over REST. */
export interface SuccessAnswer {
  /** The status unless the handler sets one: `success_status`, 302/303 for a redirect, else 200. */
  readonly status: number;
  /** The body is the JSON `null` (the method's `null_response`). */
  readonly nullBody: boolean;
  /** A browser redirect (the method's `redirect`): a `Location` header and no body. */
  readonly redirect: boolean;
  /** The answer may carry `Set-Cookie` (the method's `sets_cookie`). */
  readonly setsCookie: boolean;
}

/** The `(svault.api.v1.method)` rules that shape a success answer (svault.api.v1.MethodRules). */
export interface SuccessRules {
  readonly successStatus: number;
  readonly nullResponse: boolean;
  readonly redirect: boolean;
  readonly setsCookie: boolean;
}

/**
 * The success answer of a binding from its method's `(svault.api.v1.method)` rules (read by the
 * caller: the gateway from gen/, the OpenAPI plugin from its request), checked once at start-up.
 * A redirect answers 302 from a GET binding and 303 from the others (a form POST).
 */
export function successAnswerOf(binding: Pick<HttpBinding, "method" | "httpMethod">, rules: SuccessRules | undefined): SuccessAnswer {
  const { method } = binding;
  const nullBody = rules?.nullResponse ?? false;
  const redirect = rules?.redirect ?? false;
  const setsCookie = rules?.setsCookie ?? false;
  const emptyResponse = method.output.fields.length === 0 && method.output.typeName !== "google.api.HttpBody";
  if (redirect) {
    if (!emptyResponse || nullBody || rules?.successStatus) {
      throw new BindingError(
        method,
        "redirect needs a response message without fields, and neither success_status (the binding decides: 302, 303 after a form POST) nor null_response",
      );
    }
    return { status: binding.httpMethod === "GET" ? 302 : 303, nullBody, redirect, setsCookie };
  }
  const status = rules?.successStatus || 200;
  if (nullBody && (!emptyResponse || sendsNoBody(status))) {
    throw new BindingError(method, "null_response needs a response message without fields and a success status that sends a body");
  }
  return { status, nullBody, redirect, setsCookie };
}
