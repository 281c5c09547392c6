// A plugin's versions and rollout (super admins): the plugin folder's version and every
// published one with its calls and errors, the canary's share, promote and roll back, delete
// a version no role names; and
// the form that publishes a new version (plugin.toml and its .wasm), checked by the server
// before anything changes.
import { useState } from "react";
import { api, json, ok, type Schemas } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";

type Versions = Schemas["PluginVersions"];

/** "stable 0.2.0, canary 0.3.0 for 10 % of users" — the rollout in words. */
export function rolloutText(v: Versions) {
  const serving = v.versions.find((x) => x.role === "stable");
  const canary = v.versions.find((x) => x.role === "canary");
  const parts = [serving ? `stable ${serving.version}${serving.source === "folder" ? " (plugin folder)" : ""}` : "no stable version"];
  if (canary && v.rollout) parts.push(v.rollout.canary_percent > 0 ? `canary ${canary.version} for ${v.rollout.canary_percent} % of users` : `canary ${canary.version} serving nobody yet`);
  return parts.join(", ");
}

export function PluginVersions({ pluginId, onChanged }: { pluginId: string; onChanged: () => void }) {
  const versions = useLoad(() => ok(api.GET("/api/v1/plugins/{plugin_id}/versions", { params: { path: { plugin_id: pluginId } } })), [pluginId]);
  const action = useAction();
  const [percent, setPercent] = useState<Record<string, number>>({});
  const [done, setDone] = useState("");
  const path = { params: { path: { plugin_id: pluginId } } };

  const change = (what: string, call: () => Promise<unknown>) =>
    action.run(async () => {
      setDone("");
      await call();
      await versions.reload();
      onChanged();
      setDone(what);
    });

  const v = versions.data;
  return (
    <div className="stack" data-testid={`versions-${pluginId}`}>
      <ErrorMessage error={versions.error} onRetry={versions.reload} />
      {versions.loading && !v && <Loading />}
      {v && (
        <>
          <p role="status" data-testid={`rollout-${pluginId}`}>
            {rolloutText(v)}
          </p>
          <table>
            <caption>Versions of {pluginId}</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Role</th>
                <th scope="col">Calls / errors here</th>
                <th scope="col">Uploaded</th>
                <th scope="col">Canary share</th>
              </tr>
            </thead>
            <tbody>
              {v.versions.map((x) => (
                <tr key={`${x.source}-${x.version}`}>
                  <td>
                    {x.version}
                    {x.source === "folder" && <div className="hint">plugin folder</div>}
                  </td>
                  <td>{x.role}</td>
                  <td>
                    {x.calls.calls} / {x.calls.errors}
                  </td>
                  <td>{x.uploaded_at ? new Date(x.uploaded_at).toLocaleString() : "—"}</td>
                  <td>
                    {x.source === "published" && x.role !== "stable" && (
                      <form
                        className="inline-form"
                        onSubmit={(e) => {
                          e.preventDefault();
                          const share = percent[x.version] ?? (x.role === "canary" ? (v.rollout?.canary_percent ?? 10) : 10);
                          void change(`${x.version} serves ${share} % of users.`, () =>
                            ok(api.POST("/api/v1/plugins/{plugin_id}/canary", { ...path, body: { version: x.version, percent: share } })),
                          );
                        }}
                      >
                        <label>
                          % of users for {x.version}
                          <input
                            type="number"
                            min={0}
                            max={100}
                            value={percent[x.version] ?? (x.role === "canary" ? (v.rollout?.canary_percent ?? 10) : 10)}
                            onChange={(e) => setPercent({ ...percent, [x.version]: Number(e.target.value) })}
                          />
                        </label>
                        <button type="submit" disabled={action.busy}>
                          Set canary
                        </button>
                      </form>
                    )}
                    {x.source === "published" && x.role === "stored" && (
                      <button
                        type="button"
                        className="danger"
                        disabled={action.busy}
                        onClick={() => {
                          if (!window.confirm(`Delete ${pluginId} ${x.version}? Its component leaves the registry; serving is unchanged.`)) return;
                          void change(`${x.version} deleted.`, () =>
                            ok(api.DELETE("/api/v1/plugins/{plugin_id}/versions/{version}", { params: { path: { plugin_id: pluginId, version: x.version } } })),
                          );
                        }}
                      >
                        Delete {x.version}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            <button
              type="button"
              disabled={action.busy || !v.rollout?.canary_version}
              onClick={() => void change("The canary is the stable version now.", () => ok(api.POST("/api/v1/plugins/{plugin_id}/promote", path)))}
            >
              Promote canary
            </button>
            <button
              type="button"
              disabled={action.busy || !v.rollout || (!v.rollout.canary_version && !v.rollout.stable_version)}
              onClick={() => void change("Rolled back.", () => ok(api.POST("/api/v1/plugins/{plugin_id}/rollback", path)))}
            >
              Roll back
            </button>
          </div>
          <ErrorMessage error={action.error} />
          {done && <p role="status">{done}</p>}
        </>
      )}
    </div>
  );
}

/** Publishes a version: the plugin.toml and the component it names, as the server checks them. */
export function PublishPlugin({ onPublished }: { onPublished: () => void }) {
  const [manifest, setManifest] = useState<File | null>(null);
  const [component, setComponent] = useState<File | null>(null);
  const [canary, setCanary] = useState(0);
  const [result, setResult] = useState<Schemas["PublishedVersion"] | null>(null);
  const action = useAction();

  return (
    <section className="card stack" aria-labelledby="publish-title">
      <h2 id="publish-title">Publish a version</h2>
      <p className="hint">
        The server checks the manifest, the grants, compiles and smoke-calls the component before storing anything. A new plugin goes live at once; a new version of a
        serving plugin becomes its canary for the share of users given here (0: stored, serving nobody yet).
      </p>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (!manifest || !component) return;
          void action.run(async () => {
            setResult(null);
            const form = new FormData();
            form.append("manifest", await manifest.text());
            form.append("component", component, component.name);
            setResult(await json<Schemas["PublishedVersion"]>(`/api/v1/plugins?canary_percent=${canary}`, { method: "POST", body: form }));
            onPublished();
          });
        }}
      >
        <label>
          Manifest (plugin.toml)
          <input type="file" accept=".toml" required onChange={(e) => setManifest(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          Component (.wasm)
          <input type="file" accept=".wasm" required onChange={(e) => setComponent(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          Canary share (% of users)
          <input type="number" min={0} max={100} value={canary} onChange={(e) => setCanary(Number(e.target.value))} />
        </label>
        <button type="submit" disabled={action.busy || !manifest || !component}>
          {action.busy ? "Checking…" : "Publish"}
        </button>
      </form>
      <ErrorMessage error={action.error} />
      {result && (
        <p role="status" data-testid="publish-report">
          {result.plugin_id} {result.version} published:{" "}
          {result.rollout.stable_version === result.version
            ? "live for every user"
            : result.rollout.canary_percent > 0
              ? `the canary for ${result.rollout.canary_percent} % of users`
              : "stored, serving nobody yet"}
          .
        </p>
      )}
    </section>
  );
}
