//! Closed sets of names stored as text (step kinds, statuses, tones, roles, levels) as Rust
//! enums: [`text_enum!`] declares one with its names, and the names are the same on the
//! wire (serde), in the database (sqlx, so `row.try_get` decodes and `.bind` encodes) and
//! in messages (`Display`, `FromStr`). A name the enum does not know is rejected where
//! it is read, once, instead of being compared as a string further in.

/// A name that is not one of an enum's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}` ({choices})")]
pub struct UnknownName {
    /// What the name was meant to be (`role`, `step kind`, …).
    pub what: &'static str,
    /// The name given.
    pub value: String,
    /// The names known, comma-separated.
    pub choices: String,
}

impl UnknownName {
    /// `value` is not one of `names`.
    pub fn new<'a>(
        what: &'static str,
        value: &str,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        UnknownName {
            what,
            value: value.to_owned(),
            choices: names.into_iter().collect::<Vec<_>>().join(", "),
        }
    }
}

/// Declares an enum of names:
///
/// ```ignore
/// text_enum! {
///     /// A step's kind.
///     pub enum StepKind as "step kind" {
///         /// Text to read.
///         Explanation = "explanation",
///         Quiz = "quiz",
///     }
/// }
/// ```
///
/// The enum gets `ALL` (declaration order), `as_str`, `Display`, `FromStr` (error
/// [`UnknownName`] naming `what`), serde and sqlx (`Any`) as its names. Extra derives go
/// on the enum as attributes. A name is taken as a token tree, not a `literal` fragment:
/// a fragment reaches derive macros wrapped in an invisible group, and utoipa then ignores
/// the `serde(rename)` it sits in (the OpenAPI document listed `Student` while the API
/// answered `student`).
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The name as stored and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::store::codec::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        $crate::store::codec::UnknownName::new(
                            $what,
                            s,
                            Self::ALL.iter().map(|v| v.as_str()),
                        )
                    })
            }
        }

        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <String as sqlx::Type<sqlx::Any>>::type_info()
            }

            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <String as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Any>>::encode(self.as_str(), buf)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Ok(text.parse::<$name>()?)
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    text_enum! {
        /// A test enum.
        enum Colour as "colour" {
            /// Red.
            Red = "red",
            /// Dark blue.
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn names_are_the_same_everywhere() {
        for c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::json!(c.as_str())
            );
        }
        assert_eq!(
            "green".parse::<Colour>().unwrap_err().to_string(),
            "unknown colour `green` (red, dark_blue)"
        );
        assert!(serde_json::from_str::<Colour>("\"Red\"").is_err());
    }
}
