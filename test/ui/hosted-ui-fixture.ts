// One service, one tenant (settings per test file), one application (relying-party-app.ts) with a
// registered confidential client, one Chromium — and the steps a person takes on the pages.
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import type { LivenessVerifier } from "../../src/domain/face/face-step.js";
import { createTenant, rest } from "../support/fixtures.js";
import { type TestServer, startTestServer } from "../support/test-server.js";
import { launchChromium } from "./chromium.js";
import { type RelyingPartyApp, type SignedIn, startRelyingPartyApp } from "./relying-party-app.js";

export interface HostedUiFixture {
  readonly server: TestServer;
  readonly app: RelyingPartyApp;
  readonly browser: Browser;
  readonly tenantId: string;
  readonly clientId: string;
  /** A fresh browser profile (no cookies) with a page, recording every request it makes. */
  newPage(options?: PageOptions): Promise<RecordedPage>;
  close(): Promise<void>;
}

export interface PageOptions {
  readonly viewport?: { width: number; height: number };
  readonly colorScheme?: "light" | "dark";
  /** A phone: touch events, mobile viewport behaviour. */
  readonly touch?: boolean;
  /** The browser's language (its Accept-Language); default en-US. */
  readonly locale?: string;
}

export interface RecordedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly requests: Request[];
  /** Console messages of type error (a CSP violation shows up here). */
  readonly consoleErrors: string[];
}

