//! Templates for variables, numbers, strings, conditionals and loops.

use super::{Piece, ints, py_bool, q, starter, sub};
use crate::seed::Picker;

pub fn total_with_fee(p: &mut Picker) -> Piece {
    let (f, a, b, thing) = p.pick(&[
        (
            "order_total",
            "price",
            "quantity",
            "items in an online shop",
        ),
        ("ticket_total", "ticket_price", "tickets", "concert tickets"),
        ("fence_cost", "panel_price", "panels", "fence panels"),
    ]);
    let fee = p.int(1, 9);
    let fee_s = fee.to_string();
    // `$FEE` before `$F`, which is its prefix.
    let pairs = [
        ("$FEE", fee_s.as_str()),
        ("$F", f),
        ("$A", a),
        ("$B", b),
        ("$T", thing),
    ];
    let prompt = sub(
        "Write a function `$F($A, $B)` for $T. Store the cost of the items (`$A` times \
         `$B`) in a variable, add a fixed delivery fee of **$FEE**, and return the total.\n\n\
         Example: `$F(10, 1)` returns `1$FEE`.",
        &pairs,
    );
    let reference = sub(
        "DELIVERY_FEE = $FEE\n\n\ndef $F($A, $B):\n    subtotal = $A * $B\n    total = subtotal + DELIVERY_FEE\n    return total\n",
        &pairs,
    );
    let mut piece = Piece::new(
        format!("Total with a delivery fee ({thing})"),
        prompt,
        starter(&[&format!("{f}({a}, {b})")]),
        reference,
    )
    .hints(&[
        "Compute the cost of the items first and keep it in a variable.",
        "Then add the fee and return the sum.",
    ]);
    for (x, y) in [
        (p.int(2, 30), p.int(2, 9)),
        (p.int(31, 99), p.int(1, 5)),
        (p.int(1, 20), 0),
        (0, p.int(1, 9)),
    ] {
        piece.test(format!("{f}({x}, {y}) == {}", x * y + fee));
    }
    piece
}

pub fn split_units(p: &mut Picker) -> Piece {
    let (f, arg, per, big, small) = p.pick(&[
        ("minutes_to_hours", "minutes", 60, "hours", "minutes"),
        ("days_to_weeks", "days", 7, "weeks", "days"),
        ("cents_to_dollars", "cents", 100, "dollars", "cents"),
        ("inches_to_feet", "inches", 12, "feet", "inches"),
    ]);
    let per_s = per.to_string();
    let pairs = [
        ("$F", f),
        ("$A", arg),
        ("$P", per_s.as_str()),
        ("$BIG", big),
        ("$SMALL", small),
    ];
    let mut piece = Piece::new(
        format!("Split {arg} into {big} and {small}"),
        sub(
            "Write `$F($A)` that splits a whole number of $A into **$BIG and the $SMALL \
             left over** (there are $P $A in one of the $BIG). Use two variables and return \
             them as a tuple `($BIG, $SMALL)`.\n\nExample: `$F($P)` returns `(1, 0)`.",
            &pairs,
        ),
        starter(&[&format!("{f}({arg})")]),
        sub(
            "def $F($A):\n    $BIG = $A // $P\n    rest = $A % $P\n    return ($BIG, rest)\n",
            &pairs,
        ),
    )
    .hints(&[
        "`//` divides and drops the remainder.",
        "`%` gives the remainder.",
    ]);
    for x in [
        p.int(per + 1, per * 9),
        p.int(0, per - 1),
        per * p.int(2, 20),
        p.int(1000, 5000),
    ] {
        piece.test(format!("{f}({x}) == ({}, {})", x / per, x % per));
    }
    piece
}

