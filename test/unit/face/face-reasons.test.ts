// The hosted page reads why a face check failed from the 401's detail: every reason's words must
// come back as that reason, and nothing else may be taken for one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { faceNotAccepted } from "../../../src/domain/face/face-errors.js";
import { FACE_REASON_TEXT, type FaceFailureReason, faceReasonOf } from "../../../src/domain/face/face-reasons.js";

describe("face failure reasons in the API's words", () => {
  it("reads every reason back from the detail the service sends", () => {
    for (const [reason, text] of Object.entries(FACE_REASON_TEXT) as [FaceFailureReason, string][]) {
      assert.equal(faceReasonOf(faceNotAccepted(text).message), reason);
    }
  });
  it("takes no other detail for a reason", () => {
    assert.equal(faceReasonOf("The face challenge is unknown, used or expired"), undefined);
    assert.equal(faceReasonOf(""), undefined);
  });
});
