//! The rules as data: the pattern table, idioms, negations and stop words, and the text
//! helpers that prepare them. Plain `std` only: `build.rs` includes this file too, to
//! collapse every pattern and derive its trigger words at build time, so a fresh instance
//! (one per call) does no string processing before it screens.

#![allow(dead_code)]

/// How serious a category is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Distress without stated risk.
    Concern,
    /// Risk of harm.
    Crisis,
}

/// Collapses runs of the same letter to one letter (`kill` → `kil`).
pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = None;
    for c in s.chars() {
        if c.is_alphabetic() && Some(c) == last {
            continue;
        }
        last = Some(c);
        out.push(c);
    }
    out
}

/// Collapses repeated letters like [`collapse`], leaving escapes (`\b`, `\d`) alone.
pub fn collapse_pattern(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars();
    let mut literal = String::new();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push_str(&collapse(&literal));
            literal.clear();
            out.push(c);
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            literal.push(c);
        }
    }
    out.push_str(&collapse(&literal));
    out
}

/// Words too common to tell whether a pattern can match, written collapsed like the
/// patterns (`been` is `ben`, `all` is `al`; a unit test checks they are). Every instance
/// derives the triggers afresh, so this must stay a cheap comparison. Removing one is safe only while every way a pattern can
/// match still contains another trigger; `tests/eval.rs` checks that screening with and
/// without the prefilter agrees.
pub const STOP_WORDS: &[&str] = &[
    "the", "and", "you", "him", "her", "them", "they", "she", "this", "that", "al", "for", "with",
    "are", "was", "were", "when", "every", "its", "not", "out", "from", "own", "of", "one", "ones",
    "how", "could", "ben", "about", "our", "what", "say", "even", "should", "lot", "who", "can",
    "wil", "would", "have", "has", "had", "did", "does", "just", "like", "get", "got", "now",
    "realy", "very", "some", "any", "into", "after", "then", "there", "here", "why", "kep", "kept",
    "home", "low", "ing", "to", "way", "ways", // Spanish and French function words.
    "que", "los", "las", "del", "por", "para", "con", "una", "mis", "les", "des", "pas", "plus",
    "une", "pour", "avec", "dans", "qui", "mes", "mon", "est", "sur", "como", "tengo", "estoy",
    "esta", "este", "estar", "hoy", "mas", "muy", "todo", "toda", "todos", "nada", "cuando",
    "pero", "porque", "hay", "soy", "vez", "dia", "quoi", "pourquoi", "coment", "moi", "suis",
    "etre", "avoir", "fait", "faire", "tout", "tous", "mais", "bien", "trop", "encore", "cest",
    "quand", "sans", "chez", "alors",
];

/// Whether the literal starting at `chars[i]` starts at a word boundary (`groups`: whether
/// each open group does).
fn at_boundary(chars: &[char], i: usize, groups: &[bool]) -> bool {
    if i == 0 {
        return true;
    }
    match chars[i - 1] {
        ' ' => true,
        'b' if i >= 2 && chars[i - 2] == '\\' => true,
        '(' | ':' | '|' => groups.last().copied().unwrap_or(true),
        _ => false,
    }
}

/// Whether a literal ending just before `chars[j]` ends a word: a space, a boundary, or the
/// end of an alternative/group that is itself followed by a space, a boundary or the end.
fn ends_word(chars: &[char], j: usize) -> bool {
    let mut k = j;
    loop {
        match chars.get(k) {
            None | Some(' ') => return true,
            Some('\\') => return chars.get(k + 1) == Some(&'b'),
            Some('|') => {
                // Skip to this group's closing parenthesis.
                let mut depth = 0;
                while let Some(&c) = chars.get(k) {
                    match c {
                        '(' => depth += 1,
                        ')' if depth == 0 => break,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    k += 1;
                }
            }
            Some(')') => {
                k += 1;
                if chars.get(k) == Some(&'?') {
                    k += 1;
                }
            }
            Some(_) => return false,
        }
    }
}

/// Words a learner writes every day, written collapsed like the patterns: allowed as
/// triggers, but a pattern keys on a rarer word of its own where it has one (measured on
/// the labelled set's safe messages: these made an ordinary question compile patterns).
#[rustfmt::skip]
pub const EVERYDAY_WORDS: &[&str] = &[
    "inside", "want", "going", "gona", "today", "self", "myself", "clas", "end", "schol",
    "make", "leg", "beter", "again", "take", "stop", "point", "next", "over", "ready",
    "tomorow", "tired", "life", "health", "fel", "time", "know", "ned", "think", "back", "help",
    "work", "tel", "give", "kep", "people", "thing", "things", "anymore", "night", "day", "wek",
    "right", "left", "first", "last", "hard", "long", "world", "everything", "cant", "plan",
    "simple", "finaly", "never",
];

/// A pattern source's words as triggers (`=word` for a whole word), those in every match
/// with their position, and its mandatory groups outside every other (open and close
/// positions).
struct Scan {
    words: Vec<String>,
    required: Vec<(usize, String)>,
    groups: Vec<(usize, usize)>,
}

fn scan(chars: &[char]) -> Scan {
    // Whether each open group starts at a word boundary.
    let mut groups: Vec<bool> = Vec::new();
    let mut out = Scan {
        words: Vec::new(),
        required: Vec::new(),
        groups: Vec::new(),
    };
    let mut opened = 0;
    let mut joinable: Option<String> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            i += 2;
            joinable = None;
            continue;
        }
        if c == '(' {
            if groups.is_empty() {
                opened = i;
            }
            groups.push(at_boundary(chars, i, &groups));
            i += 1;
            continue;
        }
        if c == ')' {
            groups.pop();
            // Mandatory unless optional or repeated from zero (`?`, `*`, `{0,`).
            let optional = matches!(chars.get(i + 1), Some('?' | '*'))
                || (chars.get(i + 1) == Some(&'{') && chars.get(i + 2) == Some(&'0'));
            if groups.is_empty() && !optional {
                out.groups.push((opened, i));
            }
            i += 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            if c != ' ' && c != '?' {
                joinable = None;
            }
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphabetic() {
            i += 1;
        }
        let mut word: String = chars[start..i].iter().collect();
        let optional_last = chars.get(i) == Some(&'?');
        if optional_last {
            word.pop();
        }
        if let Some(before) = joinable.take() {
            out.words.push(format!("{before}{word}"));
        }
        // A word before an optional space may be glued to the next (`jusqu ?au` matches
        // `jusquau`): it starts a word of the text, but need not be all of it.
        let before_optional_space = chars.get(i) == Some(&' ') && chars.get(i + 1) == Some(&'?');
        if before_optional_space {
            joinable = Some(word.clone());
        }
        let exact = !optional_last
            && !before_optional_space
            && at_boundary(chars, start, &groups)
            && ends_word(chars, i);
        let trigger = if exact { format!("={word}") } else { word };
        // Outside every group and not optional, a word is in every match.
        // (A word after an optional space may be glued to the one before: not a word start.)
        let after_optional_space = start >= 2 && chars[start - 1] == '?' && chars[start - 2] == ' ';
        if groups.is_empty()
            && !optional_last
            && chars.get(i) != Some(&'?')
            && !after_optional_space
        {
            out.required.push((start, trigger.clone()));
        }
        out.words.push(trigger);
    }
    out
}

fn useful(w: &str) -> bool {
    let bare = w.trim_start_matches('=');
    bare.len() >= 3 && !STOP_WORDS.contains(&bare)
}

/// The alternatives outside every group of a pattern source.
fn alternatives(chars: &[char]) -> Vec<&[char]> {
    let mut out = Vec::new();
    let (mut depth, mut from, mut i) = (0i32, 0, 0);
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => {
                out.push(&chars[from..i]);
                from = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&chars[from..]);
    out
}

/// Trigger words such that every match of `chars` contains one: for each alternative, a
/// word it always contains or a mandatory group at word boundaries all of whose
/// alternatives have such words (a group of verbs after an intent: one word each), the
/// candidate whose shortest word is longest (longer words are rarer; then fewer words,
/// then the first); else all its words. Empty if an alternative has no useful word.
fn cover(chars: &[char]) -> Vec<String> {
    let pieces = alternatives(chars);
    if pieces.len() > 1 {
        let mut all = Vec::new();
        for piece in pieces {
            let words = cover(piece);
            if words.is_empty() {
                return Vec::new();
            }
            all.extend(words);
        }
        return all;
    }
    let scanned = scan(chars);
    let mut candidates: Vec<(usize, Vec<String>)> = scanned
        .required
        .into_iter()
        .filter(|(_, w)| useful(w))
        .map(|(at, w)| (at, vec![w]))
        .collect();
    for (open, close) in scanned.groups {
        if !at_boundary(chars, open, &[]) {
            continue;
        }
        let inner = &chars[open + 1..close];
        let inner = inner.strip_prefix(&['?', ':']).unwrap_or(inner);
        let mut words = cover(inner);
        if words.is_empty() {
            continue;
        }
        if !ends_word(chars, close + 1) {
            // Glued to what follows: a word start, not a whole word.
            for w in &mut words {
                *w = w.trim_start_matches('=').to_string();
            }
        }
        candidates.push((open, words));
    }
    candidates.sort_by_key(|c| c.0);
    let shortest = |words: &[String]| {
        words
            .iter()
            .map(|w| w.trim_start_matches('=').len())
            .min()
            .unwrap_or(0)
    };
    // Everyday words last: each pattern a text triggers is compiled in that call's fresh
    // instance (~20 µs), so "empty inside" keys on `empty`, not on the longer `inside`.
    let everyday = |words: &[String]| {
        words
            .iter()
            .filter(|w| EVERYDAY_WORDS.contains(&w.trim_start_matches('=')))
            .count()
    };
    let best = candidates.iter().rev().max_by_key(|(_, words)| {
        (
            std::cmp::Reverse(everyday(words)),
            shortest(words),
            std::cmp::Reverse(words.len()),
        )
    });
    match best {
        Some((_, words)) => words.clone(),
        None => scanned.words.into_iter().filter(|w| useful(w)).collect(),
    }
}

