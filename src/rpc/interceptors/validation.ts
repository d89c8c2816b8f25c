// Checks every unary request against the `(svault.api.v1.field)` rules of its message before the
// handler runs, so handlers can rely on well-formed input.
import type { Interceptor } from "@connectrpc/connect";
import { invalidArgument } from "../../errors/domain-error.js";
import { validateMessage } from "../../validation/field-rules.js";

export const validation: Interceptor = (next) => async (req) => {
  if (!req.stream) {
    const violations = validateMessage(req.method.input, req.message);
    if (violations.length > 0) throw invalidArgument(violations);
  }
  return next(req);
};
