//! `docs/plugins/reference.md`, the contract's reference for plugin authors, generated from
//! the WIT and its doc comments (`wit/0.1.0`, the released contract): every world with what
//! it imports and exports, every interface with its types (fields, cases) and functions.
//! A test keeps the file equal to what the WIT says; `TESSERA_UPDATE_REFERENCE=1` rewrites
//! it (`./dev reference`).

use std::fmt::Write;
use std::path::Path;

use wit_parser::{Docs, Interface, Resolve, Type, TypeDefKind, WorldItem};

/// The reference of the contract in `dir`.
pub fn render(dir: &Path) -> String {
    let mut resolve = Resolve::default();
    let (package, _) = resolve.push_dir(dir).expect("the contract's WIT parses");
    let pkg = &resolve.packages[package];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The plugin contract `{}`: reference\n\n\
         Generated from `wit/{}/` and its doc comments by a test \
         (`host/src/plugins/reference.rs`; `./dev reference` rewrites it). What the types \
         mean for each language: docs/plugins/README.md; versions and changes: wit/README.md.\n",
        pkg.name,
        pkg.name
            .version
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_default(),
    );
    doc(&mut out, &pkg.docs);
    out.push_str("## Worlds\n\n");
    for (name, id) in &pkg.worlds {
        let world = &resolve.worlds[*id];
        let _ = writeln!(out, "### world `{name}`\n");
        doc(&mut out, &world.docs);
        for (label, items) in [("Imports", &world.imports), ("Exports", &world.exports)] {
            if items.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{label}:\n");
            for (key, item) in items {
                let name = resolve.name_world_key(key);
                match item {
                    WorldItem::Interface { .. } => {
                        let _ = writeln!(out, "- `{name}`");
                    }
                    WorldItem::Function(f) => {
                        let _ = writeln!(out, "- function `{name}`: {}", first_line(&f.docs));
                    }
                    WorldItem::Type { .. } => {
                        let _ = writeln!(out, "- type `{name}`");
                    }
                }
            }
            out.push('\n');
        }
    }
    out.push_str("## Interfaces\n\n");
    for (name, id) in &pkg.interfaces {
        interface(&mut out, &resolve, name, &resolve.interfaces[*id]);
    }
    out
}

fn doc(out: &mut String, docs: &Docs) {
    if let Some(text) = &docs.contents {
        out.push_str(text.trim());
        out.push_str("\n\n");
    }
}

fn first_line(docs: &Docs) -> String {
    docs.contents
        .as_deref()
        .map(|t| {
            t.split("\n\n")
                .next()
                .unwrap_or_default()
                .replace('\n', " ")
        })
        .unwrap_or_default()
}

