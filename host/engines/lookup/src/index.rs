//! [`DatasetIndex`]: a dataset held in typed columns with a hash index on its key tuple.
//!
//! Memory per row: the column values (8 bytes per number, the text plus 8 bytes per string),
//! one validity bit per cell, and ~24 bytes of index (a hash → first-row map entry and a
//! next-row link). Rows sharing a key hash are chained in file order, so the first match is
//! the first row of the file.

use crate::column::{Cell, Column};
use crate::csv_load::{self, CsvOptions};
use crate::error::DatasetError;
use crate::key::{KeyInput, KeyValue, hash_cell, hash_key_value};
use crate::types::ColumnType;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hasher};
use std::path::Path;

const NO_ROW: u32 = u32::MAX;

/// The result of looking one key tuple up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupOutcome {
    /// Exactly one row matched.
    One(usize),
    /// Several rows matched; `first` is the first in file order.
    Multiple {
        /// The first matching row.
        first: usize,
    },
    /// No row matched.
    NoMatch,
    /// The key column at this position (in [`DatasetIndex::key_names`] order) had no value.
    MissingKey(usize),
}

/// A dataset loaded in memory, indexed on its key columns. Immutable and cheap to share
/// (`Arc<DatasetIndex>`) between endpoints: a lookup endpoint and a prediction's enrichment.
#[derive(Debug)]
pub struct DatasetIndex {
    /// Keys first (in key order), then returned columns.
    columns: Vec<Column>,
    key_count: usize,
    rows: usize,
    first_by_hash: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
    next_same_hash: Vec<u32>,
}

impl DatasetIndex {
    /// Loads a CSV file (header line first) and indexes it on `options.keys`.
    /// Rows whose key has a null component are kept out of the index: no lookup finds them.
    pub fn from_csv(path: &Path, options: &CsvOptions) -> Result<DatasetIndex, DatasetError> {
        let loaded = csv_load::load(path, options)?;
        Ok(DatasetIndex::from_columns(
            loaded.columns,
            loaded.key_count,
            loaded.rows,
        ))
    }

    /// Loads a Parquet file (a flat table; types from its schema unless declared) and indexes it
    /// on `options.keys` (`null_values` and `delimiter` do not apply).
    pub fn from_parquet(path: &Path, options: &CsvOptions) -> Result<DatasetIndex, DatasetError> {
        let loaded = crate::parquet_load::load(path, options)?;
        Ok(DatasetIndex::from_columns(
            loaded.columns,
            loaded.key_count,
            loaded.rows,
        ))
    }

    /// Loads a `.parquet` / `.pq` file with [`DatasetIndex::from_parquet`], anything else
    /// with [`DatasetIndex::from_csv`].
    pub fn from_file(path: &Path, options: &CsvOptions) -> Result<DatasetIndex, DatasetError> {
        if is_parquet(path) {
            DatasetIndex::from_parquet(path, options)
        } else {
            DatasetIndex::from_csv(path, options)
        }
    }

    /// Indexes columns already in memory: the first `key_count` columns are the key, in order.
    /// Every column must hold `rows` values.
    pub fn from_columns(columns: Vec<Column>, key_count: usize, rows: usize) -> DatasetIndex {
        let mut first_by_hash: HashMap<u64, u32, BuildHasherDefault<PassThrough>> =
            HashMap::with_capacity_and_hasher(rows, BuildHasherDefault::default());
        let mut next_same_hash = vec![NO_ROW; rows];
        // Walk backwards so that each chain ends up in file order.
        for row in (0..rows).rev() {
            let mut hasher = DefaultHasher::new();
            let mut has_null = false;
            for column in &columns[..key_count] {
                let cell = column.cell(row);
                has_null |= cell == Cell::Null;
                hash_cell(cell, &mut hasher);
            }
            if has_null {
                continue;
            }
            if let Some(previous_first) = first_by_hash.insert(hasher.finish(), row as u32) {
                next_same_hash[row] = previous_first;
            }
        }
        first_by_hash.shrink_to_fit();
        DatasetIndex {
            columns,
            key_count,
            rows,
            first_by_hash,
            next_same_hash,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The key columns' names, in key order.
    pub fn key_names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.columns[..self.key_count]
            .iter()
            .map(|c| c.name.as_str())
    }

    /// The key columns' types, in key order.
    pub fn key_types(&self) -> impl ExactSizeIterator<Item = ColumnType> + '_ {
        self.columns[..self.key_count]
            .iter()
            .map(Column::column_type)
    }

