import type { HandlerContext } from "@connectrpc/connect";
import type { CallerInfo } from "../../domain/login/opaque-login.js";
import { clientAddressKey } from "../../rpc/context.js";

export function callerInfo(ctx: HandlerContext): CallerInfo {
  return { ip: ctx.values.get(clientAddressKey), userAgent: (ctx.requestHeader.get("user-agent") ?? "").slice(0, 512) };
}
