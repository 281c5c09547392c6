//! Fragments as the host serves them: what a detector plugin returns is checked against the
//! text before anything is stored or shown (a partner's plugin, or a model that misquotes,
//! is not trusted), and the highlight payload the app renders is built from what is left.

use serde::Serialize;

use crate::plugins::contract::reflection::Fragment;

/// The fragments that quote `text` exactly at their span (offsets in characters), with a
/// confidence in 0..=1, none overlapping another (of two that overlap, the more confident
/// stays), sorted by start.
pub fn checked(text: &str, fragments: Vec<Fragment>) -> Vec<Fragment> {
    let chars: Vec<char> = text.chars().collect();
    let mut valid: Vec<Fragment> = fragments
        .into_iter()
        .filter(|f| {
            let (start, end) = (f.start as usize, f.end as usize);
            start < end
                && end <= chars.len()
                && f.confidence.is_finite()
                && (0.0..=1.0).contains(&f.confidence)
                && chars[start..end].iter().copied().eq(f.text.chars())
        })
        .collect();
    // Most confident first, so a weaker overlapping fragment is the one dropped.
    valid.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Fragment> = Vec::with_capacity(valid.len());
    for f in valid {
        if kept.iter().all(|k| f.end <= k.start || f.start >= k.end) {
            kept.push(f);
        }
    }
    kept.sort_by_key(|f| f.start);
    kept
}

/// A run of the message for the app to render: plain, or one fragment's passage.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Segment {
    /// The text of the run.
    pub text: String,
    /// The fragment it shows, when it is one.
    pub fragment_id: Option<String>,
}

/// The message cut into runs at the fragments' spans (which [`checked`] made valid and
/// disjoint), so the runs' texts concatenate to the message.
pub fn segments(text: &str, spans: &[(u32, u32, String)]) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut at = 0usize;
    for (start, end, id) in spans {
        let (start, end) = (*start as usize, (*end as usize).min(chars.len()));
        if start < at || start >= end {
            continue;
        }
        if start > at {
            out.push(Segment {
                text: chars[at..start].iter().collect(),
                fragment_id: None,
            });
        }
        out.push(Segment {
            text: chars[start..end].iter().collect(),
            fragment_id: Some(id.clone()),
        });
        at = end;
    }
    if at < chars.len() {
        out.push(Segment {
            text: chars[at..].iter().collect(),
            fragment_id: None,
        });
    }
    out
}

/// The UTF-16 offset of character offset `chars` in `text` (what JavaScript's string
/// indices count, for the app).
pub fn utf16_offset(text: &str, chars: u32) -> u32 {
    let units: usize = text.chars().take(chars as usize).map(char::len_utf16).sum();
    u32::try_from(units).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::contract::reflection::{Distortion, FoundBy};

    fn fragment(start: u32, end: u32, text: &str, confidence: f32) -> Fragment {
        Fragment {
            start,
            end,
            text: text.into(),
            kind: Distortion::Catastrophising,
            confidence,
            found_by: FoundBy::Model,
        }
    }

    #[test]
    fn fragments_that_misquote_the_text_are_dropped() {
        let text = "Ça va mal. I always fail.";
        let found = checked(
            text,
            vec![
                fragment(11, 25, "I always fail.", 0.9),
                // The model's span points elsewhere, or its quote is not in the text.
                fragment(0, 10, "I always f", 0.9),
                fragment(11, 25, "I never fail.", 0.9),
                fragment(20, 40, "fail.", 0.9),
                fragment(3, 3, "", 0.9),
                fragment(0, 2, "Ça", f32::NAN),
            ],
        );
        assert_eq!(found, vec![fragment(11, 25, "I always fail.", 0.9)]);
    }

    #[test]
    fn of_two_overlapping_fragments_the_more_confident_stays() {
        let text = "Everyone hates me and I always fail";
        let found = checked(
            text,
            vec![
                fragment(22, 35, "I always fail", 0.6),
                fragment(0, 17, "Everyone hates me", 0.7),
                fragment(9, 35, "hates me and I always fail", 0.8),
            ],
        );
        assert_eq!(
            found,
            vec![fragment(9, 35, "hates me and I always fail", 0.8)]
        );
    }

    #[test]
    fn segments_cover_the_message_and_utf16_offsets_count_surrogates() {
        let text = "🙂 I always fail, ok";
        let segs = segments(text, &[(2, 15, "f1".into())]);
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text);
        assert_eq!(segs[1].text, "I always fail");
        assert_eq!(segs[1].fragment_id.as_deref(), Some("f1"));
        assert_eq!(utf16_offset(text, 2), 3, "the emoji is two UTF-16 units");
    }
}
