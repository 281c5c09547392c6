//! Templates for files, errors, modules and general practice. The sandbox has no
//! filesystem, so file exercises work on file objects: the tests pass `io.StringIO`
//! objects, which read and write like an opened text file.

use std::collections::BTreeMap;

use super::{Piece, ints, q, starter, strs};
use crate::seed::Picker;

/// A file object holding `text`, as an assertion can build it without an import.
fn file(text: &str) -> String {
    format!("__import__(\"io\").StringIO({})", q(text))
}

const FILES: [&str; 6] = [
    "first line\n\n# a comment\nlast line\n",
    "",
    "one\ntwo\nthree\n",
    "# only a comment\n",
    "  \nspaced words here\n\n\nend",
    "a b c\n# x y\nd e\n",
];

pub fn count_in_file(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    let (f, what, cond) = match variant {
        0 => (
            "count_nonblank_lines",
            "how many lines are not blank (blank: only spaces or nothing)",
            "line.strip() != \"\"",
        ),
        1 => (
            "count_comment_lines",
            "how many lines start with `#` (after any leading spaces)",
            "line.strip().startswith(\"#\")",
        ),
        _ => (
            "count_words_in_file",
            "how many words it holds (split on whitespace)",
            "",
        ),
    };
    let reference = if variant == 2 {
        format!(
            "def {f}(file):\n    total = 0\n    for line in file:\n        total += len(line.split())\n    return total\n"
        )
    } else {
        format!(
            "def {f}(file):\n    count = 0\n    for line in file:\n        if {cond}:\n            count += 1\n    return count\n"
        )
    };
    let compute = |t: &str| -> usize {
        match variant {
            0 => t.lines().filter(|l| !l.trim().is_empty()).count(),
            1 => t.lines().filter(|l| l.trim().starts_with('#')).count(),
            _ => t.split_whitespace().count(),
        }
    };
    let mut piece = Piece::new(
        format!("Read a file: {}", f.replace('_', " ")),
        format!(
            "Write `{f}(file)` that takes an open text file and returns {what}. The tests \
             pass file objects (like the one `open(path)` returns), so read from `file`; \
             don't open anything yourself."
        ),
        starter(&[&format!("{f}(file)")]),
        reference,
    )
    .hints(&[
        "`for line in file:` reads the file line by line.",
        "`line.strip()` drops the spaces and the newline.",
    ]);
    for t in p.sample(&FILES, 4) {
        piece.test(format!("{f}({}) == {}", file(t), compute(t)));
    }
    piece
}

pub fn totals_from_file(p: &mut Picker) -> Piece {
    let f = p.pick(&["totals_by_name", "sum_per_person", "sales_by_seller"]);
    let sep = p.pick(&[",", ";", "|"]);
    let mut piece = Piece::new(
        format!("Totals from a data file ({f}, `{sep}`)"),
        format!(
            "Each line of a file looks like `name{sep}amount` (amount: a whole number). \
             Write `{f}(file)` that reads the open file and returns a dictionary mapping each \
             name to the sum of its amounts. Skip blank lines; ignore spaces around the \
             parts."
        ),
        starter(&[&format!("{f}(file)")]),
        format!("def {f}(file):\n    totals = {{}}\n    for line in file:\n        line = line.strip()\n        if not line:\n            continue\n        name, amount = line.split({})\n        name = name.strip()\n        totals[name] = totals.get(name, 0) + int(amount)\n    return totals\n", q(sep)),
    )
    .hints(&["`line.split(separator)` cuts a line in two.", "`int(\" 12 \")` ignores the spaces."]);
    let names = ["ann", "bob", "cy", "dee"];
    for n in [4, 6, 0, 3] {
        let mut text = String::new();
        let mut totals: BTreeMap<String, i64> = BTreeMap::new();
        for i in 0..n {
            let name = p.pick(&names);
            let amount = p.int(-5, 99);
            let pad = if i % 2 == 0 { " " } else { "" };
            text.push_str(&format!("{name}{pad}{sep}{pad}{amount}\n"));
            if i == 1 {
                text.push('\n');
            }
            *totals.entry(q(name)).or_default() += amount;
        }
        let items: Vec<String> = totals.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        piece.test(format!("{f}({}) == {{{}}}", file(&text), items.join(", ")));
    }
    piece
}

