// Content packs (teachers and admins): what is imported, and an upload of a pack folder
// from this computer (the browser reads the folder's files; the server checks the pack and
// imports it all or nothing). "Check only" validates without storing; every problem the
// server finds is listed with its file and field.
import { useState } from "react";
import { ApiError, api, ok, type Schemas } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";

type Report = Schemas["UploadReport"];
interface Problem {
  file: string;
  field: string;
  message: string;
}

function readText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("cannot read the file"));
    reader.readAsText(file);
  });
}

/** The chosen folder's files by path inside it (the folder's own name dropped). */
export async function folderFiles(list: ArrayLike<File & { webkitRelativePath?: string }>): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const file of Array.from(list)) {
    const path = (file.webkitRelativePath || file.name).split("/").slice(1).join("/") || file.name;
    // Only a pack's own kinds of files; editors' and systems' litter stays behind.
    if (!/\.(json|md|markdown|txt|py)$/i.test(path) || path.split("/").some((p) => p.startsWith("."))) continue;
    files[path] = await readText(file);
  }
  return files;
}

export function ContentPage() {
  const packs = useLoad(() => ok(api.GET("/api/v1/admin/content/packs")));
  const [files, setFiles] = useState<Record<string, string> | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function send(dryRun: boolean) {
    if (!files) return;
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await ok(api.POST("/api/v1/admin/content/packs", { body: { files, dry_run: dryRun } })));
      if (!dryRun) await packs.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const problems = error instanceof ApiError ? ((error.details?.problems as Problem[] | undefined) ?? []) : [];
  return (
    <div className="stack">
      <h1>Content packs</h1>
      <section className="card stack" aria-labelledby="upload-title">
        <h2 id="upload-title">Upload a pack</h2>
        <label>
          The pack's folder (the one with pack.json)
          <input
            type="file"
            // A folder picker: every file under the chosen folder.
            {...{ webkitdirectory: "", directory: "" }}
            multiple
            onChange={async (e) => {
              setReport(null);
              setError(null);
              setFiles(e.target.files ? await folderFiles(e.target.files) : null);
            }}
          />
        </label>
        {files && <p className="hint">{Object.keys(files).length} files read{files["pack.json"] ? "" : " — no pack.json among them"}.</p>}
        <div className="actions">
          <button type="button" onClick={() => void send(true)} disabled={!files || busy}>
            Check only
          </button>
          <button type="button" className="primary" onClick={() => void send(false)} disabled={!files || busy}>
            {busy ? "Importing…" : "Import"}
          </button>
        </div>
        <ErrorMessage error={error} />
        {problems.length > 0 && (
          <ul className="problems">
            {problems.map((p, i) => (
              <li key={i}>
                <code>{p.file}</code> {p.field && <code>{p.field}</code>}: {p.message}
              </li>
            ))}
          </ul>
        )}
        {report && (
          <p role="status" data-testid="upload-report">
            {report.id} {report.version}: {report.outcome} ({report.lessons} lessons, {report.steps} steps)
          </p>
        )}
      </section>
      <ErrorMessage error={packs.error} onRetry={packs.reload} />
      {packs.loading && !packs.data && <Loading />}
      {packs.data && (
        <table>
          <caption>Imported packs</caption>
          <thead>
            <tr>
              <th scope="col">Pack</th>
              <th scope="col">Version</th>
              <th scope="col">Lessons</th>
              <th scope="col">Steps</th>
              <th scope="col">Imported</th>
            </tr>
          </thead>
          <tbody>
            {packs.data.map((p) => (
              <tr key={p.id}>
                <td>
                  <strong>{p.title}</strong>
                  <div className="hint">{p.id}</div>
                </td>
                <td>{p.version}</td>
                <td>{p.lessons}</td>
                <td>{p.steps}</td>
                <td>{new Date(p.imported_at).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
