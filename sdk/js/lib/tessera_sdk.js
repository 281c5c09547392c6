// Write Tessera plugins in JavaScript (componentize-js, StarlingMonkey).
//
// The rules of a plugin stay plain JavaScript over plain objects, testable with `node --test`
// without the component; one `export*` helper per world turns them into the component's
// export and is the only code that speaks the bindings' shapes (camelCase fields, `option`
// as `undefined`, enums as kebab-case strings, `result` errors thrown as `{tag, val}`):
//
// - grader (contract 0.1.0): `KINDS` and `grade(question, answer) -> outcome(…)`, exported
//   with `exportGrader`;
// - agent (0.2.0): `describe()` and `respond(request) -> {content, followUps, data}`, exported
//   with `exportAgent`; `earlier` and `settings` arrive as JSON text, `data` leaves as an
//   object the helper serialises;
// - triage (0.2.0): `classify(query) -> {intent, topic, confidence, topicConfidence,
//   decidedBy, reason}`, exported with `exportTriage`.
//
// Every helper maps errors the same way: `Invalid` is a 422 naming the field, `Unsupported`
// a request the plugin does not serve, `Unavailable` a 503, and anything else thrown
// (a bug) is `internal` with its message, never a trap, which would lose the message.
//
// This file is copied into each plugin by `tessera plugin new`; docs/plugins/javascript.md.

/** The input is malformed at `field` (a dotted path, e.g. `settings.glossary`). */
export class Invalid extends Error {
  constructor(field, message) {
    super(`${field}: ${message}`);
    this.field = field;
    this.detail = message;
  }
}

/** The request asks for something this plugin does not do (an unknown kind, intent, …). */
export class Unsupported extends Error {}

/** A service the plugin needs cannot serve now. */
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

/** What a thrown value becomes in the contract's `error` variant. Never an `Error`:
 * componentize-js rethrows those, and a rethrow is a trap. */
function contractError(e) {
  if (e instanceof Invalid) return { tag: "invalid-input", val: { field: String(e.field), message: String(e.detail) } };
  if (e instanceof Unsupported) return { tag: "unsupported", val: String(e.message) };
  if (e instanceof Unavailable) return { tag: "unavailable", val: String(e.message) };
  return { tag: "internal", val: `${e && e.name ? e.name : "Error"}: ${e && e.message ? e.message : e}`.slice(0, 1000) };
}

/** `f()`, with whatever it throws turned into the contract's error. The conversions of the
 * rules' results run inside too: a malformed result is a bug, hence `internal`. */
function guarded(f) {
  try {
    return f();
  } catch (e) {
    throw contractError(e);
  }
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
      return guarded(() => {
        const o = rules.grade(question, submission.answer);
        return {
          score: Number(o.score),
          correct: Boolean(o.correct),
          feedback: String(o.feedback),
          parts: (o.parts || []).map((p) => ({ part: String(p.part), correct: Boolean(p.correct), feedback: String(p.feedback) })),
          details: undefined,
        };
      });
    },
  };
}

// The bindings' `option`: the host's `none` may arrive as `undefined` or `null`; the rules
// see `undefined` only, and send `undefined` (or `null`) for none.
const some = (x) => (x === null || x === undefined ? undefined : x);
const optionalString = (x) => (some(x) === undefined ? undefined : String(x));
const optionalNumber = (x) => (some(x) === undefined ? undefined : Number(x));

function messageIn(m) {
  return { role: String(m.role), content: m.content };
}

function learnerIn(l) {
  return { learnerId: l.learnerId, locale: l.locale, timezone: l.timezone, tone: some(l.tone) };
}

function exerciseIn(x) {
  return {
    title: x.title,
    prompt: x.prompt,
    topic: x.topic,
    difficulty: x.difficulty,
    starterCode: x.starterCode,
    referenceSolution: x.referenceSolution,
    tests: [...x.tests].map((t) => ({ name: t.name, stdin: t.stdin, expectedStdout: some(t.expectedStdout), assertion: some(t.assertion) })),
  };
}