pub fn copy_lines(p: &mut Picker) -> Piece {
    let numbered = p.below(2) == 0;
    let word = p.pick(&["error", "todo", "note"]);
    let (f, sig, what, reference) = if numbered {
        ("number_lines".to_owned(), "number_lines(source, target)".to_owned(),
         "writes each non-blank line of `source` to `target` as `N: line` (N counting the lines written, from 1; the line without its newline, then a newline), and returns how many lines it wrote".to_owned(),
         "def number_lines(source, target):\n    written = 0\n    for line in source:\n        line = line.rstrip(\"\\n\")\n        if line.strip():\n            written += 1\n            target.write(f\"{written}: {line}\\n\")\n    return written\n".to_owned())
    } else {
        (
            "copy_matching".to_owned(),
            "copy_matching(source, target)".to_owned(),
            format!(
                "copies to `target` each line of `source` that contains the word `{word}` in any case (the line without its newline, then a newline), and returns how many lines it copied"
            ),
            format!(
                "def copy_matching(source, target):\n    copied = 0\n    for line in source:\n        line = line.rstrip(\"\\n\")\n        if {} in line.lower():\n            target.write(line + \"\\n\")\n            copied += 1\n    return copied\n",
                q(word)
            ),
        )
    };
    let mut piece = Piece::new(
        format!("Copy between files: {}", f.replace('_', " ")),
        format!("Write `{sig}` that reads the open text file `source`, {what}. `target` is a text file open for writing."),
        starter(&[&sig]),
        reference,
    )
    .hints(&["`target.write(text)` writes without adding a newline.", "`line.rstrip(\"\\n\")` drops a line's newline."]);
    let lines = [
        "Error: disk full",
        "all good",
        "",
        "TODO: tests",
        "a note to self",
        "ERROR again",
        "  ",
    ];
    for _ in 0..4 {
        let chosen = p.sample(&lines, 4);
        let text = chosen.join("\n") + "\n";
        let mut out = String::new();
        let mut n = 0;
        for line in &chosen {
            let keep = if numbered {
                !line.trim().is_empty()
            } else {
                line.to_lowercase().contains(word)
            };
            if keep {
                n += 1;
                if numbered {
                    out.push_str(&format!("{n}: {line}\n"));
                } else {
                    out.push_str(&format!("{line}\n"));
                }
            }
        }
        piece.test(format!(
            "[[{f}(src, dst), dst.getvalue()] for src, dst in [({}, __import__(\"io\").StringIO())]][0] == [{n}, {}]",
            file(&text),
            q(&out)
        ));
    }
    piece
}

pub fn safe_conversion(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let f = p.pick(&["safe_divide", "divide_or_default"]);
        let fallback = p.pick(&["0", "None", "\"undefined\""]);
        let mut piece = Piece::new(
            format!("Division without crashing ({f}, {fallback})"),
            format!("Write `{f}(a, b)` that returns `a / b`, or `{fallback}` when `b` is 0. Use `try` and `except ZeroDivisionError`, not an `if`."),
            starter(&[&format!("{f}(a, b)")]),
            format!("def {f}(a, b):\n    try:\n        return a / b\n    except ZeroDivisionError:\n        return {fallback}\n"),
        )
        .hints(&["Put the division in a `try` block.", "Catch exactly `ZeroDivisionError`."]);
        for _ in 0..3 {
            let (b, k) = (p.int(1, 9), p.int(-9, 20));
            piece.test(format!("{f}({}, {b}) == {k}", b * k));
        }
        piece.test(format!("{f}({}, 0) == {fallback}", p.int(1, 50)));
        piece
    } else {
        let f = p.pick(&["safe_int", "to_int_or_default"]);
        let default = p.int(-1, 0);
        let mut piece = Piece::new(
            format!("Convert text to a number safely ({f})"),
            format!("Write `{f}(text, default={default})` that returns `int(text)`, or `default` when the text is not a whole number (`int` raises `ValueError`)."),
            starter(&[&format!("{f}(text, default={default})")]),
            format!("def {f}(text, default={default}):\n    try:\n        return int(text)\n    except ValueError:\n        return default\n"),
        )
        .hints(&["Call `int(text)` inside `try`.", "Catch `ValueError` and return the default."]);
        for (text, value) in p.sample(
            &[
                ("42", Some(42)),
                ("-7", Some(-7)),
                ("abc", None),
                ("", None),
                ("3.5", None),
                (" 8 ", Some(8)),
            ],
            4,
        ) {
            piece.test(format!("{f}({}) == {}", q(text), value.unwrap_or(default)));
        }
        piece.test(format!("{f}(\"x\", 99) == 99"));
        piece
    }
}

