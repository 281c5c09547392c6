"""Unit tests of the career agent: `python3 -m unittest` in this folder.

The knowledge base (`career.py`) needs nothing but Python 3.11+. The adapter (`app.py`)
is tested too when componentize-py's bindings are on hand: build.sh generates them and
points CAREER_AGENT_BINDINGS at them; by hand, generate them into `bindings/` (README.md,
"Generate bindings"). Without them those tests are skipped.
"""

import json
import math
import os
import sys
import time
import tomllib
import unittest
from pathlib import Path

import career
from career import Blocked, Invalid, classify, respond

HERE = Path(__file__).resolve().parent
MANIFEST = tomllib.loads((HERE / "plugin.toml").read_text())


def user(text):
    return [("user", text)]


class Manifest(unittest.TestCase):
    def test_identity_agrees_with_the_component(self):
        self.assertEqual(MANIFEST["id"], career.AGENT_ID)
        self.assertEqual(MANIFEST["contract"], "0.2.0")
        self.assertEqual(MANIFEST["world"], "agent-plugin")
        self.assertEqual(MANIFEST["component"], "../../dist/components/career_agent.wasm")
        self.assertEqual(MANIFEST["routing"]["intents"], [career.INTENT])
        # llm for the optional model, nothing else (wit/world.wit imports only it).
        self.assertEqual(MANIFEST["grants"], {"llm": True})

    def test_triage_section_declares_the_intent(self):
        triage = MANIFEST["routing"]["triage"]
        self.assertEqual(set(triage), {career.INTENT})
        entry = triage[career.INTENT]
        self.assertEqual(set(entry), {"description", "keywords", "examples"})
        self.assertTrue(entry["description"].strip())
        self.assertTrue(entry["keywords"] and entry["examples"])
        for keyword in entry["keywords"]:
            self.assertEqual(keyword, keyword.lower())

    def test_triage_examples_reach_a_specific_topic(self):
        entry = MANIFEST["routing"]["triage"][career.INTENT]
        topics = [classify(e).topic.name for e in entry["examples"]]
        self.assertEqual(topics, ["first_job", "portfolio", "interview"])

    def test_every_triage_keyword_reaches_a_specific_topic(self):
        # A query triage routed here for one keyword alone still gets specific advice.
        for keyword in MANIFEST["routing"]["triage"][career.INTENT]["keywords"]:
            self.assertNotEqual(classify(f"a question about {keyword}").topic.name, "general",
                                keyword)

    def test_limits_leave_room_for_a_model_call(self):
        limits = MANIFEST["limits"]
        self.assertGreaterEqual(limits["timeout_ms"], 10_000)
        self.assertLessEqual(limits["timeout_ms"], 60_000)
        self.assertGreaterEqual(limits["memory_mb"], 48)


