// The rules of Entra's request that need no lookup: which acr/amr an answer may carry for which of
// the engine's steps, and the fixed protocol values. Pure functions, no server.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  acrFor,
  checkProtocolFields,
  EamRequestError,
  reportedAmr,
  requestedClaims,
  stepAnswers,
  unanswerable,
} from "../../../src/domain/mfa/eam-request.js";

const ENTRA_AMR = ["fido", "hwk", "otp", "pop", "sc", "sms", "swk", "tel", "face", "fpt", "iris", "retina", "vbm"];
const claims = (acr: string[], amr?: string[]) =>
  JSON.stringify({ id_token: { acr: { essential: true, values: acr }, ...(amr ? { amr: { essential: true, values: amr } } : {}) } });
const refusal =
  (reason: string, returnable = true) =>
  (error: unknown) =>
    error instanceof EamRequestError && error.reason === reason && error.returnable === returnable;

describe("requestedClaims", () => {
  it("reads Entra's acr and amr values", () => {
    assert.deepEqual(requestedClaims(claims(["knowledge", "possession"], ["fido", "face"])), {
      acrValues: ["knowledge", "possession"],
      amrValues: ["fido", "face"],
    });
  });

  it("defaults to possessionorinherence and every amr Entra knows without a claims parameter", () => {
    const requested = requestedClaims("");
    assert.deepEqual(requested.acrValues, ["possessionorinherence"]);
    assert.deepEqual([...requested.amrValues].sort(), [...ENTRA_AMR].sort());
  });

  it("refuses claims that are not JSON", () => {
    assert.throws(() => requestedClaims("{not json"), refusal("CLAIMS_NOT_JSON"));
    assert.throws(() => requestedClaims('{"id_token": 3}'), refusal("CLAIMS_NOT_JSON"));
  });
});

describe("which step answers which request", () => {
  it("acr: the first requested value the step's kind satisfies; knowledge never", () => {
    const requested = requestedClaims(claims(["knowledge", "knowledgeorpossession", "possession"]));
    assert.equal(acrFor("possession", requested), "knowledgeorpossession");
    assert.equal(acrFor("inherence", requested), undefined);
    assert.equal(acrFor("inherence", requestedClaims(claims(["knowledgeorinherence", "possessionorinherence"]))), "knowledgeorinherence");
    assert.equal(acrFor("knowledge", requestedClaims(claims(["knowledge"]))), undefined);
  });

  it("a passkey answers a possession request naming fido, hwk or swk; face an inherence request naming face", () => {
    assert.ok(stepAnswers("passkey", requestedClaims("")));
    assert.ok(stepAnswers("passkey", requestedClaims(claims(["possession"], ["hwk"]))));
    assert.ok(!stepAnswers("passkey", requestedClaims(claims(["possession"], ["otp", "sms"]))));
    assert.ok(!stepAnswers("passkey", requestedClaims(claims(["inherence"]))));
    assert.ok(stepAnswers("face", requestedClaims(claims(["possessionorinherence"], ["face"]))));
    assert.ok(!stepAnswers("face", requestedClaims(claims(["possession"]))));
    assert.ok(!stepAnswers("knowledge", requestedClaims("")));
  });

  it("says why nothing answers: no factor offered, no acr, no amr", () => {
    assert.equal(unanswerable([], requestedClaims("")).reason, "NO_FACTOR_OFFERED");
    assert.equal(unanswerable(["passkey"], requestedClaims(claims(["knowledge"]))).reason, "ACR_NOT_SATISFIABLE");
    assert.equal(unanswerable(["passkey"], requestedClaims(claims(["possession"], ["otp"]))).reason, "AMR_NOT_SATISFIABLE");
  });
});

describe("reportedAmr", () => {
  it("a passkey is fido where accepted, else hwk when device-bound and swk when synced — never the other", () => {
    assert.equal(reportedAmr("passkey", ["hwk", "user"], ENTRA_AMR), "fido");
    assert.equal(reportedAmr("passkey", ["hwk"], ["hwk", "swk"]), "hwk");
    assert.equal(reportedAmr("passkey", ["swk", "user"], ["hwk", "swk"]), "swk");
    assert.equal(reportedAmr("passkey", ["swk"], ["hwk"]), undefined);
    assert.equal(reportedAmr("passkey", ["user"], ["user", "hwk"]), undefined, "user is a qualifier, not Entra's");
  });

  it("a face check is face", () => {
    assert.equal(reportedAmr("face", ["face"], ENTRA_AMR), "face");
    assert.equal(reportedAmr("face", ["face"], ["fido"]), undefined);
  });
});

describe("checkProtocolFields", () => {
  const valid = {
    responseType: "id_token",
    responseMode: "form_post",
    scope: "openid",
    redirectUri: "https://login.microsoftonline.com/common/federation/externalauthprovider",
  };

  it("accepts Entra's request, and the reference's defaults for the empty fields", () => {
    assert.doesNotThrow(() => checkProtocolFields(valid));
    assert.doesNotThrow(() => checkProtocolFields({ ...valid, responseType: "", responseMode: "", scope: "" }));
    for (const host of ["login.microsoftonline.us", "login.partner.microsoftonline.cn"]) {
      assert.doesNotThrow(() => checkProtocolFields({ ...valid, redirectUri: `https://${host}/common/federation/externalauthprovider` }));
    }
  });

  it("refuses another reply address (not returnable: an error page) and other modes (returnable)", () => {
    assert.throws(
      () =>
        checkProtocolFields({
          ...valid,
          redirectUri: "https://login.microsoftonline.com.evil.example/common/federation/externalauthprovider",
        }),
      refusal("REDIRECT_URI_NOT_ENTRA", false),
    );
    assert.throws(() => checkProtocolFields({ ...valid, responseType: "code" }), refusal("UNSUPPORTED_RESPONSE_TYPE"));
    assert.throws(() => checkProtocolFields({ ...valid, responseMode: "query" }), refusal("UNSUPPORTED_RESPONSE_MODE"));
    assert.throws(() => checkProtocolFields({ ...valid, scope: "profile" }), refusal("SCOPE_WITHOUT_OPENID"));
  });
});
