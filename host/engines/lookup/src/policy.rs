//! What to do when a lookup key is missing, matches nothing, or matches several rows: the
//! enrichment policies of the original product, shared by lookup endpoints and predictions.

use crate::index::LookupOutcome;
use plinth_engine_api::ApiError;
use std::fmt;

/// Policy for a missing key or a key that matches no row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MissingPolicy {
    /// Carry on with null values for the looked-up columns.
    #[default]
    Ignore,
    /// Drop the record: it is answered `ignored: true` with an `ignoreReason`.
    DropRow,
    /// Fail the whole call.
    Error,
}

/// Policy for a key that matches several rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MultiplePolicy {
    /// Use the first matching row in file order.
    #[default]
    KeepFirst,
    /// Drop the record: it is answered `ignored: true` (an empty payload).
    DropRow,
    /// Fail the whole call.
    Error,
}

impl MissingPolicy {
    /// The manifest spellings.
    pub const NAMES: &'static str = "\"IGNORE\", \"DROP_ROW\" or \"ERROR\"";

    /// Parses `IGNORE`, `DROP_ROW` or `ERROR` (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "IGNORE" => Some(MissingPolicy::Ignore),
            "DROP_ROW" | "DROP" => Some(MissingPolicy::DropRow),
            "ERROR" | "FAIL" => Some(MissingPolicy::Error),
            _ => None,
        }
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MissingPolicy::Ignore => "IGNORE",
            MissingPolicy::DropRow => "DROP_ROW",
            MissingPolicy::Error => "ERROR",
        }
    }
}

impl MultiplePolicy {
    /// The manifest spellings.
    pub const NAMES: &'static str = "\"KEEP_FIRST\", \"DROP_ROW\" or \"ERROR\"";

    /// Parses `KEEP_FIRST`, `DROP_ROW` or `ERROR` (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "KEEP_FIRST" | "FIRST" => Some(MultiplePolicy::KeepFirst),
            "DROP_ROW" | "DROP" | "EMPTY" => Some(MultiplePolicy::DropRow),
            "ERROR" | "FAIL" => Some(MultiplePolicy::Error),
            _ => None,
        }
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MultiplePolicy::KeepFirst => "KEEP_FIRST",
            MultiplePolicy::DropRow => "DROP_ROW",
            MultiplePolicy::Error => "ERROR",
        }
    }
}

/// Why a record was not answered, as the user API spells it in `ignoreReason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IgnoreReason {
    /// `NO_LOOKUP_MATCH`
    NoLookupMatch,
    /// `MULTIPLE_LOOKUP_MATCHES`
    MultipleLookupMatches,
    /// `MISSING_LOOKUP_KEY`
    MissingLookupKey,
}

impl IgnoreReason {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IgnoreReason::NoLookupMatch => "NO_LOOKUP_MATCH",
            IgnoreReason::MultipleLookupMatches => "MULTIPLE_LOOKUP_MATCHES",
            IgnoreReason::MissingLookupKey => "MISSING_LOOKUP_KEY",
        }
    }
}

impl fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The three policies of one lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Policies {
    /// When a key column has no value in the record.
    pub on_missing_key: MissingPolicy,
    /// When no row matches.
    pub on_no_match: MissingPolicy,
    /// When several rows match.
    pub on_multiple_matches: MultiplePolicy,
}

/// What a lookup outcome becomes under the policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Use this row.
    Row(usize),
    /// Carry on with nulls for the looked-up columns.
    Nulls,
    /// Drop the record for this reason.
    Drop(IgnoreReason),
}

impl Policies {
    /// Applies the policies to an outcome. `key_names` names the key columns (for messages),
    /// `key_text` describes the caller's key (e.g. `PassengerId=42`).
    pub fn resolve(
        &self,
        outcome: &LookupOutcome,
        key_names: &[&str],
        key_text: impl FnOnce() -> String,
    ) -> Result<Resolution, ApiError> {
        match *outcome {
            LookupOutcome::One(row) => Ok(Resolution::Row(row)),
            LookupOutcome::MissingKey(i) => match self.on_missing_key {
                MissingPolicy::Ignore => Ok(Resolution::Nulls),
                MissingPolicy::DropRow => Ok(Resolution::Drop(IgnoreReason::MissingLookupKey)),
                MissingPolicy::Error => {
                    let name = key_names.get(i).copied().unwrap_or("?");
                    Err(ApiError::new(
                        400,
                        "MissingLookupKey",
                        format!(
                            "lookup key '{name}' is missing or null; expected a value for each of: {}",
                            key_names.join(", ")
                        ),
                    ))
                }
            },
            LookupOutcome::NoMatch => match self.on_no_match {
                MissingPolicy::Ignore => Ok(Resolution::Nulls),
                MissingPolicy::DropRow => Ok(Resolution::Drop(IgnoreReason::NoLookupMatch)),
                MissingPolicy::Error => Err(ApiError::not_found(
                    "NoLookupMatch",
                    format!("no row of the dataset matches {}", key_text()),
                )),
            },
            LookupOutcome::Multiple { first } => match self.on_multiple_matches {
                MultiplePolicy::KeepFirst => Ok(Resolution::Row(first)),
                MultiplePolicy::DropRow => {
                    Ok(Resolution::Drop(IgnoreReason::MultipleLookupMatches))
                }
                MultiplePolicy::Error => Err(ApiError::new(
                    409,
                    "MultipleLookupMatches",
                    format!(
                        "several rows of the dataset match {}; this endpoint accepts only one",
                        key_text()
                    ),
                )),
            },
        }
    }
}