class Topics(unittest.TestCase):
    def test_each_follow_up_question_routes_to_its_topic(self):
        for topic in career.TOPICS:
            if topic.name != "general":
                self.assertEqual(classify(topic.question).topic.name, topic.name,
                                 topic.question)

    def test_questions_route_to_the_expected_topic(self):
        cases = {
            "Which jobs can I get with Python?": "roles",
            "Is Python a good career?": "roles",
            "What does a data engineer do all day?": "roles",
            "What should I learn next, Django or FastAPI?": "learning_path",
            "What should I learn next to become a data scientist?": "learning_path",
            "Can you give me some interview practice questions?": "interview",
            "How do I prepare for my first job interview?": "interview",
            "I have a take-home coding challenge tomorrow": "interview",
            "Should my résumé be one page?": "cv",
            "Can you review my CV?": "cv",
            "What side projects should I build to get noticed?": "portfolio",
            "I'm 40 and want to change careers, is it too late?": "first_job",
            "How do I get hired without a degree?": "first_job",
            "Is it ok to negotiate the salary of my first offer?": "salary",
            "How much do Python developers earn?": "salary",
            "Hello!": "general",
            "What is a for loop?": "general",
        }
        for query, expected in cases.items():
            self.assertEqual(classify(query).topic.name, expected, query)

    def test_matching_ignores_case_and_accents_and_respects_word_boundaries(self):
        self.assertEqual(classify("RÉSUMÉ TIPS PLEASE").topic.name, "cv")
        self.assertEqual(classify("résumé").keywords, ["resume"])
        # `git` is not found inside `github`, nor `ai` inside `said`, nor `cv` inside `cvx`.
        self.assertEqual(classify("my github").keywords, ["github"])
        self.assertEqual(classify("she said cvx").topic.name, "general")
        # Hyphens and punctuation separate words.
        self.assertEqual(classify("entry-level, junior?").keywords, ["junior", "entry level"])

    def test_specific_keywords_outweigh_generic_words(self):
        # `job` and `developer` are weak signals of `roles`; `interview` wins.
        self.assertEqual(classify("job interview for a developer").topic.name, "interview")
        # Alone, the weak words still pick a topic rather than `general`.
        self.assertEqual(classify("developer jobs").topic.name, "roles")

    def test_ties_go_to_the_earlier_topic(self):
        self.assertEqual(classify("interview portfolio").topic.name, "interview")
        self.assertEqual(classify("portfolio interview").topic.name, "interview")

    def test_every_topic_has_advice_and_distinct_questions(self):
        names = [t.name for t in career.TOPICS]
        self.assertEqual(len(set(names)), len(names))
        self.assertEqual(len({t.question for t in career.TOPICS}), len(names))
        for topic in career.TOPICS:
            self.assertTrue(topic.advice.startswith("### "), topic.name)
            for name in topic.next:
                self.assertIn(name, career.TOPIC_BY_NAME)
                self.assertNotEqual(name, topic.name)

    def test_only_the_start_of_a_huge_query_is_read(self):
        query = "word " * 200_000 + "interview"
        started = time.perf_counter()
        self.assertEqual(classify(query).topic.name, "general")
        self.assertLess(time.perf_counter() - started, 5)


