// Write Tessera plugins in JavaScript (componentize-js, StarlingMonkey).
//
// A grader is an object with `KINDS` and `grade(question, answer) -> Outcome`; `exportGrader`
// turns it into the component's `tessera:platform/grader` export, mapping the errors below to
// the contract's (`Invalid` is a 422 naming the field, `Unavailable` a 503, anything else
// thrown is `internal`, never a trap). The rules stay plain JavaScript, testable with
// `node --test` without the component; only `exportGrader` speaks the bindings' shapes.
//
// This file is copied into each plugin by `tessera plugin new`; docs/plugins/javascript.md.

/** The answer key or the answer is malformed at `field` (a dotted path). */
export class Invalid extends Error {
  constructor(field, message) {
    super(`${field}: ${message}`);
    this.field = field;
    this.detail = message;
  }
}

/** A service the grader needs cannot serve now. */
export class Unavailable extends Error {}

/** `text` (found at `field`) as a JSON object, or `Invalid` naming the field. */
export function parseObject(text, field) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Invalid(field, `is not valid JSON: ${e.message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Invalid(field, "must be a JSON object");
  }
  return value;
}

/** A grade: `score` from 0 to 1, whether it counts as correct, feedback, parts. */
export function outcome(score, correct, feedback, parts = []) {
  return { score, correct, feedback, parts };
}

/** The `grader` export componentize-js looks for, over `rules` (`KINDS`, `grade`). In
 * `app.js`: `export const grader = exportGrader(KeywordGrader);` */
export function exportGrader(rules) {
  return {
    kinds() {
      return [...rules.KINDS];
    },
    grade(submission) {
      const q = submission.question;
      if (!rules.KINDS.includes(q.kind)) {
        throw { tag: "unsupported", val: `this grader does not grade \`${q.kind}\` questions` };
      }
      const question = { kind: q.kind, prompt: q.prompt, options: [...q.options], answerKey: q.answerKey };
      let o;
      try {
        o = rules.grade(question, submission.answer);
      } catch (e) {
        if (e instanceof Invalid) throw { tag: "invalid-input", val: { field: e.field, message: e.detail } };
        if (e instanceof Unavailable) throw { tag: "unavailable", val: String(e.message) };
        throw { tag: "internal", val: `${e && e.name ? e.name : "Error"}: ${e && e.message ? e.message : e}`.slice(0, 1000) };
      }
      return {
        score: Number(o.score),
        correct: Boolean(o.correct),
        feedback: String(o.feedback),
        parts: (o.parts || []).map((p) => ({ part: String(p.part), correct: Boolean(p.correct), feedback: String(p.feedback) })),
        details: undefined,
      };
    },
  };
}
