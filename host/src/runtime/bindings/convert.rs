//! Conversion between a contract version's generated types and the host's own.
//!
//! `From` cannot be used: the orphan rule forbids `impl From<Vec<A>> for Vec<B>`, and the
//! contract's records are full of lists and options of other records. [`Convert`] is the
//! same idea with impls for the containers; the macros below write a record's, an enum's or
//! a variant's conversion in both directions from its field or case names, so a field
//! missing on one side is a compile error, not a silent default.

/// Converts a value between a generated contract type and the host's own.
pub trait Convert<T> {
    /// The converted value.
    fn convert(self) -> T;
}

/// Types that are the same on both sides.
macro_rules! same {
    ($($t:ty),*) => { $(impl Convert<$t> for $t { fn convert(self) -> $t { self } })* };
}
same!(String, bool, u8, u16, u32, u64, i32, i64, f32, f64);

impl<A: Convert<B>, B> Convert<Vec<B>> for Vec<A> {
    fn convert(self) -> Vec<B> {
        self.into_iter().map(Convert::convert).collect()
    }
}

impl<A: Convert<B>, B> Convert<Option<B>> for Option<A> {
    fn convert(self) -> Option<B> {
        self.map(Convert::convert)
    }
}

impl<A: Convert<B>, B, E: Convert<F>, F> Convert<Result<B, F>> for Result<A, E> {
    fn convert(self) -> Result<B, F> {
        self.map(Convert::convert).map_err(Convert::convert)
    }
}

/// Both directions for a record whose fields have the same names on both sides:
/// `record!(wit::Question => host::Question { kind, prompt })`.
macro_rules! record {
    ($a:ty => $b:ty { $($field:ident),* $(,)? }) => {
        $crate::runtime::bindings::convert::record!(@one $a => $b { $($field),* });
        $crate::runtime::bindings::convert::record!(@one $b => $a { $($field),* });
    };
    (@one $from:ty => $to:ty { $($field:ident),* }) => {
        impl $crate::runtime::bindings::Convert<$to> for $from {
            fn convert(self) -> $to {
                type From_ = $from;
                type To_ = $to;
                let From_ { $($field),* } = self;
                To_ { $($field: $crate::runtime::bindings::Convert::convert($field)),* }
            }
        }
    };
}

/// Both directions for an enum whose cases have the same names on both sides.
macro_rules! enumeration {
    ($a:ty => $b:ty { $($case:ident),* $(,)? }) => {
        $crate::runtime::bindings::convert::enumeration!(@one $a => $b { $($case),* });
        $crate::runtime::bindings::convert::enumeration!(@one $b => $a { $($case),* });
    };
    (@one $from:ty => $to:ty { $($case:ident),* }) => {
        impl $crate::runtime::bindings::Convert<$to> for $from {
            fn convert(self) -> $to {
                type From_ = $from;
                type To_ = $to;
                match self {
                    $(From_::$case => To_::$case),*
                }
            }
        }
    };
}

/// Both directions for a variant whose cases each carry one payload (or none, listed after
/// `;`), with the same names on both sides.
macro_rules! variant {
    ($a:ty => $b:ty { $($case:ident),* $(; $($unit:ident),*)? $(,)? }) => {
        $crate::runtime::bindings::convert::variant!(@one $a => $b { $($case),* ; $($($unit),*)? });
        $crate::runtime::bindings::convert::variant!(@one $b => $a { $($case),* ; $($($unit),*)? });
    };
    (@one $from:ty => $to:ty { $($case:ident),* ; $($unit:ident),* }) => {
        impl $crate::runtime::bindings::Convert<$to> for $from {
            fn convert(self) -> $to {
                type From_ = $from;
                type To_ = $to;
                match self {
                    $(From_::$case(payload) => To_::$case($crate::runtime::bindings::Convert::convert(payload)),)*
                    $(From_::$unit => To_::$unit,)*
                }
            }
        }
    };
}

pub(crate) use {enumeration, record, variant};
