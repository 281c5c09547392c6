import { ApiError } from "../api/client";

/** The API's own message for an error (never a blank screen), announced to screen readers. */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const detail = error instanceof ApiError && error.field ? ` (field: ${error.field})` : "";
  const retry = error instanceof ApiError && error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
  return (
    <div className="error" role="alert">
      <p>
        {message}
        {detail}
        {retry}
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