pub fn skip_invalid(p: &mut Picker) -> Piece {
    let summary = p.below(2) == 0;
    let f = if summary {
        p.pick(&["parse_numbers", "read_numbers"])
    } else {
        p.pick(&["sum_valid", "total_of_numbers"])
    };
    let what = if summary {
        "a tuple `(numbers, errors)`: the list of the items that `int()` accepts, converted, in order, and how many items it refused"
    } else {
        "the sum of the items that `int()` accepts; the others are skipped"
    };
    let reference = if summary {
        format!(
            "def {f}(items):\n    numbers = []\n    errors = 0\n    for item in items:\n        try:\n            numbers.append(int(item))\n        except ValueError:\n            errors += 1\n    return (numbers, errors)\n"
        )
    } else {
        format!(
            "def {f}(items):\n    total = 0\n    for item in items:\n        try:\n            total += int(item)\n        except ValueError:\n            continue\n    return total\n"
        )
    };
    let mut piece = Piece::new(
        format!("Skip what does not convert ({f})"),
        format!("Write `{f}(items)` that takes a list of strings and returns {what}. Catch `ValueError` for each item."),
        starter(&[&format!("{f}(items)")]),
        reference,
    )
    .hints(&["Put the `try` inside the loop, so one bad item does not stop the rest.", "`except ValueError:` then move on."]);
    let pool: [(&str, Option<i64>); 9] = [
        ("1", Some(1)),
        ("2", Some(2)),
        ("x", None),
        ("-3", Some(-3)),
        (" 4 ", Some(4)),
        ("5.0", None),
        ("", None),
        ("10", Some(10)),
        ("seven", None),
    ];
    for n in [5, 7, 0, 3] {
        let items = p.sample(&pool, n);
        let texts: Vec<&str> = items.iter().map(|(t, _)| *t).collect();
        let good: Vec<i64> = items.iter().filter_map(|(_, v)| *v).collect();
        let expected = if summary {
            format!("({}, {})", ints(&good), items.len() - good.len())
        } else {
            good.iter().sum::<i64>().to_string()
        };
        piece.test(format!("{f}({}) == {expected}", strs(&texts)));
    }
    piece
}

pub fn checked_call(p: &mut Picker) -> Piece {
    let f = p.pick(&["checked_call", "try_call", "call_safely"]);
    let cases = [
        ("int, \"42\"", "(\"ok\", 42)"),
        ("int, \"x\"", "(\"error\", \"ValueError\")"),
        ("divmod, 7, 0", "(\"error\", \"ZeroDivisionError\")"),
        ("divmod, 7, 2", "(\"ok\", (3, 1))"),
        ("list.pop, []", "(\"error\", \"IndexError\")"),
        ("len, 5", "(\"error\", \"TypeError\")"),
        ("abs, -3", "(\"ok\", 3)"),
        ("dict.__getitem__, {}, \"k\"", "(\"error\", \"KeyError\")"),
    ];
    let mut piece = Piece::new(
        format!("Report errors instead of crashing ({f})"),
        format!(
            "Write `{f}(func, *args)` that calls `func(*args)` and returns `(\"ok\", result)` \
             when it works, or `(\"error\", name)` when it raises an exception, where `name` \
             is the exception's class name (e.g. `\"ValueError\"`).\n\nExample: \
             `{f}(int, \"7\")` returns `(\"ok\", 7)`."
        ),
        starter(&[&format!("{f}(func, *args)")]),
        format!("def {f}(func, *args):\n    try:\n        return (\"ok\", func(*args))\n    except Exception as error:\n        return (\"error\", type(error).__name__)\n"),
    )
    .hints(&["`*args` collects the extra arguments; `func(*args)` passes them on.", "`except Exception as error:` then `type(error).__name__`."]);
    for (args, expected) in p.sample(&cases, 5) {
        piece.test(format!("{f}({args}) == {expected}"));
    }
    piece
}

