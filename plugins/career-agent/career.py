"""Career advice for people learning Python: a small deterministic knowledge base.

Plain Python, no bindings: everything here is unit-tested with `python3 -m unittest`
(test_career.py). `app.py` adapts it to `tessera:platform/agent@0.2.0`.

The last user message picks a topic by keywords (matched case- and accent-insensitively
on word boundaries); the answer is that topic's advice. When a model is available
(`complete`, the host's `llm` import through the AI gateway) its reply is used instead,
but only when a real model wrote it: the gateway's offline model `tessera-offline`
answers templates that know nothing about careers, so its reply is dropped, and so is
any failure.
"""

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field

AGENT_ID = "career-agent"
NAME = "Career adviser"
DESCRIPTION = (
    "Answers questions about careers with Python: which jobs use it, what to learn next, "
    "portfolio projects, CVs, interview practice, first jobs and salary talks. Its advice "
    "comes from a small curated knowledge base; when the platform has a language model "
    "configured, the model answers with that advice as its notes."
)
INTENT = "career-advice"
# The `feature` of the agent's model calls: routes, budgets and cost reports are per feature.
LLM_FEATURE = "career-advice"
# The AI gateway's deterministic offline model: its replies are templates, never advice.
OFFLINE_MODEL = "tessera-offline"

# Only this much of the query is read for keywords (a pasted CV is still matched by its start).
MAX_ANALYSED_CHARS = 20_000
# What the model sees: the last few turns, each shortened.
MAX_PROMPT_MESSAGES = 8
MAX_PROMPT_MESSAGE_CHARS = 4_000
MAX_TOKENS = 700
TEMPERATURE = 0.3
# A model reply longer than this is cut (the manifest caps the whole result).
MAX_MODEL_REPLY_CHARS = 8_000
# `earlier` entries are this agent's own `data`: small objects. Larger or deeper ones are
# skipped unread (CPython's JSON parser recurses per nesting level, and a deep payload
# overflows the WebAssembly stack before Python's recursion limit notices).
MAX_EARLIER_ENTRIES = 50
MAX_EARLIER_CHARS = 4_096
MAX_EARLIER_BRACKETS = 8
FOLLOW_UPS = 3
MAX_QUOTED = 60


class Invalid(Exception):
    """The request is malformed: `field` names the offending field as the host sent it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Blocked(Exception):
    """The safety gate stopped the model call; `response` is what to show instead."""

    def __init__(self, response: str):
        super().__init__(response)
        self.response = response


@dataclass(frozen=True)
class Topic:
    name: str
    # Words (1 point) or phrases (1.5 points: more specific) that signal the topic.
    keywords: tuple
    # Generic words (`job`, `developer`) scoring half a point: enough to pick this topic when
    # nothing more specific matched, never enough to outweigh a specific keyword.
    weak: tuple
    # The question a follow-up suggests for this topic; it must route back here (tested).
    question: str
    # The topics to suggest next, in order.
    next: tuple
    # The answer (Markdown).
    advice: str


@dataclass
class Match:
    topic: Topic
    keywords: list


@dataclass
class Reply:
    content: str
    follow_ups: list
    data: dict = field(default_factory=dict)


TOPICS = (
    Topic(
        name="interview",
        keywords=(
            "interview", "interviews", "interviewing", "interviewer", "interviewers",
            "technical test", "technical tests", "coding test", "coding tests",
            "coding challenge", "coding challenges", "take home", "whiteboard", "leetcode",
            "hackerrank", "codewars", "live coding", "behavioural", "behavioral",
            "star method", "mock interview", "practice questions", "interview questions",
        ),
        weak=("practice", "practise", "prepare", "preparing"),
        question="How do I prepare for a Python job interview?",
        next=("portfolio", "cv", "salary"),
        advice="""\
### Preparing for a Python job interview

Most Python interviews have three parts: a short screening call, a technical exercise
(live coding or a take-home task) and a conversation about things you have built.

**Practise the technical part out loud**
- Solve two or three small problems a week with a 30-45 minute timer, explaining your
  thinking as you go: strings, lists, dicts and sets, sorting, simple recursion.
- Say the trade-offs: why a `set` lookup beats scanning a list, what a solution costs.
- Know the Python questions that come up again and again: comprehensions and
  generators, `with` and context managers, exceptions, mutable default arguments,
  `is` versus `==`, when to write a class rather than a function.

