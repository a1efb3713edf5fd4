//! The seed's enumerations and limits, without I/O.

/// `color` values.
pub const COLORS: &[&str] = &[
    "blue",
    "arctic_blue",
    "green",
    "turquoise",
    "pink",
    "purple",
    "yellow",
    "red",
];

/// `icon` values.
pub const ICONS: &[&str] = &[
    "general",
    "churn-and-retention",
    "conversion-predict",
    "anomaly",
    "dynamic-pricing",
    "email-filtering",
    "demand-forecasting",
    "ltv",
    "personalization",
    "fraud-detection",
    "credit-risk",
    "recommendations",
];

/// `model_type` values (the client's docs add `ranking`).
pub const MODEL_TYPES: &[&str] = &[
    "binary",
    "multiclass",
    "multi-label",
    "regression",
    "ranking",
];

/// Field types of a version schema.
pub const FIELD_TYPES: &[&str] = &[
    "numeric",
    "string",
    "boolean",
    "datetime",
    "categorical",
    "vector",
    "text",
    "dict",
    "tensor",
    "array",
];

/// Monitor types.
pub const MONITOR_TYPES: &[&str] = &[
    "model_activity",
    "missing_values",
    "data_drift",
    "prediction_drift",
    "values_range",
    "new_values",
    "model_staleness",
    "performance_degradation",
    "metric_change",
    "custom_metric",
];

/// At most this many tags per model.
pub const MAX_TAGS: usize = 10;
/// Tag keys have at most this many characters.
pub const MAX_TAG_KEY: usize = 15;
/// Tag values have at most this many characters.
pub const MAX_TAG_VALUE: usize = 100;

/// `Err` naming the allowed values unless `value` is one of them.
pub fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "'{field}' must be one of {}, not '{value}'",
            allowed.join(", ")
        ))
    }
}

/// A tag key, lower-cased; `Err` unless it has 1 to 15 letters, digits, spaces, `-` or `_`.
pub fn tag_key(key: &str) -> Result<String, String> {
    let n = key.chars().count();
    if n == 0 || n > MAX_TAG_KEY {
        return Err(format!(
            "tag key '{key}' must have 1 to {MAX_TAG_KEY} characters, it has {n}"
        ));
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "tag key '{key}' may only contain letters, numbers, spaces, '-' and '_' (found {c:?})"
        ));
    }
    Ok(key.to_lowercase())
}

/// `Err` unless a tag value has at most 100 printable characters.
pub fn tag_value(key: &str, value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if n > MAX_TAG_VALUE {
        return Err(format!(
            "the value of tag '{key}' must have at most {MAX_TAG_VALUE} characters, it has {n}"
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "the value of tag '{key}' may not contain control characters or line breaks"
        ));
    }
    Ok(())
}

/// `Err` unless `owner` looks like an e-mail address (`local@domain.tld`).
pub fn email(owner: &str) -> Result<(), String> {
    let ok = match owner.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !owner.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("'owner' must be an e-mail address, not '{owner}'"))
    }
}

/// The id derived from a model name: lower-case letters and digits, other runs as one `-`
/// (`My Model` → `my-model`); `model` when nothing is left.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "model".to_owned()
    } else {
        out
    }
}

/// `Err` unless a model id given by a user is path-safe: 1 to 100 letters, digits, `-`, `_` or
/// `.` (`~` is kept for the models of deployed endpoints, `<service>~<endpoint>`).
pub fn model_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'id' must have 1 to 100 letters, digits, '-', '_' or '.', not '{id}'"
        ))
    }
}
