// Checks every unary request against the `(svault.api.v1.field)` rules of its message before the
// handler runs, so handlers can rely on well-formed input.
import type { Interceptor } from "@connectrpc/connect";
import { invalidArgument } from "../../errors/domain-error.js";
import { validateMessage } from "../../validation/field-rules.js";

// Not async: a valid request passes straight on without another promise (the error boundary
// outside turns the synchronous throw into the call's error).
export const validation: Interceptor = (next) => (req) => {
  if (!req.stream) {
    const violations = validateMessage(req.method.input, req.message);
    if (violations.length > 0) throw invalidArgument(violations);
  }
  return next(req);
};