/// The trigger words of a (collapsed) pattern source. A word written `=word` must be a
/// whole word of the text (the pattern has it between word boundaries); any other must
/// start a word of the text. Words separated by an optional space also give their joined
/// form (`un ?alive` gives `unalive`), and a word whose last letter is optional
/// (`bleeds?`) is given without it. Empty if some way to match has no useful word.
pub fn literal_words(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut words = cover(&chars);
    words.sort();
    words.dedup();
    words
}

pub const PERSON: &str = r"(?:him|her|them|you|everyone|everybody|some ?one|(?:the )?people|my (?:little |older |big |younger )?(?:dad|father|mom|mum|mother|step ?dad|step ?mom|brother|sister|teacher|boss|boyfriend|girlfriend|ex|wife|husband|friend|classmates?|roommate)|(?:the|that|this) (?:teacher|guy|girl|kid|bully)|the whole class|all of them)";

// Spanish and French groups the table's rows share, written without accents (the text is
// folded) and with French elisions apart (`m ouvrir`, `d en finir`). Each is named by an
// upper-case placeholder in a row (`expand`); see `PLACEHOLDERS`.

/// Spanish "I want to / I'd like to", before an infinitive (`quiero morir`).
pub const ES_WISH: &str = r"(?:quiero|qiero|kiero|quero|qero|quisiera|queria|necesito|deseo|ganas de|solo de|pienso en|pensando en|pense en|pensado en|prefiero|preferiria|me gustaria|ojala pudiera|want to|wanna)(?: (?:ya|solo|de verdad|realmente|en serio|simplemente|mucho|tanto))?";

/// Spanish intent, before an infinitive: a wish, or "I'm going to / I've decided to".
pub const ES_INTENT: &str = r"(?:quiero|qiero|kiero|quero|qero|quisiera|queria|necesito|deseo|ganas de|solo de|pienso en|pensando en|pense en|pensado en|he pensado|pienso|prefiero|preferiria|me gustaria|ojala pudiera|want to|wanna|voy a|vy a|boy a|voya|iba a|planeo|planeando|decidi|he decidido|decidido a|decidida a|mejor|intentar|intente|intento|trate de|tratar de|a punto de|gonna|going to|deberia)(?: (?:ya|solo|de verdad|realmente|en serio|simplemente|hoy|esta noche|por fin|mejor))?";

/// Where one throws oneself from or under (`tirarme por la ventana`).
pub const ES_FROM: &str = r"(?:por|de|desde|del|bajo|delante de|a|al)(?: (?:la|el|las|los|un|una|mi|este|ese|esta|esa))? (?:ventana|puente|balcon|edificio|azotea|techo|tejado|terraza|vias|via|tren|metro|coche|auto|carro|camion|bus|autobus|precipicio|acantilado|barranco|vacio|sexto|quinto|septimo|octavo|decimo|piso|rio)";

/// Spanish ways of ending one's life, as infinitives after an intent.
pub const ES_SELF: &str = r"(?:matarme|suicidarme|sucidarme|suisidarme|quitarme la vida|acabar con mi vida|terminar con mi vida|acabar con todo|terminar con todo|acabar con esta vida|dejar de existir|dejar de vivir|no existir|no despertar|no despertarme|no volver a despertar|no volver a despertarme|dormir para siempre|dormirme para siempre|dormir y no despertar|dormirme y no despertar|dormir y no volver a despertar|quitarme de en medio|desaparecer del mapa|golpearme hasta|desaparecer para siempre|desaparecer de este mundo|desaparecer de verdad|irme de este mundo|irme para siempre|irme con (?:\w+ ){1,2}al cielo|dejar este mundo|dejarme atropellar|quitarmela|tirarme ESFROM|saltar ESFROM|colgarme|ahorcarme|pegarme un tiro|darme un tiro|dispararme|cortarme las venas|abrirme las venas|envenenarme|estar muerto|estar muerta|no seguir vivo|no seguir viva|dejar de respirar)\b";

/// Someone at home or close by, as a subject (`mi padrastro`).
pub const ES_WHO: &str = r"(?:mi|mis|el|la|su) (?:papa|papi|padre|mama|mami|madre|padrastro|madrastra|novio|novia|pareja|marido|esposo|esposa|hermano|hermana|hermanastro|hermanastra|tio|tia|primo|prima|abuelo|abuela|jefe|jefa|profe|profesor|profesora|maestro|maestra|entrenador|vecino|vecina|cunado|viejo|vieja|padres|papas|familia|ex|companero|companera|companeros|companeras)(?: (?:mayor|menor))?";

/// A person as the object of a violent verb (`a mi hermano`, `a todos`).
pub const ES_VICTIM: &str = r"(?:(?:a )?(?:mi|mis|tu|ese|esa|esos|esas|el|la|los|las) (?:papa|padre|mama|madre|padrastro|madrastra|hermano|hermana|hermanito|hermanita|hermanastro|profe|profesor|profesora|maestro|maestra|novio|novia|ex|jefe|jefa|companero|companera|companeros|companeras|vecino|vecina|tio|tia|abuelo|abuela|primo|prima|amigo|amiga|viejo|vieja|cabron|cabrona|idiota|imbecil|chico|chica|tipo|tipa|pendejo|gente)|al (?:chaval|chico|tipo|profe|profesor|maestro|vecino|director|entrenador)|a (?:los|las) (?:que|q)|a todos|a todas|a todo el mundo|a alguien|a toda la clase|a esa gente|a los de mi clase)\b";

/// French "I want to / I'd like to", before an infinitive (`je veux mourir`).
pub const FR_WISH: &str = r"(?:je veut|veux|veu|jveux|jveu|voudrais|voudrai|jvoudrais|aimerais|envie de|envie d|besoin de|prefere|prefererais|(?:pense|jpense|songe)(?: (?:sans arret|tout le temps|souvent|tous les jours|serieusement|de plus en plus|beaucoup|parfois))? (?:a|qu a|qua)|reve de|decide de|ai decide de|want to|wanna)(?: (?:juste|vraiment|tellement|trop|grave|seulement|simplement|bien|enfin|serieusement|tant))?";

/// French intent, before an infinitive: a wish, or "I'm going to / I've decided to".
pub const FR_INTENT: &str = r"(?:je veut|veux|veu|jveux|jveu|voudrais|voudrai|jvoudrais|aimerais|envie de|envie d|besoin de|prefere|prefererais|(?:pense|jpense|songe)(?: (?:sans arret|tout le temps|souvent|tous les jours|serieusement|de plus en plus|beaucoup|parfois))? (?:a|qu a|qua)|reve de|want to|wanna|vais|vai|jvais|jvai|compte|decide de|decidee de|pret a|prete a|gonna|going to|essayer de|essaie de|dois|devrais|vaudrait mieux|finir par|tenter de)(?: (?:juste|vraiment|tellement|trop|grave|seulement|simplement|bien|enfin|serieusement|bientot|ce soir|demain))?";

/// French ways of ending one's life, as infinitives after an intent.
pub const FR_SELF: &str = r"(?:me tuer|me suicider|en finir|me foutre en l ?air|se foutre en l ?air|me pendre|me flinguer|me buter|me tirer une balle|me mettre une balle|me jeter (?:sous (?:un|le|une|la) (?:train|metro|camion|voiture|bus|rer|tram|tramway)|(?:du haut (?:du|de la|d un)|du|de la|d un|par la|depuis (?:le|la|un|une)) (?:pont|toit|fenetre|immeuble|balcon|falaise|viaduc|batiment|tour|parking)|dans le vide)|dormir et (?:ne )?(?:plus|jamais) (?:me|se) reveiller|sauter (?:du haut (?:du|de la|d un)|du|de la|d un|de mon|par la|depuis (?:le|la|un|une)) (?:pont|toit|fenetre|immeuble|balcon|falaise|viaduc|batiment|tour)|me noyer|m ?ouvrir les veines|me (?:couper|taillader|tailler|trancher) les veines|disparaitre (?:pour toujours|a jamais|pour de bon|de ce monde|de la surface|ce soir)|quitter ce monde|quitter la vie|mettre fin a (?:mes jours|ma vie)|ne plus (?:me reveiller|exister|etre la|etre en vie|vivre)|ne jamais me reveiller|plus me reveiller|plus exister|m endormir (?:pour toujours|pour de bon|et ne (?:plus|jamais|pas) me reveiller)|me laisser mourir|me laisser tomber dans le vide|me laisser crever|arreter de vivre|arreter d exister|me faire sauter la cervelle)\b";

