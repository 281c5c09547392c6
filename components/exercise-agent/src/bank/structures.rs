//! Templates for functions, lists, dictionaries and classes.

use std::collections::BTreeMap;

use super::{Piece, ints, q, starter, strs};
use crate::seed::Picker;

pub fn defaults(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let f = p.pick(&["greet", "welcome_message", "say_hello"]);
        let greeting = p.pick(&["Hello", "Hi", "Welcome", "Good morning"]);
        let other = if greeting == "Hey" { "Hi" } else { "Hey" };
        let mut piece = Piece::new(
            format!("A default greeting ({f})"),
            format!(
                "Write `{f}(name, greeting=\"{greeting}\")` that returns the text \
                 `\"<greeting>, <name>!\"`. When no greeting is given, it uses \
                 `\"{greeting}\"`."
            ),
            starter(&[&format!("{f}(name, greeting=\"{greeting}\")")]),
            format!(
                "def {f}(name, greeting=\"{greeting}\"):\n    return f\"{{greeting}}, {{name}}!\"\n"
            ),
        )
        .hints(&[
            "A default value goes in the `def` line: `greeting=\"...\"`.",
            "An f-string builds the text: `f\"{greeting}, {name}!\"`.",
        ]);
        for name in p.sample(&["Ada", "Grace", "Linus", "Guido", "Margaret"], 2) {
            piece.test(format!(
                "{f}({}) == {}",
                q(name),
                q(&format!("{greeting}, {name}!"))
            ));
            piece.test(format!(
                "{f}({}, {}) == {}",
                q(name),
                q(other),
                q(&format!("{other}, {name}!"))
            ));
        }
        piece
    } else {
        let f = p.pick(&["power", "raise_to"]);
        let e = p.pick(&[2, 3]);
        let mut piece = Piece::new(
            format!("A default exponent ({f}, {e})"),
            format!(
                "Write `{f}(base, exponent={e})` that returns `base` raised to `exponent`. \
                 When no exponent is given, it uses {e}."
            ),
            starter(&[&format!("{f}(base, exponent={e})")]),
            format!("def {f}(base, exponent={e}):\n    return base ** exponent\n"),
        )
        .hints(&[
            "A default value goes in the `def` line.",
            "`**` raises to a power.",
        ]);
        for b in p.ints(3, -5, 9) {
            piece.test(format!("{f}({b}) == {}", b.pow(e as u32)));
        }
        let (b, x) = (p.int(2, 5), p.int(0, 4));
        piece.test(format!("{f}({b}, {x}) == {}", b.pow(x as u32)));
        piece
    }
}

pub fn tuple_results(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    let (f, what, reference) = match variant {
        0 => (
            "min_max",
            "a tuple `(smallest, largest)` of a non-empty list, without using `min()` or `max()`",
            "def min_max(numbers):\n    smallest = largest = numbers[0]\n    for n in numbers:\n        if n < smallest:\n            smallest = n\n        if n > largest:\n            largest = n\n    return (smallest, largest)\n",
        ),
        1 => (
            "positive_summary",
            "a tuple `(count, total)`: how many numbers are positive (> 0) and their sum",
            "def positive_summary(numbers):\n    count = 0\n    total = 0\n    for n in numbers:\n        if n > 0:\n            count += 1\n            total += n\n    return (count, total)\n",
        ),
        _ => (
            "ends",
            "a tuple `(first, last)` of the list's first and last items, or `(None, None)` for an empty list",
            "def ends(numbers):\n    if not numbers:\n        return (None, None)\n    return (numbers[0], numbers[-1])\n",
        ),
    };
    let mut piece = Piece::new(
        format!("Return two values: {}", f.replace('_', " ")),
        format!("Write `{f}(numbers)` that returns {what}. A function can return several values as one tuple."),
        starter(&[&format!("{f}(numbers)")]),
        reference.to_owned(),
    )
    .hints(&["`return (a, b)` returns a tuple.", "Walk the list once and keep both results up to date."]);
    for n in [5, 1, 7, 3] {
        let xs = p.ints(n, -20, 20);
        let expected = match variant {
            0 => format!(
                "({}, {})",
                xs.iter().min().copied().unwrap_or(0),
                xs.iter().max().copied().unwrap_or(0)
            ),
            1 => format!(
                "({}, {})",
                xs.iter().filter(|x| **x > 0).count(),
                xs.iter().filter(|x| **x > 0).sum::<i64>()
            ),
            _ => format!("({}, {})", xs[0], xs[xs.len() - 1]),
        };
        piece.test(format!("{f}({}) == {expected}", ints(&xs)));
    }
    if variant == 2 {
        piece.test(format!("{f}([]) == (None, None)"));
    }
    piece
}