pub fn math_module(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let f = p.pick(&["hypotenuse", "diagonal_length"]);
        let mut piece = Piece::new(
            format!("Use the math module ({f})"),
            format!("Write `{f}(a, b)` that returns the length of the hypotenuse of a right triangle with sides `a` and `b`: the square root of `a² + b²`. Import `math` and use `math.sqrt` (or `math.hypot`)."),
            starter(&[&format!("{f}(a, b)")]),
            format!("import math\n\n\ndef {f}(a, b):\n    return math.sqrt(a * a + b * b)\n"),
        )
        .hints(&["`import math` at the top of the file.", "`math.sqrt(x)` is the square root."]);
        for (a, b, c) in [(3, 4, 5), (5, 12, 13), (8, 15, 17), (7, 24, 25)] {
            let k = p.int(1, 6);
            piece.test(format!("{f}({}, {}) == {}", a * k, b * k, c * k));
        }
        piece
    } else {
        let f = p.pick(&["gcd_of_list", "common_divisor"]);
        let mut piece = Piece::new(
            format!("Use the math module ({f})"),
            format!("Write `{f}(numbers)` that returns the greatest common divisor of all the positive whole numbers in the non-empty list `numbers`, using `math.gcd`."),
            starter(&[&format!("{f}(numbers)")]),
            format!("import math\n\n\ndef {f}(numbers):\n    result = numbers[0]\n    for n in numbers[1:]:\n        result = math.gcd(result, n)\n    return result\n"),
        )
        .hints(&["`import math`, then `math.gcd(a, b)`.", "Combine the numbers one at a time."]);
        let gcd = |mut a: i64, mut b: i64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        for n in [3, 2, 1, 4] {
            let g = p.int(1, 12);
            let xs: Vec<i64> = p.ints(n, 1, 20).iter().map(|x| x * g).collect();
            let expected = xs.iter().fold(0, |acc, x| gcd(acc, *x));
            piece.test(format!("{f}({}) == {expected}", ints(&xs)));
        }
        piece
    }
}

pub fn counter_module(p: &mut Picker) -> Piece {
    let letters = p.below(2) == 0;
    let f = if letters {
        p.pick(&["most_common_letter", "top_letter"])
    } else {
        p.pick(&["most_common_word", "top_word"])
    };
    let unit = if letters { "letter" } else { "word" };
    let mut piece = Piece::new(
        format!("Use collections.Counter ({f})"),
        format!(
            "Write `{f}(text)` that returns the most common {unit} of `text` \
             (lowercased{}), using `collections.Counter`. When several are equally common, \
             return the alphabetically first. `text` holds at least one {unit}.",
            if letters { "; only letters count" } else { "; words are separated by spaces" }
        ),
        starter(&[&format!("{f}(text)")]),
        format!(
            "from collections import Counter\n\n\ndef {f}(text):\n    counts = Counter({})\n    best = max(counts.values())\n    return min(key for key, count in counts.items() if count == best)\n",
            if letters { "char for char in text.lower() if char.isalpha()" } else { "text.lower().split()" }
        ),
    )
    .hints(&["`Counter(iterable)` counts for you.", "Find the highest count, then the smallest key with it."]);
    let texts = [
        "Hello World",
        "banana bandana",
        "The cat and the hat",
        "Mississippi river",
        "a B b A c",
        "to be or not to be",
    ];
    for t in p.sample(&texts, 4) {
        let mut m: BTreeMap<String, i64> = BTreeMap::new();
        if letters {
            for c in t.to_lowercase().chars().filter(char::is_ascii_alphabetic) {
                *m.entry(c.to_string()).or_default() += 1;
            }
        } else {
            for w in t.to_lowercase().split_whitespace() {
                *m.entry(w.to_owned()).or_default() += 1;
            }
        }
        let best = m.values().max().copied().unwrap_or(0);
        let key = m
            .iter()
            .find(|(_, v)| **v == best)
            .map(|(k, _)| k.clone())
            .unwrap_or_default();
        piece.test(format!("{f}({}) == {}", q(t), q(&key)));
    }
    piece
}

