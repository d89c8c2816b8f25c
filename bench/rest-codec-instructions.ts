// Instructions per call of the REST gateway's own request and answer work, without Fastify, the
// spine or any socket, of a checkout DIR: `decode` — a Get Challenge's JSON body (parsed),
// `decodeRequest` with its query and `validateMessage` (the field rules); `answer` — the JSON text
// of a Get Challenge answer with a 600-character challenge (json-answer-writer.ts where DIR has
// it, else `JSON.stringify(restJson(…))`). Run under callgrind for two counts; the difference of
// the totals over the difference of the counts is the instructions per call:
//
//   for n in 20000 60000; do (cd DIR && valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n \
//     node --single-threaded --predictable-gc-schedule --import tsx $OLDPWD/bench/rest-codec-instructions.ts \
//     DIR decode|answer $n 2>&1 | grep Collected); done
import { create } from "@bufbuild/protobuf";
const [dir, what, nArg] = process.argv.slice(2);
if (!dir || (what !== "decode" && what !== "answer")) throw new Error("usage: rest-codec-instructions.ts DIR decode|answer COUNT");
const n = Number(nArg);
const { AuthService, GetChallengeResponseSchema } = await import(`${dir}/gen/svault/auth/v1/auth_service_pb.js`);
const { collectBindings } = await import(`${dir}/src/transcoding/rest-gateway.ts`);
const { decodeRequest } = await import(`${dir}/src/transcoding/request-decoder.ts`);
const { validateMessage } = await import(`${dir}/src/validation/field-rules.ts`);
const { restJson } = await import(`${dir}/src/transcoding/response-encoder.ts`);
const writer = await import(`${dir}/src/transcoding/json-answer-writer.ts`).catch(() => undefined);
const binding = collectBindings([{ service: AuthService, impl: {} }]).find(
  (b: { method: { name: string } }) => b.method.name === "GetChallenge",
);
const bodyText = JSON.stringify({ username: "bench-user-001", cipherKey: `login:${"A".repeat(120)}` });
const answer = create(GetChallengeResponseSchema, { challengeData: "x".repeat(600), protoVersion: "light" });
let sink = 0;
for (let i = 0; i < n; i++) {
  if (what === "decode") {
    const input = decodeRequest(binding, { params: {}, query: { tenant_id: "t1" }, body: JSON.parse(bodyText), isForm: false });
    sink += validateMessage(binding.method.input, input).length;
  } else {
    const w = writer?.jsonAnswerWriter(GetChallengeResponseSchema, "null");
    const text = w ? w(answer) : JSON.stringify(restJson(GetChallengeResponseSchema, answer, "null"));
    sink += text.length;
  }
}
console.log(sink);
