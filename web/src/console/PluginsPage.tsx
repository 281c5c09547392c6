// Plugins (super admins): what is loaded, what failed to load, each plugin's calls and
// errors, a reload that rescans the plugin folders and swaps changed plugins in, and the
// registry: publish a version, each plugin's versions with canary, promote and rollback.
import { Fragment, useState } from "react";
import { json } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";
import { PluginVersions, PublishPlugin } from "./PluginVersions";

/** `GET /api/v1/plugins` (documented as a free-form object). */
export interface PluginList {
  plugins: {
    id: string;
    version: string;
    contract: string;
    world: string;
    description: string;
    kinds: string[];
    languages: string[];
    limits: Record<string, unknown>;
    imports: string[];
    compiled_from_cache: boolean;
    calls?: { calls: number; errors: number; mean_ms: number | null };
    source?: "folder" | "published";
    canary?: { version: string; percent: number } | null;
  }[];
  failed: { plugin?: string; manifest?: string; error?: string; message?: string }[];
}

/** `POST /api/v1/plugins/reload`'s answer: plugin ids per outcome. */
type ReloadReport = Partial<Record<"added" | "updated" | "unchanged" | "removed" | "failures", unknown[]>>;

export function PluginsPage() {
  const list = useLoad(() => json<PluginList>("/api/v1/plugins"));
  const [report, setReport] = useState<ReloadReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<string | null>(null);

  async function reload() {
    setBusy(true);
    setError(null);
    try {
      setReport(await json<ReloadReport>("/api/v1/plugins/reload", { method: "POST" }));
      await list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const plugins = [...(list.data?.plugins ?? [])].sort((a, b) => a.id.localeCompare(b.id));
  return (
    <div className="stack">
      <div className="row">
        <h1>Plugins</h1>
        <button type="button" onClick={reload} disabled={busy}>
          {busy ? "Reloading…" : "Reload from disk"}
        </button>
      </div>
      <ErrorMessage error={error} />
      {report !== null && (
        <section className="card" aria-labelledby="reload-title" role="status">
          <h2 id="reload-title">Reload report</h2>
          <p data-testid="reload-summary">
            {(["added", "updated", "unchanged", "removed", "failures"] as const)
              .map((k) => `${(report[k] ?? []).length} ${k === "failures" ? "failed" : k}`)
              .join(", ")}
          </p>
          <details>
            <summary>Details</summary>
            <pre>{JSON.stringify(report, null, 2)}</pre>
          </details>
        </section>
      )}
      <PublishPlugin onPublished={() => void list.reload()} />
      <ErrorMessage error={list.error} onRetry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.failed.length > 0 && (
        <section className="card warning" aria-labelledby="failed-title">
          <h2 id="failed-title">Failed to load</h2>
          <ul>
            {list.data.failed.map((f, i) => (
              <li key={i}>
                <pre>{JSON.stringify(f)}</pre>
              </li>
            ))}
          </ul>
        </section>
      )}
      {plugins.length > 0 && (
        <table>
          <caption className="visually-hidden">Loaded plugins</caption>
          <thead>
            <tr>
              <th scope="col">Plugin</th>
              <th scope="col">Version</th>
              <th scope="col">World</th>
              <th scope="col">Serves</th>
              <th scope="col">Calls</th>
              <th scope="col">Errors</th>
              <th scope="col">Mean</th>
              <th scope="col">Versions</th>
            </tr>
          </thead>
          <tbody>
            {plugins.map((p) => (
              <Fragment key={p.id}>
                <tr>
                  <td>
                    <strong>{p.id}</strong>
                    <div className="hint">{p.description}</div>
                  </td>
                  <td>
                    {p.version}
                    {p.source === "published" && <div className="hint">published</div>}
                    {p.canary && (
                      <div className="hint">
                        canary {p.canary.version}: {p.canary.percent} %
                      </div>
                    )}
                  </td>
                  <td>
                    {p.world}@{p.contract}
                  </td>
                  <td>{[...p.kinds, ...p.languages].join(", ") || "—"}</td>
                  <td>{p.calls?.calls ?? 0}</td>
                  <td>{p.calls?.errors ?? 0}</td>
                  <td>{p.calls?.mean_ms != null ? `${p.calls.mean_ms.toFixed(1)} ms` : "—"}</td>
                  <td>
                    <button type="button" aria-expanded={open === p.id} onClick={() => setOpen(open === p.id ? null : p.id)}>
                      Versions of {p.id}
                    </button>
                  </td>
                </tr>
                {open === p.id && (
                  <tr>
                    <td colSpan={8}>
                      <PluginVersions pluginId={p.id} onChanged={() => void list.reload()} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
