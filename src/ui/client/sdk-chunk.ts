// The part of the SDK the pages load lazily (see auth-client.ts).
export { RestTransport } from "../../sdk/rest-transport.js";
export { SvaultAuthClient } from "../../sdk/svault-auth-client.js";
