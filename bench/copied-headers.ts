// The headers a bench copy of svault's answer leaves out: those Node or svault set per connection
// or per request (bench/auth-bench-server.ts's /__bench/copy routes, bench/spine-floor.ts's rungs).
export const UNCOPIED_HEADERS: ReadonlySet<string> = new Set([
  "date",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
  "x-request-id",
  "x-content-type-options",
]);
