// The hosted pages the OIDC flow sends browsers to. The full login UI (image keypad and pattern
// grid, running the SDK) is the hosted-UI issue; until then /ui/login names the pending request
// so that an API client (or the SDK) can complete the login, and the error and logged-out pages
// tell a person what happened. Static HTML, escaped, under a strict CSP.
import type { FastifyInstance, FastifyReply } from "fastify";
import { escapeHtml } from "../mail/escape-html.js";

const CSP = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .header("content-security-policy", CSP)
    .header("cache-control", "no-store")
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .type("text/html; charset=utf-8")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    );
}

const text = (value: unknown) => (typeof value === "string" ? value.slice(0, 500) : "");

export async function placeholderPages(app: FastifyInstance): Promise<void> {
  app.get("/ui/login", async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const id = text(query.auth_req_id);
    return page(
      reply,
      200,
      "Sign in",
      `<p>Sign-in request <code id="auth-req-id">${escapeHtml(id)}</code>.</p>` +
        "<p>Complete it with the login API (Get Challenge, Authenticate, Sign In) — the interactive page comes with the hosted UI.</p>",
    );
  });
  app.get("/ui/error", async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    return page(
      reply,
      400,
      "This sign-in request cannot be completed",
      `<p><strong id="error">${escapeHtml(text(query.error))}</strong></p><p id="error-description">${escapeHtml(text(query.error_description))}</p>` +
        "<p>Go back to the application and start again.</p>",
    );
  });
  app.get("/ui/logged-out", async (_request, reply) => page(reply, 200, "You are signed out", "<p>You can close this window.</p>"));
}
