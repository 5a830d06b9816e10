/**
 * Recognising PostgreSQL errors the manager turns into client errors. A uniqueness check followed by
 * an INSERT can lose a race to a concurrent request; the unique constraint then decides, and its
 * violation must read like the check's own answer, not like an internal error.
 */

/** True when `error` is a unique_violation (23505), on `constraint` when given. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as { code?: unknown; constraint?: unknown } | null;
  return (
    typeof pgError === 'object' &&
    pgError !== null &&
    pgError.code === '23505' &&
    (constraint === undefined || pgError.constraint === constraint)
  );
}
