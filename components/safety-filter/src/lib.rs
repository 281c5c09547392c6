//! The first-party safety gate (docs/requirements.md#r-001-11.3), deterministic stage: normalise
//! the text (`normalise`), match crisis and distress patterns (`patterns`) unless negated ("I would
//! never …") or part of an idiom ("this homework is killing me", "kill the process"), and
//! answer a crisis with a response carrying the region's hotline (`responses`, from the
//! plugin's config). The rules are plain Rust, unit-tested natively and measured on the
//! labelled set in `safety/data/eval.jsonl`; the component glue is at the bottom. An
//! optional second stage (`confirm`) asks a model whether an ambiguous concern is a crisis.

pub mod confirm;
pub mod normalise;
pub mod patterns;
pub mod responses;
pub mod rules;

use std::sync::OnceLock;

use patterns::{Compiled, NEGATIONS, Severity};

/// Overall level of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing of concern.
    None,
    /// Distress without stated risk.
    Concern,
    /// Risk of harm.
    Crisis,
}

/// A match in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last.
    pub end: usize,
    /// Category.
    pub category: &'static str,
}

/// The outcome of the deterministic pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screened {
    /// Overall level.
    pub level: Level,
    /// Categories found, most serious first, without repeats.
    pub categories: Vec<&'static str>,
    /// Where.
    pub spans: Vec<Span>,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(patterns::compile)
}

/// Whether a negation word comes within the three words before byte `at` of `text`.
fn negated(text: &str, at: usize) -> bool {
    let before: Vec<&str> = text[..at].split(' ').filter(|w| !w.is_empty()).collect();
    let window = &before[before.len().saturating_sub(3)..];
    window.iter().enumerate().any(|(i, w)| {
        NEGATIONS.contains(w) && !(*w == "never" && window.get(i + 1) == Some(&"mind"))
    })
}

/// Screens `input`.
pub fn screen(input: &str) -> Screened {
    screen_with(input, true)
}

/// Screens `input` running every pattern, without the trigger-word prefilter (for tests
/// proving the prefilter changes nothing).
#[doc(hidden)]
pub fn screen_unfiltered(input: &str) -> Screened {
    screen_with(input, false)
}

fn screen_with(input: &str, prefilter: bool) -> Screened {
    let norm = normalise::normalise(input);
    let text = norm.text.as_str();
    let c = compiled();
    // A trigger is present when a word of the text is it (`=numb`) or starts with it
    // (`kil` in `kiling`); see `rules::literal_words`. Triggers and words both sorted, one
    // pass finds them: the first word not below a trigger is the one that would start
    // with it.
    let mut words: Vec<&str> = text.split(' ').collect();
    words.sort_unstable();
    words.dedup();
    let mut triggered = vec![!prefilter; c.patterns.len()];
    if prefilter {
        let mut at = 0;
        for &(trigger, whole, row) in patterns::TRIGGER_INDEX {
            while words.get(at).is_some_and(|w| *w < trigger) {
                at += 1;
            }
            if words.get(at).is_some_and(|w| {
                if whole {
                    *w == trigger
                } else {
                    w.starts_with(trigger)
                }
            }) {
                triggered[usize::from(row)] = true;
            }
        }
    }
    let mut candidates: Vec<(&patterns::Pattern, usize, usize)> = Vec::new();
    for (p, _) in c.patterns.iter().zip(&triggered).filter(|(_, t)| **t) {
        for m in p.regex().find_iter(text) {
            candidates.push((p, m.start(), m.end()));
        }
    }
    // Idioms, only when something matched, and each only when one of its words occurs.
    let occurs = |w: &str| match w.strip_prefix('=') {
        Some(whole) => words.binary_search(&whole).is_ok(),
        None => words
            .get(words.partition_point(|x| *x < w))
            .is_some_and(|x| x.starts_with(w)),
    };
    let idioms: Vec<(usize, usize)> = if candidates.is_empty() {
        Vec::new()
    } else {
        c.idioms
            .iter()
            .filter(|i| !prefilter || i.triggers.iter().any(|w| occurs(w)))
            .flat_map(|i| i.regex().find_iter(text).map(|m| (m.start(), m.end())))
            .collect()
    };
    let mut found: Vec<(Severity, Span)> = Vec::new();
    for (p, m_start, m_end) in candidates {
        {
            let m = (m_start, m_end);
            let inside_idiom = idioms.iter().any(|&(s, e)| s <= m.0 && m.1 <= e);
            if inside_idiom || (p.negatable && negated(text, m.0)) {
                continue;
            }
            let (start, end) = norm.original(m.0, m.1, input);
            found.push((
                p.severity,
                Span {
                    start,
                    end,
                    category: p.category,
                },
            ));
        }
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.start.cmp(&b.1.start)));
    let level = match found.first().map(|f| f.0) {
        Some(Severity::Crisis) => Level::Crisis,
        Some(Severity::Concern) => Level::Concern,
        None => Level::None,
    };
    let mut categories = Vec::new();
    for (_, span) in &found {
        if !categories.contains(&span.category) {
            categories.push(span.category);
        }
    }
    Screened {
        level,
        categories,
        spans: found.into_iter().map(|(_, s)| s).collect(),
    }
}