fn interface(out: &mut String, resolve: &Resolve, name: &str, iface: &Interface) {
    let _ = writeln!(out, "### interface `{name}`\n");
    doc(out, &iface.docs);
    for (name, id) in &iface.types {
        let ty = &resolve.types[*id];
        let what = match &ty.kind {
            TypeDefKind::Record(_) => "record",
            TypeDefKind::Variant(_) => "variant",
            TypeDefKind::Enum(_) => "enum",
            TypeDefKind::Flags(_) => "flags",
            TypeDefKind::Resource => "resource",
            _ => "type",
        };
        let _ = writeln!(out, "#### {what} `{name}`\n");
        doc(out, &ty.docs);
        let row = |out: &mut String, name: &str, ty: String, docs: &Docs| {
            let _ = writeln!(
                out,
                "| `{name}` | {ty} | {} |",
                docs.contents
                    .as_deref()
                    .unwrap_or_default()
                    .trim()
                    .replace('\n', " ")
                    .replace('|', "\\|")
            );
        };
        match &ty.kind {
            TypeDefKind::Record(r) => {
                out.push_str("| field | type | meaning |\n|---|---|---|\n");
                for f in &r.fields {
                    row(
                        out,
                        &f.name,
                        format!("`{}`", type_name(resolve, &f.ty)),
                        &f.docs,
                    );
                }
                out.push('\n');
            }
            TypeDefKind::Variant(v) => {
                out.push_str("| case | payload | meaning |\n|---|---|---|\n");
                for c in &v.cases {
                    let payload = c.ty.as_ref().map_or_else(
                        || "—".to_owned(),
                        |t| format!("`{}`", type_name(resolve, t)),
                    );
                    row(out, &c.name, payload, &c.docs);
                }
                out.push('\n');
            }
            TypeDefKind::Enum(e) => {
                out.push_str("| case | | meaning |\n|---|---|---|\n");
                for c in &e.cases {
                    row(out, &c.name, String::new(), &c.docs);
                }
                out.push('\n');
            }
            TypeDefKind::Flags(f) => {
                out.push_str("| flag | | meaning |\n|---|---|---|\n");
                for c in &f.flags {
                    row(out, &c.name, String::new(), &c.docs);
                }
                out.push('\n');
            }
            TypeDefKind::Resource => {}
            _ => {
                let _ = writeln!(
                    out,
                    "`type {name} = {}`\n",
                    type_name(resolve, &Type::Id(*id))
                );
            }
        }
    }
    for (name, f) in &iface.functions {
        let params = f
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, type_name(resolve, &p.ty)))
            .collect::<Vec<_>>()
            .join(", ");
        let result = f
            .result
            .as_ref()
            .map(|t| format!(" -> {}", type_name(resolve, t)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "#### function `{name}`\n\n`{name}: func({params}){result}`\n"
        );
        doc(out, &f.docs);
    }
}

/// A type as WIT writes it; named types by name, anonymous ones spelled out.
fn type_name(resolve: &Resolve, ty: &Type) -> String {
    let id = match ty {
        Type::Bool => return "bool".into(),
        Type::U8 => return "u8".into(),
        Type::U16 => return "u16".into(),
        Type::U32 => return "u32".into(),
        Type::U64 => return "u64".into(),
        Type::S8 => return "s8".into(),
        Type::S16 => return "s16".into(),
        Type::S32 => return "s32".into(),
        Type::S64 => return "s64".into(),
        Type::F32 => return "f32".into(),
        Type::F64 => return "f64".into(),
        Type::Char => return "char".into(),
        Type::String => return "string".into(),
        Type::ErrorContext => return "error-context".into(),
        Type::Id(id) => *id,
    };
    let def = &resolve.types[id];
    if let Some(name) = &def.name {
        return name.clone();
    }
    let t = |ty: &Type| type_name(resolve, ty);
    match &def.kind {
        TypeDefKind::Option(ty) => format!("option<{}>", t(ty)),
        TypeDefKind::List(ty) => format!("list<{}>", t(ty)),
        TypeDefKind::Result(r) => match (&r.ok, &r.err) {
            (Some(ok), Some(err)) => format!("result<{}, {}>", t(ok), t(err)),
            (Some(ok), None) => format!("result<{}>", t(ok)),
            (None, Some(err)) => format!("result<_, {}>", t(err)),
            (None, None) => "result".into(),
        },
        TypeDefKind::Tuple(tuple) => format!(
            "tuple<{}>",
            tuple.types.iter().map(t).collect::<Vec<_>>().join(", ")
        ),
        TypeDefKind::Type(ty) => t(ty),
        TypeDefKind::Handle(wit_parser::Handle::Own(r)) => type_name(resolve, &Type::Id(*r)),
        TypeDefKind::Handle(wit_parser::Handle::Borrow(r)) => {
            format!("borrow<{}>", type_name(resolve, &Type::Id(*r)))
        }
        other => format!("{other:?}"),
    }
}

#[test]
fn the_contract_reference_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let current = render(&root.join("wit/0.1.0"));
    let path = root.join("docs/plugins/reference.md");
    if std::env::var_os("TESSERA_UPDATE_REFERENCE").is_some() {
        std::fs::write(&path, &current).expect("write docs/plugins/reference.md");
        return;
    }
    let copy = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        copy == current,
        "docs/plugins/reference.md is not what wit/0.1.0 says: run `./dev reference` and commit it"
    );
}