**Take-home tasks**
- Treat them like real work: tests (`pytest`), a README saying how to run it and what you
  would do with more time, small commits, clear names and type hints.

**Talking about your work**
- Prepare four or five short stories in the STAR shape (situation, task, action, result):
  a bug you tracked down, something you learned quickly, a disagreement you resolved.
- Be ready to walk through one portfolio project in depth: why you built it, what was
  hard, what you would change.

**Try these now**
1. Return the first character of a string that does not repeat (hint: count with a dict).
2. Merge two sorted lists into one sorted list without calling `sorted()`.
3. Explain what goes wrong with `def add(item, items=[]): items.append(item); return items`.

Finish every interview with your own questions: how code is reviewed, how new developers
are onboarded, what a first month looks like.
""",
    ),
    Topic(
        name="cv",
        keywords=(
            "cv", "cvs", "resume", "resumes", "curriculum vitae", "cover letter",
            "cover letters", "linkedin", "ats", "applicant tracking", "recruiter",
            "recruiters", "job application", "job applications",
        ),
        weak=("apply", "applying", "application", "applications"),
        question="What should I put on my CV for a Python job?",
        next=("portfolio", "interview", "first_job"),
        advice="""\
### A CV (résumé) for Python roles

Keep it to one page (two at most) that a recruiter can scan in thirty seconds.

- **Top:** one or two lines on what you do and want, e.g. "Python developer building web
  APIs with FastAPI and PostgreSQL, looking for a junior backend role".
- **Skills:** only what you could discuss in an interview, grouped (languages, frameworks,
  tools such as Git, `pytest`, Docker, SQL). Drop anything you touched once.