pub fn closures(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let (f, op, sym) = p.pick(&[
            ("make_multiplier", "multiplies", "*"),
            ("make_adder", "adds", "+"),
        ]);
        let mut piece = Piece::new(
            format!("Functions that make functions ({f})"),
            format!(
                "Write `{f}(k)` that returns a **new function** of one argument `x`, which \
                 {op} `x` by `k`: `{f}(k)(x)` is `x {sym} k`."
            ),
            starter(&[&format!("{f}(k)")]),
            format!("def {f}(k):\n    def apply(x):\n        return x {sym} k\n    return apply\n"),
        )
        .hints(&[
            "Define a function inside the function and return it (without calling it).",
            "The inner function can use `k` from the outer one.",
        ]);
        for _ in 0..4 {
            let (k, x) = (p.int(-5, 9), p.int(-9, 20));
            let v = if sym == "*" { x * k } else { x + k };
            piece.test(format!("{f}({k})({x}) == {v}"));
        }
        piece.test(format!(
            "[g(1) for g in [{f}(2), {f}(3)]] == [{}, {}]",
            if sym == "*" { 2 } else { 3 },
            if sym == "*" { 3 } else { 4 }
        ));
        piece
    } else {
        let f = p.pick(&["make_accumulator", "make_counter"]);
        let mut piece = Piece::new(
            format!("A function with memory ({f})"),
            format!(
                "Write `{f}(start)` that returns a function `add(amount)`: each call adds \
                 `amount` to a running total that begins at `start`, and returns the new \
                 total. Two functions made by separate calls keep separate totals."
            ),
            starter(&[&format!("{f}(start)")]),
            format!("def {f}(start):\n    total = start\n\n    def add(amount):\n        nonlocal total\n        total += amount\n        return total\n    return add\n"),
        )
        .hints(&["The inner function needs `nonlocal total` to change the outer variable.", "Return the inner function itself."]);
        for _ in 0..3 {
            let s = p.int(-10, 50);
            let xs = p.ints(3, -5, 20);
            let mut t = s;
            let totals: Vec<i64> = xs
                .iter()
                .map(|x| {
                    t += x;
                    t
                })
                .collect();
            piece.test(format!(
                "[[acc({}), acc({}), acc({})] for acc in [{f}({s})]][0] == {}",
                xs[0],
                xs[1],
                xs[2],
                ints(&totals)
            ));
        }
        piece.test(format!(
            "[[a(1), b(5), a(1)] for a, b in [({f}(0), {f}(0))]][0] == [1, 5, 2]"
        ));
        piece
    }
}

pub fn filter_list(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    let k = p.pick(&[3, 4, 5]);
    let (f, what, cond) = match variant {
        0 => (
            "only_evens".to_owned(),
            "the even numbers".to_owned(),
            "n % 2 == 0".to_owned(),
        ),
        1 => (
            format!("multiples_of_{k}"),
            format!("the multiples of {k}"),
            format!("n % {k} == 0"),
        ),
        _ => (
            "only_positive".to_owned(),
            "the numbers greater than 0".to_owned(),
            "n > 0".to_owned(),
        ),
    };
    let keep = |n: i64| match variant {
        0 => n % 2 == 0,
        1 => n % k == 0,
        _ => n > 0,
    };
    let mut piece = Piece::new(
        format!("Filter a list: {}", f.replace('_', " ")),
        format!("Write `{f}(numbers)` that returns a new list with only {what} of `numbers`, in their original order. The original list must not change."),
        starter(&[&format!("{f}(numbers)")]),
        format!("def {f}(numbers):\n    result = []\n    for n in numbers:\n        if {cond}:\n            result.append(n)\n    return result\n"),
    )
    .hints(&["Start from an empty list and `append` what you keep.", "A list comprehension does it in one line."]);
    for n in [6, 9, 0, 4] {
        let xs = p.ints(n, -10, 30);
        let kept: Vec<i64> = xs.iter().copied().filter(|x| keep(*x)).collect();
        piece.test(format!("{f}({}) == {}", ints(&xs), ints(&kept)));
    }
    piece
}