class Responding(unittest.TestCase):
    def test_answers_from_the_knowledge_base(self):
        reply = respond(user("How do I prepare for a Python job interview?"))
        self.assertIn("Preparing for a Python job interview", reply.content)
        self.assertEqual(reply.data["topic_matched"], "interview")
        self.assertEqual(reply.data["source"], "knowledge-base")
        self.assertNotIn("model", reply.data)
        data = json.loads(career.data_json(reply))
        self.assertIsInstance(data, dict)
        self.assertEqual(data["topic_matched"], "interview")

    def test_the_last_user_message_is_the_query(self):
        messages = [
            ("system", "Be kind."),
            ("user", "What should I put in my portfolio?"),
            ("assistant", "Projects!"),
            ("user", "And my CV?"),
            ("assistant", "(typing)"),
        ]
        self.assertEqual(respond(messages).data["topic_matched"], "cv")

    def test_no_user_message_is_invalid_input_naming_messages(self):
        for messages in ([], [("system", "hi")], [("assistant", "How can I help?")]):
            with self.assertRaises(Invalid) as cm:
                respond(messages)
            self.assertEqual(cm.exception.field, "messages")
            self.assertIn("no user message", cm.exception.message)
        with self.assertRaises(Invalid) as cm:
            respond([("user", "What jobs?"), ("user", "  \n")])
        self.assertEqual(cm.exception.field, "messages")
        self.assertIn("empty", cm.exception.message)

    def test_follow_ups_point_to_other_topics(self):
        reply = respond(user("How do I prepare for a Python job interview?"))
        self.assertEqual(reply.follow_ups, [
            "What should I put in my portfolio?",
            "What should I put on my CV for a Python job?",
            "How do I negotiate my salary for a Python job?",
        ])
        for topic in career.TOPICS:
            reply = respond(user(topic.question))
            self.assertEqual(len(reply.follow_ups), career.FOLLOW_UPS)
            self.assertEqual(len(set(reply.follow_ups)), career.FOLLOW_UPS)
            self.assertNotIn(topic.question, reply.follow_ups)

    def test_follow_ups_skip_topics_answered_earlier(self):
        earlier = [json.dumps({"topic_matched": "portfolio"}), json.dumps({"topic_matched": "cv"})]
        reply = respond(user("interview tips"), earlier=earlier)
        self.assertEqual(reply.follow_ups, [
            "How do I negotiate my salary for a Python job?",
            "How do I get my first job as a Python developer?",
            "What should I learn next to get a Python job?",
        ])
        # When every topic was covered, the topic's own suggestions come back.
        everything = [json.dumps({"topic_matched": t.name}) for t in career.TOPICS]
        reply = respond(user("interview tips"), earlier=everything)
        self.assertEqual(reply.follow_ups,
                         [career.TOPIC_BY_NAME[n].question for n in ("portfolio", "cv", "salary")])

    def test_unreadable_earlier_entries_are_skipped(self):
        earlier = [
            "not json",
            "[" * 100_000,
            '{"topic_matched": ' + "[" * 20 + "]" * 20 + "}",
            json.dumps({"topic_matched": "portfolio", "pad": "x" * 10_000}),
            json.dumps(["portfolio"]),
            json.dumps({"topic_matched": "astronaut"}),
            json.dumps({"topic_matched": 3}),
            "",
        ]
        self.assertEqual(career.earlier_topics(earlier), set())
        reply = respond(user("interview tips"), earlier=earlier)
        self.assertEqual(reply.follow_ups[0], "What should I put in my portfolio?")

    def test_mastery_note_on_what_to_learn(self):
        query = user("What should I learn next?")
        low = respond(query, topic="python.loops", mastery=0.25).content
        self.assertIn("Your mastery of `python.loops` is 25 %", low)
        self.assertIn("practise it a little more", low)
        self.assertIn("keep practising", respond(query, topic="python.loops", mastery=0.5).content)
        self.assertIn("well in hand (90 %)",
                      respond(query, topic="python.loops", mastery=0.9).content)
        base = respond(query).content
        for topic, mastery in [("general", 0.2), ("python.loops", None),
                               ("python.loops", math.nan), ("python.loops", 1.5), ("", 0.2)]:
            self.assertEqual(respond(query, topic=topic, mastery=mastery).content, base)
        # Only the learning path mentions it.
        self.assertNotIn("mastery", respond(user("cv tips"), topic="python.loops",
                                            mastery=0.2).content)
        long_topic = "python." + "x" * 500
        self.assertLess(len(career.mastery_note(long_topic, 0.2)), 250)


