// Help text from the protos' comments (gen/proto-comments.ts, generated with the stubs).
import type { DescEnumValue, DescField, DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import { type ProtoComment, protoComments } from "../../../gen/proto-comments.js";

type Documented = DescService | DescMethod | DescMessage | DescField | DescEnumValue;

export function commentOf(desc: Documented): ProtoComment | undefined {
  return protoComments[commentKey(desc)];
}

/** The whole comment on one line (option descriptions are wrapped by the help formatter). */
export function oneLine(desc: Documented): string {
  return (commentOf(desc)?.description ?? "").replace(/\s*\n\s*/g, " ");
}

/** The protos mark request fields the service does not read with a comment starting "Ignored". */
export function isIgnoredField(field: DescField): boolean {
  return /^Ignored\b/.test(commentOf(field)?.description ?? "");
}

function commentKey(desc: Documented): string {
  switch (desc.kind) {
    case "service":
    case "message":
      return desc.typeName;
    case "rpc":
      return `${desc.parent.typeName}.${desc.name}`;
    case "field":
      return `${desc.parent.typeName}.${desc.name}`;
    case "enum_value":
      return `${desc.parent.typeName}.${desc.name}`;
  }
}
