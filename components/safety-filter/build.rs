//! Prepares the pattern table at build time: each pattern collapsed like normalised text
//! and its trigger words derived, written to `$OUT_DIR/prepared.rs` as static data.

#[path = "src/rules.rs"]
mod rules;

fn main() {
    println!("cargo:rerun-if-changed=src/rules.rs");
    let mut out = String::from("/// (collapsed source, trigger words) per `rules::TABLE` row.\n");
    out.push_str("pub static PREPARED: &[(&str, &[&str])] = &[\n");
    let mut index: Vec<(String, bool, usize)> = Vec::new();
    for (row, &(_, _, _, source)) in rules::TABLE.iter().enumerate() {
        let collapsed = rules::collapse_pattern(&rules::expand(source));
        // The person a violent verb aims at (or an intent before a verb) is a group the
        // verb always comes with: the verb's words are enough to trigger, and far rarer
        // than "teacher" or "quiero" (`rules::PLACEHOLDERS`).
        let triggers = rules::literal_words(&rules::collapse_pattern(&rules::expand_for_triggers(
            source,
        )));
        out.push_str(&format!("    ({collapsed:?}, &{triggers:?}),\n"));
        for t in &triggers {
            let whole = t.starts_with('=');
            index.push((t.trim_start_matches('=').to_string(), whole, row));
        }
    }
    index.sort();
    out.push_str(
        "];\n/// Every trigger word (without `=`), whether it must be a whole word, and its row;\n\
         /// sorted by word, so one pass along the text's sorted words finds them all.\n\
         pub static TRIGGER_INDEX: &[(&str, bool, u16)] = &[\n",
    );
    for (word, whole, row) in index {
        out.push_str(&format!("    ({word:?}, {whole}, {row}),\n"));
    }
    out.push_str(
        "];\n/// (collapsed source, trigger words) per `rules::IDIOMS` entry.\n\
         pub static PREPARED_IDIOMS: &[(&str, &[&str])] = &[\n",
    );
    for idiom in rules::IDIOMS {
        let collapsed = rules::collapse_pattern(&rules::expand(idiom));
        let triggers = rules::literal_words(&rules::collapse_pattern(&rules::expand(idiom)));
        out.push_str(&format!("    ({collapsed:?}, &{triggers:?}),\n"));
    }
    out.push_str("];\n");
    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(std::path::Path::new(&dir).join("prepared.rs"), out).expect("write prepared.rs");
}
