// The account pages' calls to their own JSON endpoints (/ui/account/api/…, src/ui/account): same
// origin, the session cookie, and the session's CSRF token in its header. Errors carry the
// server's stable reason (REAUTHENTICATION_REQUIRED, LAST_REQUIRED_FACTOR, …), which the pages
// word in the person's language.
import type { AccountPasskey, HostedPageData } from "../page-data.js";
import { type PasskeyRegistrationBody, startPasskeyRegistration } from "./passkeys.js";

export class AccountApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = "AccountApiError";
  }
}

export interface PasskeyList {
  readonly passkeys: readonly AccountPasskey[];
}

export interface AccountApi {
  addPasskey(reauthNonce: string): Promise<PasskeyList & { added: AccountPasskey }>;
  renamePasskey(id: string, name: string): Promise<PasskeyList>;
  removePasskey(id: string, reauthNonce: string): Promise<PasskeyList>;
}

export function accountApi(data: HostedPageData): AccountApi {
  const token = data.account?.csrfToken ?? "";
  const call = async <T>(method: string, path: string, body: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`/ui/account/api/${path}?${new URLSearchParams({ tenant_id: data.tenant.tenantId })}`, {
        method,
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-svault-csrf": token },
        body: JSON.stringify(body),
      });
    } catch {
      throw new AccountApiError(0, "NETWORK");
    }
    if (res.ok) return (await res.json()) as T;
    const answer = (await res.json().catch(() => ({}))) as { reason?: string };
    throw new AccountApiError(res.status, answer.reason ?? "ERROR");
  };
  return {
    async addPasskey(reauthNonce) {
      const { options } = await call<{ options: unknown }>("POST", "passkeys/options", { reauth_nonce: reauthNonce });
      const created: PasskeyRegistrationBody = await startPasskeyRegistration(options);
      return call("POST", "passkeys", { ...created, name: "" });
    },
    renamePasskey: (id, name) => call("PATCH", `passkeys/${encodeURIComponent(id)}`, { name }),
    removePasskey: (id, reauthNonce) => call("DELETE", `passkeys/${encodeURIComponent(id)}`, { reauth_nonce: reauthNonce }),
  };
}
