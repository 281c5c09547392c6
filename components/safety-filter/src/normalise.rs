//! Normalising text before matching, keeping a map back to the original bytes.
//!
//! Undoes the tricks people use (knowingly or not) that would slip past plain patterns:
//! case, leetspeak (`k1ll`), punctuation or spaces between letters (`kill.my.self`,
//! `k i l l`), and stretched letters (`diieee`). Every run of a repeated letter becomes one
//! letter, in the text and in the patterns alike (see `patterns::compile`), so `kill` is
//! matched as `kil`. Accents are folded (`é` → `e`, `ñ` → `n`, `ç` → `c`, `œ` → `oe`), so
//! the Spanish and French patterns, written without them, match text typed either way; a
//! French elided word is split from the next (`j'ai` → `j ai`, `m'ouvrir` → `m ouvrir`).

/// Normalised text and, for each of its bytes, the byte offset in the original.
#[derive(Debug, Clone)]
pub struct Normalised {
    /// Lower-case words separated by single spaces.
    pub text: String,
    /// `origin[i]` is the original byte offset of `text`'s byte `i`; one extra entry maps
    /// the end.
    pub origin: Vec<usize>,
}

fn leet(c: char) -> char {
    match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        c => c,
    }
}

/// A lower-case Latin letter with a diacritic as its base letter, or two for a ligature
/// (`é` → `e`, `ñ` → `n`, `œ` → `oe`); any other character unchanged.
fn fold(c: char) -> (char, Option<char>) {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'œ' => return ('o', Some('e')),
        'æ' => return ('a', Some('e')),
        c => c,
    };
    (base, None)
}

/// French words elided before a vowel (`j'`, `m'`, `l'`, `qu'`, …).
const ELIDED: &[&str] = &[
    "c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
];

/// Whether the word at the end of `chars` (since the last separator) is a French elided
/// word.
fn ends_with_elided(chars: &[(char, usize)]) -> bool {
    let word: String = chars
        .iter()
        .rev()
        .take_while(|(c, _)| *c != ' ')
        .map(|(c, _)| *c)
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .collect();
    ELIDED.contains(&word.as_str())
}

pub use crate::rules::collapse;

/// Normalises `input`.
pub fn normalise(input: &str) -> Normalised {
    // 1. Characters to lower-case letters/digits (leet mapped inside words) or separators.
    let mut chars: Vec<(char, usize)> = Vec::with_capacity(input.len());
    let raw: Vec<(usize, char)> = input.char_indices().collect();
    for (i, &(at, c)) in raw.iter().enumerate() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            // A combining accent (decomposed text): folded away with its letter.
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        let prev_alpha = i > 0 && raw[i - 1].1.is_alphanumeric();
        let next_alpha = raw.get(i + 1).is_some_and(|(_, n)| n.is_alphanumeric());
        let mapped = if lower.is_alphabetic() {
            let (base, second) = fold(lower);
            if let Some(second) = second {
                chars.push((base, at));
                second
            } else {
                base
            }
        } else if (lower.is_ascii_digit() && (prev_alpha || next_alpha))
            || ("!|@$+".contains(lower) && next_alpha)
        {
            // A digit or symbol inside a word is a letter in disguise; apostrophes vanish
            // (`don't` → `dont`).
            leet(lower)
        } else if lower == '\'' || lower == '’' {
            if next_alpha && ends_with_elided(&chars) {
                // French elision: two words (`j'ai` → `j ai`).
                ' '
            } else {
                continue;
            }
        } else if lower.is_ascii_digit() {
            lower
        } else {
            ' '
        };
        chars.push((mapped, at));
    }
    // 2. Words; runs of one-letter words are joined (`k i l l` → `kill`), as are letters
    //    split by dots (`kill.my.self` becomes `kill my self`, which patterns accept).
    let mut words: Vec<Vec<(char, usize)>> = Vec::new();
    let mut current: Vec<(char, usize)> = Vec::new();
    for (c, at) in chars {
        if c == ' ' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        } else {
            current.push((c, at));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    let mut joined: Vec<Vec<(char, usize)>> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if words[i].len() == 1 {
            let mut j = i;
            while j < words.len() && words[j].len() == 1 {
                j += 1;
            }
            if j - i >= 3 {
                joined.push(words[i..j].concat());
                i = j;
                continue;
            }
        }
        joined.push(words[i].clone());
        i += 1;
    }
    // 3. Collapse repeated letters and write out with the offset map.
    let mut text = String::with_capacity(input.len());
    let mut origin = Vec::with_capacity(input.len() + 1);
    for (n, word) in joined.iter().enumerate() {
        if n > 0 {
            text.push(' ');
            origin.push(word[0].1);
        }
        let mut last = None;
        for &(c, at) in word {
            if c.is_alphabetic() && Some(c) == last {
                continue;
            }
            last = Some(c);
            let mut buf = [0u8; 4];
            for _ in 0..c.encode_utf8(&mut buf).len() {
                origin.push(at);
            }
            text.push(c);
        }
    }
    origin.push(input.len());
    Normalised { text, origin }
}