- **Projects:** two or three, each with a link, one line on what it does and one on what
  *you* did, with a number where you have one ("cut the report's run time from 20
  minutes to 40 seconds").
- **Experience:** earlier jobs count even outside tech: show problem solving, automation
  you introduced, responsibility you took.
- **Fit each application:** reuse the wording of the job advert where it is true; many
  companies filter CVs automatically (applicant tracking systems), so plain layout and
  standard headings beat columns and graphics.
- Link GitHub and LinkedIn, and make sure both tell the same story as the CV.
""",
    ),
    Topic(
        name="portfolio",
        keywords=(
            "portfolio", "portfolios", "project", "projects", "side project",
            "side projects", "github", "gitlab", "showcase", "open source", "contribute",
            "contributing", "contribution", "contributions", "project ideas",
        ),
        weak=("build", "building", "show", "demo"),
        question="What should I put in my portfolio?",
        next=("cv", "interview", "learning_path"),
        advice="""\
### Portfolio projects that get noticed

Two or three finished, well-presented projects beat ten half-done tutorials. Pick ones
that match the job you want:

| direction | a project that shows it |
|---|---|
| web backend | a small REST API (FastAPI or Django) with a database, tests and a live deployment |
| data | clean a messy public data set with pandas and publish the findings as a short report |
| automation | a command-line tool that removes a real chore, packaged with `pyproject.toml` |
| machine learning | a model on a public data set, with a baseline and an honest evaluation |

**What makes a project convincing**
- A README: what it does, why, a screenshot or example, how to run it in three commands.
- Tests (`pytest`) and a CI run on every push; a formatter and a linter (e.g. `ruff`).
- A history of small commits with clear messages: reviewers do read them.
- Something real: your own data, a problem you or a friend had, users other than you.

Contributing to open source counts too: start with documentation or a "good first issue"
in a library you already use.
""",
    ),
    Topic(
        name="salary",
        keywords=(
            "salary", "salaries", "pay", "paid", "wage", "wages", "compensation",
            "negotiate", "negotiating", "negotiation", "job offer", "job offers", "raise",
            "pay rise", "how much", "earn", "earning", "earnings", "income",
        ),
        weak=("money", "offer", "offers"),
        question="How do I negotiate my salary for a Python job?",
        next=("roles", "interview", "first_job"),
        advice="""\
### Salary and offers

Pay for Python work depends on country, city, company size and the role far more than
on the language, so any single figure would mislead you. Find your own numbers:

- Read job adverts in your area that publish salary ranges, and local salary surveys
  (national statistics offices, developer surveys, recruiter reports).
- Ask people one step ahead of you; recruiters will usually tell you a role's range.

**When an offer comes**
- Ask for the range before naming a number; if pressed, give a researched range.
- Compare the whole package: salary, bonus, pension, holidays, remote work, training
  budget, and how fast juniors are promoted.
- It is normal to ask for a day to decide, and to negotiate once, politely, with a
  reason ("a similar role in this city pays …"). Get the final offer in writing.
""",
    ),
    Topic(
        name="first_job",
        keywords=(
            "first job", "first role", "first developer job", "junior", "juniors",
            "entry level", "graduate", "graduates", "internship", "internships", "intern",
            "apprenticeship", "no experience", "career change", "change careers",
            "changing careers", "switch careers", "career switch", "get hired",
            "getting hired", "hired", "hire", "bootcamp", "self taught", "break into",
            "get a job", "find a job", "land a job",
        ),
        weak=("beginner", "beginners", "start", "starting"),
        question="How do I get my first job as a Python developer?",
        next=("portfolio", "cv", "learning_path"),
        advice="""\
### Getting your first Python job

A first job is won by showing you can already do a small version of the work.

1. **Choose a direction** (web backend, data, automation, testing): it decides what you
   learn and build next. Ask me which roles use Python if you are unsure.
2. **Get solid on the basics:** functions, data structures, files, errors, modules,
   classes, plus Git, `pytest` and virtual environments.
3. **Build two or three portfolio projects** in that direction, finished and documented.
4. **Apply steadily:** junior roles, internships, apprenticeships and graduate schemes;
   also roles next to your current job (an analyst who automates, a tester who scripts).
   Your earlier career is an asset: domain knowledge plus Python is rare.
5. **Meet people:** local meetups, Python user groups, conferences and open-source
   projects lead to more first jobs than cold applications.
6. **Practise interviews** before the one that matters.

Expect it to take months, not weeks, and keep learning and building while you apply.
""",
    ),
    Topic(
        name="learning_path",
        keywords=(
            "learn", "learning", "learn next", "study", "studying", "skill", "skills",
            "roadmap", "course", "courses", "certificate", "certificates", "certification",
            "certifications", "framework", "frameworks", "django", "flask", "fastapi",
            "pandas", "numpy", "sql", "git", "docker", "pytest", "degree", "what next",
            "next step", "next steps", "focus on",
        ),
        weak=("next", "improve", "better"),
        question="What should I learn next to get a Python job?",
        next=("portfolio", "roles", "first_job"),
        advice="""\
### What to learn next

**Every Python job expects**
- Git (branches, pull requests), testing with `pytest`, virtual environments and
  packaging (`venv`, `pip`, `pyproject.toml`).
- SQL basics and one database, HTTP and JSON, reading documentation and tracebacks.

**Then, by direction**

| direction | learn |
|---|---|
| web backend | Django or FastAPI, SQL and an ORM, authentication, Docker, deployment |
| data analysis | pandas, NumPy, SQL, charts (matplotlib or seaborn), basic statistics |
| data engineering | SQL in depth, pipelines and scheduling, cloud storage, Docker |
| machine learning | NumPy, pandas, scikit-learn, linear algebra and probability |
| automation, DevOps | scripting, the Linux shell, CI pipelines, cloud basics, Docker |

Learn each new tool by using it in a project rather than by collecting courses;
certificates matter far less than code someone can read.
""",
    ),
    Topic(
        name="roles",
        keywords=(
            "role", "roles", "career path", "career paths", "backend", "back end",
            "web developer", "web development", "data analyst", "data analysis",
            "data scientist", "data science", "data engineer", "data engineering",
            "machine learning", "ml", "ai", "devops", "sre", "automation", "qa",
            "test engineer", "tester", "scientific", "research", "freelance", "freelancing",
            "what jobs", "which jobs", "what job", "which job", "kind of job", "job titles",
        ),
        weak=(
            "job", "jobs", "career", "careers", "developer", "developers", "engineer",
            "engineers", "programmer", "programmers", "work", "position", "positions",
        ),
        question="Which jobs can I do with Python?",
        next=("learning_path", "first_job", "portfolio"),
        advice="""\
### Jobs where Python is a main tool

| role | what you do | what to show |
|---|---|---|
| backend developer | build web APIs and services (Django, FastAPI, Flask) | an API with a database, tests, deployment |
| data analyst | answer business questions from data (pandas, SQL, charts) | an analysis of real data, clearly written up |
| data engineer | build pipelines that move and clean data | a scheduled pipeline with tests |
| data scientist, ML engineer | build and evaluate models (scikit-learn, PyTorch) | a model with an honest evaluation |
| DevOps, SRE, automation | automate infrastructure, deployments and chores | scripts and CI pipelines that save time |
| QA automation, test engineer | write automated tests (`pytest`, Playwright) | a test suite for a real application |
| scientific, research programmer | turn research into code (NumPy, SciPy) | reproducible notebooks and packages |

Many people also use Python inside another job (finance, biology, marketing): that is
often the fastest way in. Pick one direction for now; you can change later.
""",
    ),
    Topic(
        name="general",
        keywords=(),
        weak=(),
        question="How can you help with my career?",
        next=("roles", "learning_path", "first_job"),
        advice="""\
### Careers with Python

I can help you plan the way from learning Python to working with it:

- **Which jobs** use Python and what each involves.
- **What to learn next** for the direction you choose.
- **Portfolio projects** that show employers what you can do.
- **Your CV** and applications.
- **Interview practice**: what to expect and questions to try.
- **Your first job**, or changing careers into tech, and **salary** talks.

Tell me where you are (what you know, what you would like to do) and ask away.
""",
    ),
)
TOPIC_BY_NAME = {t.name: t for t in TOPICS}
GENERAL = TOPIC_BY_NAME["general"]

_WORDS = re.compile(r"[a-z0-9+#]+")


def normalise(text: str) -> str:
    """Lower-case words without accents, joined by single spaces and padded with one, so
    a keyword phrase matches on word boundaries as `f" {phrase} " in text`."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " " + " ".join(_WORDS.findall(folded)) + " "


_KEYWORDS = {
    t.name: (
        tuple((normalise(k), 1.0 if len(k.split()) == 1 else 1.5) for k in t.keywords),
        tuple(normalise(k) for k in t.weak),
    )
    for t in TOPICS
}


def classify(query: str) -> Match:
    """The topic whose keywords score highest in `query`; ties go to the earlier topic in
    TOPICS, no match at all to `general`."""
    text = normalise(query[:MAX_ANALYSED_CHARS])
    best, best_score, best_keywords = GENERAL, 0.0, []
    for topic in TOPICS:
        strong, weak = _KEYWORDS[topic.name]
        score, found = 0.0, []
        for phrase, points in strong:
            if phrase in text:
                score += points
                found.append(phrase.strip())
        for phrase in weak:
            if phrase in text:
                score += 0.5
                found.append(phrase.strip())
        if score > best_score:
            best, best_score, best_keywords = topic, score, found
    return Match(best, best_keywords)


def last_user_message(messages) -> str:
    """The learner's query: the last message whose role is `user`. `messages` holds
    (role, content) pairs, role one of `system`, `user`, `assistant`."""
    for role, content in reversed(messages):
        if role == "user":
            if not content.strip():
                raise Invalid("messages", "the last user message is empty")
            return content
    raise Invalid("messages", "holds no user message: there is no question to answer")


def earlier_topics(earlier) -> set:
    """The topics this agent answered earlier in the conversation, read from its own
    `data`. Entries it cannot read are skipped: they only steer the follow-ups."""
    topics = set()
    for entry in list(earlier)[-MAX_EARLIER_ENTRIES:]:
        if (
            len(entry) > MAX_EARLIER_CHARS
            or entry.count("[") + entry.count("{") > MAX_EARLIER_BRACKETS
        ):
            continue
        try:
            data = json.loads(entry)
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict) and data.get("topic_matched") in TOPIC_BY_NAME:
            topics.add(data["topic_matched"])
    return topics


