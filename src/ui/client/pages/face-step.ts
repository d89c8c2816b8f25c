// The face on the login page (docs/hosted-ui.md, "The face step"):
//
// - `step=face`, where Sign In sends the browser back when the policy needs the face: the first
//   step's nonce (kept in this tab, step-nonce.ts) starts a `sign_in` challenge, the clip goes to
//   Verify Liveness, and its nonce to Sign In;
// - the enrolment offer after a first step on a face-recognition tenant, for a user without a face:
//   a plain consent text; accept → an `enrol` clip → Sign In (which then asks for the face);
//   decline → Sign In. Always skippable.
//
// Guidance is timed, not model-driven: "centre your face" with a short countdown, then "turn
// your head left/right now" while the frames are taken; the server decides (face-camera.ts).
import { SvaultAuthError } from "../../../sdk/errors.js";
import type { HostedPageData } from "../../page-data.js";
import { busy, linkRow, signInUrl } from "../components/forms.js";
import type { PageFrame } from "../components/page-frame.js";
import { safeUrl } from "../components/page-frame.js";
import { h, replaceChildren } from "../dom.js";
import type { MessageKey } from "../../../i18n/translator.js";
import { t } from "../i18n.js";
import {
  captureClip,
  type FaceFailure,
  type FacePurpose,
  faceEnrolment,
  faceFailureOf,
  openCamera,
  startLiveness,
  stopCamera,
  verifyLiveness,
  videoReady,
} from "../face-camera.js";
import { forgetStepNonce, stepNonce } from "../step-nonce.js";
import { requestExpired } from "./after-login.js";

/** Seconds of "centre your face" before the frames are taken. */
const GET_READY_SECONDS = 2;

const FAILURE_KEYS: Readonly<Record<Exclude<FaceFailure, "expired">, MessageKey>> = {
  no_face: "face.fail.noFace",
  several_faces: "face.fail.severalFaces",
  challenge_not_met: "face.fail.notTurned",
  mismatch: "face.fail.mismatch",
  timeout: "face.fail.timeout",
  bad_input: "face.fail.error",
  challenge: "face.fail.timeout",
  exhausted: "face.fail.exhausted",
  busy: "face.fail.busy",
  "camera-denied": "face.fail.cameraDenied",
  "no-camera": "face.fail.noCamera",
  error: "face.fail.error",
};

interface FaceCheck {
  readonly frame: PageFrame;
  readonly data: HostedPageData;
  readonly authReqId: string;
  readonly nonce: string;
  readonly purpose: FacePurpose;
}