pub fn running_summary(p: &mut Picker) -> Piece {
    let (f, start, changes, what) = p.pick(&[
        ("balance_summary", "start", "changes", "a bank balance"),
        ("altitude_summary", "height", "moves", "a hiker's altitude"),
        (
            "stock_summary",
            "stock",
            "deliveries",
            "a shop's stock level",
        ),
    ]);
    let pairs = [("$F", f), ("$S", start), ("$C", changes), ("$W", what)];
    let mut piece = Piece::new(
        format!("Track {what}"),
        sub(
            "`$F($S, $C)` follows $W: it starts at `$S` and each number in the list \
             `$C` is added to it in turn. Return a tuple `(final, lowest)`: the value at \
             the end and the lowest value it ever had (the start counts).\n\nExample: \
             `$F(5, [-2, 4])` returns `(7, 3)`.",
            &pairs,
        ),
        starter(&[&format!("{f}({start}, {changes})")]),
        sub(
            "def $F($S, $C):\n    current = $S\n    lowest = $S\n    for change in $C:\n        current = current + change\n        if current < lowest:\n            lowest = current\n    return (current, lowest)\n",
            &pairs,
        ),
    )
    .hints(&["Keep two variables up to date as you go: the current value and the lowest so far.", "Set both to the start before the loop."]);
    for n in [4, 6, 0, 3] {
        let s = p.int(-10, 50);
        let xs = p.ints(n, -20, 20);
        let (mut cur, mut low) = (s, s);
        for x in &xs {
            cur += x;
            low = low.min(cur);
        }
        piece.test(format!("{f}({s}, {}) == ({cur}, {low})", ints(&xs)));
    }
    piece
}

pub fn temperature(p: &mut Picker) -> Piece {
    let to_f = p.below(2) == 0;
    let (f, arg, title, formula) = if to_f {
        (
            "celsius_to_fahrenheit",
            "celsius",
            "Celsius to Fahrenheit",
            "F = C × 9 / 5 + 32",
        )
    } else {
        (
            "fahrenheit_to_celsius",
            "fahrenheit",
            "Fahrenheit to Celsius",
            "C = (F − 32) × 5 / 9",
        )
    };
    let mut piece = Piece::new(
        format!("Convert {title}"),
        format!(
            "Write `{f}({arg})` that converts a temperature using `{formula}` and returns \
             the result as a number.\n\nExample: `{f}({})` returns `{}`.",
            if to_f { "100" } else { "212" },
            if to_f { "212.0" } else { "100.0" }
        ),
        starter(&[&format!("{f}({arg})")]),
        if to_f {
            format!("def {f}({arg}):\n    return {arg} * 9 / 5 + 32\n")
        } else {
            format!("def {f}({arg}):\n    return ({arg} - 32) * 5 / 9\n")
        },
    )
    .hints(&[
        "Write the formula with Python's operators: `*`, `/`, `+`, `-`.",
        "Mind the brackets: the subtraction comes before the multiplication.",
    ]);
    // Not 20: the example's input.
    for k in [p.int(-8, -1), 0, p.int(1, 8), p.int(21, 40)] {
        if to_f {
            piece.test(format!("{f}({}) == {}", 5 * k, 9 * k + 32));
        } else {
            piece.test(format!("{f}({}) == {}", 9 * k + 32, 5 * k));
        }
    }
    piece
}

