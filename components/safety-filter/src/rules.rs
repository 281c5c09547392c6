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
    "home", "low", "ing", "to", "way", "ways",
];

/// The trigger words of a (collapsed) pattern source. A word written `=word` must be a
/// whole word of the text (the pattern has it between word boundaries); any other must
/// start a word of the text. Words separated by an optional space also give their joined
/// form (`un ?alive` gives `unalive`), and a word whose last letter is optional
/// (`bleeds?`) is given without it.
pub fn literal_words(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    // Whether each open group starts at a word boundary.
    let mut groups: Vec<bool> = Vec::new();
    let at_boundary = |i: usize, groups: &[bool]| -> bool {
        if i == 0 {
            return true;
        }
        match chars[i - 1] {
            ' ' => true,
            'b' if i >= 2 && chars[i - 2] == '\\' => true,
            '(' | ':' | '|' => groups.last().copied().unwrap_or(true),
            _ => false,
        }
    };
    let ends_word = |j: usize| -> bool {
        // After the literal: a space, a boundary, or the end of an alternative/group that
        // is itself followed by a space, a boundary or the end.
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
    };
    let mut words: Vec<String> = Vec::new();
    let mut required: Vec<String> = Vec::new();
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
            groups.push(at_boundary(i, &groups));
            i += 1;
            continue;
        }
        if c == ')' {
            groups.pop();
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
            words.push(format!("{before}{word}"));
        }
        if chars.get(i) == Some(&' ') && chars.get(i + 1) == Some(&'?') {
            joinable = Some(word.clone());
        }
        let exact = !optional_last && at_boundary(start, &groups) && ends_word(i);
        let trigger = if exact { format!("={word}") } else { word };
        // Outside every group and not optional, a word is in every match.
        // (A word after an optional space may be glued to the one before: not a word start.)
        let after_optional_space = start >= 2 && chars[start - 1] == '?' && chars[start - 2] == ' ';
        if groups.is_empty()
            && !optional_last
            && chars.get(i) != Some(&'?')
            && !after_optional_space
        {
            required.push(trigger.clone());
        }
        words.push(trigger);
    }
    let useful = |w: &String| {
        let bare = w.trim_start_matches('=');
        bare.len() >= 3 && !STOP_WORDS.contains(&bare)
    };
    // One word every match contains is the sharpest trigger: the first such word (usually
    // the pattern's verb or key noun).
    let top_level_alternation = {
        let mut depth = 0i32;
        let mut escaped = false;
        chars.iter().any(|&c| {
            if escaped {
                escaped = false;
                return false;
            }
            match c {
                '\\' => escaped = true,
                '(' => depth += 1,
                ')' => depth -= 1,
                '|' if depth == 0 => return true,
                _ => {}
            }
            false
        })
    };
    if !top_level_alternation && let Some(best) = required.iter().find(|w| useful(w)) {
        return vec![best.clone()];
    }
    words.retain(useful);
    words.sort();
    words.dedup();
    words
}

pub const PERSON: &str = r"(?:him|her|them|you|everyone|everybody|some ?one|(?:the )?people|my (?:little |older |big |younger )?(?:dad|father|mom|mum|mother|step ?dad|step ?mom|brother|sister|teacher|boss|boyfriend|girlfriend|ex|wife|husband|friend|classmates?|roommate)|(?:the|that|this) (?:teacher|guy|girl|kid|bully)|the whole class|all of them)";

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
        r"\b(?:sewer ?slide|sui ?side|su ?icide)\b",
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
        r"\b(?:abuses|abused|abusing|molests|molested|raped|rapes) me\b",
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
];

/// Words that cancel a negatable match when they come just before it.
pub const NEGATIONS: &[&str] = &[
    "not", "never", "dont", "wont", "wouldnt", "isnt", "arent", "no", "nor", "neither", "didnt",
    "doesnt", "stop", "stopped", "quit",
];