class Model(unittest.TestCase):
    QUERY = user("What should I put in my portfolio?")

    def model(self, content="**Build a to-do API.**", model="gpt-4o-mini"):
        calls = []

        def complete(prompt):
            calls.append(prompt)
            if isinstance(content, BaseException):
                raise content
            return content, model

        return complete, calls

    def test_a_real_models_reply_is_used(self):
        complete, calls = self.model()
        reply = respond(self.QUERY, complete=complete)
        self.assertEqual(reply.content, "**Build a to-do API.**")
        self.assertEqual(reply.data, {"topic_matched": "portfolio", "keywords": ["portfolio"],
                                      "source": "model", "model": "gpt-4o-mini"})
        self.assertEqual(len(calls), 1)
        self.assertEqual(reply.follow_ups, respond(self.QUERY).follow_ups)

    def test_the_offline_model_and_empty_replies_are_ignored(self):
        kb = respond(self.QUERY)
        for content, model in [("A template.", career.OFFLINE_MODEL), ("  \n", "gpt-4o-mini")]:
            complete, calls = self.model(content, model)
            reply = respond(self.QUERY, complete=complete)
            self.assertEqual(reply.content, kb.content)
            self.assertEqual(reply.data["source"], "knowledge-base")
            self.assertEqual(len(calls), 1)

    def test_any_failure_falls_back_to_the_knowledge_base(self):
        kb = respond(self.QUERY)
        for error in (RuntimeError("unavailable"), NotImplementedError(), KeyError("x")):
            complete, _ = self.model(error)
            reply = respond(self.QUERY, complete=complete)
            self.assertEqual((reply.content, reply.data), (kb.content, kb.data))

    def test_a_blocked_call_shows_the_safety_response(self):
        complete, _ = self.model(Blocked("Please reach out: call 116 123."))
        reply = respond(self.QUERY, complete=complete)
        self.assertEqual(reply.content, "Please reach out: call 116 123.")
        self.assertEqual(reply.data["source"], "safety")

    def test_long_replies_are_cut(self):
        complete, _ = self.model("x" * 100_000)
        reply = respond(self.QUERY, complete=complete)
        self.assertEqual(len(reply.content), career.MAX_MODEL_REPLY_CHARS)
        self.assertTrue(reply.content.endswith("…"))

    def test_prompt(self):
        messages = [("system", "platform note")]
        for i in range(12):
            messages += [("user", f"q{i} " + "y" * 10_000), ("assistant", f"a{i}")]
        messages.append(("user", "What should I put in my portfolio?"))
        complete, calls = self.model()
        respond(messages, locale="de-DE", tone="friendly", complete=complete)
        prompt = calls[0]
        self.assertEqual(prompt[0][0], "system")
        self.assertIn("career adviser", prompt[0][1])
        self.assertIn("Portfolio projects that get noticed", prompt[0][1])
        self.assertIn("The learner reads de-DE", prompt[0][1])
        self.assertIn("friendly tone", prompt[0][1])
        turns = prompt[1:]
        self.assertEqual(len(turns), career.MAX_PROMPT_MESSAGES)
        self.assertNotIn("system", [r for r, _ in turns])
        self.assertEqual(turns[-1], ("user", "What should I put in my portfolio?"))
        self.assertTrue(all(len(c) <= career.MAX_PROMPT_MESSAGE_CHARS for _, c in turns))

    def test_the_prompt_ends_on_the_query(self):
        complete, calls = self.model()
        respond([("user", "cv tips?"), ("assistant", "Sure."), ("user", "And interviews?"),
                 ("assistant", "(typing)"), ("system", "note")], complete=complete)
        self.assertEqual(calls[0][1:], [("user", "cv tips?"), ("assistant", "Sure."),
                                        ("user", "And interviews?")])


