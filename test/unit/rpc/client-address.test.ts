// The client's address on the gRPC listener (src/rpc/client-address.ts) is the one the former
// implementation — split the X-Forwarded-For entries, trim, drop the empty ones, count hops from
// the right — names, for every header shape: differential, over generated headers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientAddressOf } from "../../../src/rpc/client-address.js";

function reference(socketAddress: string, forwardedFor: string | string[] | undefined, trustedHops: number): string {
  if (trustedHops === 0 || forwardedFor === undefined) return socketAddress;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const chain = [socketAddress, ...entries.reverse()];
  return chain[Math.min(trustedHops, chain.length - 1)] ?? socketAddress;
}

/** A small deterministic generator (mulberry32): the same sequences on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PARTS = ["10.0.0.1", " 10.0.0.2", "10.0.0.3 ", "  ", "", "2001:db8::1", "\t192.0.2.9\t", "unknown"];

describe("the client's address behind trusted proxies", () => {
  it("is the former implementation's for generated X-Forwarded-For headers and hop counts", () => {
    const next = random(22);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    let compared = 0;
    for (let i = 0; i < 5000; i++) {
      const list = Array.from({ length: Math.floor(next() * 5) }, () => pick(PARTS)).join(",");
      const header: string | string[] | undefined = next() < 0.1 ? undefined : next() < 0.2 ? [list, pick(PARTS)] : list;
      const hops = Math.floor(next() * 5);
      assert.equal(clientAddressOf("127.0.0.9", header, hops), reference("127.0.0.9", header, hops), JSON.stringify({ header, hops }));
      compared++;
    }
    assert.equal(compared, 5000);
  });

  it("takes the entry the last trusted proxy appended, never one further left", () => {
    assert.equal(clientAddressOf("10.9.9.9", "6.6.6.6, 203.0.113.7", 1), "203.0.113.7");
    assert.equal(clientAddressOf("10.9.9.9", "6.6.6.6, 203.0.113.7, 10.0.0.2", 2), "203.0.113.7");
    assert.equal(clientAddressOf("10.9.9.9", "203.0.113.7", 3), "203.0.113.7");
    assert.equal(clientAddressOf("10.9.9.9", " , ", 1), "10.9.9.9");
    assert.equal(clientAddressOf("10.9.9.9", "203.0.113.7", 0), "10.9.9.9");
  });
});
