// The svault client SDK: the login protocol (docs/login-protocol.md) for Node and browsers.
// Entry point of the browser bundle (scripts/build-sdk.mjs → dist/sdk/svault-sdk.js).
export * from "./base64url.js";
export * from "./challenge-data.js";
export * from "./commitment.js";
export * from "./connect-transport.js";
export * from "./errors.js";
export * from "./identity.js";
export * from "./opaque-flow.js";
export * from "./proto-version.js";
export * from "./rest-transport.js";
export * from "./secret.js";
export * from "./svault-auth-client.js";
export * from "./transport.js";