pub fn reshape_list(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    match variant {
        0 => {
            let f = p.pick(&["chunk", "split_into_groups"]);
            let mut piece = Piece::new(
                format!("Cut a list into groups ({f})"),
                format!("Write `{f}(items, size)` that returns a list of lists: `items` cut into consecutive groups of `size` (the last group may be shorter). `size` is at least 1."),
                starter(&[&format!("{f}(items, size)")]),
                format!("def {f}(items, size):\n    return [items[i:i + size] for i in range(0, len(items), size)]\n"),
            )
            .hints(&["Slices `items[i:i + size]` are safe past the end.", "`range(0, len(items), size)` steps by `size`."]);
            for n in [7, 6, 0, 3] {
                let xs = p.ints(n, 0, 9);
                let size = p.int(1, 4) as usize;
                let groups: Vec<String> = xs.chunks(size).map(ints).collect();
                piece.test(format!(
                    "{f}({}, {size}) == [{}]",
                    ints(&xs),
                    groups.join(", ")
                ));
            }
            piece
        }
        1 => {
            let f = p.pick(&["dedupe", "remove_duplicates"]);
            let mut piece = Piece::new(
                format!("Remove duplicates, keep order ({f})"),
                format!("Write `{f}(items)` that returns a new list of the items of `items` without repeats, each kept where it first appeared."),
                starter(&[&format!("{f}(items)")]),
                format!("def {f}(items):\n    seen = []\n    for item in items:\n        if item not in seen:\n            seen.append(item)\n    return seen\n"),
            )
            .hints(&["Build the result as you go, adding an item only when it is not there yet.", "A set remembers what you have seen quickly, but does not keep order."]);
            for n in [8, 5, 0, 10] {
                let xs = p.ints(n, 0, 5);
                let mut seen = Vec::new();
                for x in &xs {
                    if !seen.contains(x) {
                        seen.push(*x);
                    }
                }
                piece.test(format!("{f}({}) == {}", ints(&xs), ints(&seen)));
            }
            piece
        }
        _ => {
            let f = p.pick(&["rotate_left", "shift_left"]);
            let mut piece = Piece::new(
                format!("Rotate a list ({f})"),
                format!("Write `{f}(items, k)` that returns a new list with the items moved `k` places to the left; items falling off the front come back at the end. `k` may be larger than the list; an empty list stays empty."),
                starter(&[&format!("{f}(items, k)")]),
                format!("def {f}(items, k):\n    if not items:\n        return []\n    k = k % len(items)\n    return items[k:] + items[:k]\n"),
            )
            .hints(&["Slicing and `+` do most of the work.", "`k % len(items)` handles large `k`."]);
            for n in [5, 6, 1, 0] {
                let xs = p.ints(n, 0, 9);
                let k = p.int(0, 12);
                let r: Vec<i64> = if xs.is_empty() {
                    vec![]
                } else {
                    let s = (k as usize) % xs.len();
                    xs[s..].iter().chain(&xs[..s]).copied().collect()
                };
                piece.test(format!("{f}({}, {k}) == {}", ints(&xs), ints(&r)));
            }
            piece
        }
    }
}

