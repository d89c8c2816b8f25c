// The tenant as Microsoft Entra ID's external authentication method (#31–34), against a simulated
// Entra (simulated-entra.ts: its own keys, discovery and JWKS over HTTP, hints signed as Entra
// signs them). A person completes the MFA form in headless Chromium with a passkey held by a CDP
// virtual authenticator; the ID token that goes back to Entra's address is checked with jose
// against every rule of Entra's documentation (not with the service's own code). The bad requests
// are sent as Entra would send them, and each must end in `access_denied` at Entra's address or
// in an error page — never in a token.
import assert from "node:assert/strict";
import { createHmac, randomUUID, X509Certificate } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { generateRegistrationOptions, type RegistrationResponseJSON, verifyRegistrationResponse } from "@simplewebauthn/server";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWK, jwtVerify } from "jose";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { sql } from "../login/login-helpers.js";
import { MfaService } from "../../gen/svault/oidc/v1/mfa_service_pb.js";
import { createTenant, grpcClient, rest } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { launchChromium } from "../ui/chromium.js";
import { type EntraAccount, type SimulatedEntra, startSimulatedEntra } from "./simulated-entra.js";

const TENANT = "contoso";
const MICROSOFT = "https://login.microsoftonline.com/common/federation/externalauthprovider";
const ENTRA_START = "http://entra.test/start";
const REQUESTED_ACR = ["possessionorinherence"];
const REQUESTED_AMR = ["face", "fido", "fpt", "hwk", "iris", "otp", "pop", "retina", "sc", "sms", "swk", "tel", "vbm"];
const CLAIMS = JSON.stringify({
  id_token: { acr: { essential: true, values: REQUESTED_ACR }, amr: { essential: true, values: REQUESTED_AMR } },
});
/** Entra's amr values by type: possession and inherence (there is no knowledge amr). */
const ENTRA_AMR = new Set(REQUESTED_AMR);
const USE_PASSKEY = "Use passkey";

// The server's clock: the wall clock, shifted where a test moves time on. Not frozen at the file's
// start: the database's own now() judges what expires, and on a loaded machine a frozen clock
// falls behind it.
let shift = 0;
const now = () => Date.now() + shift;
let server: TestServer;
let entra: SimulatedEntra;
let browser: Browser;
/** The browser profile holding alice's passkey (its virtual authenticator). */
let profile: BrowserProfile;
let page: Page;
let alice: EntraAccount;
let aliceUserId: string;

const seconds = () => Math.floor(now() / 1000);
const mfaIssuer = () => `${server.config.publicUrl}/${TENANT}/mfa`;

/** Entra's form fields for `account`, with a fresh hint; `overrides` replace any of them. */
async function entraRequest(account: EntraAccount, overrides: Record<string, string> = {}, hintClaims?: Record<string, unknown>) {
  return {
    scope: "openid",
    response_type: "id_token",
    response_mode: "form_post",
    client_id: entra.clientId,
    redirect_uri: MICROSOFT,
    nonce: `nonce-${randomUUID()}`,
    state: `state-${randomUUID()}`,
    id_token_hint: await entra.hint(account, { iat: seconds() - 5, ...(hintClaims ? { claims: hintClaims } : {}) }),
    claims: CLAIMS,
    "client-request-id": randomUUID(),
    ...overrides,
  };
}