pub fn digits(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    let (f, what) = [
        ("digit_sum", "the sum of its digits"),
        ("digit_product", "the product of its digits"),
        (
            "count_even_digits",
            "how many of its digits are even (0 counts as even)",
        ),
    ][variant];
    let reference = match variant {
        0 => format!(
            "def {f}(n):\n    total = 0\n    while n > 0:\n        total += n % 10\n        n //= 10\n    return total\n"
        ),
        1 => format!(
            "def {f}(n):\n    product = 1\n    for digit in str(n):\n        product *= int(digit)\n    return product\n"
        ),
        _ => format!("def {f}(n):\n    return sum(1 for digit in str(n) if int(digit) % 2 == 0)\n"),
    };
    let compute = |n: i64| -> i64 {
        let ds: Vec<i64> = n.to_string().bytes().map(|b| i64::from(b - b'0')).collect();
        match variant {
            0 => ds.iter().sum(),
            1 => ds.iter().product(),
            _ => ds.iter().filter(|d| *d % 2 == 0).count() as i64,
        }
    };
    let mut piece = Piece::new(
        format!("Digits: {}", f.replace('_', " ")),
        format!(
            "Write `{f}(n)` that takes a whole number `n` ≥ 0 and returns {what}.\n\n\
             Example: `{f}(1234)` returns `{}`.",
            compute(1234)
        ),
        starter(&[&format!("{f}(n)")]),
        reference,
    )
    .hints(&[
        "`n % 10` is the last digit and `n // 10` drops it; or loop over `str(n)`.",
        "Think about what `n = 0` should give.",
    ]);
    for n in [p.int(10, 99), p.int(100, 999), p.int(10_000, 999_999), 7, 0] {
        piece.test(format!("{f}({n}) == {}", compute(n)));
    }
    piece
}

fn primes_to(limit: usize) -> Vec<i64> {
    let mut sieve = vec![true; limit + 1];
    let mut out = Vec::new();
    for i in 2..=limit {
        if sieve[i] {
            out.push(i as i64);
            let mut j = i * i;
            while j <= limit {
                sieve[j] = false;
                j += i;
            }
        }
    }
    out
}

pub fn primes(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    let primes = primes_to(5000);
    let (f, what) = [
        ("count_primes", "how many prime numbers are ≤ `n`"),
        ("sum_primes", "the sum of the prime numbers ≤ `n`"),
        (
            "nth_prime",
            "the `n`-th prime number (counting from 1: the first prime is 2)",
        ),
    ][variant];
    let helper = "def is_prime(k):\n    if k < 2:\n        return False\n    d = 2\n    while d * d <= k:\n        if k % d == 0:\n            return False\n        d += 1\n    return True\n\n\n";
    let body = match variant {
        0 => format!("def {f}(n):\n    return sum(1 for k in range(2, n + 1) if is_prime(k))\n"),
        1 => format!("def {f}(n):\n    return sum(k for k in range(2, n + 1) if is_prime(k))\n"),
        _ => format!(
            "def {f}(n):\n    found = 0\n    k = 1\n    while found < n:\n        k += 1\n        if is_prime(k):\n            found += 1\n    return k\n"
        ),
    };
    let compute = |n: i64| -> i64 {
        match variant {
            0 => primes.iter().filter(|x| **x <= n).count() as i64,
            1 => primes.iter().filter(|x| **x <= n).sum(),
            _ => primes[(n - 1) as usize],
        }
    };
    let inputs: Vec<i64> = if variant == 2 {
        vec![1, p.int(2, 9), p.int(11, 60), p.int(61, 200)]
    } else {
        vec![1, 2, p.int(11, 50), p.int(51, 500), p.int(501, 2000)]
    };
    let mut piece = Piece::new(
        format!("Primes: {}", f.replace('_', " ")),
        format!(
            "A prime is a whole number greater than 1 whose only divisors are 1 and itself. \
             Write `{f}(n)` that returns {what}. A helper function `is_prime(k)` makes it \
             easier.\n\nExample: `{f}(10)` returns `{}`.",
            if variant == 2 { 29 } else { compute(10) }
        ),
        starter(&["is_prime(k)", &format!("{f}(n)")]),
        format!("{helper}{body}"),
    )
    .hints(&[
        "Write `is_prime(k)` first: try every divisor from 2 while `d * d <= k`.",
        "Then loop and use it.",
    ]);
    for n in inputs {
        piece.test(format!("{f}({n}) == {}", compute(n)));
    }
    piece
}

const TEXTS: [&str; 9] = [
    "Banana",
    "Hello World",
    "PYTHON is fun",
    "",
    "aEiOu xyz",
    "Mississippi",
    "The Quick Brown Fox",
    "rhythm",
    "Queue at 9 AM",
];