pub fn flatten_or_merge(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let f = p.pick(&["flatten", "flatten_all"]);
        let cases = [
            ("[1, [2, 3], [[4]], 5]", "[1, 2, 3, 4, 5]"),
            ("[]", "[]"),
            ("[[[]]]", "[]"),
            ("[[1, [2, [3, [4, [5]]]]], 6]", "[1, 2, 3, 4, 5, 6]"),
            ("[7, 8, 9]", "[7, 8, 9]"),
            ("[[\"a\"], [\"b\", [\"c\"]]]", "[\"a\", \"b\", \"c\"]"),
        ];
        let mut piece = Piece::new(
            format!("Flatten nested lists ({f})"),
            format!("Write `{f}(nested)` that returns one flat list of all the non-list items in `nested`, at any depth, in order. Recursion makes it short."),
            starter(&[&format!("{f}(nested)")]),
            format!("def {f}(nested):\n    result = []\n    for item in nested:\n        if isinstance(item, list):\n            result.extend({f}(item))\n        else:\n            result.append(item)\n    return result\n"),
        )
        .hints(&["`isinstance(item, list)` tells lists apart.", "Call the function on an inner list and add what it returns."]);
        for (input, out) in p.sample(&cases, 5) {
            piece.test(format!("{f}({input}) == {out}"));
        }
        piece
    } else {
        let f = p.pick(&["merge_sorted", "merge_lists"]);
        let mut piece = Piece::new(
            format!("Merge two sorted lists ({f})"),
            format!("Write `{f}(a, b)` that takes two lists sorted in ascending order and returns one sorted list of all their items, **without** calling `sort` or `sorted`: walk both lists with two positions."),
            starter(&[&format!("{f}(a, b)")]),
            format!("def {f}(a, b):\n    i = j = 0\n    result = []\n    while i < len(a) and j < len(b):\n        if a[i] <= b[j]:\n            result.append(a[i])\n            i += 1\n        else:\n            result.append(b[j])\n            j += 1\n    return result + a[i:] + b[j:]\n"),
        )
        .hints(&["Compare the front items of both lists and take the smaller.", "When one list runs out, add the rest of the other."]);
        for (n, m) in [(4, 5), (0, 3), (3, 0), (6, 2)] {
            let mut a = p.ints(n, -10, 20);
            let mut b = p.ints(m, -10, 20);
            a.sort_unstable();
            b.sort_unstable();
            let mut all: Vec<i64> = a.iter().chain(&b).copied().collect();
            all.sort_unstable();
            piece.test(format!("{f}({}, {}) == {}", ints(&a), ints(&b), ints(&all)));
        }
        piece
    }
}

fn dict_lit<K: std::fmt::Display, V: std::fmt::Display>(m: &BTreeMap<K, V>) -> String {
    let items: Vec<String> = m.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{{{}}}", items.join(", "))
}

const PHRASES: [&str; 7] = [
    "the cat and the hat",
    "to be or not to be",
    "",
    "one fish two fish red fish blue fish",
    "spam spam eggs spam",
    "a b a c b a",
    "hello",
];

pub fn count_items(p: &mut Picker) -> Piece {
    let words = p.below(2) == 0;
    let f = if words {
        p.pick(&["word_count", "count_words"])
    } else {
        p.pick(&["letter_count", "count_letters"])
    };
    let mut piece = Piece::new(
        format!("Count with a dictionary ({f})"),
        if words {
            format!("Write `{f}(text)` that returns a dictionary mapping each word of `text` (split on spaces) to how many times it appears.\n\nExample: `{f}(\"go go stop\")` returns `{{\"go\": 2, \"stop\": 1}}`.")
        } else {
            format!("Write `{f}(text)` that returns a dictionary mapping each letter of `text` (spaces left out) to how many times it appears.\n\nExample: `{f}(\"moo\")` returns `{{\"m\": 1, \"o\": 2}}`.")
        },
        starter(&[&format!("{f}(text)")]),
        if words {
            format!("def {f}(text):\n    counts = {{}}\n    for word in text.split():\n        counts[word] = counts.get(word, 0) + 1\n    return counts\n")
        } else {
            format!("def {f}(text):\n    counts = {{}}\n    for char in text:\n        if char != \" \":\n            counts[char] = counts.get(char, 0) + 1\n    return counts\n")
        },
    )
    .hints(&["Start from an empty dictionary `{}`.", "`counts.get(key, 0)` reads a count that may not exist yet."]);
    for text in p.sample(&PHRASES, 4) {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        if words {
            for w in text.split_whitespace() {
                *m.entry(q(w)).or_default() += 1;
            }
        } else {
            for c in text.chars().filter(|c| *c != ' ') {
                *m.entry(q(&c.to_string())).or_default() += 1;
            }
        }
        piece.test(format!("{f}({}) == {}", q(text), dict_lit(&m)));
    }
    piece
}

