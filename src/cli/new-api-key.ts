// Prints a fresh, well-formed API key, e.g. for SVAULT_BOOTSTRAP_API_KEY.
import { issueApiKey } from "../domain/auth/api-key-secret.js";

process.stdout.write(`${issueApiKey().key}\n`);