/** Entra's browser POST, sent without a browser: the raw answer. */
async function postAuthorize(fields: Record<string, string>): Promise<Response> {
  return fetch(`${server.baseUrl}/${TENANT}/mfa/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

const unescapeHtml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** The form_post page's target and fields. */
async function formPost(response: Response): Promise<{ action: string; fields: Record<string, string> }> {
  assert.equal(response.status, 200);
  const html = await response.text();
  const action = /<form id="form-post" method="post" action="([^"]*)"/.exec(html)?.[1];
  assert.ok(action, `a form_post page: ${html.slice(0, 300)}`);
  const fields = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [m[1], unescapeHtml(m[2] ?? "")]),
  );
  return { action: unescapeHtml(action), fields: fields as Record<string, string> };
}

async function assertDeniedToEntra(response: Response, state: string): Promise<void> {
  const { action, fields } = await formPost(response);
  assert.equal(action, MICROSOFT);
  assert.equal(fields.error, "access_denied", JSON.stringify(fields));
  assert.equal(fields.state, state);
  assert.equal(fields.id_token, undefined);
}

/** A started flow, as the browser that started it holds it. */
async function startFlow(account: EntraAccount): Promise<{ formUrl: string; cookie: string; state: string }> {
  const fields = await entraRequest(account);
  const response = await postAuthorize(fields);
  assert.equal(response.status, 303, await response.clone().text());
  const location = response.headers.get("location") ?? "";
  const cookie = response.headers.get("set-cookie") ?? "";
  assert.match(cookie, /^svault_mfa=[^;]+; Path=\/mfa\/form\/[^;]+; Max-Age=300; HttpOnly; SameSite=Lax$/);
  assert.match(location, /\?ui_locales=en$/, "the pages' language travels with the form's address");
  return {
    formUrl: location.replace(server.config.publicUrl, server.baseUrl),
    cookie: cookie.split(";")[0] as string,
    state: fields.state,
  };
}

/** What a refused request must leave as it was: the flows, the account links, the claimed hints. */
async function stored(): Promise<{ flows: number; links: number; claims: number }> {
  const [row] = await sql<{ flows: number; links: number; claims: number }>(
    server,
    `select (select count(*)::int from mfa_flow where tenant_id = ?) as flows,
       (select count(*)::int from entra_user_link where tenant_id = ?) as links,
       (select count(*)::int from used_jti where tenant_id = ?) as claims`,
    [TENANT, TENANT, TENANT],
  );
  return row as { flows: number; links: number; claims: number };
}

async function mfaEvents(): Promise<{ outcome: string; reason: string; user_id: string | null }[]> {
  await server.running.events.flush();
  return sql(server, "select outcome, reason, user_id from auth_event where tenant_id = ? and kind = 'mfa' order by id", [TENANT]);
}

/** Registers a passkey of `userId` in the page's virtual authenticator, stored as the passkeys table holds it. */
async function registerPasskey(target: Page, userId: string): Promise<void> {
  const origin = new URL(server.config.publicUrl).origin;
  const options = await generateRegistrationOptions({ rpName: "Contoso", rpID: "localhost", userName: "alice", attestationType: "none" });
  await target.goto(`${origin}/mfa/assets/mfa.css`);
  const response = await target.evaluate(async (json) => {
    const credential = (await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(JSON.parse(json)),
    })) as PublicKeyCredential;
    return credential.toJSON();
  }, JSON.stringify(options));
  const verified = await verifyRegistrationResponse({
    response: response as RegistrationResponseJSON,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: "localhost",
  });
  assert.ok(verified.verified && verified.registrationInfo);
  const { credential, credentialDeviceType, credentialBackedUp, aaguid } = verified.registrationInfo;
  await sql(
    server,
    `insert into passkey_credential (id, tenant_id, user_id, credential_id, public_key, counter, transports, backup_eligible, backed_up,
       aaguid, name, created_at) values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, now())`,
    [
      randomUUID(),
      TENANT,
      userId,
      credential.id,
      Buffer.from(credential.publicKey),
      credential.counter,
      JSON.stringify(credential.transports ?? []),
      credentialDeviceType === "multiDevice",
      credentialBackedUp,
      aaguid,
      "laptop",
    ],
  );
}

interface BrowserProfile {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Makes the virtual authenticator sign wrongly (a forged or broken authenticator). */
  forgeSignatures(forge: boolean): Promise<void>;
}

/** `synced`: the authenticator's credentials are backup eligible (a synced passkey); `locale`: the browser's language. */
async function newBrowserProfile(options: { synced?: boolean; locale?: string } = {}): Promise<BrowserProfile> {
  const profile = await browser.newContext(options.locale ? { locale: options.locale } : {});
  const tab = await profile.newPage();
  const cdp = await profile.newCDPSession(tab);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      ctap2Version: "ctap2_1",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...(options.synced ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
    },
  });
  return {
    context: profile,
    page: tab,
    forgeSignatures: async (forge) => {
      await cdp.send("WebAuthn.setResponseOverrideBits", { authenticatorId, isBogusSignature: forge });
    },
  };
}

/** Entra's side in the browser: its page posts the request to us; its reply address records the answer. */
async function runInBrowser(
  tab: Page,
  fields: Record<string, string>,
  heading = "Confirm your sign-in",
): Promise<() => Promise<URLSearchParams>> {
  const form = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}">`)
    .join("");
  await tab.route(ENTRA_START, (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<form method="post" action="${server.config.publicUrl}/${TENANT}/mfa/authorize">${form}</form><script>document.forms[0].submit()</script>`,
    }),
  );
  const answered = new Promise<URLSearchParams>((resolve) => {
    void tab.route(MICROSOFT, (route) => {
      resolve(new URLSearchParams(route.request().postData() ?? ""));
      return route.fulfill({ contentType: "text/html", body: "<p>Back at Microsoft</p>" });
    });
  });
  await tab.goto(ENTRA_START);
  await tab
    .getByRole("heading", { name: heading })
    .waitFor()
    .catch(async (error: Error) => assert.fail(`${error.message}\nat ${tab.url()}: ${await tab.locator("body").textContent()}`));
  // Playwright's bounded wait for the navigation: a page that never posts fails instead of hanging.
  return async () => {
    await tab.waitForURL(MICROSOFT);
    return answered;
  };
}

before(async () => {
  browser = await launchChromium();
  entra = await startSimulatedEntra();
  server = await startTestServer({ publicHost: "localhost", clock: now });
  // The MFA form offers what the tenant's sign-in offers (the factor engine): here, passkeys.
  await createTenant(server, TENANT, { passkey_enabled: true });
  const created = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${TENANT}/users`, {
    username: "alice",
    email: "alice@contoso.example",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  aliceUserId = (created.body as { user_id: string }).user_id;
  const settings = await rest(server, server.adminKey, "PUT", `/api/v1/tenants/${TENANT}/mfa/entra`, {
    enabled: true,
    client_id: entra.clientId,
    allowed_tenant_ids: [entra.tid],
    discovery_url: entra.discoveryUrl,
    user_match: "username",
  });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));
  alice = entra.account("alice");
  profile = await newBrowserProfile();
  page = profile.page;
  await registerPasskey(page, aliceUserId);
});