/// Someone at home or close by (`mon beau pere`, `ma soeur`).
pub const FR_WHO: &str = r"(?:mon|ma|mes) (?:petit |petite |grand |grande )?(?:pere|mere|beau pere|beaupere|belle mere|bellemere|beau frere|belle soeur|frere|soeur|demi frere|demi soeur|copain|copine|mec|meuf|mari|femme|oncle|tante|cousin|cousine|grand pere|grandpere|grand mere|grandmere|parents|daron|daronne|darons|prof|professeur|entraineur|coach|voisin|voisine|ex|famille|tuteur|patron|patronne|chef|papa|maman|parrain)";

/// A person as the object of a violent verb.
pub const FR_VICTIM: &str = r"(?:FRWHO|tout le monde|quelqu un|quelquun|qqn|les gens|toute la classe|ceux qui|cette fille|ce mec|ce gars|ce connard|cette conne|le mec|la meuf|le gars|le type|ce type|les mecs|les gars|cette meuf|ce prof|cette prof|la prof|le prof|eux|lui|elle)\b";

/// Placeholders of the table and idioms, their text, and whether their words count as
/// trigger words. An intent or a person is left out: the rest of the row (the verb, the
/// means) always has rarer words, and every match contains them.
pub const PLACEHOLDERS: &[(&str, &str, bool)] = &[
    ("PERSON", PERSON, false),
    ("ESWISH", ES_WISH, false),
    ("ESINTENT", ES_INTENT, false),
    ("ESSELF", ES_SELF, true),
    ("ESFROM", ES_FROM, true),
    ("ESWHO", ES_WHO, false),
    ("ESVICTIM", ES_VICTIM, false),
    ("FRWISH", FR_WISH, false),
    ("FRINTENT", FR_INTENT, false),
    ("FRSELF", FR_SELF, true),
    ("FRVICTIM", FR_VICTIM, false),
    ("FRWHO", FR_WHO, false),
];

fn replace_placeholders(source: &str, for_triggers: bool) -> String {
    let mut out = source.to_string();
    // Placeholders may hold others (`ESSELF` holds `ESFROM`).
    for _ in 0..3 {
        for &(name, text, trigger) in PLACEHOLDERS {
            let with = if for_triggers && !trigger { "" } else { text };
            out = out.replace(name, with);
        }
    }
    out
}

/// A row's pattern with its placeholders written out.
pub fn expand(source: &str) -> String {
    replace_placeholders(source, false)
}

/// A row's pattern as its trigger words are derived: placeholders whose words do not
/// count are left out.
pub fn expand_for_triggers(source: &str) -> String {
    replace_placeholders(source, true)
}

