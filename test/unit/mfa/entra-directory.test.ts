// The HTTP reader of Entra's metadata against a local server standing in for Microsoft: it keeps
// a configuration for its time to live (an injected clock, no waiting), gives up on a server that
// does not answer within its timeout, and refuses a document without issuer or jwks_uri.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { EntraMetadataError, HttpEntraDirectory } from "../../../src/domain/mfa/entra-directory.js";

let server: Server;
let base = "";
const requests: string[] = [];

before(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? "");
    if (request.url === "/hang/.well-known/openid-configuration") return; // never answers
    if (request.url === "/bare/.well-known/openid-configuration") return response.end(JSON.stringify({ issuer: "x" }));
    response.end(JSON.stringify({ issuer: `${base}/{tenantid}/v2.0`, jwks_uri: `${base}/keys` }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

describe("HttpEntraDirectory", () => {
  it("names a tenant's issuer from the multi-tenant template, and reads the configuration once per time to live", async () => {
    let now = 0;
    const directory = new HttpEntraDirectory({ metadataTtlMs: 1000, clock: () => now });
    const url = `${base}/common/.well-known/openid-configuration`;
    const metadata = await directory.metadata(url);
    assert.equal(metadata.issuerOf("tid-1"), `${base}/tid-1/v2.0`);
    await directory.metadata(url);
    assert.equal(requests.filter((r) => r === "/common/.well-known/openid-configuration").length, 1, "cached");
    now = 1001;
    await directory.metadata(url);
    assert.equal(requests.filter((r) => r === "/common/.well-known/openid-configuration").length, 2, "read again after its time");
  });

  it("gives up on a server that does not answer in time", async () => {
    const directory = new HttpEntraDirectory({ timeoutMs: 100 });
    await assert.rejects(directory.metadata(`${base}/hang/.well-known/openid-configuration`), EntraMetadataError);
  });

  it("refuses a configuration without jwks_uri", async () => {
    await assert.rejects(new HttpEntraDirectory().metadata(`${base}/bare/.well-known/openid-configuration`), /no issuer or jwks_uri/);
  });
});
