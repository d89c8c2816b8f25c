// The REST bindings of a service: each unary RPC's google.api.http rule and its
// additional_bindings, compiled by the REST gateway's own compileBinding so that the document
// and the routes cannot disagree on paths, variables or bodies. (The gateway's collectBindings
// reads the rule through gen/, which the plugin cannot use: see annotations.ts.)
import type { DescMethodUnary, DescService } from "@bufbuild/protobuf";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import { compileBinding, type HttpBinding } from "../../src/transcoding/binding.js";
import type { Annotations } from "./annotations.js";

export interface NamedBinding {
  readonly binding: HttpBinding;
  /** `Service_Method`, with `_<n>` for the n-th additional binding. */
  readonly operationId: string;
}

export function restBindings(service: DescService, annotations: Annotations): NamedBinding[] {
  return service.methods.flatMap((method) => {
    const rule = method.methodKind === "unary" ? annotations.http(method) : undefined;
    if (!rule) return [];
    const id = `${service.name}_${method.name}`;
    return [rule, ...rule.additionalBindings].map((binding, index) => ({
      binding: bindingOf(method as DescMethodUnary, binding),
      operationId: index === 0 ? id : `${id}_${index}`,
    }));
  });
}

function bindingOf(method: DescMethodUnary, rule: HttpRule): HttpBinding {
  const { pattern } = rule;
  if (pattern.case === undefined || pattern.case === "custom") {
    throw new Error(`${method.parent.typeName}.${method.name}: custom HTTP methods are not supported`);
  }
  return compileBinding(method, pattern.case.toUpperCase() as HttpBinding["httpMethod"], pattern.value, rule.body, rule.responseBody);
}