/// (category, severity, negatable, pattern)
pub const TABLE: &[(&str, Severity, bool, &str)] = &[
    // Suicide.
    (
        "suicide",
        Severity::Crisis,
        true,
        r"\bkill(?:ing|ed)? ?(?:my ?self|my own self)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        // Disguised spellings only: "su ?icide" matched the plain word, so every history,
        // law or music question naming suicide was a crisis (the meaning judges those).
        r"\b(?:sewer ?slide|sui ?side|su icide)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:sleep|go to sleep|fall asleep) and never wake up\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:nobody|no one|noone) (?:will|would|is going to|gonna) (?:miss me|care when im gone|notice when im gone)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:pills|tablets|meds) (?:saved|stashed|ready)\b|\b(?:saved|saving|stashed|stashing) (?:up )?(?:pills|tablets|meds)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:finally|tonight|today|ready to|going to|gonna) end it\b|\bend it (?:tonight|today|now|soon|for good)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:ways|how) to (?:die|kill my ?self|end my life|end it)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bgiving away (?:all )?(?:my|of my) (?:stuff|things|belongings)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:life|it) (?:isnt|is not|aint|not) worth (?:living|it anymore)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:want|wish|need) (?:my life|it all|everything) (?:to be|was|were) over\b",
    ),
    ("suicide", Severity::Crisis, false, r"\b(?:kms|kys)\b"),
    (
        "suicide",
        Severity::Crisis,
        true,
        r"\bun ?alive(?: (?:my ?self|me))?\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        true,
        r"\b(?:end|ending|take|taking) (?:it all|my (?:own )?life|my life|everything|things)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        true,
        r"\b(?:want|wanna|wana|going|gonna|gona|planning|plan|ready|wish i could|wish i was|wish i were|deserve|rather|just want) (?:to )?(?:die|be dead|not exist|not be alive|not wake up|disappear forever)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        true,
        r"\b(?:im|i am|feeling|i feel|i was|been|getting) (?:so |very |really |kind of |kinda )?suicidal\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        true,
        r"\bsuicidal (?:thoughts|ideas|feelings)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        true,
        r"\b(?:commit|committing|thinking about|thinking of|think about|considering) suicide\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:dont|do not|no longer) (?:want|wanna|wish) to (?:live|be alive|exist|wake up|be here)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bno (?:reason|point) (?:to|in) (?:live|living|going on|being alive|wake up|waking up)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:better off|beter of) (?:dead|without me|if i (?:was|were|am|wasnt|werent) (?:dead|gone|here|around|alive))\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        true,
        r"\b(?:take|taking|swallow|swallowing|overdose on|od on) (?:all )?(?:of )?(?:my |the |these |those )?(?:pills|tablets|meds|sleeping pills)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        true,
        r"\b(?:jump|jumping) (?:off|from) (?:a |the |this |my )?(?:bridge|roof|building|balcony|cliff)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        true,
        r"\bhang(?:ing)? my ?self\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:wrote|written|writing|write|left) (?:a |my )?(?:suicide|goodbye) (?:note|letter)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:wont|will not) be (?:here|around|alive) (?:tomorrow|much longer|anymore|next week|after today|after tonight|by monday)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:this is|its|it is) (?:my )?goodbye (?:to everyone|forever|for good)\b",
    ),
    // Self-harm.
    (
        "self-harm",
        Severity::Crisis,
        true,
        r"\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|punish|punishing|starve|starving) (?:my ?self|my (?:arms?|wrists?|legs?|skin|body))\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:cutting|cuttin|cut|self harming|sh) again\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:burned|burnt|cut|hurt|hit|hitting|scratched|scratching|punched|punching) (?:my ?self|my (?:skin|arms?|wrists?|legs?)) (?:on purpose|again|until|when|every)\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:scratch|scratching|pick|picking|cut|cutting) (?:my|at my) (?:skin|arms?|wrists?) until (?:it|they) bleeds?\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:keep|kept|started|been) hitting my ?self\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        true,
        r"\bself ?harm(?:ing|ed)?\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:been|keep|started|start) (?:cutting|hurting my ?self|burning my ?self)\b",
    ),
    // Harm to others (the object must be a person: "kill the process" is not).
    (
        "harm-to-others",
        Severity::Crisis,
        true,
        const_format_person(),
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\b(?:shoot|shooting) up (?:the |my |our |this )?(?:school|class|campus|place)\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\b(?:bring|bringing|take|taking) (?:a |my |dads |my dads )?(?:gun|knife|weapon) to (?:school|class|campus)\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\b(?:get|sneak|smuggle|bring) (?:a |my )?(?:gun|knife|weapon|blade) (?:past|through) (?:the )?(?:school |schools )?(?:metal detectors?|security|bag checks?)\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\b(?:set fire to|burn down|torch) (?:the |my |our )?(?:school|class ?room|gym) (?:with|while) (?:them|everyone|people|the (?:kids|students|teachers)) (?:in|inside)\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\bmake (?:them|him|her|everyone) (?:all )?pay\b.*\b(?:gun|knife|hurt|kill|blood)\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\b(?:beat|hit|choke) (?:him|her|them) until (?:he|she|they) (?:stops|stop|dies|die|cant)\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\b(?:everyone|everybody|they|he|she|them all|all of them|that class|(?:the|those) \w+) (?:deserves?|should) (?:to )?die\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\b(?:planning|plan|going|gonna) (?:how )?to (?:hurt|kill|get back at) (?:the )?(?:people|kids|guys|ones|everyone)\b",
    ),
    // Abuse.
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:he|she|they|dad|mom|mum|father|mother|step ?dad|step ?mom|boyfriend|girlfriend|uncle|brother|coach|my (?:\w+ )?\w+) (?:hits|beats|hurts|touches|chokes|kicks|slaps|punches|burns|locks|starves) me\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:hit|hits|beat|beats|slapped|slaps|punched|punches|kicked|kicks|choked|chokes) me (?:and|every|all the time|when|if|again|a lot|until)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:touches|touched|touching) me\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:does|did|doing) (?:things|stuff) to me\b|\bforces? me to (?:do|touch|watch)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:throws|threw|throwing) (?:things|stuff|bottles|plates) at me\b|\blocks? me (?:in|out)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:hurt|kill|beat) me if i (?:tell|say|talk)\b|\bbruises from (?:my|him|her)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:its|it is) our (?:little )?secret\b|\b(?:send|sending) (?:them )?(?:pictures|pics|photos) of (?:my ?self|me)\b|\basking me to send (?:pictures|pics|photos)\b|\bwhat (?:im|i am) wearing\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:wont|will not|doesnt|does not) let me (?:leave|go out|see my friends)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:abuse|abuses|abused|abusing|molests|molested|raped|rapes) me\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:afraid|scared) to go home\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:told|tells) me not to tell (?:anyone|anybody|my mom|my mum|my dad|my parents)\b|\bno one (?:will|would) believe me\b",
    ),
    // Distress (a concern, not a crisis).
    (
        "distress",
        Severity::Concern,
        true,
        r"\b(?:hopeless|worthless|useless)\b",
    ),
    ("distress", Severity::Concern, true, r"\bempty inside\b"),
    ("distress", Severity::Concern, true, r"\bnumb inside\b"),
    (
        "distress",
        Severity::Concern,
        true,
        r"\b(?:so |really |very )?(?:depressed|miserable|lonely|alone in this|anxious|overwhelmed|burnt out|burned out|exhausted|struggling)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\bfeel (?:so |really |very |just |like im )?(?:alone|empty|numb|broken|invisible|awful|sad|down|low|stupid|dumb|useless|stuck)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:feeling|been feeling) (?:really |so |very )?(?:down|low|sad|empty|awful)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:cant|cannot) stop crying\b|\bcry every (?:time|day|night)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:whats|what is) the point\b|\bwhy do i even bother\b|\bgiving up on\b|\bgive up on everything\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:tired of everything|not okay|not ok|losing my mind|drowning in|mental health is)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:want|wish) (?:everything|it all) to stop\b|\bif i disappeared\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:cant|cannot|can not) (?:cope|take (?:it|this) anymore|do this anymore|go on)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:no one|nobody|noone) (?:cares|would care|would notice|loves me|likes me)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:hate|hating) my (?:life|self)\b",
    ),
    ("distress", Severity::Concern, false, r"\bhate myself\b"),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:want to|wanna) (?:give up on everything|disappear|vanish|run away)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:everything is|its all|life is) (?:pointless|falling apart|meaningless)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:panic attacks?|breaking down|falling apart|crying every (?:day|night))\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\bfeel like a (?:failure|burden)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:dont|do not|cant|cannot) see (?:the|any) point (?:of|in) (?:living|going on|life)\b|\bwhy should i (?:keep|go on) living\b|\b(?:not|no) (?:want|wanna) (?:to )?live (?:anymore|any more)\b|\bbetter (?:that )?i die\b|\b(?:finish|end) my life\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        true,
        r"\b(?:beat|beats|hit|hits) me at home\b",
    ),
    // Spanish (written without accents: the text is folded). Rows are not negatable: a
    // negation must come right before the verb, so negated forms are idioms instead
    // ("no quiero morir", "nunca me haria dano"), and "no" can still open a crisis
    // ("ya no quiero vivir").
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bESWISH (?:morir|morirme)\b",
    ),
    ("suicide", Severity::Crisis, false, r"\bESINTENT ESSELF"),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bme (?:quiero|qiero|kiero|quero|qero|quisiera|queria|gustaria|dan ganas de) (?:ya |solo |de verdad |tanto )?morir\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bme (?:quiero|qiero|kiero|quero|qero|quisiera|queria|voy a|vy a|boy a|voya|iba a|pienso|pensaba|gustaria|tengo que|dan ganas de|vuelvo a|volvi a|intente) (?:ya |de verdad |en serio |hoy |esta noche )?(?:matar|suicidar|sucidar|quitar la vida|ir de este mundo|ir para siempre|tirar ESFROM|ahorcar|colgar|pegar un tiro|dar un tiro|envenenar|cortar las venas)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:esta noche|manana|ya|mejor|al final|creo que|creo q|juro que|juro q|asi que|asi q|por eso|hoy) me mato\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:suicidarme|sucidarme|suisidarme)\b|\bme suicid(?:o|are|aria|ara)\b|\bme (?:quito|voy a quitar|quiero quitar) de en medio\b|\b(?:hoy|ya|manana|esta noche) me voy de este mundo\b|\bno (?:despertar|despertarme|volver a despertar|volver a despertarme) nunca mas\b|\b(?:quitarme|me quito|me quitare) la vida\b|\b(?:acabar|terminar) con mi (?:propia )?vida\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:no|ya no|nunca mas) (?:quiero|qiero|kiero|quero|deseo|tengo ganas de|me apetece|puedo seguir) (?:seguir )?(?:vivir|viviendo|estar vivo|estar viva|seguir vivo|seguir viva|existir|despertar|despertarme|seguir con vida|seguir en este mundo|estar en este mundo)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bya no (?:quiero|qiero|kiero|quero) (?:estar aqui|seguir aqui|estar aca|seguir aca)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bsin ganas de vivir\b|\bno tengo (?:ganas|fuerzas|motivos|razones) (?:de|para) (?:vivir|seguir vivo|seguir viva|seguir viviendo|seguir aqui)\b|\bno (?:tengo|encuentro|veo|hay) (?:ninguna |una )?(?:razon|razones|motivo|motivos|sentido) (?:para|de) (?:vivir|seguir vivo|seguir viva|seguir viviendo)\b|\bno (?:vale|merece) la pena (?:vivir|seguir viviendo|seguir vivo|seguir viva)\b|\bla vida no (?:vale|merece) la pena\b|\bno le (?:veo|encuentro) (?:el )?sentido a (?:vivir|la vida|seguir viviendo|seguir|mi vida)\b|\b(?:harto|harta|cansado|cansada|agotado|agotada) de vivir\b|\b(?:unica|mejor) (?:forma|salida|solucion|opcion) (?:que veo )?es (?:morir|morirme|matarme|suicidarme|desaparecer)\b|\bseria (?:mas facil|mejor) no (?:estar|existir|vivir)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:estarian|estaria|estarias|estaran|estara|vivirian|viviria|seria|serian) mejor sin mi\b|\bmejor (?:estar )?(?:muerto|muerta)\b|\b(?:mejor|ojala|justo es|prefiero) (?:que |q |k )?me muera\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bnadie (?:me )?(?:va a extranar|va a extranarme|me extranaria|extranaria|me echaria de menos|me va a echar de menos|va a echarme de menos|notaria si (?:me muero|muero|desaparezco|no estoy|me mato))\b|\bnadie (?:se daria cuenta|notaria|se enteraria|me echaria de menos) si (?:me muero|muero|desaparezco|no estoy|me mato|me voy)\b|\b(?:forma|manera) mas (?:rapida|facil|sencilla|indolora) de (?:morir|morirme|matarme|suicidarme)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bya no (?:voy a|vaya a) (?:existir|estar aqui|estar vivo|estar viva|seguir aqui)\b|\bno (?:voy a|vaya a) (?:existir|estar vivo|estar viva|seguir vivo|seguir viva)\b|\bno (?:voy a|vaya a) estar aqui mucho (?:tiempo|mas)\b|\bno creo (?:que|q|k) (?:siga|este) (?:vivo|viva)\b|\bmanana ya no (?:voy a existir|existire|estare|voy a estar)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bojala (?:me muera|me muriera|me muero|estuviera muerto|estuviera muerta|no despertara|no despierte|pudiera (?:dormir para siempre|morir|morirme|desaparecer para siempre))\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:pienso|pensando|pense|pensado|piensas) en (?:el )?suicidio\b|\b(?:tengo|tenia|he tenido|tuve|me vienen|vuelvo a tener|con) (?:muchas |muchos |otra vez |de nuevo )?(?:ideas|pensamientos) (?:suicidas|de suicidio|de matarme|de quitarme la vida)\b|\b(?:soy|estoy|me siento) (?:muy |un poco |bastante )?suicida\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:pienso en|pensando en|pense en|ganas de) (?:tirarme|saltar|ahorcarme|colgarme)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bpara no (?:despertar|despertarme|volver a despertar|volver a despertarme)\b|\b(?:pastillas|pildoras|paracetamol|ibuprofeno|ibuprofenos|somniferos|medicamentos|medicinas|pastis) (?:son mortales|es mortal|para morir|hacen falta para morir)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:me tome|me tomo|tomarme|me voy a tomar|me trague|tragarme|me las tomo|me las voy a tomar|me he tomado|se toma|tomar) (?:todas las|todas mis|un monton de|muchas|toda la caja de|el bote de|un bote de|la caja de|el frasco de|todo el frasco de|todo el bote de|una caja de|una caja entera de|un bote entero de|la mitad del bote de|medio bote de) (?:pastillas|pildoras|pastis|medicinas|medicamentos|somniferos|ansioliticos|antidepresivos|paracetamol|ibuprofenos?)\b|\b(?:esta noche|hoy) me las (?:tomo|voy a tomar)\b|\b(?:tomarme|me tomo|me voy a tomar) todo (?:lo (?:que|q) hay en el botiquin|el botiquin)\b|\bme (?:he tomado|tome) (?:la mitad|medio|todo|toda) (?:del|de la|el|la) (?:bote|caja|frasco|blister)\b|\bcuant(?:as|os) (?:pastillas|ibuprofenos|paracetamoles|somniferos|pildoras) son demasiad(?:as|os)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:guardado|guardadas|guardando|juntando|acumulando|acumulado|escondido|escondidas|ahorrando) (?:\w+ ){0,3}?(?:pastillas|pildoras|pastis|somniferos)\b|\b(?:pastillas|pildoras|pastis)(?: \w+){0,3}? (?:guardadas|escondidas|acumuladas)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bya tengo (?:la|una) (?:cuerda|soga)\b|\b(?:la|una) (?:cuerda|soga) (?:preparada|lista|en mi cuarto|atada)\b|\btengo la soga\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bmi carta de despedida\b|\b(?:escribi|he escrito|escrito|dejado|deje|tengo|escribiendo) (?:las|una|unas|mi|mis) cartas? de despedida\b|\bcarta de suicidio\b|\bcarta de despedida para (?:mi|mis) (?:familia|madre|mama|padre|papa|padres|hermanos?|hermanas?)\b|\b(?:regale|regalado|regalando|voy a regalar|he dado|di) (?:todas )?(?:mis cosas|mis pertenencias|todo lo mio)\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:me corto|me corte|me he cortado|me cortes|cortarme) (?:otra vez|de nuevo|los brazos|las piernas|las munecas|la muneca|el brazo|los muslos|la pierna|a proposito|aposta|mas profundo|con (?:una|la|el) (?:cuchilla|navaja|sacapuntas|cutter|cuter|hoja de afeitar))\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:ganas de|quiero|necesito|volver a|vuelto a|no puedo dejar de|dejar de|sigo|pienso en) cortarme\b|\bme (?:he )?vuelto a cortar\b|\bme volvi a cortar\b|\bvolvi a cortarme\b|\bme vuelvo a cortar\b|\b(?:me hago|hacerme|me hice) cortes\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:hacerme|me hago|me he hecho|me estoy haciendo|me hice) dano (?:a proposito|aposta|otra vez|de nuevo|para|cuando|porque|xq)\b|\b(?:quiero|ganas de|necesito|volver a|vuelto a|he vuelto a|no puedo dejar de|dejar de|pienso en|voy a) hacerme dano\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\bme autolesion(?:o|e|are)\b|\bautolesionarme\b|\b(?:me pego|me doy|darme|pegarme) (?:cabezazos|golpes|punetazos|bofetadas)\b|\bme (?:clavo|claveteo) (?:las unas|la cuchilla|agujas|alfileres)\b|\bhasta (?:sangrar|que sangre|que me sangre|hacerme sangre|sacarme sangre)\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:me quemo|me estoy quemando|quemarme|me queme) (?:con (?:el|un|una) (?:mechero|encendedor|cigarro|cigarrillo)|a proposito|aposta|otra vez|los brazos|la piel)\b|\bme provoco (?:el )?vomito\b|\bcuchillas? (?:del sacapuntas|escondidas?|en el cajon|guardadas?)\b|\b(?:he comprado|compre|comprado) (?:unas |una )?cuchillas\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\bESINTENT (?:matar|apunalar|acuchillar|disparar|disparar a|envenenar|estrangular|ahorcar|ahogar|golpear|pegar|hacer dano|reventar|quemar) ESVICTIM",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\bESINTENT (?:pegarle|pegarles|golpearle|golpearlo|golpearla) ESVICTIM|\bESINTENT (?:matarlo|matarla|matarlos|matarlas|matarle|matarles|apunalarlo|apunalarla|apunalarle|acuchillarlo|acuchillarla|dispararle|dispararles|envenenarlo|envenenarla|estrangularlo|estrangularla|ahorcarlo|ahorcarla|ahogarlo|ahogarla|hacer dano|hacerle dano|hacerles dano|hacerle algo (?:muy )?(?:grave|malo)|reventarlo|reventarla|partirle la cara|pegarle fuego|quemarlo|quemarla)\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\b(?:llevar|llevo|traer|traigo|voy a llevar|meter) (?:el|un|una|la|mi) (?:cuchillo|navaja|pistola|arma|escopeta|revolver)(?: de (?:la cocina|mi \w+|mi \w+ \w+))? (?:al|a la) (?:cole|colegio|escuela|instituto|insti|clase|uni|universidad|liceo|prepa)\b|\bir a por (?:el|ella|ellos|ellas) con (?:un|una) (?:bate|cuchillo|navaja|pistola|arma|palo|barra)\b|\b(?:todos|todas|ellos|ellas|esa gente|todo el mundo) (?:merecen|deberian) (?:morir|morirse|estar muertos|estar muertas)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:ESWHO|el|ella|ellos|ellas|en casa|en mi casa)(?: (?:siempre|tambien|todavia|aun|a veces|casi siempre|todos los dias|cada dia|ya))? (?:me|nos) (?:pega|pegan|pegaba|pegaban|golpea|golpean|golpeaba|golpeaban|maltrata|maltratan|maltrataba|viola|violaba|violo|toca|tocaba|manosea|manoseaba|encierra|encierran|encerraba|ahorca|estrangula|patea|abofetea|cachetea)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\bme (?:pega|pegan|pegaba|pegaban|golpea|golpean|golpeaba|golpeaban|maltrata|maltratan) (?:en casa|todos los dias|cada dia|casi a diario|a diario|siempre|cuando|si|hasta|y me|con (?:la|el|una|un|lo) (?:correa|cinturon|cinto|chancla|chancleta|zapatilla|palo|cable|manguera|hebilla|cuchara|regla|que|q|primero|puno|mano))\b|\ble pega a mi (?:mama|madre|hermano|hermana|hermanito|hermanita)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:me|nos) (?:da|dan|daba|daban|dio|dieron|ha dado|han dado|pega|pegaba|mete|metio) (?:una |unas |otra |muchas )?(?:palizas?|golpizas?|tundas?)\b|\b(?:abusa|abusan|abusaba|abusaban|abuso|abusaron|ha abusado|han abusado|abusado|abusando) (?:sexualmente )?de mi\b|\bme (?:viola|violan|violaba|violo|violaron|ha violado|han violado)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\bme (?:obliga|obligan|obligaba|obligo|fuerza|forzo|forzaba) a (?:hacer cosas|acostarme|tocarle|tocarlo|tocarla|desnudarme|mandarle fotos|enviarle fotos|mandar fotos|tener sexo|besarle|besarlo|chupar|ver videos)\b|\b(?:amenaza|amenazo|amenazado|amenazaba|amenazan|amenazaron) con (?:un cuchillo|una navaja|matarme|pegarme|un arma|una pistola|hacerme dano|quemarme)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:miedo|terror) (?:de|a) (?:volver|ir|regresar|llegar) a (?:mi )?casa\b|\bme (?:apreto|aprieta|agarro|agarra|agarraba|apretaba) (?:del|el) cuello\b|\bme (?:empujo|empuja|tiro|tira) (?:por|de) las escaleras\b|\bme (?:quema|quemaba) con (?:cigarros|cigarrillos|el cigarro|un cigarro)\b|\brajar con (?:un|una|el|la) (?:cuter|cutter|navaja|cuchillo)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\bsi (?:lo )?(?:cuento|digo|hablo|se lo digo a alguien|se lo cuento a alguien)(?: \w+){0,3}? (?:me mata|me matan|me pega|me va a pegar|me va a matar|nadie me va a creer|me hace dano)\b|\bnadie me (?:va a creer|creeria|creera)\b|\bes nuestro (?:pequeno )?secreto\b|\bme (?:dijo|dice|ha dicho) (?:que|q) no (?:se lo )?(?:cuente|diga) a nadie\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\bme (?:toca|tocaba|tocan|manosea|manoseaba) (?:las partes|ahi abajo|por debajo|los pechos|el culo|cuando|mientras|de noche|por la noche)\b|\by me toca(?:ba)?\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bme (?:tiro|tirare|voy a tirar) ESFROM|\bme (?:corto|cortare|abro|voy a cortar|quiero cortar) las venas\b|\bme ahorco\b|\bme cuelgo (?:del|de una|de un)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:mejor|tranquilos|tranquilas|felices) si (?:yo )?no (?:existiera|estuviera|hubiera nacido)\b|\bsi yo no existiera\b|\blo mejor (?:es|seria|sera) (?:desaparecer|morir|morirme|matarme|no existir|dejar de existir)\b|\b(?:que|q) sea (?:el )?ultimo (?:dia )?de mi vida\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:mejor|despues|hoy|esta noche|ya|luego) me voy para siempre\b|\b(?:tengo|ya tengo) todo (?:listo|preparado) para irme\b|\bno voy a estar aqui (?:el lunes|el martes|el miercoles|el jueves|el viernes|el sabado|el domingo|manana|la semana que viene|la proxima semana)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bcomo (?:hacerlo|morir|morirme|matarme|suicidarme) sin (?:que duela|dolor|sufrir)\b|\b(?:no sentir dolor|sin dolor|sin sufrir) al morir\b|\bmorir sin (?:dolor|sufrir)\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\bme acabo de cortar\b|\b(?:ganas de|quiero|necesito|voy a) golpearme\b|\bacabo de cortarme\b|\b(?:para|parar de) cortarme\b|\bme (?:he )?vuelto a hacer dano\b|\bme (?:volvi|vuelvo) a hacer dano\b|\bme (?:quiero|voy a|vy a|dan ganas de) cortar\b|\bme (?:pego|golpeo|doy)(?: en la cabeza| la cabeza| cabezazos| golpes)? contra (?:la pared|el muro|la mesa|las paredes|la puerta)\b|\bhasta hacerme (?:heridas|dano|sangre|marcas)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\by (?:me|nos) (?:pega|pegan|pegaba|pegaban|golpea|golpean|golpeaba)\b|\bme (?:mata|matan|matara|mataran|va a matar|van a matar) a (?:golpes|palos|palizas)\b|\bme (?:va|van|iba|iban) a dar (?:una |otra )?paliza\b|\by me (?:da|dan) golpes\b|\bme (?:va|van) a (?:partir|romper) (?:las piernas|la cara|la boca|el cuello|los huesos)\b|\b(?:ya|antes|muchas veces) me (?:ha|han) pegado\b|\bme (?:ha|han) pegado (?:antes|muchas veces|otra vez)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\bme (?:da|dan|daba|daban|dio|dieron) (?:bofetadas|punetazos|cachetadas|manotazos|cintarazos|correazos)\b|\bme (?:pide|pidio|pedia|obliga a|quiere que) (?:que |q )?(?:le )?(?:mande|envie|pase|mandar|enviar) fotos\b|\bme (?:empujo|empuja) contra\b|\bme amenaza(?:n|ba)? si (?:lo )?(?:digo|cuento|hablo)\b|\b(?:moratones|marcas|morados) (?:de|por) (?:la correa|el cinturon|los golpes|sus golpes)\b|\bno estoy (?:segura|seguro) en (?:mi )?casa\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\b(?:le|les) (?:voy|vamos) a (?:reventar|partir|romper|abrir) la (?:cabeza|cara|boca)\b|\bpensamientos de hacer(?:le|les)? dano a\b|\b(?:gente|personas) (?:a la |a las )?(?:que|q) (?:quiero|voy a) (?:matar|hacer dano)\b|\b(?:prender|pegar|meter) fuego (?:al|a la) (?:colegio|cole|instituto|insti|escuela)\b|\bclavarle (?:un|una|el|la) (?:cuchillo|navaja|tijeras|compas|boli)\b|\b(?:quiero|voy a) hacer dano\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:ya no puedo mas|no puedo mas con (?:esto|todo|mi vida|la vida)|ya no aguanto|no aguanto mas|no lo soporto mas)\b|\b(?:estoy|me siento) (?:muy |tan |super |re |bastante )?(?:deprimido|deprimida|desesperado|desesperada|hundido|hundida|destrozado|destrozada)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\bme siento (?:muy |tan |super |re |bastante )?(?:solo|sola|vacio|vacia|inutil|una carga|un estorbo|fatal|perdido|perdida|triste|una basura|una mierda|invisible)\b|\bsoy una carga\b|\bnadie me quiere\b|\bme odio\b|\bodio mi vida\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:no dejo de|no puedo dejar de) llorar\b|\blloro (?:todos los dias|todas las noches|cada noche|cada dia)\b|\b(?:quiero|ganas de|quisiera|me gustaria|solo quiero) desaparecer\b|\bla vida no tiene sentido\b|\b(?:no le veo sentido a nada|nada tiene sentido)\b|\b(?:harto|harta|cansado|cansada) de todo\b",
    ),
    // French (folded like Spanish; elisions apart: `j ai`, `m a`, `d en finir`). Not
    // negatable either: "je ne veux pas mourir" does not match, and "pas envie de mourir"
    // or "je vais pas me tuer" are idioms.
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bFRWISH (?:mourir|crever)\b",
    ),
    ("suicide", Severity::Crisis, false, r"\bFRINTENT FRSELF"),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bme suicid(?:er|e|erai|erais)\b|\bje me (?:tuerai|tuerais)\b|\bsi je me tuais\b|\bmettre fin a (?:mes jours|ma vie)\b|\bfin a mes jours\b|\bme foutre en l ?air\b|\bm ?ouvrir les veines\b|\bme (?:couper|taillader|tailler|trancher) les veines\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:pense|penser|jpense|pensais|songe|songer) (?:au|a me) suicid\w*|\b(?:je suis|jsuis|j suis|chui|chuis|suis) (?:tellement |vraiment |un peu |trop |tres |encore |devenu |devenue )?suicidaire\b|\b(?:j ai|jai|g|avoir|j avais|javais) (?:souvent |encore |parfois |toujours |beaucoup |aussi |de nouveau )?(?:des )?(?:idees|pensees) (?:suicidaires|de suicide)\b|\b(?:fait|faire|refaire|refait) une (?:tentative de suicide|ts)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:plus|pas|perdu l|perdu|aucune|pu) envie de vivre\b|\b(?:veux|veu|jveux|jveu|voudrais|je veut) (?:plus|pas|pu) (?:vivre|exister|respirer)\b|\b(?:ne|n) (?:veux|voudrais) plus (?:vivre|exister)\b|\b(?:plus|aucune|pas|pas de|plus de|aucune) raisons? de (?:vivre|continuer a vivre|rester en vie)\b|\b(?:la|ma) vie (?:ne )?vaut (?:pas|plus) la peine\b|\bma vie ne vaut rien\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:ne plus|ne jamais|plus jamais|jamais plus) (?:me|se) reveiller\b|\bpour (?:ne )?(?:pas|plus|jamais) (?:me|se) reveiller\b|\b(?:facon|maniere|moyen|methode) (?:la plus|le plus) (?:rapide|simple|facile|efficace|douce) de (?:mourir|me tuer|me suicider|en finir)\b|\b(?:sert a rien|pourquoi) (?:que je reste|de rester|je reste) en vie\b|\b(?:marre|tanne|tannee|fatigue|fatiguee|lasse|degoute|degoutee) de vivre\b|\ba quoi (?:bon|ca sert de) (?:vivre|continuer a vivre|rester en vie|exister)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:seraient|serait|serais|seront|sera|seriez|vivraient|vivrait|iraient|irait) mieux sans moi\b|\b(?:serais|serait|suis|etre|vaudrait) mieux (?:mort|morte)\b|\b(?:vaudrait|vaut) mieux que je (?:meure|creve|disparaisse|parte)\b|\bmourir (?:serait|sera) (?:un soulagement|une delivrance|mieux|plus simple|la solution)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bpersonne (?:ne )?(?:me regretterait|me regrettera|me pleurerait|me pleurera)\b|\bpersonne (?:ne )?(?:remarquerait|verrait|se rendrait compte|s en rendrait compte|sen rendrait compte) (?:\w+ )?si (?:je|j)\b|\b(?:mieux|plus simple|plus facile|plus heureux|plus heureuse|soulages?|soulagees?) (?:\w+ )?si (?:je )?(?:n )?(?:etais|existais) (?:plus|pas)\b|\b(?:serai|serais) plus (?:un probleme|un fardeau|une charge) pour\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\bmon seul (?:projet|but|reve|souhait|objectif) (?:c est|cest|est) (?:de )?(?:mourir|crever|me tuer|en finir)\b|\bm ?en (?:vais|aller|irai)(?: ce soir| demain| bientot)? pour (?:de bon|toujours)\b|\b(?:vais|vai|jvais) (?:plus|pu) en avoir besoin\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:prendre|avaler|prends|avale|pris|vais prendre|vais avaler) (?:tous les|toutes les|tt les|tout le flacon de|toute la boite de|toute la plaquette de|une boite entiere de|tout mon flacon de|toute ma boite de) (?:\w+ )?(?:medocs|medicaments|cachets|pilules|comprimes|somniferes|doliprane|xanax|anxiolytiques|antidepresseurs|paracetamol)\b|\b(?:somniferes|medocs|medicaments|cachets|pilules|comprimes|doliprane|paracetamol|xanax) (?:pour (?:mourir|en finir)|(?:est|sont) mortel(?:e|es|s)?)\b|\b(?:mis de cote|stocke|cache|accumule|mets de cote|economise) (?:des |mes |plein de |les )?(?:medocs|medicaments|cachets|pilules|comprimes|somniferes)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:ecrit|ecris|ecrire|ecrite|laisse|laisser|prepare|redige) (?:une|ma|mes|des|la) (?:lettres?|mots?|messages?) d ?adieu\b|\b(?:donne|donner|vais donner|distribue|distribuer|offert|offrir) (?:toutes )?mes (?:affaires|trucs|choses)\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:me|jme|m) (?:suis |remets a |recommence a )?(?:encore )?(?:scarifie|scarifier|scarifiee|scarifies|scarifiees|rescarifie|rescarifiee|rescarifier|mutile|mutiler|mutilee|automutile|automutiler|automutilee)\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:me|jme) (?:fais|faire|ferai|ferais|suis fait|suis faite|suis encore fait|suis encore faite|suis refait|suis refaite) du mal\b|\b(?:me|jme) (?:fais|faire|suis fait|suis faite) des (?:entailles|coupures|marques|cicatrices|brulures)\b|\bme (?:taillader|entailler|lacerer|taillade|entaille) (?:les|le|la|mes)\b|\b(?:me|jme) (?:fais|faire|suis fait|suis faite) mal (?:expres|volontairement|tous les (?:jours|soirs)|chaque (?:jour|soir|nuit))\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:me|jme) (?:coupe|couper|suis coupe|suis coupee|recoupe|suis recoupe|suis recoupee) (?:encore|expres|volontairement|les (?:bras|poignets|cuisses|jambes|hanches|avant bras)|le (?:bras|poignet)|avec (?:une|un|des|la|le|mon|ma) (?:lame|lames|cutter|compas|taille crayon|lame de rasoir)|tous les (?:jours|soirs)|chaque (?:jour|soir|nuit)|plus profond|trop profond|dans les toilettes)\b|\b(?:me|jme) suis (?:encore|re) ?coupee?\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:envie de|besoin de|retenir de|retiens de|arreter de|arrete de|recommence a|recommencer a|veux|vais|jveux|jvais|pense a) me (?:couper|scarifier|mutiler|bruler|faire du mal|faire mal|griffer)\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:me|jme|m) (?:brule|coupe|frappe|gratte|griffe|mords|pince|tape|cogne|fais saigner|suis fait saigner|suis faite saigner|arrache|affame|prive de manger)(?: \w+){0,6}? (?:expres|volontairement|pour me punir|jusqu ?au sang|jusqu ?a avoir des bleus|jusqu ?a saigner)\b",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:me|jme) (?:mets|met|donne) des (?:claques|coups|gifles|baffes)\b|\b(?:je me|jme|j me) (?:frappe|tape|cogne) (?:la tete|les cuisses|le visage|les bras|contre (?:le|les|la) (?:mur|murs|porte|table))\b|\b(?:me|jme) (?:brule|bruler|suis brule|suis brulee) (?:expres|volontairement|avec (?:un|une|le|la|mon|ma|des) (?:briquet|cigarette|clope|allumette|allumettes))\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\bFRINTENT (?:tuer|buter|poignarder|egorger|etrangler|frapper|flinguer|tabasser|assassiner|empoisonner|faire du mal a|faire mal a|tirer sur|bruler) FRVICTIM|\bFRINTENT (?:faire du mal|faire mal) aux (?:gens|autres|eleves|profs)\b|\bFRINTENT pousser FRVICTIM (?:dans l ?escalier|dans les escaliers|par la fenetre|sous un)|\b(?:gens|personnes|eleves|profs|ceux) (?:que|qu) (?:je|j) (?:veux|vais|voudrais) tuer\b|\bmettre le feu (?:au|a l|a la) (?:college|lycee|ecole|bahut)\b|\bplanter (?:un|une|des|mon|ma) (?:couteau|ciseau|ciseaux|compas|lame|cutter) dans\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\bFRINTENT (?:le|la|les|l) (?:tuer|buter|poignarder|egorger|etrangler|flinguer|tabasser|assassiner|empoisonner)\b",
    ),
    (
        "harm-to-others",
        Severity::Crisis,
        false,
        r"\b(?:amener|apporter|ramener|prendre|emmener|amene|apporte|ramene) (?:un|une|le|la|mon|ma) (?:couteau|arme|flingue|pistolet|fusil|batte|barre de fer) (?:au|a l|a la|en) (?:lycee|college|ecole|cours|bahut|classe)\b|\b(?:les|le|la|l) attendre (?:a la sortie|devant|apres les cours|apres l ecole) avec (?:un|une|des|mon|ma)\b|\b(?:ils|elles|tous|toutes|ces gens|tout le monde) (?:meritent|merite|meriteraient|meriterait|doivent|devraient) (?:tous |toutes )?(?:de )?(?:mourir|crever)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:il|elle|ils|elles|on|qui|et|FRWHO(?: \w+)?)(?: (?:encore|toujours|souvent|tout le temps|parfois|aussi))? (?:me|m|nous) (?:frappe|frappent|frappait|frappaient|bat|battent|battait|battaient|cogne|cognent|cognait|tape dessus|tapent dessus|tapait dessus|tape|tapent|viole|violent|violait|touche|touchent|touchait|tripote|tripotait|fait des choses|faisait des choses|fait des trucs|etrangle|etranglait|gifle|giflent|giflait|enferme|enferment|enfermait|enfermaient|brule|prive de (?:repas|manger|nourriture))\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\bm (?:a|ont) (?:encore |deja |souvent )?(?:frappe|frappee|battu|battue|cogne|cognee|viole|violee|etrangle|etranglee|gifle|giflee|enferme|enfermee|serre le cou|casse le bras|casse le nez|brule|brulee|agresse|agressee|menace|menacee)\b|\bm ?enferm(?:e|ent|ait|aient)\b|\bme prive (?:de repas|de manger|de nourriture)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:me|m) (?:force|forcent|forcait|oblige|obligent|obligeait) a (?:coucher|faire des choses|le toucher|la toucher|les toucher|me deshabiller|l embrasser|envoyer des photos|regarder des)\b|\bmenac\w* de (?:me|m) (?:tuer|frapper|battre|taper|enfermer|egorger|planter|poignarder|cogner|violer|bruler)\b|\bme menac\w* avec (?:un|une|son|sa) (?:couteau|arme|flingue|pistolet|fusil|ceinture|batte)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\b(?:qu il|quil|qu elle|quelle|qu ils|quils) (?:va|allait|vont|allaient|pourrait|voulait|veut) me (?:tuer|buter|frapper|battre|egorger|planter|violer)\b|\bpeur de rentrer (?:a la maison|chez moi|ce soir)\b|\babus\w* (?:sexuellement )?de moi\b|\bpersonne (?:ne )?(?:me croira|me croirait|va me croire)\b|\b(?:c est|cest|c etait) notre (?:petit )?secret\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:est ce que ca fait mal|ca fait mal) de mourir\b|\bmourir sans (?:souffrir|douleur|avoir mal)\b|\bcomment (?:mourir|me tuer|le faire|en finir|me suicider) sans (?:souffrir|douleur|avoir mal)\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:je serai|jserai|serai|je serais) (?:mort|morte)\b|\b(?:ce soir|demain|alors|sinon|bientot|moi) (?:je me|jme) tue\b|\b(?:jme|je me) tue$|\b(?:serai|serais|jserai|jserais) plus (?:la|en vie) (?:demain|bientot|ce soir|la semaine prochaine|lundi)\b|\bquitter ce monde\b",
    ),
    (
        "suicide",
        Severity::Crisis,
        false,
        r"\b(?:mets|mettre|met|vais mettre) fin a (?:tout|mes jours|ma vie)\b|\bavale (?:toute la|la|une|ma) (?:plaquette|boite)\b|\bpris (?:plein de|trop de|beaucoup de|toute une boite de|une boite de) (?:cachets|medocs|medicaments|pilules|comprimes|somniferes|doliprane|xanax)\b|\b(?:ecrit|fait|redige|prepare) mon testament\b|\b(?:jvais|je vais|envie de|veux|jveux) sauter(?: (?:ce soir|maintenant|la|d ici))?$",
    ),
    (
        "self-harm",
        Severity::Crisis,
        false,
        r"\b(?:je me|jme|j me) (?:suis )?tape dessus\b|\b(?:enfonce|plante|enfoncee|plantee) (?:une|des) (?:aiguilles?|epingles?|lames?) dans (?:le|la|les|mon|ma|mes) (?:bras|jambe|jambes|peau|cuisse|cuisses|main|poignet)\b",
    ),
    (
        "abuse",
        Severity::Crisis,
        false,
        r"\bme menac\w* si (?:je|j)\b|\bbleus (?:partout )?a cause de (?:mon|ma|mes)\b|\b(?:il|elle) (?:tuerait|tuera|va tuer|allait tuer) (?:ma|mon|mes) (?:mere|pere|soeur|frere|famille|chien|chat)\b|\b(?:pas|plus) en securite (?:chez moi|a la maison)\b|\bme (?:demande|demandait|reclame) des (?:photos|nudes)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:j en peux plus|jen peux plus|n en peux plus|nen peux plus|j en peux vraiment plus|plus la force|jai plus la force|je craque)\b|\b(?:je suis|jsuis|chui|suis) (?:tellement |trop |vraiment |tres |si )?(?:deprime|deprimee|desespere|desesperee|au bout du rouleau|a bout)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\bme sens (?:tellement |trop |vraiment |tres |si )?(?:seul|seule|vide|inutile|nul|nulle|de trop|abandonne|abandonnee|perdu|perdue|triste|deprime|deprimee)\b|\bpersonne (?:ne )?m aime\b|\b(?:je me|jme) deteste\b|\bje deteste ma vie\b|\b(?:un fardeau|une charge) pour (?:tout le monde|mes parents|ma famille|les autres)\b",
    ),
    (
        "distress",
        Severity::Concern,
        false,
        r"\b(?:arrete pas de|arrive pas a arreter de) pleurer\b|\bpleure tous les (?:jours|soirs)\b|\b(?:veux|jveux|envie de|voudrais) disparaitre\b|\bidees noires\b|\bpense (?:tout le temps|souvent|sans arret|beaucoup) a la mort\b|\b(?:marre|ras le bol) de (?:tout|la vie|ma vie)\b",
    ),
];

