// Chromium's virtual WebAuthn authenticator (DevTools protocol), as a person's platform
// authenticator with user verification: passkeys made and used in the real browser, the
// authenticator's answers changed where a test needs a broken or hostile one.
import type { CDPSession, Page } from "playwright-core";

export interface VirtualAuthenticator {
  readonly session: CDPSession;
  readonly authenticatorId: string;
  /** Whether the authenticator verifies the user (biometrics or device PIN) when asked. */
  setUserVerified(verified: boolean): Promise<void>;
  /** The credentials it holds (with their sign counts). */
  credentials(): Promise<{ credentialId: string; signCount: number; userHandle?: string }[]>;
  /** Sets a credential's signature counter, as a clone that lags behind would report. */
  setSignCount(credentialId: string, signCount: number): Promise<void>;
  /** Makes its next answers carry a signature that does not verify. */
  setBogusSignature(bogus: boolean): Promise<void>;
}

export interface AuthenticatorOptions {
  /** Backup eligible and backed up (a synced passkey: `swk`) rather than device-bound (`hwk`). */
  readonly synced?: boolean;
}

export async function addVirtualAuthenticator(page: Page, options: AuthenticatorOptions = {}): Promise<VirtualAuthenticator> {
  const session = await page.context().newCDPSession(page);
  await session.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await session.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      ctap2Version: "ctap2_1",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      defaultBackupEligibility: options.synced ?? false,
      defaultBackupState: options.synced ?? false,
    },
  });
  return {
    session,
    authenticatorId,
    async setUserVerified(verified) {
      await session.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: verified });
    },
    async credentials() {
      const { credentials } = await session.send("WebAuthn.getCredentials", { authenticatorId });
      return credentials;
    },
    async setSignCount(credentialId, signCount) {
      const { credential } = await session.send("WebAuthn.getCredential", { authenticatorId, credentialId });
      await session.send("WebAuthn.removeCredential", { authenticatorId, credentialId });
      await session.send("WebAuthn.addCredential", { authenticatorId, credential: { ...credential, signCount } });
    },
    async setBogusSignature(bogus) {
      await session.send("WebAuthn.setResponseOverrideBits", { authenticatorId, isBogusSignature: bogus });
    },
  };
}
