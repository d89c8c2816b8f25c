import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { UserSchema } from "../../../gen/svault/user/v1/user_pb.js";
import type { NewUserInput, UserInput } from "../../domain/users/user-admin.js";
import type { BatchUserRow } from "../../domain/users/user-batch.js";
import type { UserRecord } from "../../persistence/repositories/user-rows.js";

export function userMessage(user: UserRecord): MessageInitShape<typeof UserSchema> {
  return {
    userId: user.id,
    username: user.username,
    email: user.email ?? "",
    tenantId: user.tenantId,
    isDisabled: user.isDisabled,
    isVerified: user.isVerified,
    createdAt: timestampFromDate(user.createdAt),
    updatedAt: timestampFromDate(user.updatedAt),
    // Stored as "" when the user has none; the API says so with an unset field (REST: null).
    ...(user.locale !== "" ? { locale: user.locale } : {}),
    roles: user.roles,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
  };
}

interface UserFields {
  username: string;
  email: string;
  isDisabled: boolean;
  isVerified: boolean;
  locale?: string;
  roles: string[];
  externalId?: string;
}

export function userInputOf(request: UserFields): UserInput {
  return {
    username: request.username,
    email: request.email,
    isDisabled: request.isDisabled,
    isVerified: request.isVerified,
    roles: request.roles,
    ...(request.locale !== undefined ? { locale: request.locale } : {}),
    ...(request.externalId !== undefined ? { externalId: request.externalId } : {}),
  };
}

/** A user to create; an empty `user_id` (or `tenant_id` of a batch row) is unset. */
export function newUserInputOf(request: UserFields & { userId: string }): NewUserInput {
  return { ...userInputOf(request), ...(request.userId ? { userId: request.userId } : {}) };
}

export function batchUserRowOf(row: UserFields & { userId: string; tenantId: string }): BatchUserRow {
  return { ...newUserInputOf(row), ...(row.tenantId ? { tenantId: row.tenantId } : {}) };
}
