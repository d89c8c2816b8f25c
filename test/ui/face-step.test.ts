// The login page's face step in headless Chromium with a fake camera (docs/hosted-ui.md, "The face
// step"): Chromium's fake device plays an .mjpeg made here from the test faces (face-images.ts);
// the tenant's liveness_config asks for no head turn (min_turn_degrees 0), so a still clip can pass
// — the turn itself is proven on the server (test/biometrics/face-verifier.test.ts). The real face
// worker pool decides. Covers: the enrolment offer after the PIN (declined → the application, amr
// pin; accepted → the face step → the application, amr with face), and another person's face at the
// camera, which the page refuses with the mismatch message and a retry; the face step opened in
// another browser profile, which has no first step's nonce to present.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page, Request } from "playwright-core";
import { FaceVerifier } from "../../src/biometrics/face-verifier.js";
import { face, faceFrame, mjpeg } from "../biometrics/face-images.js";
import { authClient } from "../oidc/support.js";
import { tempDir } from "../support/temp-dir.js";
import { launchChromium } from "./chromium.js";
import { alertAfter, enterUsername, type HostedUiFixture, startAtApplication, startHostedUiFixture, tapPin } from "./hosted-ui-fixture.js";

const PIN = "482913";
const MIB = 1024 * 1024;