def follow_ups(topic: Topic, covered: set) -> list:
    """Questions leading to topics not discussed yet: this topic's `next` first, then the
    rest in TOPICS order; already covered ones only when nothing else is left."""
    order = [*topic.next, *(t.name for t in TOPICS if t.name != "general")]
    fresh, seen = [], set()
    for name in order:
        if name != topic.name and name not in seen and name not in covered:
            seen.add(name)
            fresh.append(name)
    for name in topic.next:
        if name not in seen:
            seen.add(name)
            fresh.append(name)
    return [TOPIC_BY_NAME[n].question for n in fresh[:FOLLOW_UPS]]


def quote(text: str) -> str:
    if len(text) > MAX_QUOTED:
        text = text[: MAX_QUOTED - 1] + "…"
    return f"`{text}`"


def mastery_note(topic: str, mastery) -> str:
    """One line on the learner's mastery of the topic triage found, for `learning_path`."""
    if (
        mastery is None
        or not topic
        or topic == "general"
        or not math.isfinite(mastery)
        or not 0.0 <= mastery <= 1.0
    ):
        return ""
    pct = round(mastery * 100)
    if mastery < 0.4:
        return (
            f"Your mastery of {quote(topic)} is {pct} %: practise it a little more before "
            "adding new tools; employers look for solid basics first."
        )
    if mastery < 0.8:
        return (
            f"Your mastery of {quote(topic)} is {pct} %: keep practising it, ideally inside "
            "a small project."
        )
    return (
        f"You have {quote(topic)} well in hand ({pct} %): a good moment to use it in a "
        "portfolio project."
    )


