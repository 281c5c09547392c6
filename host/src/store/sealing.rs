//! Sealed columns: text a user wrote about themselves (Kalei's Mirror messages, Turn
//! inputs, Lens goals; seed 004's survey comments) is sealed with AES-256-GCM before it
//! reaches the database, which holds only the key id and `base64(nonce ‖ ciphertext ‖
//! tag)`.
//!
//! Nonces are 96 random bits from the operating system's generator, fresh for every seal:
//! NIST SP 800-38D (§8.2.2) bounds a key to 2^32 random-nonce seals, which keeps the
//! chance of any nonce repeating below 2^-32; rotate keys (`tessera keys rotate`) well
//! before one key seals four billion values. Keys carry ids, so a new key is put first
//! (it seals from then on) while the old ones still open what they sealed, and the rotate
//! command re-seals old rows under the new key in batches.

use std::collections::HashMap;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

/// A key ring: the first key seals, every key opens.
#[derive(Clone)]
pub struct SealingKeys {
    current: String,
    keys: HashMap<String, [u8; 32]>,
}

impl std::fmt::Debug for SealingKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key bytes.
        f.debug_struct("SealingKeys")
            .field("current", &self.current)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why a key list or a sealed value cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The configured key list is malformed.
    #[error("sealing keys: {0}")]
    Config(String),
    /// A stored value was sealed with a key no longer configured.
    #[error("the value was sealed with key `{0}`, which is not configured")]
    UnknownKey(String),
    /// The stored bytes do not open with their key (tampered or truncated).
    #[error("the sealed value does not open")]
    Corrupt,
}

impl SealingKeys {
    /// Parses a key list (`TESSERA_COLUMN_KEYS`, `TESSERA_SURVEY_KEYS`): `id:hex,id:hex,…`, each key 32 bytes (64 hex digits),
    /// ids 1-32 letters, digits, `-` or `_`; the first seals new values.
    pub fn parse(list: &str) -> Result<SealingKeys, SealError> {
        let mut keys = HashMap::new();
        let mut current = None;
        for (i, entry) in list.split(',').map(str::trim).enumerate() {
            let (id, hex_key) = entry
                .split_once(':')
                .ok_or_else(|| SealError::Config(format!("entry {} is not `id:hex`", i + 1)))?;
            let id_ok = (1..=32).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
            if !id_ok {
                return Err(SealError::Config(format!(
                    "key id `{id}`: 1-32 letters, digits, `-` or `_`"
                )));
            }
            let bytes = hex::decode(hex_key)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    SealError::Config(format!("key `{id}` is not 32 bytes of hex (64 digits)"))
                })?;
            if keys.insert(id.to_owned(), bytes).is_some() {
                return Err(SealError::Config(format!("key id `{id}` appears twice")));
            }
            current.get_or_insert_with(|| id.to_owned());
        }
        let current = current.ok_or_else(|| SealError::Config("no key".into()))?;
        Ok(SealingKeys { current, keys })
    }

    /// One key, its id derived from its digest (a key generated into the data folder).
    pub fn single(key: [u8; 32]) -> SealingKeys {
        let id = format!("k{}", &hex::encode(Sha256::digest(key))[..8]);
        SealingKeys {
            current: id.clone(),
            keys: HashMap::from([(id, key)]),
        }
    }

    /// The id of the key sealing new values.
    pub fn current_id(&self) -> &str {
        &self.current
    }

    /// Seals `text`: (key id, base64 of the 96-bit random nonce followed by the ciphertext
    /// and tag).
    pub fn seal(&self, text: &str) -> (String, String) {
        let key = &self.keys[&self.current];
        let cipher = Aes256Gcm::new(key.into());
        let nonce: [u8; 12] = rand::random();
        // Encryption with a valid key and nonce length only fails for inputs over 64 GiB.
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), text.as_bytes())
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        (self.current.clone(), B64.encode(bytes))
    }

    /// Opens what [`SealingKeys::seal`] sealed.
    pub fn open(&self, key_id: &str, sealed: &str) -> Result<String, SealError> {
        let key = self
            .keys
            .get(key_id)
            .ok_or_else(|| SealError::UnknownKey(key_id.to_owned()))?;
        let bytes = B64.decode(sealed).map_err(|_| SealError::Corrupt)?;
        if bytes.len() < 12 {
            return Err(SealError::Corrupt);
        }
        let (nonce, body) = bytes.split_at(12);
        let plain = Aes256Gcm::new(key.into())
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| SealError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| SealError::Corrupt)
    }
}

