//! The request's `explanations` object (`enabled`, `method`, `nExplanations`,
//! `nMonteCarloSteps`; any member may be null) over the endpoint's defaults.

use super::shapley::{MAX_STEPS, MIN_STEPS};
use plinth_engine_api::ApiError;
use serde_json::Value;

/// How to explain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Individual conditional expectation.
    Ice,
    /// Monte Carlo Shapley values.
    Shapley,
}

impl Method {
    /// Parses `ICE` or `SHAPLEY` (case-insensitive).
    pub fn parse(text: &str) -> Option<Method> {
        match text.to_ascii_uppercase().as_str() {
            "ICE" => Some(Method::Ice),
            "SHAPLEY" => Some(Method::Shapley),
            _ => None,
        }
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Ice => "ICE",
            Method::Shapley => "SHAPLEY",
        }
    }
}

/// The endpoint's explanation settings when a request leaves a member null or absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExplanationDefaults {
    /// Explain when the request does not say.
    pub enabled: bool,
    /// Method when the request does not say.
    pub method: Method,
    /// Explanations per record.
    pub n_explanations: usize,
    /// Shapley steps.
    pub n_monte_carlo_steps: usize,
    /// Largest Shapley work one call may ask for: records × Monte Carlo steps.
    pub max_cost: usize,
}

/// Default of [`ExplanationDefaults::max_cost`]: 2,000 records at 100 steps, or 200 at 1,000
/// (under a second of one core on the example models).
pub const DEFAULT_MAX_EXPLANATION_COST: usize = 200_000;

impl Default for ExplanationDefaults {
    fn default() -> Self {
        ExplanationDefaults {
            enabled: false,
            method: Method::Ice,
            n_explanations: 3,
            n_monte_carlo_steps: 100,
            max_cost: DEFAULT_MAX_EXPLANATION_COST,
        }
    }
}

/// What one request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExplanationOptions {
    /// ICE or Shapley.
    pub method: Method,
    /// Explanations per record (at least 1).
    pub n_explanations: usize,
    /// Shapley steps (25–1000).
    pub n_monte_carlo_steps: usize,
}

impl ExplanationDefaults {
    /// 400 when a call asks for more Shapley work than [`ExplanationDefaults::max_cost`].
    pub fn check_cost(&self, options: &ExplanationOptions, records: usize) -> Result<(), ApiError> {
        if options.method != Method::Shapley {
            return Ok(());
        }
        let cost = records.saturating_mul(options.n_monte_carlo_steps);
        if cost <= self.max_cost {
            return Ok(());
        }
        Err(ApiError::new(
            400,
            "ExplanationTooExpensive",
            format!(
                "{records} records × {} Monte Carlo steps = {cost} exceeds this endpoint's explanation limit of {} (max_explanation_cost): explain fewer records per call or ask for fewer nMonteCarloSteps",
                options.n_monte_carlo_steps, self.max_cost
            ),
        ))
    }

    /// Reads the request's `explanations` member; `None` when explanations are off.
    /// Members that are present and not null are checked even when `enabled` is false.
    pub fn resolve(&self, value: Option<&Value>) -> Result<Option<ExplanationOptions>, ApiError> {
        let object = match value {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(other) => {
                return Err(ApiError::invalid_input(
                    "explanations",
                    format!(
                        "expected an object with enabled, method, nExplanations, nMonteCarloSteps; found {other}"
                    ),
                ));
            }
        };
        let member = |name: &str| object.and_then(|m| m.get(name)).filter(|v| !v.is_null());
        let enabled = match member("enabled") {
            None => self.enabled,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(ApiError::invalid_input(
                    "explanations.enabled",
                    format!("expected true or false, found {other}"),
                ));
            }
        };
        let method = match member("method") {
            None => self.method,
            Some(Value::String(s)) => Method::parse(s).ok_or_else(|| {
                ApiError::invalid_input(
                    "explanations.method",
                    format!("expected \"ICE\" or \"SHAPLEY\", found \"{s}\""),
                )
            })?,
            Some(other) => {
                return Err(ApiError::invalid_input(
                    "explanations.method",
                    format!("expected \"ICE\" or \"SHAPLEY\", found {other}"),
                ));
            }
        };
        let n_explanations = match member("nExplanations") {
            None => self.n_explanations,
            Some(v) => whole(v).filter(|n| *n >= 1).ok_or_else(|| {
                ApiError::invalid_input(
                    "explanations.nExplanations",
                    format!("expected a whole number of at least 1, found {v}"),
                )
            })? as usize,
        };
        let n_monte_carlo_steps = match member("nMonteCarloSteps") {
            None => self.n_monte_carlo_steps,
            Some(v) => whole(v)
                .filter(|n| (MIN_STEPS as i64..=MAX_STEPS as i64).contains(n))
                .ok_or_else(|| {
                    ApiError::invalid_input(
                        "explanations.nMonteCarloSteps",
                        format!(
                            "expected a whole number from {MIN_STEPS} to {MAX_STEPS}, found {v}"
                        ),
                    )
                })? as usize,
        };
        Ok(enabled.then_some(ExplanationOptions {
            method,
            n_explanations,
            n_monte_carlo_steps,
        }))
    }
}

fn whole(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            .map(|f| f as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nulls_take_the_defaults() {
        let d = ExplanationDefaults::default();
        let all_null = json!({"enabled": null, "method": null, "nExplanations": null, "nMonteCarloSteps": null});
        assert_eq!(d.resolve(Some(&all_null)).unwrap(), None);
        let on = json!({"enabled": true, "method": null});
        assert_eq!(
            d.resolve(Some(&on)).unwrap(),
            Some(ExplanationOptions {
                method: Method::Ice,
                n_explanations: 3,
                n_monte_carlo_steps: 100
            })
        );
        let shap = json!({"enabled": true, "method": "shapley", "nExplanations": 5, "nMonteCarloSteps": 150});
        assert_eq!(
            d.resolve(Some(&shap)).unwrap(),
            Some(ExplanationOptions {
                method: Method::Shapley,
                n_explanations: 5,
                n_monte_carlo_steps: 150
            })
        );
    }

    #[test]
    fn bad_members_are_named() {
        let d = ExplanationDefaults::default();
        let e = d
            .resolve(Some(&json!({"enabled": true, "nMonteCarloSteps": 5})))
            .unwrap_err();
        assert!(
            e.message.contains("nMonteCarloSteps") && e.message.contains("25 to 1000"),
            "{}",
            e.message
        );
        let e = d
            .resolve(Some(&json!({"enabled": true, "method": "LIME"})))
            .unwrap_err();
        assert!(e.message.contains("explanations.method"));
        let e = d.resolve(Some(&json!({"enabled": "yes"}))).unwrap_err();
        assert!(e.message.contains("explanations.enabled"));
        assert!(
            d.resolve(Some(&json!({"enabled": true, "nExplanations": 0})))
                .is_err()
        );
        assert!(d.resolve(Some(&json!([1]))).is_err());
    }
}