/// The component glue: built only for wasm32, where the exports exist.
#[cfg(target_arch = "wasm32")]
mod component {
    wit_bindgen::generate!({
        path: "../../wit/0.1.0",
        world: "tessera:platform/safety-plugin@0.1.0",
        generate_all,
    });

    use exports::tessera::platform::safety::{
        Guest, Level as WitLevel, ScreenContext, Span as WitSpan, Verdict,
    };
    use tessera::platform::llm;
    use tessera::platform::types::{Message, Role};
    use wasi::config::store as config;
    use wasi::logging::logging::{Level as LogLevel, log};

    use super::confirm;

    struct SafetyFilter;

    /// Stage (b): a concern the model confirms as a crisis becomes one (see `confirm`).
    fn confirm_with_model(text: &str, screened: &mut super::Screened) {
        let request = llm::ChatRequest {
            feature: confirm::FEATURE.into(),
            model: config::get("confirmation_model").ok().flatten(),
            messages: vec![
                Message {
                    role: Role::System,
                    content: confirm::INSTRUCTIONS.into(),
                },
                Message {
                    role: Role::User,
                    content: text.into(),
                },
            ],
            max_tokens: Some(100),
            temperature: Some(0.0),
            response_schema: Some(confirm::schema()),
            allow_cache: true,
        };
        match llm::complete(&request) {
            Ok(reply) => {
                if let Some(categories) = confirm::escalation(&reply.content) {
                    log(
                        LogLevel::Info,
                        "confirm",
                        &format!(
                            "{} confirmed a crisis ({})",
                            reply.model,
                            categories.join(", ")
                        ),
                    );
                    screened.level = super::Level::Crisis;
                    // Most serious first: the confirmed categories, then what the
                    // deterministic pass found (its spans stay as they were).
                    let found = std::mem::replace(&mut screened.categories, categories);
                    for c in found {
                        if !screened.categories.contains(&c) {
                            screened.categories.push(c);
                        }
                    }
                }
            }
            Err(e) => log(
                LogLevel::Warn,
                "confirm",
                &format!("model confirmation failed; keeping the deterministic verdict: {e:?}"),
            ),
        }
    }

    impl Guest for SafetyFilter {
        fn screen(text: String, context: ScreenContext) -> Verdict {
            let mut screened = super::screen(&text);
            if screened.level == super::Level::Concern
                && confirm::enabled(config::get("model_confirmation").ok().flatten().as_deref())
            {
                confirm_with_model(&text, &mut screened);
            }
            let response = (screened.level == super::Level::Crisis).then(|| {
                let hotlines = config::get("hotlines").ok().flatten();
                super::responses::crisis_response(
                    &screened.categories,
                    context.region.as_deref(),
                    hotlines.as_deref(),
                )
            });
            Verdict {
                level: match screened.level {
                    super::Level::None => WitLevel::None,
                    super::Level::Concern => WitLevel::Concern,
                    super::Level::Crisis => WitLevel::Crisis,
                },
                categories: screened.categories.iter().map(|c| c.to_string()).collect(),
                spans: screened
                    .spans
                    .iter()
                    .map(|s| WitSpan {
                        start: s.start as u32,
                        end: s.end as u32,
                        category: s.category.to_string(),
                    })
                    .collect(),
                response,
            }
        }
    }

    export!(SafetyFilter);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(text: &str) -> Level {
        let screened = screen(text);
        assert_eq!(
            screened,
            screen_unfiltered(text),
            "the prefilter changed: {text}"
        );
        screened.level
    }

