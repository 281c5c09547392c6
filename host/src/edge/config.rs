//! `wasi:config/store@0.2.0-draft-2024-09-27` for the edge components: Spin's component
//! variables. A component reads exactly the keys of its `[component.<id>.variables]`
//! table, each template already rendered at start-up ([`super::variables`]); any other key,
//! including one that is not a valid variable name, reads as `none`, as in Spin.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::bindings::wasi::config::store::{Error, Host};

/// One instance's `wasi:config`: its component's values, shared by all its instances.
#[derive(Debug, Clone, Default)]
pub struct EdgeConfig {
    values: Arc<BTreeMap<String, String>>,
}

impl EdgeConfig {
    /// The config a component with these rendered `values` reads.
    pub fn new(values: BTreeMap<String, String>) -> Self {
        Self {
            values: Arc::new(values),
        }
    }
}

impl Host for EdgeConfig {
    async fn get(&mut self, key: String) -> Result<Option<String>, Error> {
        Ok(self.values.get(&key).cloned())
    }

    async fn get_all(&mut self) -> Result<Vec<(String, String)>, Error> {
        Ok(self
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_component_reads_its_own_keys_and_nothing_else() {
        let mut config = EdgeConfig::new(BTreeMap::from([(
            "origin_url".to_owned(),
            "http://o".to_owned(),
        )]));
        assert_eq!(
            config.get("origin_url".into()).await.unwrap().as_deref(),
            Some("http://o")
        );
        assert_eq!(config.get("badge_key".into()).await.unwrap(), None);
        assert_eq!(config.get("Not A Name".into()).await.unwrap(), None);
        assert_eq!(config.get_all().await.unwrap().len(), 1);
    }
}