pub fn itertools_module(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let f = p.pick(&["distinct_sums", "possible_totals"]);
        let mut piece = Piece::new(
            format!("Use itertools ({f})"),
            format!("Write `{f}(numbers, k)` that returns the sorted list of the distinct sums of every choice of `k` items of `numbers` (items at different positions, order not mattering), using `itertools.combinations`."),
            starter(&[&format!("{f}(numbers, k)")]),
            format!("from itertools import combinations\n\n\ndef {f}(numbers, k):\n    return sorted({{sum(choice) for choice in combinations(numbers, k)}})\n"),
        )
        .hints(&["`combinations(numbers, k)` yields every choice of `k` items.", "A set drops repeated sums; `sorted` orders them."]);
        for (n, k) in [(4, 2), (5, 3), (3, 1), (2, 3)] {
            let xs = p.ints(n, 1, 9);
            let mut sums = std::collections::BTreeSet::new();
            let n = xs.len();
            for mask in 0u32..(1 << n) {
                if mask.count_ones() as usize == k {
                    sums.insert(
                        (0..n)
                            .filter(|i| mask & (1 << i) != 0)
                            .map(|i| xs[i])
                            .sum::<i64>(),
                    );
                }
            }
            let v: Vec<i64> = sums.into_iter().collect();
            piece.test(format!("{f}({}, {k}) == {}", ints(&xs), ints(&v)));
        }
        piece
    } else {
        let f = p.pick(&["arrangements", "letter_orders"]);
        let mut piece = Piece::new(
            format!("Use itertools ({f})"),
            format!("Write `{f}(letters, length)` that returns the sorted list of the distinct strings made of `length` of the letters of `letters` in any order (each position used at most once), using `itertools.permutations`."),
            starter(&[&format!("{f}(letters, length)")]),
            format!("from itertools import permutations\n\n\ndef {f}(letters, length):\n    return sorted({{\"\".join(p) for p in permutations(letters, length)}})\n"),
        )
        .hints(&["`permutations(letters, length)` yields tuples of letters.", "`\"\".join(t)` makes a string; a set drops repeats."]);
        for (word, k) in p.sample(
            &[
                ("abc", 2),
                ("aab", 2),
                ("xy", 2),
                ("tea", 3),
                ("abcd", 1),
                ("aa", 3),
            ],
            4,
        ) {
            let chars: Vec<char> = word.chars().collect();
            let mut out = std::collections::BTreeSet::new();
            let n = chars.len();
            fn rec(
                chars: &[char],
                used: &mut Vec<bool>,
                cur: &mut String,
                k: usize,
                out: &mut std::collections::BTreeSet<String>,
            ) {
                if cur.chars().count() == k {
                    out.insert(cur.clone());
                    return;
                }
                for i in 0..chars.len() {
                    if !used[i] {
                        used[i] = true;
                        cur.push(chars[i]);
                        rec(chars, used, cur, k, out);
                        cur.pop();
                        used[i] = false;
                    }
                }
            }
            if k <= n {
                rec(&chars, &mut vec![false; n], &mut String::new(), k, &mut out);
            }
            let v: Vec<String> = out.into_iter().collect();
            piece.test(format!("{f}({}, {k}) == {}", q(word), strs(&v)));
        }
        piece
    }
}

