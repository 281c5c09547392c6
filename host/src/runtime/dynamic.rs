//! Calling any exported function of a plugin with JSON input, whatever its world: the
//! engine of `tessera plugin call`. Types come from the component itself.
//!
//! JSON mapping: records are objects (field names in `snake_case` or `kebab-case`),
//! variants `{"case": payload}` or `"case"`, enums `"case"`, options `null` or the value,
//! results `{"ok": …}` / `{"err": …}`, tuples and lists arrays, flags arrays of names.

use serde_json::{Map, Value as Json, json};
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Type, Val};

use super::Runtime;
use super::call::Output;
use super::error::{PluginError, PluginErrorKind};
use super::loader::LoadedPlugin;
use super::worlds::WorldPre;
use crate::plugins::contract;

/// A JSON value that does not fit a WIT type, with the path to it.
#[derive(Debug, thiserror::Error)]
#[error("at `{path}`: {message}")]
pub struct ConvertError {
    path: String,
    message: String,
}

impl Runtime {
    /// Lists the functions the plugin's world interface exports.
    pub fn exported_functions(&self, plugin: &LoadedPlugin) -> Vec<String> {
        if let WorldPre::Extism(pre) = &plugin.pre {
            return pre.exports().to_vec();
        }
        match export_interface(self, plugin) {
            Some(ComponentItem::ComponentInstance(inst)) => inst
                .exports(self.engine())
                .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentFunc(_)))
                .map(|(name, _)| name.to_owned())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Calls `function` of the plugin's world interface with `input` (an object keyed by
    /// parameter name; for a one-parameter function the bare value also works).
    pub async fn call_json(
        &self,
        plugin: &LoadedPlugin,
        function: &str,
        input: &Json,
    ) -> Result<Json, PluginError> {
        self.call_json_capturing(plugin, function, input).await.0
    }

    /// [`Runtime::call_json`], also returning what the plugin wrote to stdout and stderr.
    pub async fn call_json_capturing(
        &self,
        plugin: &LoadedPlugin,
        function: &str,
        input: &Json,
    ) -> (Result<Json, PluginError>, Output, Output) {
        let none = || (Output::default(), Output::default());
        let fail = |kind| PluginError {
            plugin: plugin.plugin_ref().clone(),
            kind,
        };
        if let WorldPre::Extism(pre) = &plugin.pre {
            // JSON in and JSON out already; Extism modules have no stdout or stderr.
            let (o, e) = none();
            if !pre
                .exports()
                .iter()
                .any(|f| f == &super::extism::export_name(function))
            {
                return (
                    Err(fail(PluginErrorKind::NoSuchFunction(format!(
                        "{function} (available: {})",
                        pre.exports().join(", ")
                    )))),
                    o,
                    e,
                );
            }
            return (
                self.call_extism(plugin, pre, function, input, None).await,
                o,
                e,
            );
        }
        let func_ty = match export_interface(self, plugin) {
            Some(ComponentItem::ComponentInstance(inst)) => {
                match inst
                    .exports(self.engine())
                    .find(|(n, _)| *n == function)
                    .map(|(_, item)| item.ty)
                {
                    Some(ComponentItem::ComponentFunc(f)) => f,
                    _ => {
                        let (o, e) = none();
                        return (
                            Err(fail(PluginErrorKind::NoSuchFunction(format!(
                                "{function} (available: {})",
                                self.exported_functions(plugin).join(", ")
                            )))),
                            o,
                            e,
                        );
                    }
                }
            }
            _ => {
                let (o, e) = none();
                return (
                    Err(fail(PluginErrorKind::NoSuchFunction(function.to_owned()))),
                    o,
                    e,
                );
            }
        };
        let params = match params_from_json(&func_ty, input) {
            Ok(params) => params,
            Err(e) => {
                let (o, er) = none();
                return (Err(fail(PluginErrorKind::BadInput(e.to_string()))), o, er);
            }
        };
        let result_types: Vec<Type> = func_ty.results().collect();
        let interface = contract::export_name(plugin.manifest.world, &plugin.manifest.contract);
        let Some(pre) = plugin.pre.instance_pre() else {
            let (o, e) = none();
            return (
                Err(fail(PluginErrorKind::NoSuchFunction(function.to_owned()))),
                o,
                e,
            );
        };
        let function_name = function.to_owned();
        let (results, stdout, stderr) = self
            .run_call_capturing(plugin, function, |mut store| async move {
                let result = async {
                    let instance = pre.instantiate_async(&mut store).await?;
                    let iface = instance
                        .get_export_index(&mut store, None, &interface)
                        .ok_or_else(|| wasmtime::format_err!("missing export {interface}"))?;
                    let idx = instance
                        .get_export_index(&mut store, Some(&iface), &function_name)
                        .ok_or_else(|| wasmtime::format_err!("missing export {function_name}"))?;
                    let func = instance.get_func(&mut store, idx).ok_or_else(|| {
                        wasmtime::format_err!("{function_name} is not a function")
                    })?;
                    let mut results = vec![Val::Bool(false); result_types.len()];
                    func.call_async(&mut store, &params, &mut results).await?;
                    Ok(JsonResults(results))
                }
                .await;
                (store, result)
            })
            .await;
        let value = results.map(|results| {
            let mut values: Vec<Json> = results.0.iter().map(val_to_json).collect();
            match values.len() {
                0 => Json::Null,
                1 => values.remove(0),
                _ => Json::Array(values),
            }
        });
        (value, stdout, stderr)
    }
}