    /// The returned (non-key) columns.
    pub fn value_columns(&self) -> &[Column] {
        &self.columns[self.key_count..]
    }

    /// The key columns.
    pub fn key_columns(&self) -> &[Column] {
        &self.columns[..self.key_count]
    }

    /// Number of key columns.
    pub fn key_count(&self) -> usize {
        self.key_count
    }

    /// Position of a key column by name.
    pub fn key_position(&self, name: &str) -> Option<usize> {
        self.key_columns().iter().position(|c| c.name == name)
    }

    /// Heap memory held by the columns and the index, in bytes (an estimate of the hash map).
    pub fn heap_bytes(&self) -> usize {
        let columns: usize = self.columns.iter().map(Column::heap_bytes).sum();
        // hashbrown: one (u64, u32) slot padded to 16 bytes plus one control byte per bucket.
        let map = self.first_by_hash.capacity() * 17;
        columns + map + self.next_same_hash.capacity() * 4
    }

    /// Converts one caller's value per key column (in key order) into typed key inputs.
    pub fn key_inputs_from_json(&self, values: &[Option<&Value>]) -> Vec<KeyInput> {
        values
            .iter()
            .zip(self.key_types())
            .map(|(v, t)| KeyValue::from_json(*v, t))
            .collect()
    }

    /// Looks a key tuple up, with one input per key column in key order.
    pub fn lookup(&self, inputs: &[KeyInput]) -> LookupOutcome {
        debug_assert_eq!(inputs.len(), self.key_count);
        let mut values = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            match input {
                KeyInput::Missing => return LookupOutcome::MissingKey(i),
                KeyInput::Unmatchable => {
                    // Still report a missing key that comes later, as it is the caller's fault.
                    if let Some(j) = inputs.iter().position(|k| *k == KeyInput::Missing) {
                        return LookupOutcome::MissingKey(j);
                    }
                    return LookupOutcome::NoMatch;
                }
                KeyInput::Value(v) => values.push(v),
            }
        }
        let mut matches = self.matching_rows(&values);
        match (matches.next(), matches.next()) {
            (None, _) => LookupOutcome::NoMatch,
            (Some(row), None) => LookupOutcome::One(row),
            (Some(first), Some(_)) => LookupOutcome::Multiple { first },
        }
    }

    /// Looks up a record given as a JSON object holding one member per key column.
    pub fn lookup_record(&self, record: &Map<String, Value>) -> LookupOutcome {
        let values: Vec<Option<&Value>> = self.key_names().map(|k| record.get(k)).collect();
        self.lookup(&self.key_inputs_from_json(&values))
    }

    /// Every row whose key equals `key` (one value per key column, already typed), in file order.
    pub fn matching_rows<'a>(
        &'a self,
        key: &'a [&'a KeyValue],
    ) -> impl Iterator<Item = usize> + 'a {
        let mut hasher = DefaultHasher::new();
        key.iter().for_each(|v| hash_key_value(v, &mut hasher));
        let mut next = self
            .first_by_hash
            .get(&hasher.finish())
            .copied()
            .unwrap_or(NO_ROW);
        std::iter::from_fn(move || {
            while next != NO_ROW {
                let row = next as usize;
                next = self.next_same_hash[row];
                if self
                    .key_columns()
                    .iter()
                    .zip(key)
                    .all(|(c, v)| v.matches(c.cell(row)))
                {
                    return Some(row);
                }
            }
            None
        })
    }

    /// The cell of returned column `column` (index into [`DatasetIndex::value_columns`]) at `row`.
    pub fn value(&self, row: usize, column: usize) -> Cell<'_> {
        self.value_columns()[column].cell(row)
    }

    /// The returned columns of `row` as JSON members, in column order, values keeping their types.
    pub fn row_values(&self, row: usize, into: &mut Map<String, Value>) {
        for column in self.value_columns() {
            into.insert(column.name.clone(), column.cell(row).to_json());
        }
    }
}

/// The map's keys are already SipHash outputs: pass them through.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Whether a dataset path names a Parquet file (by its extension).
pub fn is_parquet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
}
