// The MFA form's passkey step: asks the browser for a passkey assertion with the server's request options, and
// posts the answer (or the user's cancellation) back to the form's own address. Uses the WebAuthn
// JSON helpers (parseRequestOptionsFromJSON, toJSON) where the browser has them, else converts
// the base64url fields itself.
const options = JSON.parse(document.getElementById("mfa-options").textContent);
const form = document.getElementById("mfa-answer");
const status = document.getElementById("mfa-status");
const usePasskey = document.getElementById("mfa-start");

const fromBase64url = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const toBase64url = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

function requestOptions(json) {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: (json.allowCredentials ?? []).map((credential) => ({ ...credential, id: fromBase64url(credential.id) })),
  };
}

function answerJson(credential) {
  if (typeof credential.toJSON === "function") return credential.toJSON();
  const response = credential.response;
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      authenticatorData: toBase64url(response.authenticatorData),
      signature: toBase64url(response.signature),
      ...(response.userHandle ? { userHandle: toBase64url(response.userHandle) } : {}),
    },
  };
}

function send(fields) {
  for (const [name, value] of Object.entries(fields)) form.elements[name].value = value;
  form.submit();
}

usePasskey.addEventListener("click", async () => {
  usePasskey.disabled = true;
  // The page's language: the server put the message on the element.
  status.textContent = status.dataset.waiting;
  try {
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    send({ credential: JSON.stringify(answerJson(credential)) });
  } catch (error) {
    send({ error: error && error.name === "NotAllowedError" ? "cancelled" : "failed" });
  }
});

document.getElementById("mfa-cancel").addEventListener("click", () => send({ error: "cancelled" }));
