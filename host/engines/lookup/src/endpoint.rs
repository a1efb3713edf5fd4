//! The `lookup` endpoint: answers `lookup`, `lookup-multi` and `lookup-simple` from a
//! [`DatasetIndex`].

use crate::index::DatasetIndex;
use crate::key::{KeyInput, KeyValue};
use crate::policy::{Policies, Resolution};
use crate::records::{self, KeyRecord};
use async_trait::async_trait;
use plinth_engine_api::{Action, ApiError, Endpoint, Reply, Request};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

/// The actions a lookup endpoint answers.
pub const LOOKUP_ACTIONS: &[Action] = &[Action::Lookup, Action::LookupMulti, Action::LookupSimple];

/// The most records one `lookup-multi` call may ask for.
pub const MAX_ITEMS: usize = 100_000;

/// A loaded lookup endpoint. Sibling endpoints (a prediction's enrichment) reach it through
/// `<dyn Endpoint>::downcast_ref` and use [`LookupEndpoint::index`] directly.
pub struct LookupEndpoint {
    dataset: String,
    index: Arc<DatasetIndex>,
    policies: Policies,
}

impl LookupEndpoint {
    /// An endpoint over an index with the given policies; `dataset` names its source for
    /// descriptions.
    pub fn new(dataset: impl Into<String>, index: Arc<DatasetIndex>, policies: Policies) -> Self {
        LookupEndpoint {
            dataset: dataset.into(),
            index,
            policies,
        }
    }

    /// The dataset index, shared.
    pub fn index(&self) -> &Arc<DatasetIndex> {
        &self.index
    }

    /// The endpoint's policies.
    pub fn policies(&self) -> Policies {
        self.policies
    }

    /// Answers one record: `{"data": {...}, "ignored": false}` or a dropped record.
    pub fn answer(&self, record: &KeyRecord) -> Result<Value, ApiError> {
        let types: Vec<_> = self.index.key_types().collect();
        let inputs: Vec<KeyInput> = record
            .iter()
            .zip(&types)
            .map(|(v, t)| KeyValue::from_json(v.as_ref(), *t))
            .collect();
        let outcome = self.index.lookup(&inputs);
        let names: Vec<&str> = self.index.key_names().collect();
        let resolution = self
            .policies
            .resolve(&outcome, &names, || describe_key(&names, record))?;
        let mut data = Map::new();
        match resolution {
            Resolution::Row(row) => {
                for column in self.index.key_columns() {
                    let text = column.cell(row).to_text();
                    data.insert(column.name.clone(), text.map_or(Value::Null, Value::String));
                }
                self.index.row_values(row, &mut data);
                Ok(json!({"data": data, "ignored": false}))
            }
            other => Ok(answer_without_row(
                other,
                &names,
                &inputs,
                record,
                self.index.value_columns().iter().map(|c| c.name.as_str()),
            )),
        }
    }
}

#[async_trait]
impl Endpoint for LookupEndpoint {
    fn kind(&self) -> &'static str {
        crate::KIND
    }

    fn actions(&self) -> &'static [Action] {
        LOOKUP_ACTIONS
    }

    fn describe(&self) -> Value {
        let columns = |cols: &[crate::Column]| -> Vec<Value> {
            cols.iter()
                .map(|c| json!({"name": c.name, "type": c.column_type().as_str()}))
                .collect()
        };
        json!({
            "dataset": self.dataset,
            "rows": self.index.rows(),
            "keys": columns(self.index.key_columns()),
            "columns": columns(self.index.value_columns()),
            "memoryBytes": self.index.heap_bytes(),
            "onMissingKey": self.policies.on_missing_key.as_str(),
            "onNoMatch": self.policies.on_no_match.as_str(),
            "onMultipleMatches": self.policies.on_multiple_matches.as_str(),
        })
    }

    fn call_doc(&self) -> plinth_engine_api::CallDoc {
        crate::doc::call_doc(
            self.index
                .key_columns()
                .iter()
                .map(|c| (c.name.as_str(), Some(c.column_type()))),
        )
    }

    async fn serve(&self, request: Request) -> Result<Reply, ApiError> {
        let started = Instant::now();
        let keys: Vec<&str> = self.index.key_names().collect();
        let records = records::parse(&request, &keys)?;
        let results = records
            .iter()
            .map(|r| self.answer(r))
            .collect::<Result<Vec<_>, _>>()?;
        let micros = started.elapsed().as_micros() as u64;
        Ok(Reply::member("results", Value::Array(results)).with_timing("lookup", micros))
    }
}

/// The answer to a record that no row answers: its keys echoed and `null` for every returned
/// column (`Resolution::Nulls`), or an empty payload with the reason (`Resolution::Drop`).
pub(crate) fn answer_without_row<'a>(
    resolution: Resolution,
    names: &[&str],
    inputs: &[KeyInput],
    record: &KeyRecord,
    columns: impl Iterator<Item = &'a str>,
) -> Value {
    let mut data = Map::new();
    match resolution {
        Resolution::Drop(reason) => {
            json!({"data": data, "ignored": true, "ignoreReason": reason.as_str()})
        }
        Resolution::Nulls | Resolution::Row(_) => {
            for ((name, input), raw) in names.iter().zip(inputs).zip(record) {
                let echo = match input {
                    KeyInput::Value(v) => Value::String(v.to_text()),
                    KeyInput::Missing => Value::Null,
                    KeyInput::Unmatchable => Value::String(raw_text(raw.as_ref())),
                };
                data.insert((*name).to_owned(), echo);
            }
            for column in columns {
                data.insert(column.to_owned(), Value::Null);
            }
            json!({"data": data, "ignored": false})
        }
    }
}

pub(crate) fn raw_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

pub(crate) fn describe_key(names: &[&str], record: &KeyRecord) -> String {
    names
        .iter()
        .zip(record)
        .map(|(n, v)| format!("{n}={}", raw_text(v.as_ref())))
        .collect::<Vec<_>>()
        .join(", ")
}