pub fn count_chars(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    let letter = p.pick(&['s', 'o', 'e', 'i']);
    let (f, sig, what, reference) = match variant {
        0 => ("count_vowels", "count_vowels(text)".to_owned(), "how many vowels (a, e, i, o, u, in either case) it contains".to_owned(),
              "def count_vowels(text):\n    count = 0\n    for char in text.lower():\n        if char in \"aeiou\":\n            count += 1\n    return count\n".to_owned()),
        1 => ("count_uppercase", "count_uppercase(text)".to_owned(), "how many uppercase letters it contains".to_owned(),
              "def count_uppercase(text):\n    return sum(1 for char in text if char.isupper())\n".to_owned()),
        _ => ("count_letter", "count_letter(text)".to_owned(), format!("how many times the letter `{letter}` appears in it, in either case"),
              format!("def count_letter(text):\n    return text.lower().count({})\n", q(&letter.to_string()))),
    };
    let compute = |t: &str| -> usize {
        match variant {
            0 => t
                .to_lowercase()
                .chars()
                .filter(|c| "aeiou".contains(*c))
                .count(),
            1 => t.chars().filter(char::is_ascii_uppercase).count(),
            _ => t.to_lowercase().chars().filter(|c| *c == letter).count(),
        }
    };
    let mut piece = Piece::new(
        format!("Count {}", match variant { 0 => "vowels".to_owned(), 1 => "uppercase letters".to_owned(), _ => format!("the letter {letter}") }),
        format!("Write `{sig}` that takes a string and returns {what}.\n\nExample: `{f}(\"Open Source\")` returns `{}`.", compute("Open Source")),
        starter(&[&sig]),
        reference,
    )
    .hints(&["Loop over the characters of the string with `for char in text:`.", "`text.lower()` makes case easy to ignore."]);
    for t in p.sample(&TEXTS, 5) {
        piece.test(format!("{f}({}) == {}", q(t), compute(t)));
    }
    piece
}

const SENTENCES: [&str; 8] = [
    "the quick brown fox",
    "hello world",
    "python is fun to learn",
    "a",
    "",
    "  spaced   out words ",
    "keep calm and code on",
    "never stop exploring",
];

pub fn words(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    let (f, what, reference) = match variant {
        0 => (
            "reverse_words",
            "the same words in reverse order, separated by single spaces",
            "def reverse_words(sentence):\n    words = sentence.split()\n    return \" \".join(reversed(words))\n",
        ),
        1 => (
            "capitalize_words",
            "the words with their first letter uppercase and the rest lowercase, separated by single spaces",
            "def capitalize_words(sentence):\n    return \" \".join(word[0].upper() + word[1:].lower() for word in sentence.split())\n",
        ),
        _ => (
            "longest_word",
            "its longest word (the first one when several are equally long; an empty string when there is none)",
            "def longest_word(sentence):\n    best = \"\"\n    for word in sentence.split():\n        if len(word) > len(best):\n            best = word\n    return best\n",
        ),
    };
    let compute = |s: &str| -> String {
        let ws: Vec<&str> = s.split_whitespace().collect();
        match variant {
            0 => ws.iter().rev().copied().collect::<Vec<_>>().join(" "),
            1 => ws
                .iter()
                .map(|w| {
                    let mut cs = w.chars();
                    cs.next().map_or_else(String::new, |c| {
                        c.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase()
                    })
                })
                .collect::<Vec<_>>()
                .join(" "),
            _ => ws
                .iter()
                .fold("", |best, w| if w.len() > best.len() { w } else { best })
                .to_owned(),
        }
    };
    let mut piece = Piece::new(
        format!("Words: {}", f.replace('_', " ")),
        format!(
            "Write `{f}(sentence)` that takes a sentence (words separated by spaces, maybe \
             several) and returns {what}.\n\nExample: `{f}(\"learn to code\")` returns `{}`.",
            q(&compute("learn to code"))
        ),
        starter(&[&format!("{f}(sentence)")]),
        reference.to_owned(),
    )
    .hints(&[
        "`sentence.split()` gives the words and ignores extra spaces.",
        "`\" \".join(words)` puts them back together.",
    ]);
    for s in p.sample(&SENTENCES, 5) {
        piece.test(format!("{f}({}) == {}", q(s), q(&compute(s))));
    }
    piece
}

