// svault.face.v1.FaceService: the face step of a sign-in (public, as the other login steps) and
// the administrators' removal of a user's enrolled face.
import type { ServiceImpl } from "@connectrpc/connect";
import type { FaceService } from "../../../gen/svault/face/v1/face_service_pb.js";
import { deleteFaceOfUser } from "../../domain/face/face-admin.js";
import type { FaceStep } from "../../domain/face/face-step.js";
import type { OpaqueLogin } from "../../domain/login/opaque-login.js";
import { repositories } from "../../rpc/context.js";
import { noStore } from "../../rpc/http-response.js";
import { callerInfo } from "../auth/caller-info.js";

export interface FaceServiceDeps {
  readonly step: FaceStep;
  readonly login: Pick<OpaqueLogin, "scopeOf">;
  readonly defaultTenant: string;
}

export function faceService(deps: FaceServiceDeps): ServiceImpl<typeof FaceService> {
  const { step, login, defaultTenant } = deps;
  return {
    async startLiveness(request, ctx) {
      noStore(ctx);
      const scope = await login.scopeOf({ authReqId: request.authReqId }, defaultTenant);
      const origin = { nonce: request.nonce, loginChallenge: request.loginChallenge };
      const issued = await step.start(scope, origin, request.purpose === "enrol" ? "enrol" : "sign_in");
      return {
        challenge: issued.challenge,
        direction: issued.direction,
        expiresIn: issued.expiresInSeconds,
        frameCount: issued.config.frame_count,
        minTurnDegrees: issued.config.min_turn_degrees,
        maxStartYawDegrees: issued.config.max_start_yaw_degrees,
      };
    },
    async verifyLiveness(request, ctx) {
      noStore(ctx);
      const scope = await login.scopeOf({ authReqId: request.authReqId }, defaultTenant);
      const result = await step.verify(scope, request.challenge, request.frames, callerInfo(ctx));
      return {
        nonce: result.nonce ?? "",
        amr: [...result.amr],
        enrolled: result.enrolled,
        ...(result.result === undefined ? {} : { result: result.result }),
      };
    },
    async getFaceEnrolment(request, ctx) {
      noStore(ctx);
      const scope = await login.scopeOf({ authReqId: request.authReqId }, defaultTenant);
      return step.enrolment(scope, request.nonce);
    },
    async deleteFaceOfUser(request, ctx) {
      await deleteFaceOfUser(repositories(ctx, request.tenantId), request.userId);
      return {};
    },
  };
}