after(async () => {
  await profile?.context.close();
  await browser?.close();
  await server?.close();
  await entra?.close();
});

describe("the MFA issuer's metadata (#31, #32)", () => {
  it("is what Entra requires: exact issuer, id_token by form_post, RS256, https-less only in this test", async () => {
    const res = await fetch(`${server.baseUrl}/${TENANT}/mfa/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    assert.ok(Number(res.headers.get("content-length")) > 0, "a Content-Length");
    const doc = (await res.json()) as Record<string, unknown>;
    assert.equal(doc.issuer, mfaIssuer());
    assert.equal(doc.authorization_endpoint, `${mfaIssuer()}/authorize`);
    assert.equal(doc.jwks_uri, `${mfaIssuer()}/.well-known/jwks.json`);
    assert.ok((doc.scopes_supported as string[]).includes("openid"));
    assert.deepEqual(doc.response_types_supported, ["id_token"]);
    assert.deepEqual(doc.response_modes_supported, ["form_post"]);
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ["RS256"]);
    assert.ok((doc.subject_types_supported as string[]).length > 0);
    assert.deepEqual(doc.claim_types_supported, ["normal"]);
  });

  it("publishes RSA keys only, each with a certificate in x5c for the same key", async () => {
    const { keys } = (await (await fetch(`${server.baseUrl}/${TENANT}/mfa/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      assert.equal(key.kty, "RSA");
      assert.equal(key.alg, "RS256");
      assert.equal(key.use, "sig");
      assert.ok(key.kid);
      const certificate = new X509Certificate(Buffer.from(key.x5c?.[0] ?? "", "base64"));
      assert.equal((certificate.publicKey.export({ format: "jwk" }) as JWK).n, key.n);
    }
  });

  it("is 404 for an unknown tenant", async () => {
    assert.equal((await fetch(`${server.baseUrl}/nowhere/mfa/.well-known/openid-configuration`)).status, 404);
  });
});