fn caesar(text: &str, shift: i64) -> String {
    text.chars()
        .map(|c| {
            let base = if c.is_ascii_lowercase() {
                b'a'
            } else if c.is_ascii_uppercase() {
                b'A'
            } else {
                return c;
            };
            let off = (i64::from(c as u8 - base) + shift).rem_euclid(26) as u8;
            (base + off) as char
        })
        .collect()
}

fn run_length(text: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && chars[j] == chars[i] {
            j += 1;
        }
        out.push(chars[i]);
        out.push_str(&(j - i).to_string());
        i = j;
    }
    out
}

pub fn encode_text(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let f = p.pick(&["caesar", "shift_letters", "rotate_letters"]);
        let mut piece = Piece::new(
            format!("Caesar cipher: {}", f.replace('_', " ")),
            format!(
                "Write `{f}(text, shift)` that moves every letter `shift` places along the \
                 alphabet, wrapping from z back to a, keeping its case; other characters \
                 stay as they are. `shift` is between 0 and 25.\n\nExample: `{f}(\"Zoo\", 2)` \
                 returns `\"Bqq\"`."
            ),
            starter(&[&format!("{f}(text, shift)")]),
            format!("def {f}(text, shift):\n    result = []\n    for char in text:\n        if char.isalpha() and char.isascii():\n            base = ord(\"a\") if char.islower() else ord(\"A\")\n            result.append(chr(base + (ord(char) - base + shift) % 26))\n        else:\n            result.append(char)\n    return \"\".join(result)\n"),
        )
        .hints(&["`ord(char)` and `chr(number)` convert between letters and numbers.", "`% 26` wraps around the end of the alphabet."]);
        for t in ["Hello, World!", "abc xyz", "Python 3", "", "Zebra"] {
            let k = p.int(1, 25);
            piece.test(format!("{f}({}, {k}) == {}", q(t), q(&caesar(t, k))));
        }
        piece
    } else {
        let f = p.pick(&["run_length", "compress", "encode_runs"]);
        let mut piece = Piece::new(
            format!("Run-length encoding: {}", f.replace('_', " ")),
            format!(
                "Write `{f}(text)` that replaces each run of the same character by the \
                 character followed by the run's length.\n\nExample: `{f}(\"xxyzzz\")` \
                 returns `\"x2y1z3\"`."
            ),
            starter(&[&format!("{f}(text)")]),
            format!("def {f}(text):\n    result = \"\"\n    i = 0\n    while i < len(text):\n        j = i\n        while j < len(text) and text[j] == text[i]:\n            j += 1\n        result += text[i] + str(j - i)\n        i = j\n    return result\n"),
        )
        .hints(&["Walk through the string and count how long the current run is.", "When the character changes, write the run and start a new count."]);
        for t in p.sample(
            &[
                "aaabcc",
                "abc",
                "",
                "zzzzzz",
                "aabbaa",
                "Hello",
                "mississippi",
            ],
            5,
        ) {
            piece.test(format!("{f}({}) == {}", q(t), q(&run_length(t))));
        }
        piece
    }
}