impl SealingKeys {
    /// Whether a value sealed with `key_id` should be re-sealed: it is not the current key.
    pub fn is_stale(&self, key_id: &str) -> bool {
        key_id != self.current
    }

    /// Seals `text` if there is one.
    pub fn seal_opt(&self, text: Option<&str>) -> (Option<String>, Option<String>) {
        match text {
            Some(t) => {
                let (k, s) = self.seal(t);
                (Some(k), Some(s))
            }
            None => (None, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_twice_never_gives_the_same_bytes_and_both_open() {
        let keys = SealingKeys::parse(&format!("a:{}", "11".repeat(32))).unwrap();
        let (k1, s1) = keys.seal("I always ruin everything");
        let (k2, s2) = keys.seal("I always ruin everything");
        assert_eq!((k1.as_str(), k2.as_str()), ("a", "a"));
        assert_ne!(s1, s2, "a fresh nonce per seal");
        assert!(!s1.contains("ruin"));
        assert_eq!(keys.open(&k1, &s1).unwrap(), "I always ruin everything");
        assert_eq!(keys.open(&k2, &s2).unwrap(), "I always ruin everything");
    }

    #[test]
    fn a_new_first_key_seals_while_old_keys_still_open() {
        let old = SealingKeys::parse(&format!("old:{}", "22".repeat(32))).unwrap();
        let (kid, sealed) = old.seal("goal");
        let both = SealingKeys::parse(&format!("new:{},old:{}", "33".repeat(32), "22".repeat(32)))
            .unwrap();
        assert_eq!(both.open(&kid, &sealed).unwrap(), "goal");
        assert!(both.is_stale(&kid));
        assert_eq!(both.seal("x").0, "new");
        let only_new = SealingKeys::parse(&format!("new:{}", "33".repeat(32))).unwrap();
        assert!(matches!(
            only_new.open(&kid, &sealed),
            Err(SealError::UnknownKey(k)) if k == "old"
        ));
    }

    #[test]
    fn tampered_values_and_bad_key_lists_are_refused() {
        let keys = SealingKeys::parse(&format!("a:{}", "44".repeat(32))).unwrap();
        let (kid, sealed) = keys.seal("text");
        let mut bytes = B64.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(matches!(
            keys.open(&kid, &B64.encode(bytes)),
            Err(SealError::Corrupt)
        ));
        for bad in [
            "",
            "a",
            "a:zz",
            &format!("a:{}", "55".repeat(31)),
            &format!("a:{0},a:{0}", "66".repeat(32)),
            &format!("bad id:{}", "77".repeat(32)),
        ] {
            assert!(SealingKeys::parse(bad).is_err(), "{bad}");
        }
        let err = SealingKeys::parse("bad id:00").unwrap_err();
        assert!(err.to_string().contains("bad id"), "{err}");
    }
}

/// A sealed column: its table, the row id, the key-id column and the sealed column.
#[derive(Debug, Clone, Copy)]
pub struct SealedColumn {
    /// The table.
    pub table: &'static str,
    /// Its primary key column.
    pub id: &'static str,
    /// The column holding the sealing key's id.
    pub key: &'static str,
    /// The column holding the sealed value.
    pub sealed: &'static str,
}

/// Every column sealed with the column keys (`--column-keys`).
pub const COLUMN_KEY_COLUMNS: [SealedColumn; 8] = [
    SealedColumn {
        table: "mirror_messages",
        id: "id",
        key: "content_key",
        sealed: "content_sealed",
    },
    SealedColumn {
        table: "mirror_fragments",
        id: "id",
        key: "reframe_key",
        sealed: "reframe_sealed",
    },
    SealedColumn {
        table: "turns",
        id: "id",
        key: "input_key",
        sealed: "input_sealed",
    },
    SealedColumn {
        table: "turns",
        id: "id",
        key: "result_key",
        sealed: "result_sealed",
    },
    SealedColumn {
        table: "lens_goals",
        id: "id",
        key: "title_key",
        sealed: "title_sealed",
    },
    SealedColumn {
        table: "lens_goals",
        id: "id",
        key: "why_key",
        sealed: "why_sealed",
    },
    SealedColumn {
        table: "lens_actions",
        id: "id",
        key: "title_key",
        sealed: "title_sealed",
    },
    SealedColumn {
        table: "lens_affirmations",
        id: "id",
        key: "text_key",
        sealed: "text_sealed",
    },
];

/// The column sealed with the survey keys (`--survey-keys`).
pub const SURVEY_KEY_COLUMNS: [SealedColumn; 1] = [SealedColumn {
    table: "tutorial_surveys",
    id: "id",
    key: "comment_key_id",
    sealed: "comment_sealed",
}];

/// Why re-sealing stopped.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] super::StoreError),
    /// A row does not open with the configured keys (its key was removed too early, or
    /// the row was tampered with): nothing after it is re-sealed until that is fixed.
    #[error("{table}.{column} of row `{id}`: {error}")]
    Unopenable {
        /// The table.
        table: &'static str,
        /// The sealed column.
        column: &'static str,
        /// The row.
        id: String,
        /// Why.
        error: SealError,
    },
}

impl super::Db {
    /// Values of `column` sealed with a key other than `keys`' current one.
    pub async fn stale_sealed(
        &self,
        column: SealedColumn,
        keys: &SealingKeys,
    ) -> Result<i64, super::StoreError> {
        use sqlx::Row;
        Ok(sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM {} WHERE {} IS NOT NULL AND {} <> $1",
            column.table, column.key, column.key
        ))
        .bind(keys.current_id())
        .fetch_one(self.pool())
        .await?
        .try_get("n")?)
    }