describe("the MFA form in a browser (#33, #34)", () => {
  it("a passkey answers Entra with an ID token that meets every rule", async () => {
    const fields = await entraRequest(alice);
    const answered = await runInBrowser(page, fields);
    await page.getByRole("button", { name: USE_PASSKEY }).click();
    const answer = await answered();
    assert.equal(answer.get("state"), fields.state);
    assert.equal(answer.get("error"), null);
    const idToken = answer.get("id_token") ?? "";

    // Verified as Entra does: the keys from the discovery's jwks_uri, by kid; RS256; exact iss; aud.
    const discovery = (await (await fetch(`${server.baseUrl}/${TENANT}/mfa/.well-known/openid-configuration`)).json()) as {
      jwks_uri: string;
    };
    const jwks = (await (await fetch(discovery.jwks_uri.replace(server.config.publicUrl, server.baseUrl))).json()) as { keys: JWK[] };
    const header = decodeProtectedHeader(idToken);
    assert.equal(header.alg, "RS256");
    assert.ok(
      jwks.keys.some((key) => key.kid === header.kid && key.x5c?.length),
      "signed by a published key with x5c",
    );
    const { payload } = await jwtVerify(idToken, createLocalJWKSet({ keys: jwks.keys }), {
      algorithms: ["RS256"],
      issuer: mfaIssuer(),
      audience: entra.clientId,
      currentDate: new Date(now()),
      requiredClaims: ["iat", "exp", "sub", "nonce", "acr", "amr"],
    });
    assert.equal(payload.iss, mfaIssuer(), "iss character for character");
    assert.equal(payload.aud, entra.clientId);
    assert.equal(payload.sub, alice.sub, "the hint's sub");
    assert.equal(payload.nonce, fields.nonce);
    assert.ok(REQUESTED_ACR.includes(payload.acr as string), "acr: one requested value");
    assert.ok(Array.isArray(payload.amr) && payload.amr.length === 1, "amr: exactly one value");
    assert.equal(payload.amr[0], "fido");
    assert.ok(ENTRA_AMR.has(payload.amr[0]) && REQUESTED_AMR.includes(payload.amr[0]));
    assert.ok((payload.exp as number) > (payload.iat as number));

    // The match by username was linked to the Entra account, and the attempt audited.
    const links = await rest(server, server.adminKey, "GET", `/api/v1/tenants/${TENANT}/mfa/entra/links?user_id=${aliceUserId}`);
    assert.deepEqual(
      (links.body as { links: { object_id: string; entra_tenant_id: string }[] }).links.map((l) => [l.entra_tenant_id, l.object_id]),
      [[alice.tid, alice.oid]],
    );
    const events = await mfaEvents();
    assert.ok(events.some((e) => e.outcome === "success" && e.reason === "FACTOR_PASSED" && e.user_id === aliceUserId));
  });

  it("the user who cancels goes back to Entra with access_denied", async () => {
    const fields = await entraRequest(alice);
    const answered = await runInBrowser(page, fields);
    await page.getByRole("button", { name: "Cancel" }).click();
    const answer = await answered();
    assert.equal(answer.get("error"), "access_denied");
    assert.equal(answer.get("state"), fields.state);
    assert.equal(answer.get("id_token"), null);
    assert.ok((await mfaEvents()).some((e) => e.outcome === "failure" && e.reason === "CANCELLED"));
  });

  it("a browser without the passkey cannot pass (the authenticator refuses): access_denied", async () => {
    const other = await newBrowserProfile();
    try {
      const fields = await entraRequest(alice);
      const answered = await runInBrowser(other.page, fields);
      await other.page.getByRole("button", { name: USE_PASSKEY }).click();
      const answer = await answered();
      assert.equal(answer.get("error"), "access_denied");
      assert.equal(answer.get("id_token"), null);
    } finally {
      await other.context.close();
    }
  });

  it("a passkey whose signature does not verify: access_denied, counted in the login throttle", async () => {
    await profile.forgeSignatures(true);
    try {
      const fields = await entraRequest(alice);
      const answered = await runInBrowser(page, fields);
      await page.getByRole("button", { name: USE_PASSKEY }).click();
      const answer = await answered();
      assert.equal(answer.get("error"), "access_denied");
      assert.equal(answer.get("id_token"), null);
    } finally {
      await profile.forgeSignatures(false);
    }
    assert.equal((await mfaEvents()).at(-1)?.reason, "FACTOR_FAILED");
    const [counted] = await sql<{ failures: number }>(
      server,
      "select failures from login_throttle where tenant_id = ? and kind = 'user' and subject = 'alice'",
      [TENANT],
    );
    assert.equal(counted?.failures, 1);

    // The next success takes the count back, as a successful login does.
    const answered = await runInBrowser(page, await entraRequest(alice));
    await page.getByRole("button", { name: USE_PASSKEY }).click();
    const passed = await answered();
    assert.ok(passed.get("id_token"), `${passed} ${JSON.stringify((await mfaEvents()).slice(-3))}`);
    assert.deepEqual(
      await sql(server, "select failures from login_throttle where tenant_id = ? and kind = 'user' and subject = 'alice'", [TENANT]),
      [],
    );
  });
});