pub fn fizzbuzz(p: &mut Picker) -> Piece {
    let (a_word, b_word) = p.pick(&[("Fizz", "Buzz"), ("Ping", "Pong"), ("Foo", "Bar")]);
    let (a, b) = p.pick(&[(3, 5), (2, 7), (3, 4), (4, 5)]);
    let f = a_word.to_lowercase() + &b_word.to_lowercase();
    let say = |n: i64| match (n % a == 0, n % b == 0) {
        (true, true) => format!("{a_word}{b_word}"),
        (true, false) => a_word.to_owned(),
        (false, true) => b_word.to_owned(),
        _ => n.to_string(),
    };
    let mut piece = Piece::new(
        format!("{a_word}{b_word} with {a} and {b}"),
        format!(
            "Write `{f}(n)` that returns `\"{a_word}{b_word}\"` when `n` is divisible by both \
             {a} and {b}, `\"{a_word}\"` when only by {a}, `\"{b_word}\"` when only by {b}, \
             and otherwise `n` as a string."
        ),
        starter(&[&format!("{f}(n)")]),
        format!("def {f}(n):\n    if n % {a} == 0 and n % {b} == 0:\n        return \"{a_word}{b_word}\"\n    if n % {a} == 0:\n        return \"{a_word}\"\n    if n % {b} == 0:\n        return \"{b_word}\"\n    return str(n)\n"),
    )
    .hints(&["Check \"divisible by both\" first.", "`n % d == 0` tests divisibility; `str(n)` turns a number into text."]);
    let both = a * b * p.int(1, 3);
    let mut only_a = a * p.int(1, 9);
    while only_a % b == 0 {
        only_a += a;
    }
    let mut only_b = b * p.int(1, 9);
    while only_b % a == 0 {
        only_b += b;
    }
    let mut neither = p.int(1, 50);
    while neither % a == 0 || neither % b == 0 {
        neither += 1;
    }
    for n in [both, only_a, only_b, neither] {
        piece.test(format!("{f}({n}) == {}", q(&say(n))));
    }
    piece
}

pub fn word_puzzles(p: &mut Picker) -> Piece {
    let anagram = p.below(2) == 0;
    let norm = |s: &str| -> Vec<char> {
        s.to_lowercase()
            .chars()
            .filter(char::is_ascii_alphabetic)
            .collect()
    };
    if anagram {
        let f = p.pick(&["is_anagram", "same_letters"]);
        let mut piece = Piece::new(
            format!("Anagrams ({f})"),
            format!("Write `{f}(first, second)` that returns `True` when the two texts use exactly the same letters the same number of times, ignoring case, spaces and punctuation."),
            starter(&[&format!("{f}(first, second)")]),
            format!("def {f}(first, second):\n    def letters(text):\n        return sorted(char for char in text.lower() if char.isalpha())\n    return letters(first) == letters(second)\n"),
        )
        .hints(&["Keep only the letters, lowercased.", "Two sorted lists of letters are equal exactly for anagrams."]);
        let pairs = [
            ("listen", "silent"),
            ("Dormitory", "dirty room"),
            ("apple", "paple!"),
            ("abc", "abd"),
            ("aab", "abb"),
            ("", ""),
            ("Astronomer", "Moon starer"),
        ];
        for (x, y) in p.sample(&pairs, 5) {
            let (mut a, mut b) = (norm(x), norm(y));
            a.sort_unstable();
            b.sort_unstable();
            piece.test(format!(
                "{f}({}, {}) == {}",
                q(x),
                q(y),
                super::py_bool(a == b)
            ));
        }
        piece
    } else {
        let f = p.pick(&["is_palindrome", "reads_same_backwards"]);
        let mut piece = Piece::new(
            format!("Palindromes ({f})"),
            format!("Write `{f}(text)` that returns `True` when `text` reads the same forwards and backwards, counting only its letters and ignoring case."),
            starter(&[&format!("{f}(text)")]),
            format!("def {f}(text):\n    letters = [char for char in text.lower() if char.isalpha()]\n    return letters == letters[::-1]\n"),
        )
        .hints(&["Keep only the letters, lowercased.", "`items[::-1]` is the reversed list."]);
        for t in p.sample(
            &[
                "Racecar",
                "A man, a plan, a canal: Panama",
                "hello",
                "",
                "Was it a car or a cat I saw?",
                "abca",
                "Noon",
            ],
            5,
        ) {
            let l = norm(t);
            let r: Vec<char> = l.iter().rev().copied().collect();
            piece.test(format!("{f}({}) == {}", q(t), super::py_bool(l == r)));
        }
        piece
    }
}

