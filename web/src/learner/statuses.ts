/** The sandbox's run statuses (docs/sandbox.md) said plainly. */
export const STATUS_TEXT: Record<string, string> = {
  ok: "ran fine",
  runtime_error: "stopped with an error",
  syntax_error: "has a syntax error",
  timeout: "ran out of time",
  memory_limit: "ran out of memory",
  output_limit: "printed too much",
  not_run: "was not run",
};

export function statusText(status: string): string {
  return STATUS_TEXT[status] ?? status.replace(/_/g, " ");
}