describe("the amr reported for the factor used", () => {
  const claimsFor = (amr: string[]) =>
    JSON.stringify({ id_token: { acr: { essential: true, values: REQUESTED_ACR }, amr: { essential: true, values: amr } } });
  /** The answer to Entra after the person uses the passkey of `tab`. */
  const answerOf = async (tab: Page, account: EntraAccount, claims: string) => {
    const answered = await runInBrowser(tab, await entraRequest(account, { claims }));
    await tab.getByRole("button", { name: USE_PASSKEY }).click();
    return answered();
  };
  const amrOf = (answer: URLSearchParams) => {
    const idToken = answer.get("id_token");
    assert.ok(idToken, `an ID token: ${answer}`);
    return decodeJwt(idToken).amr;
  };

  it("a device-bound passkey: fido where Entra lists it, else hwk", async () => {
    assert.deepEqual(amrOf(await answerOf(page, alice, CLAIMS)), ["fido"]);
    assert.deepEqual(amrOf(await answerOf(page, alice, claimsFor(["otp", "hwk", "swk"]))), ["hwk"]);
  });

  it("a synced passkey: fido where Entra lists it, else swk — never hwk", async () => {
    const created = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${TENANT}/users`, {
      username: "bob",
      email: "bob@contoso.example",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const synced = await newBrowserProfile({ synced: true });
    try {
      await registerPasskey(synced.page, (created.body as { user_id: string }).user_id);
      const bob = entra.account("bob");
      assert.deepEqual(amrOf(await answerOf(synced.page, bob, CLAIMS)), ["fido"]);
      assert.deepEqual(amrOf(await answerOf(synced.page, bob, claimsFor(["hwk", "swk"]))), ["swk"]);
      const refused = await answerOf(synced.page, bob, claimsFor(["hwk"]));
      assert.equal(refused.get("error"), "access_denied");
      assert.equal(refused.get("id_token"), null);
      assert.equal((await mfaEvents()).at(-1)?.reason, "AMR_NOT_SATISFIABLE");
    } finally {
      await synced.context.close();
    }
  });
});

describe("the MFA pages' language", () => {
  it("follows the browser's Accept-Language, through the form to the answer", async () => {
    const german = await newBrowserProfile({ locale: "de-DE" });
    try {
      await registerPasskey(german.page, aliceUserId);
      const answered = await runInBrowser(german.page, await entraRequest(alice), "Anmeldung bestätigen");
      assert.equal(await german.page.locator("html").getAttribute("lang"), "de");
      await german.page.getByRole("button", { name: "Passkey verwenden" }).click();
      assert.ok((await answered()).get("id_token"));
    } finally {
      await german.context.close();
    }
  });

  it("follows ui_locales in the request before the browser's language", async () => {
    const flow = await fetch(`${server.baseUrl}/${TENANT}/mfa/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "accept-language": "de" },
      body: new URLSearchParams({ ...(await entraRequest(alice)), ui_locales: "fr-CA en" }),
      redirect: "manual",
    });
    const location = (flow.headers.get("location") ?? "").replace(server.config.publicUrl, server.baseUrl);
    assert.match(location, /\?ui_locales=fr$/);
    const form = await fetch(location, {
      headers: { cookie: (flow.headers.get("set-cookie") ?? "").split(";")[0] as string, "accept-language": "de" },
    });
    assert.equal(form.status, 200);
    const html = await form.text();
    assert.match(html, /<html lang="fr" dir="ltr">/);
    assert.match(html, /Confirmez votre connexion/);
    assert.match(html, /name="ui_locales" value="fr"/, "the answer's page keeps the language");
  });

  it("error pages are translated too, right to left for Arabic", async () => {
    const response = await fetch(`${server.baseUrl}/mfa/form/${TENANT}.nothing-here`, { headers: { "accept-language": "ar" } });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get("content-language"), "ar");
    const html = await response.text();
    assert.match(html, /<html lang="ar" dir="rtl">/);
    assert.match(html, /طلب تسجيل الدخول هذا غير معروف/);
  });
});