pub fn age_limit(p: &mut Picker) -> Piece {
    let (f, limit, what) = p.pick(&[
        ("can_vote", 18, "vote"),
        ("can_drive", 17, "drive a car"),
        ("can_rent_car", 21, "rent a car"),
        ("can_ride", 12, "go on the big roller coaster"),
    ]);
    let mut piece = Piece::new(
        format!("Old enough to {what}?"),
        format!(
            "Someone may {what} from the age of **{limit}**. Write `{f}(age)` that returns \
             `True` when `age` is old enough and `False` otherwise."
        ),
        starter(&[&format!("{f}(age)")]),
        format!("def {f}(age):\n    if age >= {limit}:\n        return True\n    return False\n"),
    )
    .hints(&[
        "Compare `age` with the limit using `>=`.",
        "Return `True` or `False`, not a string.",
    ]);
    for age in [limit - 1, limit, limit + p.int(1, 40), p.int(0, limit - 2)] {
        piece.test(format!("{f}({age}) == {}", py_bool(age >= limit)));
    }
    piece
}

pub fn ticket_price(p: &mut Picker) -> Piece {
    let f = p.pick(&["ticket_price", "museum_fee", "pool_entry_price"]);
    let child = p.pick(&[6, 12, 13]);
    let senior = p.pick(&[60, 65, 67]);
    let (cp, sp, ap) = (p.int(2, 5), p.int(6, 8), p.int(10, 15));
    let price = |age: i64| {
        if age < child {
            cp
        } else if age >= senior {
            sp
        } else {
            ap
        }
    };
    let mut piece = Piece::new(
        format!("Prices by age: {}", f.replace('_', " ")),
        format!(
            "Write `{f}(age)` that returns the price to pay: children under **{child}** pay \
             **{cp}**, people aged **{senior}** or more pay **{sp}**, everyone else pays \
             **{ap}**."
        ),
        starter(&[&format!("{f}(age)")]),
        format!("def {f}(age):\n    if age < {child}:\n        return {cp}\n    elif age >= {senior}:\n        return {sp}\n    else:\n        return {ap}\n"),
    )
    .hints(&["Use `if`, `elif` and `else`.", "Check the boundaries: is a child of exactly the limit age still a child?"]);
    for age in [
        child - 1,
        child,
        senior - 1,
        senior,
        senior + p.int(1, 20),
        p.int(child + 1, senior - 2),
    ] {
        piece.test(format!("{f}({age}) == {}", price(age)));
    }
    piece
}

pub fn classify_triangle(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let f = p.pick(&["triangle_type", "classify_triangle"]);
        let kind = |a: i64, b: i64, c: i64| {
            let mut s = [a, b, c];
            s.sort_unstable();
            if s[0] <= 0 || s[0] + s[1] <= s[2] {
                "not a triangle"
            } else if a == b && b == c {
                "equilateral"
            } else if a == b || b == c || a == c {
                "isosceles"
            } else {
                "scalene"
            }
        };
        let mut piece = Piece::new(
            format!("Classify a triangle ({f})"),
            format!(
                "Write `{f}(a, b, c)` that takes three side lengths and returns \
                 `\"equilateral\"` (all equal), `\"isosceles\"` (exactly two equal), \
                 `\"scalene\"` (all different), or `\"not a triangle\"` when a side is not \
                 positive or one side is at least as long as the other two together."
            ),
            starter(&[&format!("{f}(a, b, c)")]),
            format!("def {f}(a, b, c):\n    x, y, z = sorted([a, b, c])\n    if x <= 0 or x + y <= z:\n        return \"not a triangle\"\n    if a == b == c:\n        return \"equilateral\"\n    if a == b or b == c or a == c:\n        return \"isosceles\"\n    return \"scalene\"\n"),
        )
        .hints(&["Rule out impossible triangles first.", "Sorting the sides makes the triangle check one comparison."]);
        let s = p.int(2, 9);
        for (a, b, c) in [
            (s, s, s),
            (s, s, s + 1),
            (3, 4, 5),
            (1, 2, 3),
            (s + 1, s, s),
            (0, s, s),
            (2, 9, 4),
        ] {
            piece.test(format!("{f}({a}, {b}, {c}) == {}", q(kind(a, b, c))));
        }
        piece
    } else {
        let f = p.pick(&["is_leap_year", "leap_year"]);
        let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let mut piece = Piece::new(
            format!("Leap years ({f})"),
            format!(
                "Write `{f}(year)` that returns `True` for a leap year: divisible by 4, \
                 except years divisible by 100, which are leap years only when also \
                 divisible by 400."
            ),
            starter(&[&format!("{f}(year)")]),
            format!("def {f}(year):\n    if year % 400 == 0:\n        return True\n    if year % 100 == 0:\n        return False\n    return year % 4 == 0\n"),
        )
        .hints(&["Check the most specific rule (400) first.", "`year % 4 == 0` tests divisibility."]);
        for y in [
            2024,
            1900,
            2000,
            2023,
            4 * p.int(400, 499) + 1,
            400 * p.int(3, 6),
            100 * p.int(1, 3) * 4 + 100,
        ] {
            piece.test(format!("{f}({y}) == {}", py_bool(leap(y))));
        }
        piece
    }
}

