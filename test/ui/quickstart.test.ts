// The README's path for a newcomer, on the embedded database: start the service as `npm start`
// does, create a tenant and a client with the admin API, send a browser to the application's
// login, register with a PIN on the hosted page, and land back at the application with tokens.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startServerProcess } from "../support/server-process.js";
import { freePort } from "../support/test-server.js";
import { launchChromium } from "./chromium.js";
import { choosePin, drawPattern } from "./hosted-ui-fixture.js";
import { startRelyingPartyApp } from "./relying-party-app.js";
import { tempDir } from "../support/temp-dir.js";

describe("README quickstart on the embedded database", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("a newcomer registers and signs in with a PIN in a real browser and the app gets tokens", async () => {
    const port = await freePort();
    const service = startServerProcess({ DATA_DIR: tempDir("quickstart"), PORT: String(port), GRPC_PORT: "0" });
    cleanups.push(() => service.stop());
    await service.waitForLog((line) => line.msg === "listening");
    const key = /svk_[a-z2-7]{16}_[A-Za-z0-9_-]{43}/.exec(service.stdoutText())?.[0] as string;
    const base = `http://localhost:${port}`;
    const admin = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "x-api-key": key, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as Record<string, unknown>;
      assert.equal(res.status, 201, JSON.stringify(answer));
      return answer;
    };

    const app = await startRelyingPartyApp();
    cleanups.push(() => app.close());
    await admin("/api/v1/tenants", { tenant_id: "acme", display_name: "Acme", register_enable: true });
    const client = await admin("/api/v1/clients", {
      tenant_id: "acme",
      client_id: "my-app",
      name: "My App",
      redirect_uris: [app.redirectUri],
      register_enable: true,
    });
    await app.connect(`${base}/acme`, "my-app", client.client_secret as string);

    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    await page.goto(`${app.origin}/login`);
    await page.waitForURL((url) => url.pathname === "/ui/login");
    await page.getByRole("link", { name: "Create an account" }).click();
    // The default tenant settings: username and e-mail, a 6-digit PIN, then a 3×3 pattern.
    await page.getByLabel("Username").fill("newcomer");
    await page.getByLabel("E-mail address").fill("newcomer@acme.example");
    await page.getByRole("button", { name: "Continue" }).click();
    await choosePin(page, "730518");
    for (const heading of ["Draw a new pattern", "Draw the same pattern again"]) {
      await page.getByRole("heading", { name: heading }).waitFor();
      await drawPattern(page, [0, 4, 8, 5]);
    }
    // Nothing confirmed the address yet: the page says so, then goes on.
    await page.getByRole("heading", { name: "Please confirm your e-mail address" }).waitFor();
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL((url) => url.pathname === "/callback");
    assert.equal(app.signIns.at(-1)?.userinfo.preferred_username, "newcomer");
    assert.equal(app.signIns.at(-1)?.claims.iss, `${base}/acme`);
  });
});
