// Recognizing database errors, whether they come through MikroORM's query layer (converted into
// its exception classes) or from raw SQL on the connection (plain `pg` errors with a SQLSTATE).
import { UniqueConstraintViolationException } from "@mikro-orm/core";

const UNIQUE_VIOLATION = "23505";

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof UniqueConstraintViolationException || (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
}

/** The violated constraint's name, when the driver reports it. */
export function violatedConstraint(error: unknown): string {
  const direct = (error as { constraint?: unknown } | null)?.constraint;
  if (typeof direct === "string") return direct;
  const match = /unique constraint "([^"]+)"/.exec(error instanceof Error ? error.message : "");
  return match?.[1] ?? "";
}
