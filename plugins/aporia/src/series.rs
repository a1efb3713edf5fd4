//! Where a registry model's numbers live in the monitoring store.

use crate::registry::{Model, Version};
use plinth_monitoring::{SeriesFilter, SeriesKey};

/// The store's service id of the models created through the API (never a Plinth service id).
pub const EXTERNAL_SERVICE: &str = "@aporia";

/// The (service, endpoint) of a model in the store: a deployed endpoint's own, or
/// (`@aporia`, model id) for a model served elsewhere.
pub fn endpoint_of(m: &Model) -> (String, String) {
    match (&m.service_id, &m.endpoint_id) {
        (Some(s), Some(e)) => (s.clone(), e.clone()),
        _ => (EXTERNAL_SERVICE.to_owned(), m.id.clone()),
    }
}

/// The series of one version.
pub fn series_of(m: &Model, v: &Version) -> SeriesKey {
    let (service, endpoint) = endpoint_of(m);
    SeriesKey {
        service,
        endpoint,
        generation: v.name.clone(),
    }
}

/// The filter over one version, or over all of them.
pub fn filter_of(m: &Model, v: Option<&Version>) -> SeriesFilter {
    let (service, endpoint) = endpoint_of(m);
    SeriesFilter {
        service,
        endpoint,
        generations: v.map(|v| vec![v.name.clone()]),
    }
}
