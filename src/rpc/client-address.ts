// The client's address on the HTTP/2 listener, as Fastify finds it on the HTTP/1.1 one
// (`trustProxy` with TRUST_PROXY_HOPS): the socket's peer, or — behind that many trusted proxies —
// the entry of X-Forwarded-For they appended. Each proxy appends the address it received from, so
// with N hops the client is the N-th entry from the right; a shorter header names the leftmost.
// Entries a client wrote itself sit further left and are never taken. Empty entries (`a,,b`) do
// not count. Read from the right without splitting the header into arrays: this runs for every
// gRPC call.
export function clientAddressOf(socketAddress: string, forwardedFor: string | string[] | undefined, trustedHops: number): string {
  if (trustedHops === 0 || forwardedFor === undefined) return socketAddress;
  const list = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
  // The last non-empty entry seen so far, walking leftwards: the leftmost once the walk ends.
  let leftmost = socketAddress;
  let counted = 0;
  let end = list.length;
  for (let at = list.length - 1; at >= -1; at--) {
    if (at >= 0 && list.charCodeAt(at) !== COMMA) continue;
    const entry = list.slice(at + 1, end).trim();
    end = at;
    if (entry === "") continue;
    if (++counted === trustedHops) return entry;
    leftmost = entry;
  }
  return leftmost;
}

const COMMA = 0x2c;
