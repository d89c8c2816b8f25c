// Passkeys and WebAuthn options as the RPCs answer them.
import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Passkey, PasskeySchema } from "../../../gen/svault/passkey/v1/passkey_pb.js";
import type { PasskeyRecord } from "../../persistence/repositories/passkey-repository.js";

export function passkeyMessage(passkey: PasskeyRecord): Passkey {
  return create(PasskeySchema, {
    keyId: passkey.id,
    userId: passkey.userId,
    name: passkey.name,
    credentialId: passkey.credentialId,
    aaguid: passkey.aaguid,
    transports: passkey.transports,
    backupEligible: passkey.backupEligible,
    backedUp: passkey.backedUp,
    createdAt: timestampFromDate(passkey.createdAt),
    ...(passkey.lastUsedAt ? { lastUsedAt: timestampFromDate(passkey.lastUsedAt) } : {}),
  });
}

/** WebAuthn options (plain JSON from the library) as the Struct the RPC answers. */
export function optionsStruct(options: object): JsonObject {
  // Through JSON text: the library's objects may hold undefined members, which a Struct cannot.
  const json: JsonObject = JSON.parse(JSON.stringify(options));
  return json;
}