const WORDS: [&str; 10] = [
    "apple", "bee", "cat", "dog", "elephant", "fig", "goat", "horse", "ant", "bat",
];

pub fn group_items(p: &mut Picker) -> Piece {
    let by_len = p.below(2) == 0;
    let f = if by_len {
        p.pick(&["group_by_length", "by_length"])
    } else {
        p.pick(&["group_by_first_letter", "by_initial"])
    };
    let mut piece = Piece::new(
        format!("Group with a dictionary ({f})"),
        format!(
            "Write `{f}(words)` that returns a dictionary mapping {} to the list of words \
             with it, in the order they appear in `words`.",
            if by_len { "each word length" } else { "each first letter" }
        ),
        starter(&[&format!("{f}(words)")]),
        format!(
            "def {f}(words):\n    groups = {{}}\n    for word in words:\n        key = {}\n        if key not in groups:\n            groups[key] = []\n        groups[key].append(word)\n    return groups\n",
            if by_len { "len(word)" } else { "word[0]" }
        ),
    )
    .hints(&["Create the list for a key the first time you see the key.", "`dict.setdefault(key, [])` does that in one call."]);
    for n in [5, 7, 0, 3] {
        let ws = p.sample(&WORDS, n);
        let mut m: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for w in &ws {
            let key = if by_len {
                w.len().to_string()
            } else {
                q(&w[..1])
            };
            m.entry(key).or_default().push(w);
        }
        let shown: BTreeMap<String, String> = m.iter().map(|(k, v)| (k.clone(), strs(v))).collect();
        piece.test(format!("{f}({}) == {}", strs(&ws), dict_lit(&shown)));
    }
    piece
}

pub fn rank_counts(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let f = p.pick(&["top_words", "most_frequent_words"]);
        let mut piece = Piece::new(
            format!("The most frequent words ({f})"),
            format!("Write `{f}(text, n)` that returns a list of the `n` most frequent words of `text` as `(word, count)` tuples, most frequent first; words with the same count come in alphabetical order. Fewer than `n` words: return them all."),
            starter(&[&format!("{f}(text, n)")]),
            format!("def {f}(text, n):\n    counts = {{}}\n    for word in text.split():\n        counts[word] = counts.get(word, 0) + 1\n    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))\n    return ranked[:n]\n"),
        )
        .hints(&["Count first, with a dictionary.", "`sorted(..., key=lambda item: (-item[1], item[0]))` sorts by count, then word."]);
        for text in p.sample(&PHRASES, 4) {
            let n = p.int(1, 3) as usize;
            let mut m: BTreeMap<&str, i64> = BTreeMap::new();
            for w in text.split_whitespace() {
                *m.entry(w).or_default() += 1;
            }
            let mut v: Vec<(&str, i64)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let items: Vec<String> = v
                .iter()
                .take(n)
                .map(|(w, c)| format!("({}, {c})", q(w)))
                .collect();
            piece.test(format!("{f}({}, {n}) == [{}]", q(text), items.join(", ")));
        }
        piece
    } else {
        let f = p.pick(&["merge_counts", "combine_inventories"]);
        let mut piece = Piece::new(
            format!("Merge two tallies ({f})"),
            format!("Write `{f}(a, b)` that takes two dictionaries of counts and returns a **new** dictionary with every key of either, mapped to the sum of its counts; keys whose sum is 0 are left out. Neither argument may change."),
            starter(&[&format!("{f}(a, b)")]),
            format!("def {f}(a, b):\n    merged = dict(a)\n    for key, count in b.items():\n        merged[key] = merged.get(key, 0) + count\n    return {{key: count for key, count in merged.items() if count != 0}}\n"),
        )
        .hints(&["Copy the first dictionary with `dict(a)` so it does not change.", "Then add the second one's counts key by key."]);
        let keys = ["apples", "pears", "plums", "kiwis"];
        for _ in 0..4 {
            let mut sums: BTreeMap<String, i64> = BTreeMap::new();
            let side = |p: &mut Picker| {
                let mut m = BTreeMap::new();
                let n = p.below(4) + 1;
                for k in p.sample(&keys, n) {
                    let v = p.int(-3, 5);
                    m.insert(q(k), v);
                }
                m
            };
            let a = side(p);
            let b = side(p);
            for (k, v) in a.iter().chain(&b) {
                *sums.entry(k.clone()).or_default() += v;
            }
            sums.retain(|_, v| *v != 0);
            piece.test(format!(
                "{f}({}, {}) == {}",
                dict_lit(&a),
                dict_lit(&b),
                dict_lit(&sums)
            ));
        }
        piece
    }
}

