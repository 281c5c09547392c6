// A graded submission's tests, one row each: passed or failed, the sandbox's status in
// words, and for a failed visible test what it expected and what the program did.
import { statusText } from "./statuses";

/** One test of a graded submission (docs/grading.md, `details.tests`). */
export interface TestResult {
  name: string;
  passed: boolean;
  hidden: boolean;
  status: string;
  message: string;
  stdin?: string;
  expected?: string;
  actual?: string;
}

export function TestResults({ details }: { details: unknown }) {
  const tests = ((details as { tests?: TestResult[] } | undefined)?.tests ?? []) as TestResult[];
  if (tests.length === 0) return null;
  return (
    <table className="tests">
      <caption className="visually-hidden">Test results</caption>
      <thead>
        <tr>
          <th scope="col">Test</th>
          <th scope="col">Result</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {tests.map((t) => (
          <tr key={t.name} className={t.passed ? "pass" : "fail"}>
            <td>{t.name}</td>
            <td>
              {t.passed ? "✓ passed" : "✗ failed"}
              {t.status !== "ok" && <span className="hint"> (your program {statusText(t.status)})</span>}
            </td>
            <td>
              {t.passed ? "" : t.message}
              {!t.passed && !t.hidden && t.expected !== undefined && (
                <dl className="expected">
                  <dt>Expected</dt>
                  <dd>
                    <pre>{t.expected}</pre>
                  </dd>
                  <dt>Got</dt>
                  <dd>
                    <pre>{t.actual ?? ""}</pre>
                  </dd>
                </dl>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
