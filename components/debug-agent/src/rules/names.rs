//! Errors about names: `NameError`, `UnboundLocalError`, `ModuleNotFoundError`.

use super::{Case, Diagnosis, tick};
use crate::edit;

/// Built-in names learners use, for typos of them (`pritn`).
const BUILTINS: &[&str] = &[
    "print",
    "input",
    "len",
    "range",
    "int",
    "str",
    "float",
    "list",
    "dict",
    "set",
    "tuple",
    "sum",
    "min",
    "max",
    "abs",
    "round",
    "sorted",
    "enumerate",
    "zip",
    "open",
    "type",
    "bool",
    "True",
    "False",
    "None",
    "isinstance",
    "map",
    "filter",
    "reversed",
    "any",
    "all",
];

/// Standard-library modules the sandbox offers, for typos of them (`maths`).
const MODULES: &[&str] = &[
    "math",
    "random",
    "string",
    "json",
    "datetime",
    "time",
    "collections",
    "itertools",
    "functools",
    "statistics",
    "re",
    "decimal",
    "fractions",
    "calendar",
    "copy",
    "heapq",
    "bisect",
    "textwrap",
    "dataclasses",
    "enum",
    "typing",
    "operator",
];

/// Third-party packages learners often reach for.
const THIRD_PARTY: &[&str] = &[
    "numpy",
    "pandas",
    "requests",
    "matplotlib",
    "scipy",
    "flask",
    "django",
    "bs4",
    "pygame",
];

pub(super) fn name_error(case: &Case<'_>) -> Option<Diagnosis> {
    let name = case.quoted()?.to_owned();
    let at = case.where_();
    let meaning = format!(
        "A `NameError` means Python met a name it doesn't know: when {at} runs, nothing \
         called {n} exists. Python only knows names that were assigned, defined with `def` \
         or `class`, imported, or are built in.",
        n = tick(&name)
    );
    let suggested = case
        .error
        .message
        .split("Did you mean: ")
        .nth(1)
        .and_then(edit::first_quoted)
        .map(str::to_owned);
    let code_names = case.code.map(edit::names).unwrap_or_default();
    let typo_of = suggested.or_else(|| {
        edit::closest(
            &name,
            code_names
                .iter()
                .map(String::as_str)
                .filter(|n| {
                    case.code
                        .is_some_and(|c| edit::binding_line(c, n).is_some())
                })
                .chain(BUILTINS.iter().copied()),
        )
        .map(str::to_owned)
    });
    if let Some(right) = typo_of {
        return Some(typo(case, &name, &right, meaning));
    }
    later_or_missing(case, &name, meaning)
}

/// A name that is a typo of `right`.
fn typo(case: &Case<'_>, name: &str, right: &str, meaning: String) -> Diagnosis {
    let at = case.where_();
    let defined_at = case
        .code
        .and_then(|c| edit::binding_line(c, right))
        .map(|l| format!(" Look at line {l}, where you created the name you meant."))
        .unwrap_or_default();
    let candidate = case.code_line().and_then(|l| {
        let fixed = edit::replace_word(l, name, right)?;
        edit::replace_line(case.code?, case.error.line?, &fixed)
    });
    Diagnosis::new(
        meaning,
        format!(
            "{n} looks very much like a name your program does know, spelled a little \
             differently. To Python, names that differ by a single letter, or only in \
             upper and lower case, are completely unrelated.",
            n = tick(name)
        ),
        format!(
            "Spell out {n} on {at} letter by letter and compare it with the names you \
             have already used.{defined_at} Are they exactly the same?",
            n = tick(name)
        ),
        format!(
            "It's a typo: change {n} to {r} on {at}.",
            n = tick(name),
            r = tick(right)
        ),
    )
    .with([candidate])
}

/// A name created only later in the code, or nowhere.
fn later_or_missing(case: &Case<'_>, name: &str, meaning: String) -> Option<Diagnosis> {
    let at = case.where_();
    let later = case
        .code
        .and_then(|c| edit::binding_line(c, name))
        .filter(|l| case.error.line.is_some_and(|e| *l > e));
    if let Some(l) = later {
        return Some(Diagnosis::new(
            meaning,
            format!(
                "Your code does create {n}, on line {l}, but Python runs a program from top to \
                 bottom: at {at} that line hasn't run yet.",
                n = tick(name)
            ),
            format!(
                "Which has to happen first: the line that gives {n} its value, or {at} that \
                 uses it?",
                n = tick(name)
            ),
            format!(
                "Move the line that creates {n} (line {l}) above {at}, or give {n} a starting \
                 value before it is used.",
                n = tick(name)
            ),
        ));
    }
    Some(Diagnosis::new(
        meaning,
        format!(
            "Nothing before {at} gives {n} a value. Two common reasons: the variable is created \
             inside a function and used outside it (a function's variables exist only inside \
             it), or {n} was meant as text and is missing its quotes.",
            n = tick(name)
        ),
        format!(
            "Where should {n} get its value? Is it a variable you forgot to assign, a name from \
             inside a function, or a piece of text?",
            n = tick(name)
        ),
        format!(
            "Give {n} a value before {at} (for example by returning it from the function that \
             computes it and assigning the result), or put it in quotes if you meant the text \
             {q}.",
            n = tick(name),
            q = tick(&format!("\"{name}\""))
        ),
    ))
}