describe("the MFA issuer's keys", () => {
  /** A sign-in with alice's passkey, to its ID token. */
  const idTokenOfSignIn = async () => {
    const answered = await runInBrowser(page, await entraRequest(alice));
    await page.getByRole("button", { name: USE_PASSKEY }).click();
    const idToken = (await answered()).get("id_token");
    assert.ok(idToken);
    return idToken;
  };
  const publishedKids = async () => {
    const { keys } = (await (await fetch(`${server.baseUrl}/${TENANT}/mfa/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    return keys.map((key) => key.kid);
  };

  it("rotate with the tenant's: a new RSA key is published ahead and signs only after the publish lead", async () => {
    const oldKid = decodeProtectedHeader(await idTokenOfSignIn()).kid;
    const rotated = await rest(server, server.adminKey, "POST", `/api/v1/tenants/${TENANT}/keys/rotate`, { alg: "RS256" });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const newKid = (rotated.body as { key: { kid: string } }).key.kid;
    assert.deepEqual((await publishedKids()).sort(), [oldKid, newKid].sort(), "both published");
    assert.equal(decodeProtectedHeader(await idTokenOfSignIn()).kid, oldKid, "the old key still signs");

    const lead = (server.config.keyPublishLeadSeconds + 1) * 1000;
    shift += lead;
    try {
      const idToken = await idTokenOfSignIn();
      assert.equal(decodeProtectedHeader(idToken).kid, newKid, "the new key signs after the lead");
      const { keys } = (await (await fetch(`${server.baseUrl}/${TENANT}/mfa/.well-known/jwks.json`)).json()) as { keys: JWK[] };
      await jwtVerify(idToken, createLocalJWKSet({ keys }), {
        issuer: mfaIssuer(),
        audience: entra.clientId,
        currentDate: new Date(now()),
      });
      assert.ok((await publishedKids()).includes(oldKid), "the old key stays published for what it signed");
    } finally {
      shift -= lead;
    }
  });

  it("are served over gRPC too, with the discovery", async () => {
    const discovery = await grpcClient(server, MfaService).getOpenidConfiguration({ tenantId: TENANT });
    assert.equal(discovery.issuer, mfaIssuer());
    assert.deepEqual(discovery.responseTypesSupported, ["id_token"]);
    const jwks = await grpcClient(server, MfaService).getJwks({ tenantId: TENANT });
    assert.ok(jwks.keys.length >= 1 && jwks.keys.every((key) => key.kty === "RSA" && Array.isArray(key.x5c)));
  });
});

describe("Entra's requests that must not start a flow", () => {
  /** The request is answered with access_denied at Entra's address, and audited with `reason`. */
  const denied = async (
    reason: string,
    hintClaims: Record<string, unknown> | undefined,
    options: { unknownKey?: boolean; hint?: (real: string) => string } = {},
  ) => {
    const fields = await entraRequest(alice, {}, hintClaims);
    if (options.unknownKey) fields.id_token_hint = await entra.hint(alice, { iat: seconds() - 5, unknownKey: true });
    if (options.hint) fields.id_token_hint = options.hint(fields.id_token_hint);
    const before = await stored();
    await assertDeniedToEntra(await postAuthorize(fields), fields.state);
    assert.equal((await mfaEvents()).at(-1)?.reason, reason);
    assert.deepEqual(await stored(), before, "nothing changed");
  };
  /** The real hint's claims under another header and signature. */
  const reSigned = (alg: "none" | "HS256") => (real: string) => {
    const [, payload] = real.split(".");
    const header = Buffer.from(JSON.stringify({ alg, typ: "JWT" })).toString("base64url");
    const signature =
      alg === "none" ? "" : createHmac("sha256", entra.clientId).update(`${header}.${payload}`).digest().toString("base64url");
    return `${header}.${payload}.${signature}`;
  };

  it("a hint signed by a key not in Entra's JWKS", () => denied("HINT_SIGNATURE", undefined, { unknownKey: true }));
  it("a hint that is not a JWT", () => denied("HINT_SIGNATURE", undefined, { hint: () => "not-a-jwt" }));
  it("an unsigned hint (alg none)", () => denied("HINT_SIGNATURE", undefined, { hint: reSigned("none") }));
  it("a hint signed with HS256 and the client id as secret", () => denied("HINT_SIGNATURE", undefined, { hint: reSigned("HS256") }));
  it("a hint for another audience", () => denied("HINT_AUDIENCE", { aud: randomUUID() }));
  it("a hint of an Entra tenant not allowed", () => {
    const tid = randomUUID();
    return denied("HINT_TENANT_NOT_ALLOWED", { tid, iss: entra.issuerOf(tid) });
  });
  it("a hint whose iss is not its tenant's issuer", () => denied("HINT_ISSUER", { iss: entra.issuerOf(randomUUID()) }));
  it("a stale hint (issued 15 minutes ago)", () =>
    denied("HINT_STALE", { iat: seconds() - 900, nbf: seconds() - 900, exp: seconds() - 900 }));
  it("a hint from the future", () => denied("HINT_STALE", { iat: seconds() + 600, nbf: seconds() + 600 }));
  it("no hint", async () => {
    const fields = await entraRequest(alice, { id_token_hint: "" });
    await assertDeniedToEntra(await postAuthorize(fields), fields.state);
    assert.equal((await mfaEvents()).at(-1)?.reason, "HINT_MISSING");
  });

  it("a user this tenant does not know", async () => {
    const fields = await entraRequest(entra.account("mallory"));
    const before = await stored();
    await assertDeniedToEntra(await postAuthorize(fields), fields.state);
    assert.ok((await mfaEvents()).some((e) => e.reason === "UNKNOWN_USER"));
    assert.deepEqual(await stored(), before, "nothing changed (no link, no flow, the hint not claimed)");
  });

  it("for an unknown tenant: an error page, and the audit trail of the others goes on", async () => {
    const unknownUsers = async () => (await mfaEvents()).filter((e) => e.reason === "UNKNOWN_USER").length;
    const before = await unknownUsers();
    const elsewhere = await fetch(`${server.baseUrl}/nowhere/mfa/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(await entraRequest(alice)),
    });
    assert.equal(elsewhere.status, 404);
    // In the same audit batch as the request above.
    const fields = await entraRequest(entra.account("nobody"));
    await assertDeniedToEntra(await postAuthorize(fields), fields.state);
    assert.equal(await unknownUsers(), before + 1);
  });

  it("claims asking for a knowledge factor only", async () => {
    const fields = await entraRequest(alice, { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ["knowledge"] } } }) });
    const before = await stored();
    await assertDeniedToEntra(await postAuthorize(fields), fields.state);
    assert.equal((await mfaEvents()).at(-1)?.reason, "ACR_NOT_SATISFIABLE");
    assert.deepEqual(await stored(), before);
  });

  it("a redirect_uri that is not Microsoft's: an error page, nothing posted anywhere", async () => {
    const fields = await entraRequest(alice, { redirect_uri: "https://attacker.example/collect" });
    const before = await stored();
    const response = await postAuthorize(fields);
    assert.equal(response.status, 400);
    assert.deepEqual(await stored(), before);
    const html = await response.text();
    assert.match(html, /does not return to one of Microsoft&#39;s sign-in addresses/);
    assert.doesNotMatch(html, /attacker\.example/);
  });

  it("a client_id other than the tenant's Entra app: an error page, nothing changed", async () => {
    const before = await stored();
    const response = await postAuthorize(await entraRequest(alice, { client_id: randomUUID() }));
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.doesNotMatch(html, /form-post/);
    assert.match(html, /a Microsoft application this organisation has not set up/);
    assert.equal((await mfaEvents()).at(-1)?.reason, "UNKNOWN_CLIENT");
    assert.deepEqual(await stored(), before);
  });

  it("a replayed request (the same hint again): access_denied, and still one flow", async () => {
    const fields = await entraRequest(alice);
    assert.equal((await postAuthorize(fields)).status, 303);
    const before = await stored();
    await assertDeniedToEntra(await postAuthorize({ ...fields, state: `${fields.state}-again` }), `${fields.state}-again`);
    assert.equal((await mfaEvents()).at(-1)?.reason, "HINT_REPLAYED");
    assert.deepEqual(await stored(), before, "no second flow");
  });

  it("a tenant whose sign-in offers no possession or inherence factor (passkeys off): access_denied", async () => {
    const set = (passkeyEnabled: boolean) =>
      rest(server, server.adminKey, "PUT", `/api/v1/tenants/${TENANT}`, { passkey_enabled: passkeyEnabled });
    assert.equal((await set(false)).status, 200);
    try {
      const fields = await entraRequest(alice);
      const before = await stored();
      await assertDeniedToEntra(await postAuthorize(fields), fields.state);
      assert.equal((await mfaEvents()).at(-1)?.reason, "NO_FACTOR_OFFERED");
      assert.deepEqual(await stored(), before);
    } finally {
      assert.equal((await set(true)).status, 200);
    }
  });
});