pub fn sum_loop(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    let k = p.pick(&[3, 4, 5, 7]);
    let (f, what, reference) = match variant {
        0 => ("sum_to".to_owned(), "the sum 1 + 2 + … + n (0 when n is 0)".to_owned(),
              "def sum_to(n):\n    total = 0\n    for i in range(1, n + 1):\n        total += i\n    return total\n".to_owned()),
        1 => (format!("sum_multiples_of_{k}"), format!("the sum of the multiples of {k} that are below `n` (0 itself adds nothing)"),
              format!("def sum_multiples_of_{k}(n):\n    total = 0\n    for i in range(n):\n        if i % {k} == 0:\n            total += i\n    return total\n")),
        _ => ("factorial".to_owned(), "n! = 1 × 2 × … × n (and 0! is 1)".to_owned(),
              "def factorial(n):\n    result = 1\n    for i in range(2, n + 1):\n        result *= i\n    return result\n".to_owned()),
    };
    let compute = |n: i64| -> i64 {
        match variant {
            0 => n * (n + 1) / 2,
            1 => (0..n).filter(|i| i % k == 0).sum(),
            _ => (1..=n).product(),
        }
    };
    let mut piece = Piece::new(
        format!("Loop and add up: {}", f.replace('_', " ")),
        format!("Write `{f}(n)` that uses a loop to compute {what}. `n` is a whole number ≥ 0.\n\nExample: `{f}(6)` returns `{}`.", compute(6)),
        starter(&[&format!("{f}(n)")]),
        reference,
    )
    .hints(&["Start a variable before the loop and update it inside.", "`range(a, b)` stops before `b`."]);
    let top = if variant == 2 { 15 } else { 500 };
    for n in [0, 1, p.int(2, 5), p.int(11, top)] {
        piece.test(format!("{f}({n}) == {}", compute(n)));
    }
    piece
}

