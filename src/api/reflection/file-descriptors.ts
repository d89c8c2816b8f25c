// The `file_descriptor_response` payload: a file, then its transitive imports, each a serialized
// FileDescriptorProto, so that a client can build the file without asking again per import.
import { toBinary, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * `file` first, then its imports breadth-first. As in grpc-go, imports already sent on this stream
 * (recorded in `sentOnStream`) are left out, which the protocol allows; the requested file itself is
 * always sent, since it is the answer.
 */
export function serializeWithImports(file: DescFile, sentOnStream: Set<string>): Uint8Array[] {
  const serialized = [toBinary(FileDescriptorProtoSchema, file.proto)];
  sentOnStream.add(file.proto.name);
  const queue = [...file.dependencies];
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (sentOnStream.has(next.proto.name)) continue;
    sentOnStream.add(next.proto.name);
    serialized.push(toBinary(FileDescriptorProtoSchema, next.proto));
    queue.push(...next.dependencies);
  }
  return serialized;
}