/// Results of a dynamic call, sized for the output cap.
struct JsonResults(Vec<Val>);

impl super::call::OutputSize for JsonResults {
    fn output_size(&self) -> usize {
        self.0.iter().map(val_size).sum()
    }
}

fn val_size(v: &Val) -> usize {
    match v {
        Val::String(s) => s.len(),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            items.iter().map(val_size).sum::<usize>() + items.len()
        }
        Val::Record(fields) => fields.iter().map(|(_, v)| val_size(v) + 1).sum(),
        Val::Variant(_, Some(v))
        | Val::Option(Some(v))
        | Val::Result(Ok(Some(v)) | Err(Some(v))) => val_size(v) + 1,
        _ => 8,
    }
}

fn export_interface(runtime: &Runtime, plugin: &LoadedPlugin) -> Option<ComponentItem> {
    let name = contract::export_name(plugin.manifest.world, &plugin.manifest.contract);
    plugin
        .pre
        .instance_pre()?
        .component()
        .component_type()
        .exports(runtime.engine())
        .find(|(n, _)| *n == name)
        .map(|(_, item)| item.ty)
}

fn params_from_json(func: &ComponentFunc, input: &Json) -> Result<Vec<Val>, ConvertError> {
    let params: Vec<(String, Type)> = func.params().map(|(n, t)| (n.to_owned(), t)).collect();
    let object = input.as_object();
    let keyed =
        |name: &str| object.and_then(|o| o.get(name).or_else(|| o.get(&name.replace('-', "_"))));
    match params.as_slice() {
        [] => Ok(Vec::new()),
        [(name, ty)] => {
            let value = keyed(name).unwrap_or(input);
            Ok(vec![json_to_val(value, ty, name)?])
        }
        _ => params
            .iter()
            .map(|(name, ty)| {
                let value = keyed(name).ok_or_else(|| ConvertError {
                    path: name.clone(),
                    message: "missing parameter".into(),
                })?;
                json_to_val(value, ty, name)
            })
            .collect(),
    }
}

