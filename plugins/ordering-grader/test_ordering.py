"""Unit tests of the ordering rules: `python3 -m unittest` in this folder (no bindings)."""

import json
import unittest

import ordering
from ordering import Invalid, Unsupported, concordant_share, grade

ITEMS = ["b", "c", "a", "d"]  # as displayed (shuffled)
RIGHT = ["a", "b", "c", "d"]


def run(answer, key=None, options=ITEMS, kind="ordering", raw_key=None, raw_answer=None):
    key = {"order": RIGHT} if key is None else key
    return grade(
        kind,
        options,
        raw_key if raw_key is not None else json.dumps(key),
        raw_answer if raw_answer is not None else json.dumps(answer),
    )


class Scoring(unittest.TestCase):
    def test_exact_order_is_correct(self):
        out = run({"order": RIGHT})
        self.assertEqual(out.score, 1.0)
        self.assertTrue(out.correct)
        self.assertEqual(out.feedback, "Correct! All 4 items are in the right order.")
        self.assertEqual([p.part for p in out.parts], ["0", "1", "2", "3"])
        self.assertTrue(all(p.correct for p in out.parts))

    def test_wrong_order_without_partial_credit_scores_zero(self):
        out = run({"order": ["a", "c", "b", "d"]})
        self.assertEqual(out.score, 0.0)
        self.assertFalse(out.correct)
        self.assertIn("“c” is the first item out of place: position 2 should be “b”", out.feedback)
        self.assertTrue(out.feedback.startswith("Not quite:"))
        self.assertEqual([p.correct for p in out.parts], [True, False, False, True])
        self.assertEqual(out.parts[1].feedback, "“c” belongs in position 3.")

    def test_partial_credit_is_share_of_pairs_in_order(self):
        key = {"order": RIGHT, "partial_credit": True}
        # One adjacent swap: 1 of 6 pairs discordant.
        out = run({"order": ["a", "c", "b", "d"]}, key)
        self.assertAlmostEqual(out.score, 5 / 6)
        self.assertFalse(out.correct)
        self.assertTrue(out.feedback.startswith("Partly right (83%): 5 of 6 pairs"), out.feedback)
        self.assertIn("“c” is the first item out of place", out.feedback)
        # Last item moved to the front: 3 of 6 pairs discordant.
        self.assertAlmostEqual(run({"order": ["d", "a", "b", "c"]}, key).score, 0.5)
        # The reverse order: every pair discordant.
        out = run({"order": ["d", "c", "b", "a"]}, key)
        self.assertEqual(out.score, 0.0)
        self.assertTrue(out.feedback.startswith("Not quite:"))
        # Exact order still 1.0.
        self.assertEqual(run({"order": RIGHT}, key).score, 1.0)

    def test_partial_credit_false_is_all_or_nothing(self):
        key = {"order": RIGHT, "partial_credit": False}
        self.assertEqual(run({"order": ["a", "c", "b", "d"]}, key).score, 0.0)

    def test_custom_feedback_replaces_default(self):
        key = {"order": RIGHT, "correct_feedback": "Yes!", "incorrect_feedback": "No."}
        self.assertEqual(run({"order": RIGHT}, key).feedback, "Yes!")
        self.assertEqual(run({"order": ["b", "a", "c", "d"]}, key).feedback, "No.")

    def test_concordant_share(self):
        self.assertEqual(concordant_share(["x", "y"], ["x", "y"]), 1.0)
        self.assertEqual(concordant_share(["y", "x"], ["x", "y"]), 0.0)
        self.assertAlmostEqual(concordant_share(list("acbed"), list("abcde")), 0.8)
        self.assertEqual(concordant_share(["x"], ["x"]), 1.0)

    def test_long_items_are_shortened_in_feedback(self):
        long = ["x" * 50000 + str(i) for i in range(3)]
        out = run({"order": long[::-1]}, {"order": long}, options=long)
        self.assertLess(len(out.feedback) + sum(len(p.feedback) for p in out.parts), 2000)
        with self.assertRaises(Invalid) as cm:
            run({"order": ["y" * 100000]}, {"order": long}, options=long)
        self.assertLess(len(cm.exception.message), 300)

    def test_items_are_matched_exactly(self):
        opts = ["Ä", "a", " a"]
        out = run({"order": [" a", "a", "Ä"]}, {"order": [" a", "a", "Ä"]}, options=opts)
        self.assertTrue(out.correct)


