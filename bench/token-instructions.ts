// Instructions per client_credentials request of a checkout's server, counted by callgrind: the
// client_credentials case of bench/request-instructions.ts, which counts other endpoints too.
//
//   node --import tsx bench/token-instructions.ts DIR --valgrind [--n 800] [--warm 3000]
//   node --import tsx bench/token-instructions.ts DIR   (CPU µs per request instead, server pinned to CPU 0)
process.argv.push("--endpoint", "client_credentials");
await import("./request-instructions.js");
