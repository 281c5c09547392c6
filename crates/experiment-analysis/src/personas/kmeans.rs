//! k-means through linfa-clustering, seeded so that a nightly run over the same users
//! gives the same clusters.

use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;

use super::{ClusterConfig, PersonaError};
use crate::personas::features::{FEATURE_COUNT, FeatureVector};

/// The number of clusters: seed 004's four personas.
pub(crate) const K: usize = 4;

/// Fits k-means with k = 4 (k-means++ initialisation, `config.n_runs` restarts keeping the
/// lowest inertia) and returns the four centroids. The caller guarantees at least 4
/// distinct vectors, so no cluster need start empty.
pub(crate) fn fit(
    vectors: &[FeatureVector],
    config: &ClusterConfig,
) -> Result<[FeatureVector; K], PersonaError> {
    let flat: Vec<f64> = vectors.iter().flatten().copied().collect();
    let records = Array2::from_shape_vec((vectors.len(), FEATURE_COUNT), flat)
        .map_err(|e| PersonaError::Clustering(e.to_string()))?;
    let dataset = DatasetBase::from(records);
    let rng = Xoshiro256Plus::seed_from_u64(config.seed);
    let model = KMeans::params_with_rng(K, rng)
        .max_n_iterations(config.max_iterations)
        .tolerance(config.tolerance)
        .n_runs(config.n_runs)
        .fit(&dataset)
        .map_err(|e| PersonaError::Clustering(e.to_string()))?;
    let centroids = model.centroids();
    let mut out = [[0.0; FEATURE_COUNT]; K];
    if centroids.dim() != (K, FEATURE_COUNT) {
        return Err(PersonaError::Clustering(format!(
            "k-means returned centroids of shape {:?}",
            centroids.dim()
        )));
    }
    for (row, target) in centroids.rows().into_iter().zip(out.iter_mut()) {
        for (value, slot) in row.iter().zip(target.iter_mut()) {
            *slot = *value;
        }
    }
    if out.iter().flatten().any(|x| !x.is_finite()) {
        return Err(PersonaError::Clustering(
            "k-means returned a centroid that is not finite".to_owned(),
        ));
    }
    Ok(out)
}