class OutputSize(unittest.TestCase):
    def test_every_reply_fits_the_manifests_output_cap(self):
        cap = MANIFEST["limits"]["max_output_bytes"]
        complete = lambda prompt: ("é" * 100_000, "m" * 1000)  # noqa: E731
        for topic in career.TOPICS:
            for c in (None, complete):
                reply = respond(user(topic.question), complete=c, topic="t" * 10_000,
                                mastery=0.1)
                size = len(json.dumps({"content": reply.content, "follow_ups": reply.follow_ups,
                                       "data": career.data_json(reply)}).encode())
                self.assertLess(size, cap // 4, topic.name)


# The adapter, against componentize-py's generated bindings.
BINDINGS = os.environ.get("CAREER_AGENT_BINDINGS") or (
    str(HERE / "bindings") if (HERE / "bindings" / "wit_world").is_dir() else None
)
if BINDINGS:
    sys.path.insert(0, BINDINGS)


@unittest.skipUnless(BINDINGS, "no bindings: build.sh generates them (see README.md)")
class Adapter(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        global app, agent, llm, types, Err
        import app
        from componentize_py_types import Err
        from wit_world.exports import agent
        from wit_world.imports import llm, types

    def setUp(self):
        self.calls = []
        self.answer = None  # what llm.complete does: a ChatResponse, or an LlmError
        self.logged = []
        original_complete, original_log = app.llm.complete, app.logging.log

        def complete(request):
            self.calls.append(request)
            if isinstance(self.answer, llm.ChatResponse):
                return self.answer
            raise Err(self.answer)

        app.llm.complete = complete
        app.logging.log = lambda level, context, message: self.logged.append((context, message))
        self.addCleanup(setattr, app.llm, "complete", original_complete)
        self.addCleanup(setattr, app.logging, "log", original_log)

    def request(self, *messages, earlier=(), mastery=None, topic="general"):
        return agent.AgentRequest(
            learner=types.LearnerContext("learner-1", "en-GB", "Europe/London", "friendly"),
            messages=[types.Message(role, text) for role, text in messages],
            intent="career-advice",
            topic=topic,
            mastery=mastery,
            code=None,
            error=None,
            difficulty=None,
            base_exercise=None,
            earlier=list(earlier),
            settings="{}",
        )

    def response(self, content, model):
        return llm.ChatResponse(content, model, "openai", llm.Usage(10, 20), False)

    def test_describe(self):
        info = app.Agent().describe()
        self.assertEqual((info.id, info.intents), ("career-agent", ["career-advice"]))
        self.assertEqual(info.intents, MANIFEST["routing"]["intents"])
        self.assertTrue(info.name and info.description)
        self.assertEqual(self.calls, [])

    def test_respond_from_the_knowledge_base_when_the_model_is_offline(self):
        self.answer = self.response("Offline template.", "tessera-offline")
        reply = app.Agent().respond(self.request(
            (types.Role.USER, "How do I prepare for a Python job interview?")))
        self.assertIn("Preparing for a Python job interview", reply.content)
        self.assertIsNone(reply.code_quality)
        self.assertIsNone(reply.exercise)
        self.assertEqual(len(reply.follow_ups), 3)
        self.assertEqual(json.loads(reply.data)["topic_matched"], "interview")
        (request,) = self.calls
        self.assertEqual(request.feature, "career-advice")
        self.assertIsNone(request.model)
        self.assertIsNone(request.response_schema)
        self.assertEqual(request.messages[0].role, types.Role.SYSTEM)
        self.assertEqual(request.messages[-1],
                         types.Message(types.Role.USER,
                                       "How do I prepare for a Python job interview?"))

    def test_respond_with_a_real_model(self):
        self.answer = self.response("Practise with a friend.", "gpt-4o-mini")
        reply = app.Agent().respond(self.request((types.Role.USER, "interview tips")))
        self.assertEqual(reply.content, "Practise with a friend.")
        self.assertEqual(json.loads(reply.data)["model"], "gpt-4o-mini")

    def test_model_errors_fall_back_and_are_logged(self):
        kb = career.respond([("user", "interview tips")]).content
        for error in (llm.LlmError_Unavailable("no provider"), llm.LlmError_RateLimited(1000),
                      llm.LlmError_BudgetExceeded("AI_BUDGET_EXCEEDED: day used up")):
            self.answer = error
            reply = app.Agent().respond(self.request((types.Role.USER, "interview tips")))
            self.assertEqual(reply.content, kb)
            self.assertEqual(json.loads(reply.data)["source"], "knowledge-base")
        self.assertEqual(len(self.logged), 3)
        self.assertTrue(all(c == "career-agent" for c, _ in self.logged))

    def test_blocked_shows_the_safety_response(self):
        self.answer = llm.LlmError_Blocked("You are not alone.")
        reply = app.Agent().respond(self.request((types.Role.USER, "cv tips")))
        self.assertEqual(reply.content, "You are not alone.")

    def test_no_user_message_is_invalid_input(self):
        with self.assertRaises(Err) as cm:
            app.Agent().respond(self.request((types.Role.ASSISTANT, "Hi!")))
        self.assertIsInstance(cm.exception.value, types.Error_InvalidInput)
        self.assertEqual(cm.exception.value.value.field, "messages")
        self.assertEqual(self.calls, [])

    def test_a_bug_answers_internal(self):
        original = career.respond
        career.respond = lambda *a, **k: 1 / 0
        self.addCleanup(setattr, career, "respond", original)
        with self.assertRaises(Err) as cm:
            app.Agent().respond(self.request((types.Role.USER, "cv tips")))
        self.assertIsInstance(cm.exception.value, types.Error_Internal)
        self.assertIn("ZeroDivisionError", cm.exception.value.value)


if __name__ == "__main__":
    unittest.main()
