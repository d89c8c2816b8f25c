// The Entra MFA form offering the face (docs/entra-mfa.md, "Factors"; docs/face-liveness.md): on a
// tenant whose sign-in uses face recognition, a person with an enrolled face completes Entra's
// request in headless Chromium with a fake camera (an .mjpeg of the test faces, as
// test/ui/face-step.test.ts does) and the real face worker pool decides; the ID token that goes back
// to Entra's address says `amr` ["face"]. The tenant's liveness_config asks for no head turn
// (min_turn_degrees 0) so that a still clip can pass — the turn itself is proven on the server
// (test/biometrics/face-verifier.test.ts). Another person at the camera gets `access_denied`.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import type { Browser, Page } from "playwright-core";
import { FaceVerifier } from "../../src/biometrics/face-verifier.js";
import { turning } from "../biometrics/face-clips.js";
import { face, faceFrame, mjpeg } from "../biometrics/face-images.js";
import { insertAuthRequest, sql } from "../login/login-helpers.js";
import { authClient, SECRET } from "../oidc/support.js";
import { createTenant, rest } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { launchChromium } from "../ui/chromium.js";
import { type EntraAccount, type SimulatedEntra, startSimulatedEntra } from "./simulated-entra.js";

const TENANT = "contoso-face";
const MICROSOFT = "https://login.microsoftonline.com/common/federation/externalauthprovider";
const ENTRA_START = "http://entra.test/start";
const CLAIMS = JSON.stringify({
  id_token: {
    acr: { essential: true, values: ["possessionorinherence"] },
    amr: { essential: true, values: ["face", "fido", "hwk", "swk"] },
  },
});

let server: TestServer;
let verifier: FaceVerifier;
let entra: SimulatedEntra;
let alice: EntraAccount;
/** A browser whose camera shows alice (s6b), and one whose camera shows someone else (s3b). */
let aliceCamera: Browser;
let otherCamera: Browser;

/** Chromium's flags for a fake camera that plays `who`'s face (a still clip, looped). */
async function fakeCamera(who: string): Promise<string[]> {
  const file = join(tempDir("mfa-face-camera"), `${who}.mjpeg`);
  writeFileSync(file, mjpeg(Array(10).fill(await faceFrame(face(who)))));
  return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${file}`];
}

/** Entra's form fields for alice, with a fresh hint. */
async function entraRequest(): Promise<Record<string, string>> {
  return {
    scope: "openid",
    response_type: "id_token",
    response_mode: "form_post",
    client_id: entra.clientId,
    redirect_uri: MICROSOFT,
    nonce: `nonce-${randomUUID()}`,
    state: `state-${randomUUID()}`,
    id_token_hint: await entra.hint(alice, { iat: Math.floor(Date.now() / 1000) - 5 }),
    claims: CLAIMS,
  };
}

/** A tab of `camera` with the camera allowed; Entra's page posts the request, and Entra's address records the answer. */
async function mfaForm(camera: Browser): Promise<{ tab: Page; answer: () => Promise<URLSearchParams> }> {
  const context = await camera.newContext({ locale: "en-US" });
  await context.grantPermissions(["camera"], { origin: new URL(server.config.publicUrl).origin });
  const tab = await context.newPage();
  const fields = await entraRequest();
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
  await tab.getByRole("heading", { name: "Confirm your sign-in" }).waitFor();
  return {
    tab,
    answer: async () => {
      await tab.waitForURL(MICROSOFT);
      return answered;
    },
  };
}

before(async () => {
  // The job deadline must not decide a verdict on a loaded machine: the runner's per-test limit does.
  verifier = await FaceVerifier.start({ workers: 1, jobTimeoutMs: 600_000 });
  entra = await startSimulatedEntra();
  server = await startTestServer({ publicHost: "localhost", faceVerifier: verifier });
  // The MFA form offers what the tenant's sign-in offers (the factor engine): here, the face only.
  await createTenant(server, TENANT, {
    register_enable: true,
    has_username_and_email: false,
    use_face_recognition: true,
    liveness_config: { provider: "svault", min_turn_degrees: 0, frame_count: 12, max_attempts: 10 },
  });
  await authClient(server, TENANT).register({ username: "alice", secret: SECRET });
  // alice enrols her face (s6b) as the sign-in does: after the PIN/pattern step, with a liveness check.
  await rest(server, server.adminKey, "POST", "/api/v1/clients", {
    tenant_id: TENANT,
    client_id: "app",
    name: "app",
    redirect_uris: ["https://app.example.com/cb"],
  });
  const authReqId = await insertAuthRequest(server, TENANT, "app");
  const { nonce } = await authClient(server, TENANT, authReqId).login({ username: "alice", secret: SECRET });
  const started = await rest(server, undefined, "POST", "/api/v1/face/liveness/start", { auth_req_id: authReqId, nonce, purpose: "enrol" });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const { challenge, direction } = started.body as { challenge: string; direction: string };
  const enrolled = await rest(server, undefined, "POST", "/api/v1/face/liveness/verify", {
    auth_req_id: authReqId,
    challenge,
    frames: await turning("s6b", direction),
  });
  assert.equal((enrolled.body as { enrolled: boolean }).enrolled, true, JSON.stringify(enrolled.body));

  const settings = await rest(server, server.adminKey, "PUT", `/api/v1/tenants/${TENANT}/mfa/entra`, {
    enabled: true,
    client_id: entra.clientId,
    allowed_tenant_ids: [entra.tid],
    discovery_url: entra.discoveryUrl,
    user_match: "username",
  });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));
  alice = entra.account("alice");
  aliceCamera = await launchChromium(await fakeCamera("s6b"));
  otherCamera = await launchChromium(await fakeCamera("s3b"));
});

after(async () => {
  await aliceCamera?.close();
  await otherCamera?.close();
  await server?.close();
  await entra?.close();
  await verifier?.close();
});

describe("the MFA form's face step", () => {
  it("alice's face at the camera answers Entra with an ID token whose amr is face", async () => {
    const { tab, answer } = await mfaForm(aliceCamera);
    await tab.getByRole("button", { name: "Start the camera" }).click();
    const fields = await answer();
    assert.equal(fields.get("error"), null, fields.toString());
    const claims = decodeJwt(fields.get("id_token") as string);
    assert.deepEqual(claims.amr, ["face"]);
    assert.equal(claims.acr, "possessionorinherence");
    await tab.context().close();
  });

  it("another person at the camera: access_denied, counted as a failed check in the Liveness Report", async () => {
    const { tab, answer } = await mfaForm(otherCamera);
    await tab.getByRole("button", { name: "Start the camera" }).click();
    const fields = await answer();
    assert.equal(fields.get("error"), "access_denied", fields.toString());
    assert.equal(fields.get("id_token"), null);
    await tab.context().close();
    const [row] = await sql<{ mismatches: number }>(
      server,
      "select coalesce(sum((failed ->> 'mismatch')::int), 0)::int as mismatches from liveness_rollup where tenant_id = ? and resolution = 'day'",
      [TENANT],
    );
    assert.equal(row?.mismatches, 1);
  });
});