pub fn shape_class(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    let (class, args, methods, reference) = match variant {
        0 => (
            "Rectangle",
            "width, height",
            "`area()` and `perimeter()`",
            "class Rectangle:\n    def __init__(self, width, height):\n        self.width = width\n        self.height = height\n\n    def area(self):\n        return self.width * self.height\n\n    def perimeter(self):\n        return 2 * (self.width + self.height)\n",
        ),
        1 => (
            "Square",
            "side",
            "`area()` and `perimeter()`",
            "class Square:\n    def __init__(self, side):\n        self.side = side\n\n    def area(self):\n        return self.side * self.side\n\n    def perimeter(self):\n        return 4 * self.side\n",
        ),
        _ => (
            "Box",
            "width, height, depth",
            "`volume()` and `surface_area()`",
            "class Box:\n    def __init__(self, width, height, depth):\n        self.width = width\n        self.height = height\n        self.depth = depth\n\n    def volume(self):\n        return self.width * self.height * self.depth\n\n    def surface_area(self):\n        w, h, d = self.width, self.height, self.depth\n        return 2 * (w * h + w * d + h * d)\n",
        ),
    };
    let mut piece = Piece::new(
        format!("A {class} class"),
        format!("Write a class `{class}` created as `{class}({args})` that stores its measurements as attributes of the same names and has the methods {methods}."),
        format!("class {class}:\n    def __init__(self, {args}):\n        # Store the measurements here.\n        pass\n"),
        reference.to_owned(),
    )
    .hints(&["`__init__` stores each argument on `self`.", "Methods read the attributes through `self`."]);
    for _ in 0..3 {
        let (w, h, d) = (p.int(1, 12), p.int(1, 12), p.int(1, 12));
        match variant {
            0 => {
                piece.test(format!("Rectangle({w}, {h}).area() == {}", w * h));
                piece.test(format!(
                    "Rectangle({w}, {h}).perimeter() == {}",
                    2 * (w + h)
                ));
            }
            1 => {
                piece.test(format!("Square({w}).area() == {}", w * w));
                piece.test(format!("Square({w}).perimeter() == {}", 4 * w));
            }
            _ => {
                piece.test(format!("Box({w}, {h}, {d}).volume() == {}", w * h * d));
                piece.test(format!(
                    "Box({w}, {h}, {d}).surface_area() == {}",
                    2 * (w * h + w * d + h * d)
                ));
            }
        }
    }
    let (w, h) = (p.int(1, 9), p.int(1, 9));
    piece.test(match variant {
        0 => format!("(Rectangle({w}, {h}).width, Rectangle({w}, {h}).height) == ({w}, {h})"),
        1 => format!("Square({w}).side == {w}"),
        _ => format!("Box({w}, {h}, 1).depth == 1"),
    });
    piece
}