impl Normalised {
    /// The original byte range of normalised range `start..end`.
    pub fn original(&self, start: usize, end: usize, input: &str) -> (usize, usize) {
        let s = self.origin.get(start).copied().unwrap_or(input.len());
        // End: one past the last original character covered.
        let last = if end > start {
            self.origin.get(end - 1).copied().unwrap_or(input.len())
        } else {
            s
        };
        let e = input[last..]
            .chars()
            .next()
            .map_or(input.len(), |c| last + c.len_utf8());
        (s, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tricks_are_undone() {
        assert_eq!(
            normalise("I want to K1LL mys3lf!!").text,
            "i want to kil myself"
        );
        assert_eq!(normalise("k i l l myself").text, "kil myself");
        assert_eq!(normalise("kill.my.self").text, "kil my self");
        assert_eq!(normalise("I want to diieee").text, "i want to die");
        assert_eq!(
            normalise("I don't want to live").text,
            "i dont want to live"
        );
        assert_eq!(normalise("I have 2 exams").text, "i have 2 exams");
    }

    #[test]
    fn accents_fold_and_french_elisions_split() {
        assert_eq!(
            normalise("Ya no quiero vivir, mañana me voy").text,
            "ya no quiero vivir manana me voy"
        );
        assert_eq!(
            normalise("J'ai envie d'en finir, ça suffit").text,
            "j ai envie d en finir ca sufit"
        );
        assert_eq!(normalise("ma sœur m'a frappée").text, "ma soeur m a frape");
        // Decomposed accents (a letter and a combining mark) fold the same way.
        assert_eq!(
            normalise("me corte\u{301} otra vez").text,
            "me corte otra vez"
        );
        // English contractions still lose their apostrophe.
        assert_eq!(normalise("I'm sure it's fine").text, "im sure its fine");
    }

    #[test]
    fn folded_spans_map_back_to_the_accented_original() {
        let input = "¡Hola! Me quiero quitár la vída… y ça, c'est tout";
        let n = normalise(input);
        let at = n.text.find("quitar la vida").unwrap();
        let (s, e) = n.original(at, at + "quitar la vida".len(), input);
        assert_eq!(&input[s..e], "quitár la vída");
        let at = n.text.find("ca c est").unwrap();
        let (s, e) = n.original(at, at + "ca c est".len(), input);
        assert_eq!(&input[s..e], "ça, c'est");
        let input = "Ma sœur";
        let n = normalise(input);
        assert_eq!(n.text, "ma soeur");
        let (s, e) = n.original(3, n.text.len(), input);
        assert_eq!(&input[s..e], "sœur");
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        let input = "Well, I want to K1LL mys3lf.";
        let n = normalise(input);
        let at = n.text.find("kil myself").unwrap();
        let (s, e) = n.original(at, at + "kil myself".len(), input);
        assert_eq!(&input[s..e], "K1LL mys3lf");
    }
}