pub(super) fn unbound_local(case: &Case<'_>) -> Option<Diagnosis> {
    let name = case.quoted()?.to_owned();
    let n = tick(&name);
    let at = case.where_();
    let candidate = case.code.zip(case.error.line).and_then(|(code, line)| {
        let lines = edit::lines(code);
        let def_index = lines
            .iter()
            .take(usize::try_from(line).ok()?)
            .rposition(|l| l.trim_start().starts_with("def "))?;
        let def = lines[def_index];
        let body = lines.get(def_index + 1)?;
        let indent = edit::indent(body);
        if indent.len() <= edit::indent(def).len() {
            return None;
        }
        edit::insert_before(
            code,
            u32::try_from(def_index + 2).ok()?,
            &format!("{indent}global {name}"),
        )
    });
    Some(
        Diagnosis::new(
            format!(
                "An `UnboundLocalError` means a function read a local variable before giving \
                 it a value. Python decides which names are local when it reads the function: \
                 any name the function assigns to is local everywhere inside it. Look at {n} \
                 on {at}."
            ),
            format!(
                "{n} has a value outside the function, but the function also assigns to it \
                 (for example `{name} += 1` or `{name} = …`). That assignment makes {n} a new, \
                 local variable for the whole function, so reading it first fails: the outer \
                 {n} is hidden."
            ),
            "Should the function change the variable outside it, or work with its own value? \
             How can a function receive a value as a parameter and hand a new one back?"
                .to_owned(),
            format!(
                "Either pass {n} into the function as a parameter and `return` the new value \
                 (the cleaner way), or declare `global {name}` as the function's first line so \
                 it uses the outer variable."
            ),
        )
        .with([candidate]),
    )
}

pub(super) fn module_not_found(case: &Case<'_>) -> Option<Diagnosis> {
    if !case.error.message.starts_with("No module named") {
        return None;
    }
    let module = case.quoted()?.to_owned();
    let m = tick(&module);
    let top = module.split('.').next().unwrap_or(&module).to_owned();
    let meaning = format!(
        "A `ModuleNotFoundError` means `import` looked for a module called {m} and found \
         none. Python searches the standard library, your own files, and the packages \
         installed with `pip`."
    );
    if let Some(right) = edit::closest(&top, MODULES.iter().copied()) {
        // The module's name is used after the import too (`maths.pi`).
        let candidate = case.code.map(|code| {
            let mut fixed: String = code
                .lines()
                .map(|l| edit::replace_word(l, &top, right).unwrap_or_else(|| l.to_owned()))
                .collect::<Vec<_>>()
                .join("\n");
            fixed.push('\n');
            fixed
        });
        return Some(
            Diagnosis::new(
                meaning,
                format!(
                    "There is no standard module named {m}, but there is one with a very \
                     similar name. Module names must be spelled exactly."
                ),
                format!(
                    "Check the spelling of {m} on {at} against the standard library's module \
                     names. Which one did you mean?",
                    at = case.where_()
                ),
                format!("Import {r} instead of {m}.", r = tick(right)),
            )
            .with([candidate]),
        );
    }
    let third_party = THIRD_PARTY.contains(&top.as_str());
    let cause = if third_party {
        format!(
            "{m} is not part of Python's standard library: it is a separate package that must \
             be installed. This platform's sandbox offers the standard library only."
        )
    } else {
        format!(
            "No module called {m} exists where Python looks: it may be misspelled, a package \
             that isn't installed, or your own file saved under another name or in another \
             folder."
        )
    };
    Some(Diagnosis::new(
        meaning,
        cause,
        format!(
            "Is {m} one of your own files, a standard module, or a package from the internet? \
             Each one is found in a different place."
        ),
        if third_party {
            format!(
                "On your own computer, install it with `pip install {top}`. In the sandbox, \
                 solve the task with the standard library instead."
            )
        } else {
            format!(
                "Fix the name in the `import` line, or make sure the file `{top}.py` is in the \
                 same folder as the program you run."
            )
        },
    ))
}