class Validation(unittest.TestCase):
    def assertInvalid(self, field, fn, *args, contains=None, **kwargs):
        with self.assertRaises(Invalid) as cm:
            fn(*args, **kwargs)
        self.assertEqual(cm.exception.field, field, cm.exception.message)
        if contains:
            self.assertIn(contains, cm.exception.message)

    def test_answer_order_missing_or_ill_typed(self):
        self.assertInvalid("answer.order", run, {}, contains="missing")
        self.assertInvalid("answer.order", run, {"order": "a,b,c,d"})
        self.assertInvalid("answer.order", run, {"order": None}, contains="missing")
        self.assertInvalid("answer.order", run, {"order": [0, 1, 2, 3]}, contains="item 0")
        self.assertInvalid("answer", run, None, raw_answer="[1, 2]")
        self.assertInvalid("answer", run, None, raw_answer="{not json")
        self.assertInvalid("answer.extra", run, {"order": RIGHT, "extra": 1})

    def test_answer_items_must_match_options(self):
        self.assertInvalid("answer.order", run, {"order": ["a", "b", "c", "e"]},
                           contains="“e” is not one of")
        self.assertInvalid("answer.order", run, {"order": ["a", "b", "c", "c"]},
                           contains="more than once")
        self.assertInvalid("answer.order", run, {"order": ["a", "b", "c"]},
                           contains="missing “d”")
        self.assertInvalid("answer.order", run, {"order": ["a", "b", "c", "d", "a"]},
                           contains="more than once")

    def test_answer_key_must_match_options(self):
        ok = {"order": RIGHT}
        self.assertInvalid("question.answer_key.order", run, ok, {})
        self.assertInvalid("question.answer_key.order", run, ok, {"order": [2, 0, 1, 3]})
        self.assertInvalid("question.answer_key.order", run, ok, {"order": ["a", "b", "c"]})
        self.assertInvalid("question.answer_key.order", run, ok, {"order": ["a", "b", "c", "x"]})
        self.assertInvalid("question.answer_key.order", run, ok, {"order": ["a", "a", "b", "c"]})
        self.assertInvalid("question.answer_key.partial_credit", run, ok,
                           {"order": RIGHT, "partial_credit": "yes"})
        self.assertInvalid("question.answer_key.correct_feedback", run, ok,
                           {"order": RIGHT, "correct_feedback": 3})
        self.assertInvalid("question.answer_key.partial_credits", run, ok,
                           {"order": RIGHT, "partial_credits": True})
        self.assertInvalid("question.answer_key", run, ok, raw_key='["a"]')
        self.assertInvalid("question.answer_key", run, ok, raw_key="")

    def test_answer_key_is_checked_before_answer(self):
        self.assertInvalid("question.answer_key.order", run, {"order": 5}, {"order": 5})

    def test_options(self):
        self.assertInvalid("question.options", run, {"order": ["a"]}, {"order": ["a"]},
                           options=["a"])
        self.assertInvalid("question.options", run, {"order": []}, {"order": []}, options=[])
        self.assertInvalid("question.options", run, {"order": ["a", "a"]}, {"order": ["a", "a"]},
                           options=["a", "a"], contains="more than once")

    def test_other_kind_is_unsupported(self):
        with self.assertRaises(Unsupported):
            run({"order": RIGHT}, kind="multiple_choice")

    def test_deeply_nested_json_is_refused_before_parsing(self):
        # In the component a deep payload would overflow the WebAssembly stack (a trap).
        self.assertInvalid("answer", run, None, raw_answer="[" * 100000,
                           contains="brackets or quotes do not match")
        deep = '{"order": ' + "[" * 40 + "]" * 40 + "}"
        self.assertInvalid("answer", run, None, raw_answer=deep, contains="nested more than 32")
        self.assertInvalid("question.answer_key", run, None, raw_key="[{" * 20 + "}]" * 20,
                           contains="nested more than 32")
        # 32 levels are parsed (and then refused for their shape).
        at_limit = '{"order": ' + "[" * 31 + "]" * 31 + "}"
        self.assertInvalid("answer.order", run, None, raw_answer=at_limit, contains="item 0")
        self.assertInvalid("answer", run, None, raw_answer='{"order": ["a", "b}',
                           contains="do not match")

    def test_brackets_inside_strings_do_not_count(self):
        opts = ["[[[", "}}", 'say "]"', "\\", "\\\"[", "[" * 100 + "]" * 200]
        key = {"order": opts}
        self.assertTrue(run({"order": opts}, key, options=opts).correct)
        # Strings do not hide real nesting either.
        hidden = '{"order": ' + '["]]]]]]]]]]",' * 20 + "[" * 20 + "]" * 40 + "}"
        self.assertInvalid("answer", run, None, raw_answer=hidden, contains="nested more than")

    def test_large_payloads_are_refused_without_a_quadratic_scan(self):
        import time
        payloads = [
            '{"order": ["' + '\\"' * 400000 + '"]}',
            '{"order": [' + ",".join(['"["'] * 200000) + "]}",
            '{"order": [' + ",".join(['["["]'] * 150000) + "]}",
            '{"order": [' + ",".join(["[]"] * 300000) + "]}",
            '"' * 1000000,
        ]
        for payload in payloads:
            started = time.perf_counter()
            with self.assertRaises(Invalid):
                run(None, raw_answer=payload)
            # Not a speed assertion (the checks are linear; a quadratic scan of these
            # payloads would take hours): a bound that only a hang can break.
            self.assertLess(time.perf_counter() - started, 10, payload[:40])


class Kinds(unittest.TestCase):
    def test_kind(self):
        self.assertEqual(ordering.KIND, "ordering")


if __name__ == "__main__":
    unittest.main()
