// The service's face verifier, started on the first face check rather than at start-up: each
// worker loads ~180 MB of models, which an instance whose tenants use no face factor never needs.
// A failed start is not cached: the next check tries again.
import { FaceVerifier, type FaceVerifierOptions, type LivenessRequest, type LivenessResult } from "./face-verifier.js";

export class LazyFaceVerifier {
  private starting: Promise<FaceVerifier> | undefined;
  private closed = false;

  constructor(private readonly options: FaceVerifierOptions = {}) {}

  async verifyLiveness(request: LivenessRequest): Promise<LivenessResult> {
    return (await this.verifier()).verifyLiveness(request);
  }

  async close(): Promise<void> {
    this.closed = true;
    const starting = this.starting;
    this.starting = undefined;
    if (starting) await (await starting.catch(() => undefined))?.close();
  }

  private verifier(): Promise<FaceVerifier> {
    if (this.closed) return Promise.reject(new Error("the face verifier is closed"));
    this.starting ??= FaceVerifier.start(this.options).catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }
}