function exerciseOut(x) {
  return {
    title: String(x.title),
    prompt: String(x.prompt),
    topic: String(x.topic),
    difficulty: String(x.difficulty),
    starterCode: String(x.starterCode ?? ""),
    referenceSolution: String(x.referenceSolution),
    tests: [...x.tests].map((t) => ({
      name: String(t.name),
      stdin: String(t.stdin ?? ""),
      expectedStdout: optionalString(t.expectedStdout),
      assertion: optionalString(t.assertion),
    })),
  };
}

/** `data` as the contract's JSON text: an object, or `{}` when the reply has none. */
function dataOut(data) {
  if (some(data) === undefined) return "{}";
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new TypeError(`a reply's data must be an object (it comes back in \`earlier\`), not ${Array.isArray(data) ? "an array" : typeof data}`);
  }
  return JSON.stringify(data);
}

/** The `agent` export componentize-js looks for, over `rules`: `describe()` returning
 * `{id, name, description, intents}` (it must not call imports) and `respond(request)`.
 * The request the rules see: `{learner: {learnerId, locale, timezone, tone}, messages:
 * [{role: "user"|"assistant"|"system", content}], intent, topic, mastery, code, error,
 * difficulty, baseExercise, earlier: [JSON text], settings: JSON text}` (absent options are
 * `undefined`). The reply: `{content, followUps?, codeQuality?, exercise?, data?}`, `data`
 * an object (default `{}`). In `app.js`: `export const agent = exportAgent(MyAgent);` */
export function exportAgent(rules) {
  return {
    describe() {
      const info = rules.describe();
      return {
        id: String(info.id),
        name: String(info.name),
        description: String(info.description),
        intents: [...info.intents].map(String),
      };
    },
    respond(request) {
      return guarded(() => {
        const plain = {
          learner: learnerIn(request.learner),
          messages: [...request.messages].map(messageIn),
          intent: request.intent,
          topic: request.topic,
          mastery: some(request.mastery),
          code: some(request.code),
          error: some(request.error),
          difficulty: some(request.difficulty),
          baseExercise: some(request.baseExercise) === undefined ? undefined : exerciseIn(request.baseExercise),
          earlier: [...request.earlier],
          settings: request.settings,
        };
        const r = rules.respond(plain);
        return {
          content: String(r.content),
          followUps: [...(r.followUps || [])].map(String),
          codeQuality: optionalNumber(r.codeQuality),
          exercise: some(r.exercise) === undefined ? undefined : exerciseOut(r.exercise),
          data: dataOut(r.data),
        };
      });
    },
  };
}

const DECIDED_BY = ["rules", "meaning", "model", "fallback"];

function intentIn(i) {
  return { name: i.name, description: i.description, keywords: [...i.keywords], examples: [...i.examples] };
}

/** The `triage` export componentize-js looks for, over `rules`: `classify(query)`. The
 * query the rules see: `{text, code, error, history: [{role, content}], learner, intents:
 * [{name, description, keywords, examples}]}` (absent options are `undefined`). The decision:
 * `{intent, topic, confidence, topicConfidence, decidedBy: "rules"|"meaning"|"model"|
 * "fallback", reason}`. In `app.js`: `export const triage = exportTriage(MyTriage);` */
export function exportTriage(rules) {
  return {
    classify(query) {
      return guarded(() => {
        const plain = {
          text: query.text,
          code: some(query.code),
          error: some(query.error),
          history: [...query.history].map(messageIn),
          learner: some(query.learner) === undefined ? undefined : learnerIn(query.learner),
          intents: [...query.intents].map(intentIn),
        };
        const d = rules.classify(plain);
        // Checked here: lowering a string outside the enum would trap, losing the message.
        if (!DECIDED_BY.includes(d.decidedBy)) {
          throw new TypeError(`decidedBy must be one of ${DECIDED_BY.join(", ")}, not ${JSON.stringify(d.decidedBy)}`);
        }
        return {
          intent: String(d.intent),
          topic: String(d.topic),
          confidence: Number(d.confidence),
          topicConfidence: Number(d.topicConfidence),
          decidedBy: d.decidedBy,
          reason: String(d.reason),
        };
      });
    },
  };
}
