//! The built-in explanations: for each topic, one lesson per level, each with example
//! programs and the output each one prints. An example is shown only after the sandbox
//! printed exactly that output (`crate::examples`), so a wrong claim here hides the
//! example rather than misleading the learner; the `examples_print_what_they_claim` test
//! checks them all against a local Python.
//!
//! The sandbox has no files and only part of the standard library (docs/sandbox.md), so
//! examples use `io.StringIO` for files and only the modules it offers.

/// An example program and what it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// The program.
    pub code: &'static str,
    /// What it prints (compared ignoring trailing whitespace).
    pub output: &'static str,
}

/// One level's explanation of a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lesson {
    /// The explanation (Markdown).
    pub explanation: &'static str,
    /// Example programs, best first.
    pub examples: &'static [Example],
}

/// A topic and its lessons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    /// The triage topic, e.g. `python.loops`.
    pub id: &'static str,
    /// Its name for the learner, e.g. `loops`.
    pub name: &'static str,
    /// The lessons for beginner, intermediate and advanced learners.
    pub lessons: [Lesson; 3],
    /// A question to ask next, below the advanced level.
    pub deeper: &'static str,
}

/// The topic for `id`; `general` (and any topic this agent has no lessons for) is the
/// general one.
pub fn topic(id: &str) -> &'static Topic {
    TOPICS.iter().find(|t| t.id == id).unwrap_or(&GENERAL)
}

/// The topic after `t` on the learning path, for an advanced learner's next question.
pub fn next_after(t: &Topic) -> Option<&'static Topic> {
    let at = TOPICS.iter().position(|x| x.id == t.id)?;
    TOPICS.get(at + 1)
}

const fn one(explanation: &'static str, examples: &'static [Example]) -> Lesson {
    Lesson {
        explanation,
        examples,
    }
}

/// What any learner gets for a question on no particular topic.
pub const GENERAL: Topic = Topic {
    id: "general",
    name: "Python",
    lessons: [GENERAL_LESSON, GENERAL_LESSON, GENERAL_LESSON],
    deeper: "What is a variable in Python?",
};

const GENERAL_LESSON: Lesson = one(
    "Python is a general-purpose programming language that reads almost like English: a \
     program is a list of statements run from top to bottom, and indentation shows which \
     lines belong together. I can explain any of these topics at your level: **variables**, \
     **numbers**, **strings**, **conditionals**, **loops**, **functions**, **lists**, \
     **dictionaries**, **classes (OOP)**, **files**, **errors** and **modules**. Ask me, for \
     example, \"What is a list?\" or \"How do loops work?\"",
    &[Example {
        code: "print(\"Hello, world!\")\nprint(2 + 3)\n",
        output: "Hello, world!\n5",
    }],
);