pub fn number_bases(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let base = p.pick(&[2, 3, 5, 8]);
        let f = match base {
            2 => "to_binary".to_owned(),
            8 => "to_octal".to_owned(),
            b => format!("to_base_{b}"),
        };
        let convert = |mut n: i64| {
            if n == 0 {
                return "0".to_owned();
            }
            let mut digits = Vec::new();
            while n > 0 {
                digits.push(char::from(b'0' + (n % base) as u8));
                n /= base;
            }
            digits.iter().rev().collect::<String>()
        };
        let mut piece = Piece::new(
            format!("Numbers in base {base} ({f})"),
            format!("Write `{f}(n)` that returns the base-{base} digits of the whole number `n` ≥ 0 as a string, without `bin`, `oct` or `format`: repeatedly take `n % {base}` and divide by {base}.\n\nExample: `{f}({base})` returns `\"10\"`."),
            starter(&[&format!("{f}(n)")]),
            format!("def {f}(n):\n    if n == 0:\n        return \"0\"\n    digits = \"\"\n    while n > 0:\n        digits = str(n % {base}) + digits\n        n //= {base}\n    return digits\n"),
        )
        .hints(&["The remainders are the digits, last digit first.", "Handle 0 on its own."]);
        for n in [
            0,
            1,
            p.int(base + 1, 50),
            p.int(51, 1000),
            p.int(1001, 100_000),
        ] {
            piece.test(format!("{f}({n}) == {}", q(&convert(n))));
        }
        piece
    } else {
        let f = p.pick(&["to_roman", "roman_numeral"]);
        let roman = |mut n: i64| {
            let table = [
                (1000, "M"),
                (900, "CM"),
                (500, "D"),
                (400, "CD"),
                (100, "C"),
                (90, "XC"),
                (50, "L"),
                (40, "XL"),
                (10, "X"),
                (9, "IX"),
                (5, "V"),
                (4, "IV"),
                (1, "I"),
            ];
            let mut out = String::new();
            for (v, s) in table {
                while n >= v {
                    out.push_str(s);
                    n -= v;
                }
            }
            out
        };
        let mut piece = Piece::new(
            format!("Roman numerals ({f})"),
            format!("Write `{f}(n)` that returns the Roman numeral of `n` (1 to 3999) as a string, using the subtractive forms IV, IX, XL, XC, CD and CM.\n\nExample: `{f}(14)` returns `\"XIV\"`."),
            starter(&[&format!("{f}(n)")]),
            format!("def {f}(n):\n    table = [(1000, \"M\"), (900, \"CM\"), (500, \"D\"), (400, \"CD\"), (100, \"C\"),\n             (90, \"XC\"), (50, \"L\"), (40, \"XL\"), (10, \"X\"), (9, \"IX\"), (5, \"V\"),\n             (4, \"IV\"), (1, \"I\")]\n    result = \"\"\n    for value, symbol in table:\n        while n >= value:\n            result += symbol\n            n -= value\n    return result\n"),
        )
        .hints(&["Work from the largest value down, subtracting as you go.", "Put the two-letter forms (900, 400, 90, …) in the table too."]);
        for n in [1, 4, p.int(15, 99), p.int(100, 999), p.int(1000, 3999)] {
            piece.test(format!("{f}({n}) == {}", q(&roman(n))));
        }
        piece
    }
}