/// The harm-to-others pattern: a violent verb aimed at a person.
pub const fn const_format_person() -> &'static str {
    r"\b(?:kill|killing|hurt|hurting|shoot|shooting|stab|stabbing|murder|murdering|strangle|poison|beat up|attack) (?:PERSON)\b"
}

/// Phrases in which a pattern's words are ordinary English or a technical term; a match
/// inside one of these is dropped.
pub const IDIOMS: &[&str] = &[
    r"\b(?:is|are|was|its|it is|this is|thats|that is) killing me\b",
    r"\bkilled me\b",
    r"\b(?:die|dying|died) (?:for|of laughter|laughing|of embarrassment)\b",
    r"\bdying to (?:know|see|try|get|meet|hear|read|learn|start|go)\b",
    r"\bsuicide (?:rate|rates|squad|prevention|awareness|statistics|hotline|mission|run)\b",
    r"\b\d+ ?(?:kms|km)\b",
    r"\b(?:kill|end|take) (?:it all|everything|things) (?:in|at|on) (?:the )?(?:game|round|level|match|boss|raid)\b",
    r"\bhate myself for (?:eating|buying|watching|forgetting|missing|sleeping|not)\b",
    r"\bself ?harm (?:detection|model|classifier|dataset|data|research|statistics|awareness|prevention)\b",
    r"\bused to self ?harm\b",
    r"\btouches me (?:deeply|so much|emotionally|every time i (?:read|hear|watch))\b",
    r"\bkill (?:him|her|them|it) (?:off|in the (?:story|game|novel|book))\b",
    // Spanish and French: hyperbole with "die" and "kill", everyday senses of the words the
    // patterns use, and negated forms (the rows are not negatable). A leading `(?:\w+ ){0,3}`
    // lets an idiom cover the intent before the words it names.
    r"\b(?:\w+ ){0,4}(?:morir|morirme|mourir|crever)(?: \w+){0,2}? (?:de|d|del|por) (?:la |los |las )?(?:risa|verguenza|hambre|sueno|frio|calor|ganas|nervios|aburrimiento|envidia|pena|asco|miedo|cansancio|sed|amor|ternura|viejo|vieja|vejez|curiosidad|rire|honte|faim|froid|chaud|soif|envie|ennui|fatigue|peur|impatience|stress|vieillesse|chagrin|curiosite)\b",
    r"\b(?:\w+ ){0,4}(?:morir|morirme|mourir) (?:en paz|en paix|feliz|heureux|heureuse|tranquilo|tranquila|dans mon lit|en mi cama|de vieux|de vieille)\b",
    r"\b(?:\w+ ){0,3}matar(?:me|te|nos)? (?:estudiando|trabajando|a estudiar|a trabajar|entrenando|de risa|a besos|corriendo|en el gym|en el gimnasio)\b",
    r"\bme mato (?:el|la|los|las|de|con|este|esta|ese|esa|estudiando|a estudiar|trabajando|entrenando|jaja|jajaja)\b",
    r"\b(?:\w+ ){0,3}(?:tirarme|saltar) (?:a la piscina|al agua|al mar|al suelo|a la cama|en la cama|en el sofa|al sofa|de cabeza|en paracaidas|de alegria|a la comba|la cuerda|en la cama elastica|en el trampolin)\b",
    r"\b(?:\w+ ){0,4}(?:a l elastique|en elastique|en parachute|en parapente|en puenting|bungee)\b",
    r"\b(?:\w+ ){0,3}(?:cortar|cortarme|me corto|me corte|me he cortado|me cortaba|coupe|couper|me coupe|me couper) (?:el pelo|el cabello|las unas|el flequillo|la barba|las puntas|la parole|les cheveux|les ongles|la frange|les pointes|le doigt|un doigt|une tranche|un morceau|une part|du pain)\b",
    r"\b(?:\w+ ){0,2}(?:se me pega|me pega(?:n)? (?:la|el|los|las) (?:gripe|resfriado|piojos|cancion|sol|acento|mania|virus|covid))\b",
    r"\b(?:\w+ ){0,2}me toca(?:ba|n)? (?:\w+ar|\w+er|\w+ir|las narices|los huevos|los cojones|a mi|a ti|a nosotros|el turno|turno|la siguiente|el siguiente|hoy|manana|ahora|primero|luego|despues|sintaxis|examen|mates|mate|clase|ingles|fisica|quimica|historia|lengua|biologia|matematicas|a las)\b",
    r"\babus\w* de (?:mi|moi) (?:confianza|paciencia|amabilidad|bondad|tiempo|generosidad|confiance|patience|gentillesse)\b",
    r"\b(?:\w+ ){0,3}palizas? (?:en el|en la|al|a la|jugando|de goles)\b",
    r"\b(?:\w+ ){0,3}(?:hacer cosas|hacerme dano|me hago dano|me hice dano) (?:de casa|de la casa|en (?:la|el) (?:rodilla|tobillo|pie|espalda|mano|dedo|cabeza|pierna|brazo)|jugando|entrenando|sin querer|al caer|al caerme)\b",
    r"\bmejor muerta que sencilla\b",
    r"\b(?:\w+ ){0,3}(?:acabar|terminar) con todo (?:el|la|los|las|lo de|este|esta|estos|estas|antes|hoy|rapido|para (?:el|la|manana))\b",
    r"\b(?:ca|cela|ce qui|ce que|c est ce qui) (?:me|m a|m ont|nous) (?:frappe|frappee|touche|touchee|tue|bat)\b",
    r"\b(?:\w+ ){0,2}me (?:touche|touchent|touchait|touchee) (?:beaucoup|vraiment|profondement|enormement|tellement|trop|au coeur|particulierement)\b",
    r"\b(?:\w+ ){0,2}(?:me|nous) (?:bat|battent|battait|battaient) (?:toujours |encore |tout le temps |souvent |facilement )?(?:aux|au|a la|a|en) (?:echecs|tennis|ping pong|badminton|course|cartes|jeux|jeu|fifa|mario|smash|foot|football|basket|uno|monopoly|scrabble|sprint|bras de fer|plate couture|belote|poker)\b",
    r"\b(?:\w+ ){0,2}me (?:tape|tapent|tapait) (?:sur les nerfs|sur le systeme|sur le ciboulot|la honte)\b",
    r"\bje m ?enferm\w*",
    r"\b(?:\w+ ){0,3}en finir avec (?:(?:ce|cet|cette|ces|le|la|les|mon|ma|mes|ton|ta|un|une|l) )?(?:\w+ )?(?:devoir|devoirs|exo|exos|exercice|exercices|chapitre|dossier|projet|expose|dissert|dissertation|controle|exam|examen|examens|revisions|maths|bac|brevet|semestre|livre|roman|serie|jeu|niveau|boss|partie|sujet|lecture|redaction|memoire|rapport|question|probleme|cours|travail|boulot|tache|liste|epreuve|ecole|college|lycee)\b",
    r"\btu (?:veux|vx) (?:mourir|crever)\b",
    r"\b(?:\w+ ){0,3}(?:disparaitre|desaparecer) (?:sous|bajo|entre|dans mon lit|en mi cama)\b",
    r"\b(?:mort|morte|morts|mortes) (?:de|d) (?:rire|fatigue|honte|froid|chaud|faim|soif|peur|stress|ennui|sommeil)\b",
    r"\b(?:\w+ ){0,3}me tuer (?:a la tache|au travail|a le dire|a le repeter|a te le dire|a vous le dire|a travailler|a reviser|a l entrainement|a la salle)\b",
    r"\b(?:\w+ ){0,3}me noyer dans (?:les |mes |le |mon |la |ma )?(?:devoirs|travail|boulot|revisions|cours|exos|paperasse|larmes|problemes|maths)\b",
    r"\b(?:\w+ ){0,3}(?:le|la|les) tuer (?:ce|cet|cette|le|la|les) (?:boss|monstre|dragon|processus|zombie|zombies|mob|mobs|jeu|niveau)\b",
    r"\b(?:\w+ ){0,3}(?:pas|jamais) vivre (?:a|au|en|dans|ici|avec|chez|sans|loin|pres|la bas)\b",
    r"\b(?:se|s est|s etait|un|le|du|au|de|des|les|ce|son|sa|leur) suicide\b",
    r"\b(?:no|nunca|jamas|tampoco|ya no)(?: me| te| lo)?(?: (?:quiero|qiero|kiero|quero|voy a|vy a|pienso|pienso en|pensaria en|haria|hare|tengo ganas de|tengo intencion de|deseo|quisiera|planeo|iba a|volvere a|volveria a|vuelvo a|debo|deberia|puedo|podria|seria capaz de|me atreveria a|me atrevo a|he pensado en|tengo pensado|he vuelto a)){0,2}(?: (?:ya|nunca|jamas|mas|a|en serio|de verdad))? (?:morir|morirme|matar|matarme|mato|suicid\w*|quitar la vida|quitarme la vida|hacer dano|hacerme dano|hago dano|dano|cortar|cortarme|corto|corte|he cortado|autolesion\w*|tirar|tirarme|ahorcar|ahorcarme|colgar|colgarme|pegar un tiro|pegarme un tiro|desaparecer)\b",
    r"\b(?:no|nunca|jamas|ya no) (?:soy|estoy|me siento|he sido|he estado|tengo|he tenido|tuve|pienso en|pense en|pensaria en)(?: \w+){0,2}? suicid\w*",
    r"\b(?:pas|jamais|plus jamais|aucune|aucunement|nullement)(?: (?:envie|intention|question|besoin))?(?: de| d)?(?: me| m)? (?:tuer|suicider|mourir|crever|en finir|faire du mal|faire mal|foutre en l ?air|couper|scarifier|mutiler|bruler|jeter|pendre|ouvrir les veines|flinguer)\b",
];

/// Words that cancel a negatable match when they come just before it.
pub const NEGATIONS: &[&str] = &[
    "not", "never", "dont", "wont", "wouldnt", "isnt", "arent", "no", "nor", "neither", "didnt",
    "doesnt", "stop", "stopped", "quit",
];