/// Every topic with lessons, in learning-path order.
pub const TOPICS: [Topic; 12] = [
    Topic {
        id: "python.variables",
        name: "variables",
        lessons: [
            one(
                "A **variable** is a name that refers to a value. You create one by assigning \
                 with `=`: `age = 12` makes the name `age` refer to the value 12. After that \
                 you can use the name wherever you need the value, and assign again to make it \
                 refer to something new. Names are case-sensitive and may contain letters, \
                 digits and underscores, but can't start with a digit.",
                &[
                    Example {
                        code: "name = \"Ada\"\nage = 36\nprint(name, \"is\", age)\nage = age + 1\nprint(\"Next year:\", age)\n",
                        output: "Ada is 36\nNext year: 37",
                    },
                    Example {
                        code: "x = 5\ny = x * 2\nprint(y)\n",
                        output: "10",
                    },
                ],
            ),
            one(
                "Python variables are **labels attached to objects**, not boxes holding \
                 values: assignment binds a name to an object, and two names can refer to the \
                 same object. That matters for mutable objects such as lists: a change made \
                 through one name shows through the other. `is` tells you whether two names \
                 refer to the same object; use `.copy()` (or `list(...)`) when you need an \
                 independent copy.",
                &[Example {
                    code: "a = [1, 2]\nb = a\nb.append(3)\nprint(a)\nc = a.copy()\nc.append(4)\nprint(a, c)\nprint(a is b, a is c)\n",
                    output: "[1, 2, 3]\n[1, 2, 3] [1, 2, 3, 4]\nTrue False",
                }],
            ),
            one(
                "Names are looked up by the **LEGB rule**: Local, Enclosing function, Global, \
                 Built-in. Assigning to a name anywhere in a function makes it local to the \
                 whole function unless it is declared `global` or `nonlocal`. Closures capture \
                 variables, not values, which is why lambdas made in a loop all see the loop \
                 variable's last value; bind the current value with a default argument.",
                &[Example {
                    code: "def counter():\n    count = 0\n    def step():\n        nonlocal count\n        count += 1\n        return count\n    return step\n\ntick = counter()\ntick()\nprint(tick())\nfuncs = [lambda: i for i in range(3)]\nprint([f() for f in funcs])\nfuncs = [lambda i=i: i for i in range(3)]\nprint([f() for f in funcs])\n",
                    output: "2\n[2, 2, 2]\n[0, 1, 2]",
                }],
            ),
        ],
        deeper: "What happens when two variables refer to the same list?",
    },
    Topic {
        id: "python.numbers",
        name: "numbers",
        lessons: [
            one(
                "Python has whole numbers (`int`) and decimal numbers (`float`). The usual \
                 operators work: `+`, `-`, `*`, and `/`, which always gives a float. `//` \
                 divides and rounds down to a whole number, `%` gives the remainder, and `**` \
                 raises to a power.",
                &[Example {
                    code: "print(7 / 2)\nprint(7 // 2)\nprint(7 % 2)\nprint(2 ** 10)\n",
                    output: "3.5\n3\n1\n1024",
                }],
            ),
            one(
                "Floats are stored in binary, so many decimals can't be represented exactly: \
                 `0.1 + 0.2` is not exactly `0.3`. Compare floats with `math.isclose`, and round \
                 only when you display them, e.g. with an f-string format like `:.2f`. Ints \
                 have no size limit. `round()` rounds halves to the nearest even number.",
                &[Example {
                    code: "import math\nprint(0.1 + 0.2)\nprint(0.1 + 0.2 == 0.3)\nprint(math.isclose(0.1 + 0.2, 0.3))\nprint(f\"{2 / 3:.2f}\")\nprint(round(2.5), round(3.5))\n",
                    output: "0.30000000000000004\nFalse\nTrue\n0.67\n2 4",
                }],
            ),
            one(
                "For exact decimal arithmetic (money) use `decimal.Decimal` built from strings; \
                 for exact ratios, `fractions.Fraction`. Integer division and `%` round toward \
                 minus infinity, so `-7 // 2` is `-4` and `-7 % 2` is `1`, which keeps \
                 `(a // b) * b + a % b == a` true; `divmod` gives both at once.",
                &[Example {
                    code: "from decimal import Decimal\nfrom fractions import Fraction\nprint(Decimal(\"0.1\") + Decimal(\"0.2\"))\nprint(Fraction(1, 3) + Fraction(1, 6))\nprint(-7 // 2, -7 % 2)\nprint(divmod(17, 5))\n",
                    output: "0.3\n1/2\n-4 1\n(3, 2)",
                }],
            ),
        ],
        deeper: "Why is 0.1 + 0.2 not exactly 0.3 in Python?",
    },
    Topic {
        id: "python.strings",
        name: "strings",
        lessons: [
            one(
                "A **string** is text in quotes: `'hi'` or `\"hi\"`. You can join strings with \
                 `+`, repeat them with `*`, and count their characters with `len()`. Each \
                 character has a position starting at 0, so `word[0]` is the first character \
                 and `word[-1]` the last. An f-string puts values into text: \
                 `f\"Hello {name}\"`.",
                &[Example {
                    code: "word = \"Python\"\nprint(word[0], word[-1])\nprint(len(word))\nprint(word + \"!\" * 3)\nname = \"Ada\"\nprint(f\"Hello {name}\")\n",
                    output: "P n\n6\nPython!!!\nHello Ada",
                }],
            ),
            one(
                "Strings are **immutable**: methods like `upper()`, `replace()` and `strip()` \
                 return new strings. Slicing `s[start:stop:step]` takes parts, `split()` breaks \
                 text into a list of words, and `join()` glues a list back together. f-strings \
                 take format specs such as `{price:.2f}` or `{name:>8}`.",
                &[Example {
                    code: "s = \"  hello world  \"\nclean = s.strip()\nprint(clean.title())\nwords = clean.split()\nprint(words)\nprint(\"-\".join(words))\nprint(clean[::-1])\nprint(f\"{3.14159:.2f}|{'ok':>5}|\")\n",
                    output: "Hello World\n['hello', 'world']\nhello-world\ndlrow olleh\n3.14|   ok|",
                }],
            ),
            one(
                "Python strings are sequences of Unicode code points: `len()` counts code \
                 points, and `encode()` turns a string into bytes in an encoding such as UTF-8. \
                 Building a long string with `+=` in a loop can take quadratic time; collect \
                 the parts in a list and `\"\".join()` them. `str.partition`, \
                 `str.translate` and the `re` module cover heavier text work.",
                &[Example {
                    code: "s = \"café\"\nprint(len(s), len(s.encode(\"utf-8\")))\nparts = [str(n) for n in range(5)]\nprint(\",\".join(parts))\nhead, sep, tail = \"key=value=x\".partition(\"=\")\nprint(head, tail)\nprint(\"hello\".translate(str.maketrans(\"el\", \"ip\")))\n",
                    output: "4 5\n0,1,2,3,4\nkey value=x\nhippo",
                }],
            ),
        ],
        deeper: "Why can't I change a character of a string in place?",
    },
    Topic {
        id: "python.conditionals",
        name: "conditionals",
        lessons: [
            one(
                "An `if` statement runs a block only when its condition is true. Add `elif` \
                 for more conditions, checked in order, and `else` for when none matched. The \
                 block is the indented lines after the colon. Comparisons such as `==`, `!=`, \
                 `<` and `>=` give `True` or `False`.",
                &[Example {
                    code: "temperature = 23\nif temperature > 30:\n    print(\"Hot\")\nelif temperature > 15:\n    print(\"Warm\")\nelse:\n    print(\"Cold\")\n",
                    output: "Warm",
                }],
            ),
            one(
                "Combine conditions with `and`, `or` and `not`; Python stops evaluating as soon \
                 as the result is known (short-circuiting). Empty values (`0`, `\"\"`, `[]`, \
                 `None`) count as false, so `if items:` checks for a non-empty list. A \
                 conditional expression picks one of two values in one line, \
                 `a if condition else b`, and comparisons chain as in maths: `0 <= x < 10`.",
                &[Example {
                    code: "items = []\nif not items:\n    print(\"empty\")\nx = 7\nprint(0 <= x < 10)\nlabel = \"even\" if x % 2 == 0 else \"odd\"\nprint(label)\nname = \"\"\nprint(name or \"anonymous\")\n",
                    output: "empty\nTrue\nodd\nanonymous",
                }],
            ),
            one(
                "`match` (Python 3.10+) does **structural pattern matching**: it destructures \
                 sequences and mappings, binds names, and takes guards with `if`. `and` and \
                 `or` return one of their operands, not necessarily a bool. Long `if`/`elif` \
                 chains that dispatch on a kind of value often read better as a dict of \
                 functions or as methods on classes.",
                &[Example {
                    code: "def describe(point):\n    match point:\n        case (0, 0):\n            return \"origin\"\n        case (x, 0):\n            return f\"on the x axis at {x}\"\n        case (x, y) if x == y:\n            return \"on the diagonal\"\n        case _:\n            return \"somewhere else\"\n\nfor p in [(0, 0), (3, 0), (2, 2), (1, 5)]:\n    print(describe(p))\nprint(0 or [] or \"last\")\n",
                    output: "origin\non the x axis at 3\non the diagonal\nsomewhere else\nlast",
                }],
            ),
        ],
        deeper: "How do `and`, `or` and `not` work in a condition?",
    },
    Topic {
        id: "python.loops",
        name: "loops",
        lessons: [
            one(
                "A `for` loop repeats a block once for each item of a sequence, such as a \
                 list, a string or a `range`. `range(3)` gives 0, 1 and 2: it stops *before* 3. \
                 A `while` loop repeats as long as its condition is true, so something inside \
                 it must eventually make the condition false.",
                &[Example {
                    code: "for i in range(3):\n    print(\"Round\", i)\ncount = 3\nwhile count > 0:\n    print(count)\n    count -= 1\nprint(\"Go!\")\n",
                    output: "Round 0\nRound 1\nRound 2\n3\n2\n1\nGo!",
                }],
            ),
            one(
                "`enumerate()` gives positions and items together, and `zip()` walks several \
                 sequences side by side. `break` leaves a loop early, `continue` skips to the \
                 next pass, and a loop's `else` block runs only when the loop wasn't left by \
                 `break`. A list comprehension builds a list in one expression: \
                 `[x * x for x in nums if x > 0]`.",
                &[Example {
                    code: "names = [\"Ann\", \"Bob\", \"Cy\"]\nscores = [90, 75, 82]\nfor i, (n, s) in enumerate(zip(names, scores), start=1):\n    print(i, n, s)\nprint([s for s in scores if s > 80])\nfor n in [3, 5, 7]:\n    if n % 2 == 0:\n        break\nelse:\n    print(\"no even number\")\n",
                    output: "1 Ann 90\n2 Bob 75\n3 Cy 82\n[90, 82]\nno even number",
                }],
            ),
            one(
                "A `for` loop consumes an **iterator**: an object whose `__next__` gives the \
                 next value and raises `StopIteration` at the end. Generators (functions with \
                 `yield`) produce values lazily, so you can loop over huge or endless sequences \
                 in constant memory, and `itertools` has the building blocks (`islice`, \
                 `chain`, `groupby`, `accumulate`). Changing a list while looping over it skips \
                 items: loop over a copy or build a new list.",
                &[Example {
                    code: "from itertools import islice, accumulate\n\ndef naturals():\n    n = 1\n    while True:\n        yield n\n        n += 1\n\nprint(list(islice(naturals(), 5)))\nprint(list(accumulate([1, 2, 3, 4])))\nsquares = (n * n for n in range(10))\nprint(sum(squares))\n",
                    output: "[1, 2, 3, 4, 5]\n[1, 3, 6, 10]\n285",
                }],
            ),
        ],
        deeper: "When should I use a `while` loop instead of a `for` loop?",
    },
    Topic {
        id: "python.functions",
        name: "functions",
        lessons: [
            one(
                "A **function** is a named block of code you can run again and again. Define \
                 it with `def`, list its parameters in parentheses, and use `return` to send a \
                 result back. Calling `add(2, 3)` runs the body with `a = 2` and `b = 3`. A \
                 function without `return` gives back `None`.",
                &[Example {
                    code: "def add(a, b):\n    return a + b\n\nresult = add(2, 3)\nprint(result)\nprint(add(10, -4))\n",
                    output: "5\n6",
                }],
            ),
            one(
                "Parameters can have defaults (`def greet(name, greeting=\"Hello\")`) and be \
                 passed by keyword (`greet(\"Ada\", greeting=\"Hi\")`). `*args` collects extra \
                 positional arguments into a tuple and `**kwargs` extra keyword arguments into \
                 a dict. Never use a mutable default such as `[]`: it is created once and \
                 shared by every call. Variables assigned inside a function are local to it.",
                &[Example {
                    code: "def greet(name, greeting=\"Hello\"):\n    return f\"{greeting}, {name}!\"\n\nprint(greet(\"Ada\"))\nprint(greet(\"Bob\", greeting=\"Hi\"))\n\ndef total(*nums, **options):\n    return round(sum(nums), options.get(\"digits\", 0))\n\nprint(total(1.25, 2.5, digits=1))\n",
                    output: "Hello, Ada!\nHi, Bob!\n3.8",
                }],
            ),
            one(
                "Functions are **first-class objects**: you can pass them around, return them \
                 and store them. A closure remembers the variables of the scope it was created \
                 in, and decorators use that to wrap a function with extra behaviour; \
                 `functools.wraps` keeps the wrapped function's name and docstring, and \
                 `functools.lru_cache` memoises a pure function.",
                &[Example {
                    code: "import functools\n\ndef logged(func):\n    @functools.wraps(func)\n    def wrapper(*args):\n        result = func(*args)\n        print(f\"{func.__name__}{args} -> {result}\")\n        return result\n    return wrapper\n\n@logged\ndef square(x):\n    return x * x\n\nsquare(4)\n\n@functools.lru_cache(maxsize=None)\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\nprint(fib(50))\n",
                    output: "square(4,) -> 16\n12586269025",
                }],
            ),
        ],
        deeper: "What are default arguments and keyword arguments?",
    },
    Topic {
        id: "python.lists",
        name: "lists",
        lessons: [
            one(
                "A **list** holds several values in order, written in square brackets: \
                 `[3, 1, 2]`. Positions start at 0. `append()` adds an item at the end, \
                 `len()` counts the items, and you change an item by assigning to its \
                 position. Loop over a list with `for item in my_list:`.",
                &[Example {
                    code: "fruits = [\"apple\", \"banana\"]\nfruits.append(\"cherry\")\nfruits[0] = \"apricot\"\nprint(fruits)\nprint(len(fruits))\nfor fruit in fruits:\n    print(fruit.upper())\n",
                    output: "['apricot', 'banana', 'cherry']\n3\nAPRICOT\nBANANA\nCHERRY",
                }],
            ),
            one(
                "Slices (`nums[1:3]`, `nums[::-1]`) make new lists. `sort()` sorts the list in \
                 place and returns `None`, while `sorted()` returns a new sorted list; both \
                 take a `key` function. List comprehensions transform and filter in one line. \
                 `in` checks membership, but on a list it looks at every item in turn.",
                &[Example {
                    code: "nums = [5, 2, 9, 1]\nprint(sorted(nums))\nprint(nums)\nnums.sort(reverse=True)\nprint(nums[:2])\nwords = [\"pear\", \"fig\", \"banana\"]\nprint(sorted(words, key=len))\nprint([n * 2 for n in nums if n > 1])\n",
                    output: "[1, 2, 5, 9]\n[5, 2, 9, 1]\n[9, 5]\n['fig', 'pear', 'banana']\n[18, 10, 4]",
                }],
            ),
            one(
                "A list is a **dynamic array**: indexing and `append` take constant time, but \
                 inserting or removing at the front moves every item, so use \
                 `collections.deque` for queues. `[[0] * 3] * 2` repeats a reference to *one* \
                 inner list; build nested lists with a comprehension. `bisect` keeps a sorted \
                 list sorted and `heapq` uses a list as a priority queue.",
                &[Example {
                    code: "import heapq\nfrom collections import deque\ngrid = [[0] * 3] * 2\ngrid[0][0] = 1\nprint(grid)\ngrid = [[0] * 3 for _ in range(2)]\ngrid[0][0] = 1\nprint(grid)\nq = deque([1, 2, 3])\nq.appendleft(0)\nprint(q.popleft(), list(q))\nprint(heapq.nsmallest(2, [7, 3, 9, 1]))\n",
                    output: "[[1, 0, 0], [1, 0, 0]]\n[[1, 0, 0], [0, 0, 0]]\n0 [1, 2, 3]\n[1, 3]",
                }],
            ),
        ],
        deeper: "What is the difference between `sort()` and `sorted()`?",
    },
    Topic {
        id: "python.dicts",
        name: "dictionaries",
        lessons: [
            one(
                "A **dictionary** stores pairs of keys and values: \
                 `ages = {\"Ann\": 31, \"Bob\": 27}`. Look a value up by its key with \
                 `ages[\"Ann\"]`, and add or change one by assigning: `ages[\"Cy\"] = 40`. \
                 Each key appears once, and `in` checks whether a key is there.",
                &[Example {
                    code: "ages = {\"Ann\": 31, \"Bob\": 27}\nages[\"Cy\"] = 40\nprint(ages[\"Ann\"])\nprint(\"Bob\" in ages)\nprint(len(ages))\nfor name, age in ages.items():\n    print(name, age)\n",
                    output: "31\nTrue\n3\nAnn 31\nBob 27\nCy 40",
                }],
            ),
            one(
                "`get(key, default)` reads a key without failing when it is missing. \
                 `items()`, `keys()` and `values()` give views to loop over, and dicts keep \
                 the order in which keys were inserted. Dict comprehensions build a dict in \
                 one line, and `collections.Counter` and `defaultdict` make counting and \
                 grouping short.",
                &[Example {
                    code: "from collections import Counter, defaultdict\nwords = [\"a\", \"b\", \"a\", \"c\", \"a\"]\ncounts = {}\nfor w in words:\n    counts[w] = counts.get(w, 0) + 1\nprint(counts)\nprint(Counter(words).most_common(1))\nby_len = defaultdict(list)\nfor w in [\"hi\", \"yo\", \"hey\"]:\n    by_len[len(w)].append(w)\nprint(dict(by_len))\nprint({w: len(w) for w in [\"ab\", \"abc\"]})\n",
                    output: "{'a': 3, 'b': 1, 'c': 1}\n[('a', 3)]\n{2: ['hi', 'yo'], 3: ['hey']}\n{'ab': 2, 'abc': 3}",
                }],
            ),
            one(
                "Dicts are **hash tables**: a lookup takes constant time on average, and keys \
                 must be hashable (immutable values such as `str`, `int` or a tuple of them). \
                 `a | b` (3.9+) merges two dicts, the right side winning. Never add or remove \
                 keys while looping over a dict; loop over `list(d)` instead.",
                &[Example {
                    code: "defaults = {\"color\": \"red\", \"size\": 2}\nuser = {\"size\": 5}\nprint(defaults | user)\npoints = {(0, 0): \"origin\", (1, 2): \"p\"}\nprint(points[(1, 2)])\nd = {\"a\": 1, \"b\": 0, \"c\": 3}\nfor k in list(d):\n    if d[k] == 0:\n        del d[k]\nprint(d)\n",
                    output: "{'color': 'red', 'size': 5}\np\n{'a': 1, 'c': 3}",
                }],
            ),
        ],
        deeper: "How do I count things with a dictionary?",
    },
    Topic {
        id: "python.oop",
        name: "classes and objects",
        lessons: [
            one(
                "A **class** is a blueprint for objects that bundle data and behaviour. \
                 `__init__` sets up a new object's attributes, and `self` is the object a \
                 method is working on. You create an object by calling the class like a \
                 function, then use a dot for its attributes and methods.",
                &[Example {
                    code: "class Dog:\n    def __init__(self, name):\n        self.name = name\n\n    def speak(self):\n        return f\"{self.name} says woof\"\n\nrex = Dog(\"Rex\")\nprint(rex.name)\nprint(rex.speak())\n",
                    output: "Rex\nRex says woof",
                }],
            ),
            one(
                "A subclass **inherits** its parent's methods and can override them; \
                 `super()` calls the parent's version. Define `__str__` (or `__repr__`) so \
                 your objects print nicely. Class attributes are shared by every instance, \
                 instance attributes belong to one object, and `@property` lets a method be \
                 read like an attribute.",
                &[Example {
                    code: "class Animal:\n    def __init__(self, name):\n        self.name = name\n\n    def speak(self):\n        return \"...\"\n\n    def __str__(self):\n        return f\"{self.name}: {self.speak()}\"\n\nclass Cat(Animal):\n    def speak(self):\n        return \"meow\"\n\nclass Circle:\n    def __init__(self, r):\n        self.r = r\n\n    @property\n    def area(self):\n        return round(3.14159 * self.r ** 2, 2)\n\nprint(Cat(\"Tom\"))\nprint(Animal(\"Generic\"))\nprint(Circle(2).area)\n",
                    output: "Tom: meow\nGeneric: ...\n12.57",
                }],
            ),
            one(
                "`@dataclass` generates `__init__`, `__repr__` and `__eq__` (and ordering with \
                 `order=True`) from annotated fields. Special methods such as `__len__`, \
                 `__iter__` and `__lt__` let your objects work with built-ins and operators. \
                 Methods are looked up along the **MRO** (C3 linearisation), which `super()` \
                 follows in multiple inheritance. Prefer composition where inheritance doesn't \
                 model an is-a relationship.",
                &[Example {
                    code: "from dataclasses import dataclass\n\n@dataclass(order=True)\nclass Version:\n    major: int\n    minor: int = 0\n\nclass Deck:\n    def __init__(self, cards):\n        self.cards = list(cards)\n\n    def __len__(self):\n        return len(self.cards)\n\n    def __iter__(self):\n        return iter(self.cards)\n\nprint(Version(1, 2))\nprint(Version(1, 2) < Version(1, 10))\nprint(sorted([Version(2), Version(1, 5)]))\ndeck = Deck(\"AKQ\")\nprint(len(deck), list(deck))\n\nclass A:\n    pass\n\nclass B(A):\n    pass\n\nprint([c.__name__ for c in B.__mro__])\n",
                    output: "Version(major=1, minor=2)\nTrue\n[Version(major=1, minor=5), Version(major=2, minor=0)]\n3 ['A', 'K', 'Q']\n['B', 'A', 'object']",
                }],
            ),
        ],
        deeper: "What does `self` mean in a method?",
    },
    Topic {
        id: "python.files",
        name: "files",
        lessons: [
            one(
                "`open(path)` opens a file and `.read()` returns its text; \
                 `open(path, \"w\")` opens it for writing. Write `with open(...) as f:` so the \
                 file is closed for you, even when an error happens. Looping over a file gives \
                 one line at a time, newline included; `.strip()` removes it. (The sandbox has \
                 no files, so the example uses `io.StringIO`, which behaves like an open text \
                 file.)",
                &[Example {
                    code: "import io\n\nf = io.StringIO(\"first line\\nsecond line\\n\")\nfor line in f:\n    print(line.strip().upper())\n",
                    output: "FIRST LINE\nSECOND LINE",
                }],
            ),
            one(
                "The mode says what you do with a file: `\"r\"` read, `\"w\"` write (emptying \
                 it first), `\"a\"` append; add `\"b\"` for bytes. Pass `encoding=\"utf-8\"` \
                 for text so your program behaves the same on every computer. `readline()` \
                 reads one line, and the `json` module reads and writes structured data. \
                 (The example uses `io.StringIO` in place of a real file.)",
                &[Example {
                    code: "import io\nimport json\n\nf = io.StringIO()\nf.write(\"name,score\\n\")\nf.write(\"Ann,90\\n\")\nf.seek(0)\nheader = f.readline().strip().split(\",\")\nfor line in f:\n    print(dict(zip(header, line.strip().split(\",\"))))\ntext = json.dumps({\"scores\": [90, 75]})\nprint(text)\nprint(json.loads(text)[\"scores\"][0])\n",
                    output: "{'name': 'Ann', 'score': '90'}\n{\"scores\": [90, 75]}\n90",
                }],
            ),
            one(
                "`with` works with any **context manager**: an object with `__enter__` and \
                 `__exit__`, or a generator decorated with `contextlib.contextmanager`; the \
                 clean-up runs even when an exception escapes the block. A file object is an \
                 iterator, so loop over big files line by line instead of `read()`ing them \
                 whole. For a safe update, write a temporary file and `os.replace()` it over \
                 the old one.",
                &[Example {
                    code: "import io\nfrom contextlib import contextmanager\n\n@contextmanager\ndef opened(text):\n    print(\"open\")\n    f = io.StringIO(text)\n    try:\n        yield f\n    finally:\n        f.close()\n        print(\"closed\")\n\ntry:\n    with opened(\"a\\nb\\n\") as f:\n        print(sum(1 for _ in f), \"lines\")\n        raise ValueError(\"boom\")\nexcept ValueError as e:\n    print(\"caught\", e)\n",
                    output: "open\n2 lines\nclosed\ncaught boom",
                }],
            ),
        ],
        deeper: "Why should I open files with `with`?",
    },
    Topic {
        id: "python.errors",
        name: "errors and exceptions",
        lessons: [
            one(
                "When something goes wrong, Python **raises an exception** and stops, printing \
                 a traceback whose last line names the error, such as `ZeroDivisionError`. You \
                 can handle an error you expect with `try:` and `except SomeError:`, so the \
                 program carries on. Catch only the errors you expect, so real bugs still show.",
                &[Example {
                    code: "try:\n    number = int(\"abc\")\nexcept ValueError:\n    print(\"That's not a number\")\nprint(\"The program goes on\")\n",
                    output: "That's not a number\nThe program goes on",
                }],
            ),
            one(
                "`except SomeError as e` gives you the exception object. An `else` block runs \
                 when nothing was raised, and `finally` always runs, for clean-up. Raise your \
                 own errors with `raise ValueError(\"…\")` to reject bad input early. Catch \
                 specific exceptions rather than using a bare `except:`, which also swallows \
                 typos and Ctrl+C.",
                &[Example {
                    code: "def parse_age(text):\n    age = int(text)\n    if age < 0:\n        raise ValueError(\"age can't be negative\")\n    return age\n\nfor text in [\"42\", \"-1\", \"x\"]:\n    try:\n        age = parse_age(text)\n    except ValueError as e:\n        print(\"error:\", e)\n    else:\n        print(\"ok:\", age)\n    finally:\n        print(\"checked\", text)\n",
                    output: "ok: 42\nchecked 42\nerror: age can't be negative\nchecked -1\nerror: invalid literal for int() with base 10: 'x'\nchecked x",
                }],
            ),
            one(
                "Give your program its own **exception hierarchy** by subclassing `Exception`, \
                 so callers can catch your errors as a group. `raise … from err` chains \
                 exceptions and keeps the original cause in the traceback. Python favours \
                 EAFP (try it and handle the failure) over look-before-you-leap checks, which \
                 can race or duplicate logic. Python 3.11 added exception groups and `except*` \
                 for several failures at once.",
                &[Example {
                    code: "class AppError(Exception):\n    pass\n\nclass ConfigError(AppError):\n    pass\n\ndef load(settings):\n    try:\n        return settings[\"port\"]\n    except KeyError as err:\n        raise ConfigError(\"missing port\") from err\n\ntry:\n    load({})\nexcept AppError as e:\n    print(type(e).__name__, e)\n    print(\"caused by\", repr(e.__cause__))\n",
                    output: "ConfigError missing port\ncaused by KeyError('port')",
                }],
            ),
        ],
        deeper: "What do `else` and `finally` do in a `try` statement?",
    },
    Topic {
        id: "python.modules",
        name: "modules",
        lessons: [
            one(
                "A **module** is a file of Python code you can reuse. `import math` loads the \
                 standard library's maths module, and you use what it holds with a dot: \
                 `math.sqrt(16)`. `from math import pi` imports a single name. The standard \
                 library has modules for maths, random numbers, dates and much more.",
                &[Example {
                    code: "import math\nfrom math import pi\n\nprint(math.sqrt(16))\nprint(round(pi, 2))\nprint(math.floor(3.7))\n",
                    output: "4.0\n3.14\n3",
                }],
            ),
            one(
                "Every `.py` file is a module, and a folder of them is a package. Importing runs \
                 a module's top-level code once and caches the module. Code under \
                 `if __name__ == \"__main__\":` runs only when the file is run directly, not \
                 when it is imported. `import x as y` gives a shorter name; avoid \
                 `from x import *`, which hides where names come from.",
                &[Example {
                    code: "import statistics as stats\nfrom collections import namedtuple\n\nprint(stats.mean([2, 4, 9]))\nPoint = namedtuple(\"Point\", \"x y\")\nprint(Point(1, 2))\nprint(__name__)\nif __name__ == \"__main__\":\n    print(\"run directly\")\n",
                    output: "5\nPoint(x=1, y=2)\n__main__\nrun directly",
                }],
            ),
            one(
                "Imports are resolved along `sys.path`, and a module is executed once and then \
                 cached in `sys.modules`; importing it again just returns the cached object. A \
                 package's `__init__.py` runs on its first import, and relative imports \
                 (`from . import x`) work only inside packages. A circular import fails when a \
                 module uses a name before the other module finished running: move the import \
                 into the function that needs it, or restructure.",
                &[Example {
                    code: "import sys\nimport math\n\nprint(\"math\" in sys.modules)\nprint(math is sys.modules[\"math\"])\nmodule = __import__(\"json\")\nprint(module.dumps([1, 2]))\nprint(callable(getattr(math, \"sqrt\")))\n",
                    output: "True\nTrue\n[1, 2]\nTrue",
                }],
            ),
        ],
        deeper: "What does `if __name__ == \"__main__\":` do?",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs every example with a local `python3` and compares its output with the claim.
    /// Ignored by default (it needs Python): `cargo test -p concepts-agent -- --ignored`.
    #[test]
    #[ignore = "needs python3 on PATH"]
    fn examples_print_what_they_claim() {
        let all = TOPICS.iter().chain(std::iter::once(&GENERAL));
        for t in all {
            for (level, lesson) in t.lessons.iter().enumerate() {
                for e in lesson.examples {
                    let out = std::process::Command::new("python3")
                        .args(["-c", e.code])
                        .output()
                        .expect("python3 runs");
                    let stdout = String::from_utf8_lossy(&out.stdout);
                    assert!(
                        out.status.success(),
                        "{} level {level}: {}",
                        t.id,
                        String::from_utf8_lossy(&out.stderr)
                    );
                    assert_eq!(
                        crate::examples::normalise(&stdout),
                        crate::examples::normalise(e.output),
                        "{} level {level}",
                        t.id
                    );
                }
            }
        }
    }

    #[test]
    fn every_triage_topic_has_three_lessons_with_an_example() {
        let ids: Vec<&str> = TOPICS.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), 12);
        for t in TOPICS.iter().chain(std::iter::once(&GENERAL)) {
            for lesson in &t.lessons {
                assert!(!lesson.explanation.is_empty());
                assert!(!lesson.examples.is_empty(), "{}", t.id);
            }
        }
        assert_eq!(topic("python.loops").name, "loops");
        assert_eq!(topic("general").id, "general");
        assert_eq!(topic("partner.rust").id, "general");
        assert_eq!(
            next_after(topic("python.loops")).map(|t| t.id),
            Some("python.functions")
        );
        assert_eq!(next_after(topic("python.modules")), None);
    }
}