pub fn account_class(p: &mut Picker) -> Piece {
    let class = p.pick(&["BankAccount", "Wallet", "GiftCard"]);
    let reference = format!(
        "class {class}:\n    def __init__(self, owner, balance=0):\n        self.owner = owner\n        self.balance = balance\n\n    def deposit(self, amount):\n        self.balance += amount\n        return self.balance\n\n    def withdraw(self, amount):\n        if amount > self.balance:\n            return False\n        self.balance -= amount\n        return True\n"
    );
    let mut piece = Piece::new(
        format!("A {class} class"),
        format!(
            "Write a class `{class}` created as `{class}(owner, balance=0)`, with the \
             attributes `owner` and `balance`, and the methods:\n\n\
             - `deposit(amount)`: adds `amount` to the balance and returns the new balance;\n\
             - `withdraw(amount)`: takes `amount` out and returns `True`, or returns \
               `False` and changes nothing when the balance is too small."
        ),
        format!("class {class}:\n    def __init__(self, owner, balance=0):\n        pass\n\n    def deposit(self, amount):\n        pass\n\n    def withdraw(self, amount):\n        pass\n"),
        reference,
    )
    .hints(&["Store `owner` and `balance` on `self` in `__init__`.", "`withdraw` checks the balance before changing it."]);
    let name = p.pick(&["Ada", "Grace", "Alan"]);
    piece.test(format!("{class}({}).balance == 0", q(name)));
    piece.test(format!("{class}({}, 5).owner == {}", q(name), q(name)));
    for _ in 0..3 {
        let start = p.int(0, 50);
        let (dep, small, big) = (p.int(1, 100), p.int(1, 10), p.int(500, 900));
        let after = start + dep;
        piece.test(format!(
            "[[a.deposit({dep}), a.withdraw({small}), a.withdraw({big}), a.balance] for a in [{class}({}, {start})]][0] == [{after}, True, False, {}]",
            q(name),
            after - small
        ));
    }
    piece
}

pub fn container_class(p: &mut Picker) -> Piece {
    let lifo = p.below(2) == 0;
    let class = if lifo { "Stack" } else { "Queue" };
    let (add, take) = if lifo {
        ("push", "pop")
    } else {
        ("enqueue", "dequeue")
    };
    let reference = format!(
        "class {class}:\n    def __init__(self):\n        self.items = []\n\n    def {add}(self, item):\n        self.items.append(item)\n\n    def {take}(self):\n        if not self.items:\n            return None\n        return self.items.pop({})\n\n    def peek(self):\n        if not self.items:\n            return None\n        return self.items[{}]\n\n    def __len__(self):\n        return len(self.items)\n",
        if lifo { "" } else { "0" },
        if lifo { "-1" } else { "0" }
    );
    let mut piece = Piece::new(
        format!("A {class} class"),
        format!(
            "Write a class `{class}` ({}) with the methods `{add}(item)`, `{take}()` \
             (removes and returns the {} item, or `None` when empty), `peek()` (returns \
             that item without removing it, `None` when empty) and `__len__` so that \
             `len(s)` is the number of items.",
            if lifo {
                "last in, first out"
            } else {
                "first in, first out"
            },
            if lifo {
                "most recently added"
            } else {
                "earliest added"
            }
        ),
        format!("class {class}:\n    def __init__(self):\n        pass\n"),
        reference,
    )
    .hints(&[
        "Keep the items in a list attribute.",
        "`list.pop()` removes the last item, `list.pop(0)` the first.",
    ]);
    for _ in 0..3 {
        let xs = p.ints(3, 1, 99);
        let (first, second) = if lifo { (xs[2], xs[1]) } else { (xs[0], xs[1]) };
        piece.test(format!(
            "[[s.{add}({}), s.{add}({}), s.{add}({}), s.{take}(), s.peek(), len(s)] for s in [{class}()]][0] == [None, None, None, {first}, {second}, 2]",
            xs[0], xs[1], xs[2]
        ));
    }
    piece.test(format!(
        "[[s.{take}(), s.peek(), len(s)] for s in [{class}()]][0] == [None, None, 0]"
    ));
    piece
}
