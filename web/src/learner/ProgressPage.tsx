// Streak, XP, mastery per topic (a chart and, for screen readers, the same numbers as a
// table), achievements and certificates with their share link.
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api, ok, type Schemas } from "../api/client";
import { useSession } from "../auth/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";
import { days } from "./TodayPage";

export function ProgressPage() {
  const { me } = useSession();
  const progress = useLoad(() => ok(api.GET("/api/v1/progress/user/{user_id}", { params: { path: { user_id: me!.id } } })), [me?.id]);
  const mastery = useLoad(() => ok(api.GET("/api/v1/progress/mastery")));
  if (progress.loading && !progress.data) return <Loading label="Loading your progress…" />;
  const overall = progress.data?.overall_progress;
  return (
    <div className="stack">
      <h1>Your progress</h1>
      <ErrorMessage error={progress.error} onRetry={progress.reload} />
      {overall && (
        <dl className="tiles">
          <div>
            <dt>Streak</dt>
            <dd>🔥 {days(overall.learning_streak_days)}</dd>
          </div>
          <div>
            <dt>Longest streak</dt>
            <dd>{days(overall.longest_streak_days)}</dd>
          </div>
          <div>
            <dt>XP</dt>
            <dd>{overall.total_xp}</dd>
          </div>
          <div>
            <dt>Lessons done</dt>
            <dd>{overall.lessons_completed}</dd>
          </div>
          <div>
            <dt>Average quiz score</dt>
            <dd>{Math.round(overall.average_quiz_score)}%</dd>
          </div>
          <div>
            <dt>Study time</dt>
            <dd>{overall.total_study_time_minutes} min</dd>
          </div>
        </dl>
      )}
      <section className="card" aria-labelledby="mastery-title">
        <h2 id="mastery-title">Mastery per topic</h2>
        <ErrorMessage error={mastery.error} onRetry={mastery.reload} />
        {mastery.data && <MasteryChart report={mastery.data} />}
      </section>
      {progress.data && progress.data.recent_achievements.length > 0 && (
        <section className="card" aria-labelledby="achievements-title">
          <h2 id="achievements-title">Achievements</h2>
          <ul className="achievements">
            {progress.data.recent_achievements.map((a) => (
              <li key={a.id}>
                <span aria-hidden="true">{a.badge_icon}</span> <strong>{a.title}</strong> — {a.description}
              </li>
            ))}
          </ul>
        </section>
      )}
      {progress.data && <Certificates certificates={progress.data.certificates} />}
    </div>
  );
}

function MasteryChart({ report }: { report: Schemas["MasteryReport"] }) {
  if (report.topics.length === 0) return <p>Answer a quiz or an exercise to see your mastery grow.</p>;
  const data = report.topics.map((t) => ({ topic: t.topic.replace(/^[^.]*\./, ""), mastery: Math.round(t.mastery * 100) }));
  return (
    <>
      <div className="chart" aria-hidden="true">
        <ResponsiveContainer width="100%" height={Math.max(160, data.length * 36)}>
          <BarChart data={data} layout="vertical" margin={{ left: 24, right: 16 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" domain={[0, 100]} unit="%" />
            <YAxis type="category" dataKey="topic" width={110} />
            <Tooltip formatter={(v) => `${v}%`} />
            <Bar dataKey="mastery" fill="#1f6feb" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="visually-hidden-table">
        <caption>Mastery per topic (mastered at 80%)</caption>
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Mastery</th>
          </tr>
        </thead>
        <tbody>
          {report.topics.map((t) => (
            <tr key={t.topic}>
              <td>{t.topic}</td>
              <td>
                {Math.round(t.mastery * 100)}%{t.mastered ? " (mastered)" : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Certificates({ certificates }: { certificates: Schemas["CertificateView"][] }) {
  const [links, setLinks] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  async function share(trackId: string) {
    setError(null);
    try {
      const link = await ok(api.POST("/api/v1/tracks/{track_id}/badge/share", { params: { path: { track_id: trackId } } }));
      setLinks((l) => ({ ...l, [trackId]: link.url }));
    } catch (e) {
      setError(e);
    }
  }
  return (
    <section className="card" aria-labelledby="certificates-title">
      <h2 id="certificates-title">Certificates</h2>
      {certificates.length === 0 && <p>Finish every lesson of a track to earn its certificate.</p>}
      <ErrorMessage error={error} />
      <ul className="certificates">
        {certificates.map((c) => {
          const url = links[c.track_id];
          return (
            <li key={c.id}>
              🎓 <strong>{c.track_title}</strong>, {new Date(c.issued_at).toLocaleDateString()}{" "}
              {url ? (
                <span className="share">
                  <a href={url} target="_blank" rel="noreferrer">
                    Open the public badge
                  </a>
                  <img src={`${new URL(url).pathname}.svg`} alt={`Badge: ${c.track_title}`} width={240} />
                  <input readOnly value={url} aria-label="Share link" onFocus={(e) => e.target.select()} />
                </span>
              ) : (
                <button type="button" onClick={() => share(c.track_id)}>
                  Get a share link
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