/** Chromium's flags for a fake camera that plays `who`'s face (a still clip, looped). */
async function fakeCamera(who: string): Promise<string[]> {
  const file = join(tempDir("face-camera"), `${who}.mjpeg`);
  writeFileSync(file, mjpeg(Array(10).fill(await faceFrame(face(who)))));
  return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${file}`];
}

describe("hosted login page: the face step", () => {
  let fixture: HostedUiFixture;
  let verifier: FaceVerifier;
  /** A second browser whose camera shows another person (s3b). */
  let otherBrowser: Browser;

  before(async () => {
    // The job deadline must not decide a verdict on a loaded machine: the runner's per-test limit does.
    verifier = await FaceVerifier.start({ workers: 1, jobTimeoutMs: 600_000 });
    fixture = await startHostedUiFixture({
      tenantId: "facey",
      tenant: {
        display_name: "Facey",
        register_enable: true,
        use_pin: true,
        pin_size: 6,
        use_pattern: false,
        login_order: ["PIN"],
        has_username_and_email: false,
        use_face_recognition: true,
        liveness_config: { provider: "svault", min_turn_degrees: 0, frame_count: 12, max_attempts: 10 },
      },
      chromiumArgs: await fakeCamera("s6b"),
      faceVerifier: verifier,
    });
    otherBrowser = await launchChromium(await fakeCamera("s3b"));
    for (const username of ["alice", "bob"]) {
      await authClient(fixture.server, "facey").register({ username, secret: `pinpat/v1|PIN:${PIN}` });
    }
  });
  after(async () => {
    await otherBrowser?.close();
    await fixture?.close();
    await verifier?.close();
  });

  const origin = () => fixture.server.config.publicUrl;

  async function signInWithPin(page: Page, username: string): Promise<void> {
    await startAtApplication(fixture, page);
    await enterUsername(page, username);
    await tapPin(page, PIN);
  }

  async function pageInOtherBrowser(): Promise<{ page: Page; consoleErrors: string[] }> {
    const context = await otherBrowser.newContext({ locale: "en-US" });
    await context.grantPermissions(["camera"], { origin: origin() });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    return { page, consoleErrors };
  }

  it("offers enrolment after the PIN (camera allowed on this page only); declining goes on to the application with the PIN alone", async () => {
    const { page } = await pageInOtherBrowser();
    await startAtApplication(fixture, page);
    // The camera may be used on the login page, and on no other hosted page.
    assert.equal((await fetch(page.url())).headers.get("permissions-policy"), "camera=(self), microphone=(), geolocation=()");
    const register = await fetch(`${origin()}/ui/register?tenant_id=facey`);
    assert.equal(register.headers.get("permissions-policy"), "camera=(), microphone=(), geolocation=()");
    await enterUsername(page, "bob");
    await tapPin(page, PIN);
    await page.getByRole("heading", { name: "Sign in with your face too?" }).waitFor();
    assert.match((await page.locator(".consent").textContent()) ?? "", /128 numbers[\s\S]*encrypted[\s\S]*administrator/);
    await page.getByRole("button", { name: "Not now" }).click();
    await page.waitForURL((url) => url.pathname === "/callback");
    const signIn = fixture.app.signIns.at(-1);
    assert.equal(signIn?.userinfo.preferred_username, "bob");
    assert.deepEqual(signIn?.claims.amr, ["pin"]);
    await page.context().close();
  });

  it("enrols with consent, then signs in with PIN + face: the ID token's amr says face", async (t) => {
    const { page, context, requests, consoleErrors } = await fixture.newPage();
    await context.grantPermissions(["camera"], { origin: origin() });
    await signInWithPin(page, "alice");
    await page.getByRole("heading", { name: "Sign in with your face too?" }).waitFor();
    await page.getByRole("button", { name: "Add my face" }).click();
    // Enrolled: Sign In now wants the face and sends the browser back to the face step.
    await page.waitForURL((url) => url.pathname === "/ui/login" && url.searchParams.get("step") === "face");
    await page.getByRole("heading", { name: "Confirm it is you" }).waitFor();
    await page.getByRole("button", { name: "Start the camera" }).click();
    await page.waitForURL((url) => url.pathname === "/callback");
    const signIn = fixture.app.signIns.at(-1);
    assert.equal(signIn?.userinfo.preferred_username, "alice");
    assert.deepEqual(signIn?.claims.amr, ["pin", "face", "mfa"]);
    assert.equal(signIn?.claims.acr, "urn:svault:acr:2fa");

    // Two clips (enrolment, sign-in), each within the request limit, of the configured 12 frames.
    const uploads = requests.filter((request: Request) => request.url().endsWith("/api/v1/face/liveness/verify"));
    assert.equal(uploads.length, 2);
    for (const upload of uploads) {
      const body = upload.postData() ?? "";
      assert.ok(body.length < MIB, `an upload of ${body.length} bytes`);
      const sizes = (JSON.parse(body) as { frames: string[] }).frames.map((frame) => Buffer.from(frame, "base64").length);
      t.diagnostic(`upload ${body.length} bytes; frames ${Math.min(...sizes)}–${Math.max(...sizes)} bytes`);
      assert.equal((JSON.parse(body) as { frames: string[] }).frames.length, 12);
    }
    // Nothing left the service's origin, and no CSP violation.
    assert.deepEqual(
      requests.map((request) => new URL(request.url()).origin).filter((o) => o !== origin() && o !== fixture.app.origin),
      [],
    );
    assert.deepEqual(consoleErrors, []);
  });

  it("refuses another person's face with the mismatch message and offers a retry", async () => {
    const { page, consoleErrors } = await pageInOtherBrowser();
    await signInWithPin(page, "alice");
    // Alice is enrolled: no offer, Sign In sends the browser to the face step.
    await page.waitForURL((url) => url.searchParams.get("step") === "face");
    const message = await alertAfter(page, () => page.getByRole("button", { name: "Start the camera" }).click());
    assert.equal(message, "This face does not match the face enrolled for this account.");
    await page.getByRole("button", { name: "Try again" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/ui/login");

    // The same step in another tab's storage (a fresh profile) has no first step's nonce to present.
    const elsewhere = await pageInOtherBrowser();
    await elsewhere.page.goto(page.url());
    await elsewhere.page.getByText("This step belongs to a sign-in started in this browser tab.", { exact: false }).waitFor();
    assert.equal(await elsewhere.page.getByRole("button", { name: "Start the camera" }).count(), 0);
    await elsewhere.page.context().close();
    assert.deepEqual(
      consoleErrors.filter((text) => !text.includes("401")),
      [],
    );
  });
});
