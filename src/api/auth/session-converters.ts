import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { SessionSchema } from "../../../gen/svault/auth/v1/auth_service_pb.js";
import type { Session } from "../../persistence/entities/oidc.js";

/** A session as the API shows it; `current` when it is the session of the calling token. */
export function sessionMessage(session: Session, callerSessionId: string | undefined): MessageInitShape<typeof SessionSchema> {
  return {
    sessionId: session.id,
    userAgent: session.userAgent,
    ip: session.ip,
    createdAt: timestampFromDate(session.createdAt),
    lastSeenAt: timestampFromDate(session.lastSeenAt),
    clients: session.clients,
    current: session.id === callerSessionId,
  };
}