pub fn repeat_until(p: &mut Picker) -> Piece {
    let variant = p.below(3);
    let collatz = |mut n: i64| {
        let mut steps = 0;
        while n != 1 {
            n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
            steps += 1;
        }
        steps
    };
    let root = |mut n: i64| {
        while n >= 10 {
            n = n.to_string().bytes().map(|b| i64::from(b - b'0')).sum();
        }
        n
    };
    let (f, sig, what, reference) = match variant {
        0 => (
            "collatz_steps",
            "collatz_steps(n)",
            "how many steps it takes to reach 1 when you repeatedly halve `n` if it is even, or replace it with `3 * n + 1` if it is odd (`n` ≥ 1)",
            "def collatz_steps(n):\n    steps = 0\n    while n != 1:\n        if n % 2 == 0:\n            n = n // 2\n        else:\n            n = 3 * n + 1\n        steps += 1\n    return steps\n",
        ),
        1 => (
            "digital_root",
            "digital_root(n)",
            "what is left after repeatedly replacing `n` by the sum of its digits until one digit remains (`n` ≥ 0)",
            "def digital_root(n):\n    while n >= 10:\n        n = sum(int(d) for d in str(n))\n    return n\n",
        ),
        _ => (
            "doublings_needed",
            "doublings_needed(start, target)",
            "how many times `start` (≥ 1) must be doubled to reach at least `target`",
            "def doublings_needed(start, target):\n    count = 0\n    while start < target:\n        start *= 2\n        count += 1\n    return count\n",
        ),
    };
    let mut piece = Piece::new(
        format!("Repeat until done: {}", f.replace('_', " ")),
        format!("Write `{sig}` that returns {what}. Use a `while` loop."),
        starter(&[sig]),
        reference.to_owned(),
    )
    .hints(&[
        "A `while` loop runs as long as its condition holds.",
        "Count the rounds in a variable.",
    ]);
    for _ in 0..4 {
        match variant {
            0 => {
                let n = p.int(1, 200);
                piece.test(format!("{f}({n}) == {}", collatz(n)));
            }
            1 => {
                let n = p.int(0, 1_000_000);
                piece.test(format!("{f}({n}) == {}", root(n)));
            }
            _ => {
                let (s, t) = (p.int(1, 9), p.int(1, 5000));
                let mut count = 0;
                let mut v = s;
                while v < t {
                    v *= 2;
                    count += 1;
                }
                piece.test(format!("{f}({s}, {t}) == {count}"));
            }
        }
    }
    if variant == 0 {
        piece.test(format!("{f}(1) == 0"));
    }
    piece
}

pub fn pairs_and_runs(p: &mut Picker) -> Piece {
    if p.below(2) == 0 {
        let f = p.pick(&["count_pairs", "pairs_with_sum"]);
        let mut piece = Piece::new(
            format!("Pairs that add up ({f})"),
            format!(
                "Write `{f}(numbers, target)` that returns how many pairs of positions \
                 `i < j` have `numbers[i] + numbers[j] == target`. Use two nested loops."
            ),
            starter(&[&format!("{f}(numbers, target)")]),
            format!("def {f}(numbers, target):\n    count = 0\n    for i in range(len(numbers)):\n        for j in range(i + 1, len(numbers)):\n            if numbers[i] + numbers[j] == target:\n                count += 1\n    return count\n"),
        )
        .hints(&["The inner loop starts one position after the outer one.", "Count, don't collect."]);
        for n in [6, 8, 1, 0, 5] {
            let xs = p.ints(n, -3, 9);
            let t = p.int(2, 10);
            let mut c = 0;
            for i in 0..xs.len() {
                for j in i + 1..xs.len() {
                    if xs[i] + xs[j] == t {
                        c += 1;
                    }
                }
            }
            piece.test(format!("{f}({}, {t}) == {c}", ints(&xs)));
        }
        piece
    } else {
        let f = p.pick(&["longest_run", "longest_streak"]);
        let mut piece = Piece::new(
            format!("Longest rising streak ({f})"),
            format!(
                "Write `{f}(numbers)` that returns the length of the longest stretch of \
                 consecutive positions where each number is larger than the one before \
                 (a single number is a stretch of 1; an empty list gives 0)."
            ),
            starter(&[&format!("{f}(numbers)")]),
            format!("def {f}(numbers):\n    if not numbers:\n        return 0\n    best = current = 1\n    for i in range(1, len(numbers)):\n        if numbers[i] > numbers[i - 1]:\n            current += 1\n        else:\n            current = 1\n        best = max(best, current)\n    return best\n"),
        )
        .hints(&["Keep the current streak and the best one.", "Reset the current streak when the numbers stop rising."]);
        for n in [7, 9, 1, 0, 6] {
            let xs = p.ints(n, 0, 9);
            let mut best = i64::from(!xs.is_empty());
            let mut cur = 1;
            for i in 1..xs.len() {
                cur = if xs[i] > xs[i - 1] { cur + 1 } else { 1 };
                best = best.max(cur);
            }
            piece.test(format!("{f}({}) == {best}", ints(&xs)));
        }
        piece
    }
}
