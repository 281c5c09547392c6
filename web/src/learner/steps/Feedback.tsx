import type { Schemas } from "../../api/client";

type Progress = Schemas["ProgressChange"];

/** What an answer earned: XP, streak, mastery, achievements, a certificate. */
export function ProgressNote({ progress }: { progress: Progress | null | undefined }) {
  if (!progress) return null;
  return (
    <div className="progress-note" aria-live="polite">
      {progress.xp_earned > 0 && <span className="chip">+{progress.xp_earned} XP</span>}
      <span className="chip">🔥 {progress.streak_days}-day streak</span>
      <span className="chip">
        {progress.topic}: {Math.round(progress.mastery * 100)}% mastery
      </span>
      {progress.achievements.map((a) => (
        <span className="chip achievement" key={a.id}>
          {a.badge_icon} {a.title}
        </span>
      ))}
      {progress.certificate && (
        <p className="certificate-earned">
          🎓 Certificate earned: <strong>{progress.certificate.track_title}</strong>. Share it from your profile.
        </p>
      )}
    </div>
  );
}

/** Per-part feedback (options of a quiz, tests of an exercise). */
export function Parts({ parts }: { parts: Schemas["PartFeedback"][] }) {
  if (parts.length === 0) return null;
  return (
    <ul className="parts">
      {parts.map((p, i) => (
        <li key={i} className={p.correct ? "pass" : "fail"}>
          <span aria-hidden="true">{p.correct ? "✓" : "✗"}</span> <strong>{p.part}</strong>: {p.feedback}
        </li>
      ))}
    </ul>
  );
}