describe("a flow", () => {
  it("is single use: a replayed answer finds nothing", async () => {
    const flow = await startFlow(alice);
    assert.equal((await fetch(flow.formUrl, { headers: { cookie: flow.cookie } })).status, 200);
    const answer = () =>
      fetch(flow.formUrl, {
        method: "POST",
        headers: { cookie: flow.cookie, "content-type": "application/x-www-form-urlencoded" },
        body: "credential=&error=cancelled",
      });
    await assertDeniedToEntra(await answer(), flow.state);
    const replay = await answer();
    assert.equal(replay.status, 404);
    assert.doesNotMatch(await replay.text(), /form-post/);
  });

  it("belongs to the browser that brought it (its cookie)", async () => {
    const flow = await startFlow(alice);
    const elsewhere = await fetch(flow.formUrl);
    assert.equal(elsewhere.status, 403);
    assert.equal((await fetch(flow.formUrl, { headers: { cookie: "svault_mfa=guess" } })).status, 403);
    assert.equal((await fetch(flow.formUrl, { headers: { cookie: flow.cookie } })).status, 200, "still usable by its browser");
  });

  it("expires after five minutes, as Entra gives up", async () => {
    const flow = await startFlow(alice);
    shift += 301_000;
    try {
      const expired = await fetch(flow.formUrl, { headers: { cookie: flow.cookie } });
      assert.equal(expired.status, 410);
      assert.ok((await mfaEvents()).some((e) => e.reason === "EXPIRED"));
    } finally {
      shift -= 301_000;
    }
  });

  it("starts from a GET request too", async () => {
    const query = new URLSearchParams(await entraRequest(alice));
    const response = await fetch(`${server.baseUrl}/${TENANT}/mfa/authorize?${query}`, { redirect: "manual" });
    assert.equal(response.status, 303);
    assert.match(response.headers.get("location") ?? "", new RegExp(`^${server.config.publicUrl}/mfa/form/${TENANT}\\.`));
    assert.match(response.headers.get("set-cookie") ?? "", /^svault_mfa=/);
  });

  it("of an unknown id is a 404 page", async () => {
    assert.equal((await fetch(`${server.baseUrl}/mfa/form/${TENANT}.nothing-here`)).status, 404);
    assert.equal((await fetch(`${server.baseUrl}/mfa/form/not-a-flow`)).status, 404);
  });
});

describe("the tenant's Entra settings (MfaAdminService)", () => {
  it("refuse enabling without a client id or allowed tenant, and a discovery URL that is not https", async () => {
    const path = `/api/v1/tenants/${TENANT}/mfa/entra`;
    const noTenants = await rest(server, server.adminKey, "PUT", path, { enabled: true, client_id: entra.clientId });
    assert.equal(noTenants.status, 400);
    const plainHttp = await rest(server, server.adminKey, "PUT", path, {
      enabled: false,
      discovery_url: "http://entra.example/common/v2.0/.well-known/openid-configuration",
    });
    assert.equal(plainHttp.status, 400);
    const current = await rest(server, server.adminKey, "GET", path);
    assert.equal((current.body as { settings: { enabled: boolean } }).settings.enabled, true, "nothing changed");
  });

  it("default to the public cloud's discovery when never set", async () => {
    await createTenant(server, "fabrikam");
    const res = await rest(server, server.adminKey, "GET", "/api/v1/tenants/fabrikam/mfa/entra");
    assert.deepEqual(res.body, {
      settings: {
        enabled: false,
        client_id: "",
        allowed_tenant_ids: [],
        discovery_url: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
        user_match: "link",
        max_hint_age_seconds: 600,
      },
    });
  });
});