def advice(match: Match, topic: str = "general", mastery=None) -> str:
    text = match.topic.advice
    if match.topic.name == "learning_path":
        note = mastery_note(topic, mastery)
        if note:
            text = f"{text}\n{note}\n"
    return text


SYSTEM_PROMPT = """\
You are a career adviser on a platform where people learn Python. Answer the learner's \
last message about careers with Python: job roles, what to learn next, portfolio \
projects, CVs, interviews, first jobs, salaries. Be practical and specific, use Markdown, \
and stay under 300 words. Never invent salary figures or statistics; say they vary by \
country and company. If the question is not about careers, say briefly that you help with \
careers and suggest a career question.

Curated advice on the topic you may draw on:

"""


def prompt(messages, match: Match, locale: str = "", tone=None) -> list:
    """The model's conversation: instructions with the topic's advice as notes, then the
    last few user and assistant turns, each shortened."""
    system = SYSTEM_PROMPT + match.topic.advice
    if locale:
        system += f"\nThe learner reads {locale[:35]}: answer in that language."
    if tone:
        system += f"\nThe learner prefers a {tone[:20]} tone."
    turns = [(r, c[:MAX_PROMPT_MESSAGE_CHARS]) for r, c in messages if r in ("user", "assistant")]
    # End on the query: what followed the last user message is not the model's to continue.
    while turns and turns[-1][0] != "user":
        turns.pop()
    return [("system", system), *turns[-MAX_PROMPT_MESSAGES:]]


def clip(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_MODEL_REPLY_CHARS:
        text = text[: MAX_MODEL_REPLY_CHARS - 1] + "…"
    return text


def respond(
    messages,
    *,
    earlier=(),
    topic: str = "general",
    mastery=None,
    locale: str = "",
    tone=None,
    complete=None,
) -> Reply:
    """Answers one turn.

    `messages`: (role, content) pairs, oldest first. `earlier`: this agent's earlier `data`
    (JSON texts). `complete`, when given, is called with the prompt (a list of (role,
    content) pairs) and returns (content, model); it raises `Blocked` when the safety
    gate stopped the call and anything else when the model failed.

    Raises `Invalid` when there is no question to answer."""
    query = last_user_message(messages)
    match = classify(query)
    covered = earlier_topics(earlier)
    content = advice(match, topic, mastery)
    data = {"topic_matched": match.topic.name, "keywords": match.keywords[:5]}
    source = "knowledge-base"
    if complete is not None:
        try:
            reply, model = complete(prompt(messages, match, locale, tone))
        except Blocked as e:
            # The safety gate's own response: never answer career tips to a crisis.
            content, source = e.response, "safety"
        except Exception:  # unavailable, budget, provider errors: the knowledge base answers
            pass
        else:
            if model != OFFLINE_MODEL and reply.strip():
                content, source = clip(reply), "model"
                data["model"] = model[:100]
    data["source"] = source
    return Reply(content, follow_ups(match.topic, covered | {match.topic.name}), data)


def data_json(reply: Reply) -> str:
    return json.dumps(reply.data, ensure_ascii=False, sort_keys=True)
