//! Example vectors in a compact form, and their cache in the plugin's key-value bucket.
//!
//! Each vector is stored as i8 values with one f32 scale (its largest magnitude / 127):
//! 388 bytes instead of 1 536 for 384 dimensions, so the 313 training examples take about
//! 120 KiB. The similarities this changes move by about 0.001, far below the vote
//! thresholds. The set is cached in chunks of [`CHUNK`] texts, each under a key derived from
//! its texts and the model (content-addressed): a changed or added example re-embeds only
//! its chunk, and a cached chunk can never be read for other texts.

/// Texts per cached chunk. Small: the host embeds about a dozen texts a second on 2 cores
/// (far fewer while the machine is busy), so a chunk takes under a second idle and a few
/// loaded, and a call that starts one just before [`crate::pipeline::FILL_UNTIL_MS`]
/// still ends within the manifest's `timeout_ms`.
pub const CHUNK: usize = 8;

/// Bumped when the encoding changes, so old values are never misread.
const FORMAT: &str = "v1";

/// A unit vector, quantised to i8 with one scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantised {
    scale: f32,
    values: Vec<i8>,
}

impl Quantised {
    /// Quantises `v`.
    pub fn new(v: &[f32]) -> Self {
        let max = v.iter().fold(0.0_f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let values = v
            .iter()
            // In range by construction: |x / scale| <= 127.
            .map(|x| {
                #[allow(clippy::cast_possible_truncation)]
                let q = (x / scale).round().clamp(-127.0, 127.0) as i8;
                q
            })
            .collect();
        Quantised { scale, values }
    }

    /// Dimensions.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the vector has no dimensions.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The dot product with an unquantised vector: the cosine similarity when both are unit
    /// vectors.
    pub fn dot(&self, query: &[f32]) -> f32 {
        let sum: f32 = self
            .values
            .iter()
            .zip(query)
            .map(|(&q, &x)| f32::from(q) * x)
            .sum();
        sum * self.scale
    }
}

/// Encodes vectors of `dims` dimensions: per vector, the scale (f32 little-endian) then the
/// values.
pub fn encode(vectors: &[Quantised]) -> Vec<u8> {
    let mut out = Vec::with_capacity(vectors.iter().map(|v| 4 + v.len()).sum());
    for v in vectors {
        out.extend_from_slice(&v.scale.to_le_bytes());
        out.extend(v.values.iter().map(|&q| q.to_le_bytes()[0]));
    }
    out
}

/// Decodes `count` vectors of `dims` dimensions; `None` if the bytes do not hold exactly
/// that.
pub fn decode(bytes: &[u8], count: usize, dims: usize) -> Option<Vec<Quantised>> {
    let row = 4 + dims;
    if dims == 0 || bytes.len() != count.checked_mul(row)? {
        return None;
    }
    bytes
        .chunks_exact(row)
        .map(|r| {
            let scale = f32::from_le_bytes(r.get(..4)?.try_into().ok()?);
            scale.is_finite().then(|| Quantised {
                scale,
                values: r[4..].iter().map(|&b| i8::from_le_bytes([b])).collect(),
            })
        })
        .collect()
}

/// FNV-1a, 64 bits: stable across builds and platforms (std's hasher is not), and enough to
/// tell example sets apart (they come from this build and the installed agents' manifests,
/// not from learners).
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The cache key of a chunk: the format, the model, its dimensions and every text
/// (length-prefixed, so no two lists of texts collide by concatenation).
pub fn chunk_key(model: &str, dims: usize, texts: &[String]) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325;
    for part in [FORMAT, model, &dims.to_string()] {
        h = fnv1a(h, &(part.len() as u64).to_le_bytes());
        h = fnv1a(h, part.as_bytes());
    }
    for t in texts {
        h = fnv1a(h, &(t.len() as u64).to_le_bytes());
        h = fnv1a(h, t.as_bytes());
    }
    format!("vectors-{FORMAT}-{}-{h:016x}", texts.len())
}

/// The plugin's key-value bucket (`wasi:keyvalue/store`), or a map in tests. Best effort:
/// a failed read is a miss and a failed write is forgotten, since the vectors can always be
/// computed again.
pub trait Store {
    /// The value under `key`, if any.
    fn get(&mut self, key: &str) -> Option<Vec<u8>>;
    /// Stores `value` under `key`.
    fn set(&mut self, key: &str, value: &[u8]);
}

/// A store that keeps nothing, for a host without a bucket.
pub struct NoStore;

impl Store for NoStore {
    fn get(&mut self, _key: &str) -> Option<Vec<u8>> {
        None
    }
    fn set(&mut self, _key: &str, _value: &[u8]) {}
}

impl Store for std::collections::HashMap<String, Vec<u8>> {
    fn get(&mut self, key: &str) -> Option<Vec<u8>> {
        std::collections::HashMap::get(self, key).cloned()
    }
    fn set(&mut self, key: &str, value: &[u8]) {
        self.insert(key.to_owned(), value.to_vec());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pseudo-random unit vector.
    fn unit(seed: u32, dims: usize) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        let raw: Vec<f32> = (0..dims)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                f32::from(u16::try_from(state >> 16).unwrap_or(0)) / 32768.0 - 1.0
            })
            .collect();
        let norm = raw.iter().map(|x| x * x).sum::<f32>().sqrt();
        raw.iter().map(|x| x / norm).collect()
    }

    #[test]
    fn quantising_keeps_similarities_within_a_thousandth_or_so() {
        let (a, b) = (unit(1, 384), unit(2, 384));
        let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        let q = Quantised::new(&a);
        assert!(
            (q.dot(&b) - exact).abs() < 0.005,
            "{} vs {exact}",
            q.dot(&b)
        );
        assert!((q.dot(&a) - 1.0).abs() < 0.005);
    }

    #[test]
    fn encoding_round_trips_and_refuses_the_wrong_shape() {
        let vs = vec![Quantised::new(&unit(3, 8)), Quantised::new(&unit(4, 8))];
        let bytes = encode(&vs);
        assert_eq!(bytes.len(), 2 * 12);
        assert_eq!(decode(&bytes, 2, 8), Some(vs));
        assert_eq!(decode(&bytes, 3, 8), None);
        assert_eq!(decode(&bytes, 2, 7), None);
        assert_eq!(decode(&[], 0, 0), None);
    }

    #[test]
    fn keys_differ_by_text_model_and_split() {
        let t = |s: &[&str]| s.iter().map(|&x| x.to_owned()).collect::<Vec<_>>();
        let k = chunk_key("m", 384, &t(&["ab", "c"]));
        assert_eq!(k, chunk_key("m", 384, &t(&["ab", "c"])));
        assert_ne!(k, chunk_key("m", 384, &t(&["a", "bc"])));
        assert_ne!(k, chunk_key("n", 384, &t(&["ab", "c"])));
        assert_ne!(k, chunk_key("m", 385, &t(&["ab", "c"])));
        assert!(k.len() < 64);
    }
}