fn err(path: &str, message: impl Into<String>) -> ConvertError {
    ConvertError {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn int<T: TryFrom<i64> + TryFrom<u64>>(v: &Json, path: &str) -> Result<T, ConvertError> {
    let out = if let Some(u) = v.as_u64() {
        T::try_from(u).ok()
    } else if let Some(i) = v.as_i64() {
        T::try_from(i).ok()
    } else {
        None
    };
    out.ok_or_else(|| err(path, format!("expected an integer in range, got {v}")))
}

/// Converts JSON to a WIT value of type `ty`.
pub fn json_to_val(v: &Json, ty: &Type, path: &str) -> Result<Val, ConvertError> {
    Ok(match ty {
        Type::Bool => Val::Bool(v.as_bool().ok_or_else(|| err(path, "expected a boolean"))?),
        Type::S8 => Val::S8(int(v, path)?),
        Type::U8 => Val::U8(int(v, path)?),
        Type::S16 => Val::S16(int(v, path)?),
        Type::U16 => Val::U16(int(v, path)?),
        Type::S32 => Val::S32(int(v, path)?),
        Type::U32 => Val::U32(int(v, path)?),
        Type::S64 => Val::S64(int(v, path)?),
        Type::U64 => Val::U64(int(v, path)?),
        Type::Float32 => {
            Val::Float32(v.as_f64().ok_or_else(|| err(path, "expected a number"))? as f32)
        }
        Type::Float64 => Val::Float64(v.as_f64().ok_or_else(|| err(path, "expected a number"))?),
        Type::Char => {
            let s = v
                .as_str()
                .ok_or_else(|| err(path, "expected a one-character string"))?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => return Err(err(path, "expected exactly one character")),
            }
        }
        Type::String => match v {
            Json::String(s) => Val::String(s.clone()),
            // A `json` alias field given as a JSON value: pass its text.
            other => Val::String(other.to_string()),
        },
        Type::List(list) => {
            let items = v.as_array().ok_or_else(|| err(path, "expected an array"))?;
            let elem = list.ty();
            Val::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| json_to_val(item, &elem, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Record(record) => {
            let obj = v
                .as_object()
                .ok_or_else(|| err(path, "expected an object"))?;
            let mut fields = Vec::new();
            for field in record.fields() {
                let snake = field.name.replace('-', "_");
                let child = format!("{path}.{snake}");
                let value = obj.get(field.name).or_else(|| obj.get(&snake));
                let val = match (value, &field.ty) {
                    (Some(value), ty) => json_to_val(value, ty, &child)?,
                    (None, Type::Option(_)) => Val::Option(None),
                    (None, Type::List(_)) => Val::List(Vec::new()),
                    (None, _) => return Err(err(&child, "missing field")),
                };
                fields.push((field.name.to_owned(), val));
            }
            Val::Record(fields)
        }
        Type::Tuple(tuple) => {
            let items = v.as_array().ok_or_else(|| err(path, "expected an array"))?;
            let types: Vec<Type> = tuple.types().collect();
            if items.len() != types.len() {
                return Err(err(path, format!("expected {} elements", types.len())));
            }
            Val::Tuple(
                items
                    .iter()
                    .zip(&types)
                    .enumerate()
                    .map(|(i, (item, ty))| json_to_val(item, ty, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Variant(variant) => {
            let (name, payload) = case_of(v, path)?;
            let case = variant
                .cases()
                .find(|c| c.name == name || c.name.replace('-', "_") == name)
                .ok_or_else(|| err(path, format!("unknown case `{name}`")))?;
            let payload = match (case.ty, payload) {
                (Some(ty), Some(p)) => {
                    Some(Box::new(json_to_val(p, &ty, &format!("{path}.{name}"))?))
                }
                (Some(_), None) => return Err(err(path, format!("case `{name}` needs a value"))),
                (None, _) => None,
            };
            Val::Variant(case.name.to_owned(), payload)
        }
        Type::Enum(e) => {
            let name = v.as_str().ok_or_else(|| err(path, "expected a string"))?;
            let found = e
                .names()
                .find(|n| *n == name || n.replace('-', "_") == name)
                .ok_or_else(|| err(path, format!("unknown case `{name}`")))?;
            Val::Enum(found.to_owned())
        }
        Type::Option(opt) => match v {
            Json::Null => Val::Option(None),
            other => Val::Option(Some(Box::new(json_to_val(other, &opt.ty(), path)?))),
        },
        Type::Result(r) => {
            let (name, payload) = case_of(v, path)?;
            let side = |ty: Option<Type>, key: &str| -> Result<Option<Box<Val>>, ConvertError> {
                match (ty, payload) {
                    (Some(ty), Some(p)) => Ok(Some(Box::new(json_to_val(
                        p,
                        &ty,
                        &format!("{path}.{key}"),
                    )?))),
                    (Some(_), None) => Err(err(path, format!("`{key}` needs a value"))),
                    (None, _) => Ok(None),
                }
            };
            match name.as_str() {
                "ok" => Val::Result(Ok(side(r.ok(), "ok")?)),
                "err" => Val::Result(Err(side(r.err(), "err")?)),
                _ => return Err(err(path, "expected {\"ok\": …} or {\"err\": …}")),
            }
        }
        Type::Flags(flags) => {
            let items = v
                .as_array()
                .ok_or_else(|| err(path, "expected an array of flag names"))?;
            let known: Vec<&str> = flags.names().collect();
            let mut out = Vec::new();
            for item in items {
                let name = item
                    .as_str()
                    .ok_or_else(|| err(path, "flag names are strings"))?;
                if !known.contains(&name) {
                    return Err(err(path, format!("unknown flag `{name}`")));
                }
                out.push(name.to_owned());
            }
            Val::Flags(out)
        }
        _ => return Err(err(path, "this type cannot be given as JSON")),
    })
}

fn case_of<'a>(v: &'a Json, path: &str) -> Result<(String, Option<&'a Json>), ConvertError> {
    match v {
        Json::String(s) => Ok((s.clone(), None)),
        Json::Object(o) if o.len() == 1 => {
            let (k, v) = o.iter().next().ok_or_else(|| err(path, "empty object"))?;
            Ok((k.clone(), Some(v)))
        }
        _ => Err(err(path, "expected \"case\" or {\"case\": value}")),
    }
}

/// Converts a WIT value to JSON (field and case names in `snake_case`).
pub fn val_to_json(v: &Val) -> Json {
    let name = |s: &str| s.replace('-', "_");
    match v {
        Val::Bool(b) => json!(b),
        Val::S8(n) => json!(n),
        Val::U8(n) => json!(n),
        Val::S16(n) => json!(n),
        Val::U16(n) => json!(n),
        Val::S32(n) => json!(n),
        Val::U32(n) => json!(n),
        Val::S64(n) => json!(n),
        Val::U64(n) => json!(n),
        Val::Float32(n) => json!(n),
        Val::Float64(n) => json!(n),
        Val::Char(c) => json!(c.to_string()),
        Val::String(s) => json!(s),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            Json::Array(items.iter().map(val_to_json).collect())
        }
        Val::Map(pairs) => Json::Array(
            pairs
                .iter()
                .map(|(k, v)| json!([val_to_json(k), val_to_json(v)]))
                .collect(),
        ),
        Val::Record(fields) => Json::Object(
            fields
                .iter()
                .map(|(k, v)| (name(k), val_to_json(v)))
                .collect::<Map<_, _>>(),
        ),
        Val::Variant(case, None) | Val::Enum(case) => json!(name(case)),
        Val::Variant(case, Some(payload)) => json!({ name(case): val_to_json(payload) }),
        Val::Option(None) => Json::Null,
        Val::Option(Some(v)) => val_to_json(v),
        Val::Result(Ok(v)) => json!({ "ok": v.as_deref().map(val_to_json) }),
        Val::Result(Err(v)) => json!({ "err": v.as_deref().map(val_to_json) }),
        Val::Flags(names) => json!(names),
        Val::Resource(_) | Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) => {
            json!("<handle>")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wit_values_become_snake_case_json() {
        let value = Val::Record(vec![
            ("exit-code".into(), Val::S32(-1)),
            ("error".into(), Val::Option(None)),
            ("status".into(), Val::Enum("runtime-error".into())),
            (
                "outcome".into(),
                Val::Result(Err(Some(Box::new(Val::Variant(
                    "invalid-input".into(),
                    Some(Box::new(Val::String("answer".into()))),
                ))))),
            ),
            (
                "tags".into(),
                Val::List(vec![Val::Char('x'), Val::Bool(true)]),
            ),
        ]);
        assert_eq!(
            val_to_json(&value),
            json!({
                "exit_code": -1,
                "error": null,
                "status": "runtime_error",
                "outcome": {"err": {"invalid_input": "answer"}},
                "tags": ["x", true],
            })
        );
        assert_eq!(val_to_json(&Val::Result(Ok(None))), json!({"ok": null}));
    }

    #[test]
    fn cases_are_a_name_or_a_one_key_object() {
        assert_eq!(case_of(&json!("ok"), "p").unwrap().0, "ok");
        let payload = json!({"err": 3});
        let (name, value) = case_of(&payload, "p").unwrap();
        assert_eq!((name.as_str(), value), ("err", Some(&json!(3))));
        let e = case_of(&json!({"a": 1, "b": 2}), "request.outcome").unwrap_err();
        assert!(e.to_string().contains("request.outcome"), "{e}");
    }
}