    #[test]
    fn crises_are_found_through_disguises() {
        for t in [
            "I want to kill myself",
            "i want to k1ll mys3lf",
            "k i l l myself tonight",
            "kill.my.self",
            "I WANT TO END MY LIFE",
            "kms",
            "I don't want to live anymore",
            "I've been cutting again",
            "I'm going to shoot up the school",
            "How do I get a weapon past the school metal detector?",
            "i want to set fire to the school with them in it",
            "my stepdad hits me every night",
            "i keep thinking about su icide",
        ] {
            assert_eq!(level(t), Level::Crisis, "{t}");
        }
    }

    #[test]
    fn idioms_negations_and_tech_talk_are_not_crises() {
        for t in [
            "this homework is killing me",
            "how do I kill the process",
            "I could murder a pizza",
            "I'd die for a coffee",
            "I would never hurt myself",
            "I'm not suicidal, just tired",
            "what is the suicide rate in Japan",
            "Why is the song 'Gloomy Sunday' called the Hungarian suicide song?",
            "ethics seminar: does Switzerland allow assisted suicide for non-residents?",
            "how do schools decide where to put metal detectors",
            "I ran 5 kms today",
            "never mind, that killed me lol",
        ] {
            assert_eq!(level(t), Level::None, "{t}");
        }
    }

    #[test]
    fn spanish_crises_are_found_with_or_without_accents() {
        for t in [
            "me quiero morir, ya no aguanto",
            "ya no quiero vivir",
            "Ya no quiero estar aquí",
            "kiero matarme xq nadie me kiere",
            "estoy pensando en quitarme la vida",
            "me voy a tirar por la ventana",
            "quiero dormir y no despertar nunca mas",
            "todos estarían mejor sin mí",
            "me he vuelto a cortar los brazos",
            "tengo ganas de hacerme daño",
            "mi padrastro me pega cuando bebe",
            "mi papá me pega con el cinturón",
            "voy a matar a mi hermano",
            "voy a llevar un cuchillo al colegio",
        ] {
            assert_eq!(level(t), Level::Crisis, "{t}");
        }
    }

    #[test]
    fn french_crises_are_found_with_or_without_accents() {
        for t in [
            "je veux mourir",
            "jveux mourir sérieux",
            "j'ai envie d'en finir",
            "j ai envie de me tuer",
            "je vais me suicider ce soir",
            "j'pense qu'à me foutre en l'air",
            "j'ai plus envie de vivre",
            "je veux mettre fin à mes jours",
            "je me suis encore scarifiée",
            "j'ai besoin de me faire du mal",
            "mon beau-père me frappe",
            "ma mere m a frappee hier soir",
            "je vais tuer mon frère",
        ] {
            assert_eq!(level(t), Level::Crisis, "{t}");
        }
    }

    #[test]
    fn spanish_and_french_idioms_and_negations_are_not_crises() {
        for t in [
            "me muero de risa con este vídeo",
            "me mata este examen de física",
            "este calor me está matando",
            "me quiero morir de vergüenza jaja",
            "mi hermano me va a matar si se entera",
            "voy a cortarme el pelo el sábado",
            "¿cómo mato el proceso de python?",
            "no quiero morir, solo estoy cansado",
            "hoy me toca estudiar química",
            "je suis mort de rire",
            "ça me tue ces exercices",
            "je vais crever de chaud dans cette salle",
            "comment tuer le processus sous linux ?",
            "mes parents vont me tuer si j'ai un 8",
            "je vais en finir avec ce devoir de maths",
            "je ne vais pas me suicider, t'inquiète",
            "ce qui me frappe dans ce poème, c'est le rythme",
            "pourquoi Javert se suicide à la fin ?",
        ] {
            assert_eq!(level(t), Level::None, "{t}");
        }
    }

    #[test]
    fn spans_point_at_the_accented_original() {
        let text = "Hola... me quiero quitár la vída";
        let s = screen(text);
        assert_eq!(s.level, Level::Crisis);
        assert_eq!(
            &text[s.spans[0].start..s.spans[0].end],
            "me quiero quitár la vída"
        );
        let text = "J'ai envie d'en finir.";
        let s = screen(text);
        assert_eq!(s.level, Level::Crisis);
        assert_eq!(&text[s.spans[0].start..s.spans[0].end], "envie d'en finir");
    }

    #[test]
    fn spans_point_at_the_original_words() {
        let text = "ok so... I want to K1LL mys3lf";
        let s = screen(text);
        assert_eq!(s.level, Level::Crisis);
        let span = &s.spans[0];
        assert_eq!(&text[span.start..span.end], "K1LL mys3lf");
        assert_eq!(span.category, "suicide");
    }
}
