// Teachers' classes: create one (its join code is what learners type), and each class's
// learners with their progress.
import { useState, type FormEvent } from "react";
import { api, ok } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";

export function ClassesPage() {
  const classes = useLoad(() => ok(api.GET("/api/v1/teacher/classes")));
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<string | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await ok(api.POST("/api/v1/teacher/classes", { body: { name } }));
      setName("");
      await classes.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <div className="stack">
      <h1>Classes</h1>
      <form className="card inline-form" onSubmit={create}>
        <label>
          New class name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Create class
        </button>
      </form>
      <ErrorMessage error={error} />
      <ErrorMessage error={classes.error} onRetry={classes.reload} />
      {classes.loading && !classes.data && <Loading />}
      {classes.data?.length === 0 && <p>No classes yet. Create one and give its join code to your learners.</p>}
      {classes.data?.map((c) => (
        <section className="card" key={c.id} aria-labelledby={`class-${c.id}`}>
          <h2 id={`class-${c.id}`}>{c.name}</h2>
          <p>
            Join code <code data-testid="join-code">{c.join_code}</code> · {c.member_count} of {c.max_members} learners
          </p>
          <button type="button" aria-expanded={open === c.id} onClick={() => setOpen(open === c.id ? null : c.id)}>
            {open === c.id ? "Hide progress" : "Show progress"}
          </button>
          {open === c.id && <ClassProgress classId={c.id} />}
        </section>
      ))}
    </div>
  );
}

function ClassProgress({ classId }: { classId: string }) {
  const progress = useLoad(() => ok(api.GET("/api/v1/teacher/classes/{class_id}/progress", { params: { path: { class_id: classId } } })), [classId]);
  if (progress.error) return <ErrorMessage error={progress.error} onRetry={progress.reload} />;
  if (!progress.data) return <Loading />;
  if (progress.data.students.length === 0) return <p>No learner has joined yet.</p>;
  return (
    <table>
      <caption className="visually-hidden">Learners' progress</caption>
      <thead>
        <tr>
          <th scope="col">Learner</th>
          <th scope="col">Lessons</th>
          <th scope="col">XP</th>
          <th scope="col">Streak</th>
          <th scope="col">Quiz average</th>
          <th scope="col">Last active</th>
        </tr>
      </thead>
      <tbody>
        {progress.data.students.map((s) => (
          <tr key={s.user_id}>
            <td>{s.full_name}</td>
            <td>{s.lessons_completed}</td>
            <td>{s.total_xp}</td>
            <td>{s.streak_days} d</td>
            <td>{Math.round(s.average_quiz_score)}%</td>
            <td>{s.last_active_date ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