export async function startHostedUiFixture(options: {
  tenantId: string;
  tenant: Record<string, unknown>;
  client?: Record<string, unknown>;
  env?: Record<string, string>;
  /** PUBLIC_URL's host (test-server.ts): `localhost` for passkeys. */
  publicHost?: string;
  /** The server's clock (epoch ms), for tests that age a session instead of waiting. */
  clock?: () => number;
  /** Further Chromium flags (a fake camera). */
  chromiumArgs?: readonly string[];
  /** The server's face verifier (the real pool; default: the server starts its own on first use). */
  faceVerifier?: LivenessVerifier;
}): Promise<HostedUiFixture> {
  // Chromium first: when it is missing, nothing else has been started that would keep the test
  // process alive. Whatever fails later closes what was started before it.
  const browser = await launchChromium(options.chromiumArgs);
  const started: { close(): Promise<void> }[] = [browser];
  const closeAll = async () => {
    for (const part of started.reverse()) await part.close();
  };
  try {
    const server = await startTestServer({
      ...(options.env ? { env: options.env } : {}),
      ...(options.publicHost ? { publicHost: options.publicHost } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.faceVerifier ? { faceVerifier: options.faceVerifier } : {}),
    });
    started.push(server);
    const app = await startRelyingPartyApp();
    started.push(app);
    return await connectedFixture(options, server, app, browser, closeAll);
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function connectedFixture(
  options: { tenantId: string; tenant: Record<string, unknown>; client?: Record<string, unknown> },
  server: TestServer,
  app: RelyingPartyApp,
  browser: Browser,
  closeAll: () => Promise<void>,
): Promise<HostedUiFixture> {
  const clientId = `${options.tenantId}-app`;
  await createTenant(server, options.tenantId, options.tenant);
  const created = await rest(server, server.adminKey, "POST", "/api/v1/clients", {
    tenant_id: options.tenantId,
    client_id: clientId,
    name: "Notes App",
    redirect_uris: [app.redirectUri],
    post_logout_redirect_uri: [app.postLogoutRedirectUri],
    client_type: "confidential",
    client_uri: app.origin,
    register_enable: true,
    flow: { grant_types: ["authorization_code", "refresh_token"] },
    ...options.client,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await app.connect(`${server.config.publicUrl}/${options.tenantId}`, clientId, (created.body as { client_secret: string }).client_secret);
  const contexts: BrowserContext[] = [];
  return {
    server,
    app,
    browser,
    tenantId: options.tenantId,
    clientId,
    async newPage(pageOptions = {}) {
      const context = await browser.newContext({
        viewport: pageOptions.viewport ?? { width: 1024, height: 800 },
        colorScheme: pageOptions.colorScheme ?? "light",
        locale: pageOptions.locale ?? "en-US",
        ...(pageOptions.touch ? { hasTouch: true, isMobile: true } : {}),
      });
      contexts.push(context);
      const page = await context.newPage();
      const requests: Request[] = [];
      const consoleErrors: string[] = [];
      page.on("request", (request) => requests.push(request));
      page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
      });
      return { page, context, requests, consoleErrors };
    },
    async close() {
      for (const context of contexts) await context.close();
      await closeAll();
    },
  };
}

/** Taps the PIN's digits on the keypad, by each key's accessible name. */
export async function tapPin(page: Page, pin: string): Promise<void> {
  const pad = page.getByRole("group", { name: "PIN keypad" });
  for (const digit of pin) await pad.getByRole("button", { name: digit, exact: true }).click();
}

/** Draws the pattern with the mouse in one stroke through the cells' centres, then Continue. */
export async function drawPattern(page: Page, cells: readonly number[]): Promise<void> {
  const grid = page.locator(".grid");
  const centres = [];
  for (const cell of cells) {
    const box = await grid.locator(`[data-cell="${cell}"]`).boundingBox();
    assert.ok(box, `cell ${cell} is on screen`);
    centres.push({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
  }
  const [first, ...rest] = centres;
  assert.ok(first);
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  for (const point of rest) await page.mouse.move(point.x, point.y, { steps: 8 });
  await page.mouse.up();
  await page.getByRole("button", { name: "Continue" }).click();
}

/** Types the username and continues (the first step of sign in). */
export async function enterUsername(page: Page, username: string): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByRole("button", { name: "Continue" }).click();
}

/** Starts a sign-in at the application; resolves once the browser shows the hosted login page. */
export async function startAtApplication(fixture: HostedUiFixture, page: Page, query = ""): Promise<void> {
  await page.goto(`${fixture.app.origin}/login${query}`);
  await page.waitForURL((url) => url.pathname === "/ui/login");
}

/**
 * Runs `action` and returns the text of the alert it brings up. Each message is a new element,
 * so an alert already on screen (say, the previous wrong PIN's) is awaited away first.
 */
export async function alertAfter(page: Page, action: () => Promise<void>): Promise<string> {
  const previous = await page.$("[role=alert]");
  await action();
  if (previous) await previous.waitForElementState("hidden");
  const alert = page.getByRole("alert");
  await alert.waitFor();
  return (await alert.textContent()) ?? "";
}

/** A finger's touch events come this often (60 Hz). */
const TOUCH_STEP_S = 1 / 60;
/** How long the finger rests on the last cell before it lifts: past Chrome's 40 ms after which a pointer counts as stopped. */
const REST_S = 0.1;

/**
 * Draws the pattern with one finger (real touch events through the DevTools protocol), then
 * Continue by tap. The swipe carries its own clock: each event's timestamp is set, a finger's
 * 60 Hz apart, and the finger rests on the last cell before it lifts. Events sent as fast as the
 * protocol goes would be a flick instead, which Chrome turns into a fling — and the tap on
 * Continue that follows at once is swallowed as the fling's cancel (seen: 2 of 6 taps lost).
 * A swipe that ends at rest starts no fling, however little real time passes.
 */
export async function swipePattern(page: Page, cells: readonly number[]): Promise<void> {
  const session = await page.context().newCDPSession(page);
  const points = [];
  for (const cell of cells) {
    const box = await page.locator(`.grid [data-cell="${cell}"]`).boundingBox();
    assert.ok(box, `cell ${cell} is on screen`);
    points.push({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
  }
  const [first, ...rest] = points;
  assert.ok(first);
  const path = [first];
  let from = first;
  for (const to of rest) {
    for (let step = 1; step <= 6; step++) path.push({ x: from.x + ((to.x - from.x) * step) / 6, y: from.y + ((to.y - from.y) * step) / 6 });
    from = to;
  }
  // The gesture's clock ends now: its events are in the past of whatever comes next.
  let at = Date.now() / 1000 - (path.length * TOUCH_STEP_S + 2 * REST_S);
  const touch = (type: "touchStart" | "touchMove" | "touchEnd", point: { x: number; y: number } | undefined, after: number) => {
    at += after;
    return session.send("Input.dispatchTouchEvent", { type, touchPoints: point ? [{ x: point.x, y: point.y, id: 1 }] : [], timestamp: at });
  };
  await touch("touchStart", first, 0);
  for (const point of path.slice(1)) await touch("touchMove", point, TOUCH_STEP_S);
  await touch("touchMove", from, REST_S);
  await touch("touchEnd", undefined, REST_S);
  await session.detach();
  await page.getByRole("button", { name: "Continue" }).tap();
}

/** The browser ends at the application's callback, and the application got `username`'s tokens. */
export async function assertLandsSignedIn(fixture: HostedUiFixture, page: Page, username: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === "/callback");
  assert.equal(fixture.app.signIns.at(-1)?.userinfo.preferred_username, username);
}

/** Chooses a new PIN on the registration or reset page: entered, then repeated. */
export async function choosePin(page: Page, pin: string): Promise<void> {
  for (const heading of [`Choose a ${pin.length}-digit PIN`, "Enter the same PIN again"]) {
    await page.getByRole("heading", { name: heading }).waitFor();
    await tapPin(page, pin);
  }
}

/** A whole PIN sign-in from the application's login to its callback; the application's record of it. */
export async function signInAtApplication(fixture: HostedUiFixture, page: Page, username: string, pin: string): Promise<SignedIn> {
  await startAtApplication(fixture, page);
  await enterUsername(page, username);
  await tapPin(page, pin);
  await assertLandsSignedIn(fixture, page, username);
  return fixture.app.signIns.at(-1) as SignedIn;
}