    /// Re-seals up to `batch` values of `column` under the current key; how many it
    /// re-sealed (0: none left). Each row is updated only if its key is still the one read,
    /// so a value written meanwhile is never overwritten with an older one.
    pub async fn reseal_batch(
        &self,
        column: SealedColumn,
        keys: &SealingKeys,
        batch: i64,
    ) -> Result<u64, RotateError> {
        use sqlx::Row;
        let SealedColumn {
            table,
            id,
            key,
            sealed,
        } = column;
        let rows = sqlx::query(&format!(
            "SELECT {id} AS id, {key} AS k, {sealed} AS s FROM {table} \
             WHERE {key} IS NOT NULL AND {key} <> $1 ORDER BY {id} LIMIT $2"
        ))
        .bind(keys.current_id())
        .bind(batch)
        .fetch_all(self.pool())
        .await
        .map_err(super::StoreError::from)?;
        let mut done = 0;
        let mut tx = self.begin_write().await.map_err(super::StoreError::from)?;
        for row in &rows {
            let row_id: String = row.try_get("id").map_err(super::StoreError::from)?;
            let old: String = row.try_get("k").map_err(super::StoreError::from)?;
            let value: String = row.try_get("s").map_err(super::StoreError::from)?;
            let plain = keys
                .open(&old, &value)
                .map_err(|error| RotateError::Unopenable {
                    table,
                    column: sealed,
                    id: row_id.clone(),
                    error,
                })?;
            let (new_key, new_value) = keys.seal(&plain);
            done += sqlx::query(&format!(
                "UPDATE {table} SET {key} = $1, {sealed} = $2 WHERE {id} = $3 AND {key} = $4"
            ))
            .bind(&new_key)
            .bind(&new_value)
            .bind(&row_id)
            .bind(&old)
            .execute(&mut *tx)
            .await
            .map_err(super::StoreError::from)?
            .rows_affected();
        }
        tx.commit().await.map_err(super::StoreError::from)?;
        Ok(done)
    }
}
