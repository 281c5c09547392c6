//! Prepares the pattern table at build time: each pattern collapsed like normalised text
//! and its trigger words derived, written to `$OUT_DIR/prepared.rs` as static data.

#[path = "src/rules.rs"]
mod rules;

fn main() {
    println!("cargo:rerun-if-changed=src/rules.rs");
    let mut out = String::from("/// (collapsed source, trigger words) per `rules::TABLE` row.\n");
    out.push_str("pub static PREPARED: &[(&str, &[&str])] = &[\n");
    for &(_, _, _, source) in rules::TABLE {
        let collapsed = rules::collapse_pattern(&source.replace("PERSON", rules::PERSON));
        // The person a violent verb aims at is an alternative the verb always comes with:
        // the verb's words are enough to trigger, and far rarer than "teacher" or "friend".
        let triggers =
            rules::literal_words(&rules::collapse_pattern(&source.replace("PERSON", "")));
        out.push_str(&format!("    ({collapsed:?}, &{triggers:?}),\n"));
    }
    out.push_str(
        "];\n/// Collapsed sources of `rules::IDIOMS`.\npub static PREPARED_IDIOMS: &[&str] = &[\n",
    );
    for idiom in rules::IDIOMS {
        let collapsed = rules::collapse_pattern(&idiom.replace("PERSON", rules::PERSON));
        out.push_str(&format!("    {collapsed:?},\n"));
    }
    out.push_str("];\n");
    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(std::path::Path::new(&dir).join("prepared.rs"), out).expect("write prepared.rs");
}