/** One check: camera, challenge, guidance and clip, upload. Answers the nonce (empty after an enrolment). */
async function runCheck(check: FaceCheck, slot: HTMLElement): Promise<string> {
  replaceChildren(slot, busy(t("face.cameraStarting")));
  let stream: MediaStream | undefined;
  try {
    stream = await openCamera();
    const video = h("video", { class: "face-video", autoplay: true, muted: true, playsinline: true, "aria-label": t("face.videoLabel") });
    video.srcObject = stream;
    const guidance = h("p", { class: "face-guidance", role: "status" }, t("face.centre"));
    replaceChildren(slot, h("div", { class: "face-camera" }, video), guidance);
    await videoReady(video);
    // The challenge after the camera is on: a permission prompt does not eat its short life.
    const challenge = await startLiveness(check.authReqId, check.nonce, check.purpose);
    for (let left = GET_READY_SECONDS; left > 0; left--) {
      guidance.textContent = `${t("face.centre")} ${t("face.getReady", { seconds: left })}`;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const turn = t("face.turn", { direction: challenge.direction });
    guidance.textContent = t("face.hold");
    // Two frontal frames first (the server needs a frontal start), then the turn.
    const frames = await captureClip(video, challenge.frameCount, (index) => {
      if (index === 1) guidance.textContent = turn;
    });
    stopCamera(stream);
    replaceChildren(slot, busy(t("face.checking")));
    return (await verifyLiveness(check.authReqId, challenge.challenge, frames)).nonce;
  } finally {
    stopCamera(stream);
  }
}

/** Runs the check until it passes; on a failure says why and offers a retry (and `extra` buttons). */
function checkWithRetry(check: FaceCheck, slot: HTMLElement, onPass: (nonce: string) => void, extra: () => HTMLElement[] = () => []) {
  const attempt = async () => {
    check.frame.notice.clear();
    try {
      onPass(await runCheck(check, slot));
    } catch (error) {
      // An enrolment that lost a race with another tab's: the face is enrolled all the same.
      if (check.purpose === "enrol" && error instanceof SvaultAuthError && error.status === 409) return onPass("");
      const failure = faceFailureOf(error);
      if (failure === "expired") return requestExpired(check.frame, check.data);
      check.frame.notice.error(t(FAILURE_KEYS[failure]));
      const retry =
        failure === "exhausted"
          ? null
          : h("button", { type: "button", class: "primary", onclick: () => void attempt() }, t("common.tryAgain"));
      const back = safeUrl(check.data.client?.clientUri);
      replaceChildren(
        slot,
        h("div", { class: "actions" }, retry, ...extra()),
        failure === "exhausted" && back
          ? linkRow(h("a", { href: back }, t("common.backToApp", { app: check.data.client?.name ?? "" })))
          : null,
      );
      retry?.focus();
    }
  };
  void attempt();
}

/** `step=face`: the face check of a sign-in, then Sign In with its nonce. */
export function showFaceStep(frame: PageFrame, data: HostedPageData, authReqId: string): void {
  frame.setTitle(t("face.title"));
  frame.notice.clear();
  const nonce = stepNonce(authReqId);
  const slot = h("div", { class: "face-slot" });
  if (!nonce) {
    const back = safeUrl(data.client?.clientUri);
    replaceChildren(
      frame.body,
      h("p", { role: "status" }, t("face.noNonce")),
      back ? h("a", { class: "button primary", href: back }, t("common.backToApp", { app: data.client?.name ?? "" })) : null,
    );
    return;
  }
  const start = h(
    "button",
    {
      type: "button",
      class: "primary",
      onclick: () =>
        checkWithRetry({ frame, data, authReqId, nonce, purpose: "sign_in" }, slot, (next) => {
          forgetStepNonce(authReqId);
          location.assign(signInUrl(next, authReqId));
        }),
    },
    t("face.start"),
  );
  replaceChildren(frame.body, h("p", {}, t("face.intro")), slot);
  replaceChildren(slot, start);
  start.focus();
}

/**
 * After a first step on a face-recognition tenant: a user without a face is offered enrolment,
 * with what is stored and how to remove it; `next` continues the sign-in either way.
 */
export async function offerFaceEnrolment(frame: PageFrame, data: HostedPageData, authReqId: string, nonce: string, next: () => void) {
  let offer = false;
  try {
    offer = (await faceEnrolment(authReqId, nonce)).offerEnrolment;
  } catch {
    // No offer when the service cannot say: the sign-in goes on as it would without face.
  }
  if (!offer) return next();
  frame.setTitle(t("enrol.title"));
  frame.notice.clear();
  const slot = h("div", { class: "face-slot" });
  const decline = () => h("button", { type: "button", class: "secondary", onclick: next }, t("enrol.decline"));
  const accept = h(
    "button",
    {
      type: "button",
      class: "primary",
      onclick: () =>
        checkWithRetry(
          { frame, data, authReqId, nonce, purpose: "enrol" },
          slot,
          () => next(),
          () => [decline()],
        ),
    },
    t("enrol.accept"),
  );
  replaceChildren(
    frame.body,
    h("p", {}, t("enrol.body")),
    h("ul", { class: "consent" }, h("li", {}, t("enrol.stored")), h("li", {}, t("enrol.encrypted")), h("li", {}, t("enrol.remove"))),
    slot,
  );
  replaceChildren(slot, h("div", { class: "actions" }, accept, decline()));
  accept.focus();
}
