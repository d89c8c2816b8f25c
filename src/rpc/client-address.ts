// The client's address on the HTTP/2 listener, as Fastify finds it on the HTTP/1.1 one
// (`trustProxy` with TRUST_PROXY_HOPS): the socket's peer, or — behind that many trusted proxies —
// the entry of X-Forwarded-For they appended. Each proxy appends the address it received from, so
// with N hops the client is the N-th entry from the right; a shorter header names the leftmost.
// Entries a client wrote itself sit further left and are never taken.
export function clientAddressOf(socketAddress: string, forwardedFor: string | string[] | undefined, trustedHops: number): string {
  if (trustedHops === 0 || forwardedFor === undefined) return socketAddress;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  // [socket peer, last proxy's view, …]: hop i is trusted when i < trustedHops.
  const chain = [socketAddress, ...entries.reverse()];
  return chain[Math.min(trustedHops, chain.length - 1)] ?? socketAddress;
}
