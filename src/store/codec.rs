//! How values are written to and read from columns: lowercase `0x` hex for addresses and hashes,
//! decimal TEXT for U256 and u128, INTEGER for u64 (checked to fit i64), BLOB for bytes, and the
//! text forms of the store's enums. Every read that fails is a [`StoreError::Corrupt`].

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, B256, Bytes, U256};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::error::{StoreError, StoreResult};

/// Defines a fieldless enum stored as text: `as_str`, `ALL`, `Display`, `FromStr`
/// (to [`UnknownValue`](super::UnknownValue)) and a string `Serialize`.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The text stored in the database (and printed in JSON).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::store::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::store::UnknownValue {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: &[$($text,)+],
                    }),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}
pub(super) use text_enum;

/// Unix milliseconds now (0 if the clock is before 1970, `i64::MAX` past year 292 million).
pub(super) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A u64 as an INTEGER, or [`StoreError::OutOfRange`].
pub(super) fn int(field: &'static str, value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { field, value })
}

/// An optional u64 as an INTEGER.
pub(super) fn opt_int(field: &'static str, value: Option<u64>) -> StoreResult<Option<i64>> {
    value.map(|v| int(field, v)).transpose()
}

/// An address as lowercase `0x` hex.
pub(super) fn addr(a: Address) -> String {
    alloy::hex::encode_prefixed(a.as_slice())
}

/// A 32-byte hash as lowercase `0x` hex.
pub(super) fn hash(h: B256) -> String {
    alloy::hex::encode_prefixed(h.as_slice())
}

/// Reads one row's columns, turning every bad value into [`StoreError::Corrupt`].
pub(super) struct Cols<'r> {
    row: &'r SqliteRow,
    table: &'static str,
}

impl<'r> Cols<'r> {
    /// Reads `row`, a row of `table`.
    pub(super) fn new(row: &'r SqliteRow, table: &'static str) -> Self {
        Cols { row, table }
    }

    fn corrupt(&self, column: &'static str, value: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            table: self.table,
            column,
            value: value.into(),
        }
    }

    fn get<T>(&self, column: &'static str) -> StoreResult<T>
    where
        T: for<'a> sqlx::Decode<'a, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        self.row.try_get::<T, _>(column).map_err(|e| match e {
            sqlx::Error::ColumnDecode { source, .. } => {
                self.corrupt(column, format!("(undecodable: {source})"))
            }
            other => StoreError::Database {
                op: self.table,
                source: other,
            },
        })
    }

    /// A signed INTEGER (row ids).
    pub(super) fn id(&self, column: &'static str) -> StoreResult<i64> {
        self.get(column)
    }

    /// A non-negative INTEGER.
    pub(super) fn u64(&self, column: &'static str) -> StoreResult<u64> {
        let v: i64 = self.get(column)?;
        u64::try_from(v).map_err(|_| self.corrupt(column, v.to_string()))
    }

    /// A nullable non-negative INTEGER.
    pub(super) fn opt_u64(&self, column: &'static str) -> StoreResult<Option<u64>> {
        let v: Option<i64> = self.get(column)?;
        v.map(|v| u64::try_from(v).map_err(|_| self.corrupt(column, v.to_string())))
            .transpose()
    }

    /// An INTEGER that must fit a smaller unsigned type (`u32`, `u16`, `u8`).
    pub(super) fn small<T: TryFrom<i64>>(&self, column: &'static str) -> StoreResult<T> {
        let v: i64 = self.get(column)?;
        T::try_from(v).map_err(|_| self.corrupt(column, v.to_string()))
    }

    /// A nullable INTEGER that must fit a smaller unsigned type.
    pub(super) fn opt_small<T: TryFrom<i64>>(
        &self,
        column: &'static str,
    ) -> StoreResult<Option<T>> {
        let v: Option<i64> = self.get(column)?;
        v.map(|v| T::try_from(v).map_err(|_| self.corrupt(column, v.to_string())))
            .transpose()
    }

    /// A TEXT.
    pub(super) fn text(&self, column: &'static str) -> StoreResult<String> {
        self.get(column)
    }

    /// A nullable TEXT.
    pub(super) fn opt_text(&self, column: &'static str) -> StoreResult<Option<String>> {
        self.get(column)
    }

    /// A BLOB.
    pub(super) fn bytes(&self, column: &'static str) -> StoreResult<Bytes> {
        let v: Vec<u8> = self.get(column)?;
        Ok(Bytes::from(v))
    }

    /// A TEXT parsed with `FromStr` (addresses, hashes, u128, the store's enums).
    pub(super) fn parse<T: FromStr>(&self, column: &'static str) -> StoreResult<T> {
        let text = self.text(column)?;
        text.parse().map_err(|_| self.corrupt(column, text))
    }

    /// A nullable TEXT parsed with `FromStr`.
    pub(super) fn opt_parse<T: FromStr>(&self, column: &'static str) -> StoreResult<Option<T>> {
        match self.opt_text(column)? {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| self.corrupt(column, text)),
        }
    }

    /// A decimal TEXT U256.
    pub(super) fn u256(&self, column: &'static str) -> StoreResult<U256> {
        let text = self.text(column)?;
        parse_u256(&text).ok_or_else(|| self.corrupt(column, text))
    }
}

/// A decimal U256: digits only, no sign, no `0x`.
fn parse_u256(text: &str) -> Option<U256> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    U256::from_str_radix(text, 10).ok()
}
