// The first step's login nonce, kept in this tab across Sign In's redirect to `step=face`: the face
// step must present it to Start Liveness (it names the user), and Sign In's redirect carries no
// nonce. sessionStorage is per tab and origin and ends with the tab; the entry is keyed by the
// authorization request and removed once the face step is done. The nonce is short-lived and
// useless without its request; the page's script could read it from memory anyway.
const key = (authReqId: string) => `svault.step-nonce.${authReqId}`;

export function rememberStepNonce(authReqId: string, nonce: string): void {
  try {
    sessionStorage.setItem(key(authReqId), nonce);
  } catch {
    // Storage refused (private mode quotas): the face step will say to start again.
  }
}

export function stepNonce(authReqId: string): string | null {
  try {
    return sessionStorage.getItem(key(authReqId));
  } catch {
    return null;
  }
}

export function forgetStepNonce(authReqId: string): void {
  try {
    sessionStorage.removeItem(key(authReqId));
  } catch {
    // Nothing to forget.
  }
}
