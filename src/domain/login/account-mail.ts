// What the login flows send by e-mail. Sending never blocks or fails a request: an answer must
// not reveal (by timing or error) whether an account exists, so delivery happens in the
// background and failures are logged by the implementation.
export interface AccountMail {
  sendVerification(input: { to: string; code: string; tenantId: string; tenantName: string }): void;
  sendReset(input: { to: string; code: string; tenantId: string; tenantName: string; clientId?: string; minutesValid: number }): void;
}
