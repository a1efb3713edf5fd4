//! A monitor's definition as the seed shapes it (`configuration.configuration` with `focal`,
//! `metric`, `actions`, `logicEvaluations`; `configuration.identification`), validated into a
//! [`MonitorSpec`]. Every error names the member at fault.

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde_json::{Map, Value};

/// What a monitor computes; in the OpenAPI document, the `type` values Plinth evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = AporiaMonitorType, rename_all = "snake_case")]
pub enum MonitorKind {
    /// Predictions in the focal window.
    ModelActivity,
    /// Share of rows missing a feature.
    MissingValues,
    /// Drift of a feature against the baseline.
    DataDrift,
    /// Drift of the prediction against the baseline.
    PredictionDrift,
    /// Share of numeric values outside the baseline's range.
    ValuesRange,
    /// Share of categorical values the baseline never saw.
    NewValues,
    /// Hours since the newest version.
    ModelStaleness,
    /// An accuracy metric from actuals.
    PerformanceDegradation,
    /// Relative change of a metric from the baseline window to the focal one.
    MetricChange,
}

impl MonitorKind {
    /// The kind of a `type`; `Err` for unknown and unsupported types.
    pub fn parse(name: &str) -> Result<MonitorKind, String> {
        Ok(match name {
            "model_activity" => MonitorKind::ModelActivity,
            "missing_values" => MonitorKind::MissingValues,
            "data_drift" => MonitorKind::DataDrift,
            "prediction_drift" => MonitorKind::PredictionDrift,
            "values_range" => MonitorKind::ValuesRange,
            "new_values" => MonitorKind::NewValues,
            "model_staleness" => MonitorKind::ModelStaleness,
            "performance_degradation" => MonitorKind::PerformanceDegradation,
            "metric_change" => MonitorKind::MetricChange,
            "custom_metric" => {
                return Err(
                    "monitor type 'custom_metric' is not supported by Plinth (its metrics are defined in Aporia's console)"
                        .into(),
                );
            }
            other => {
                return Err(format!(
                    "'type' must be one of {}, not '{other}'",
                    crate::validate::MONITOR_TYPES.join(", ")
                ));
            }
        })
    }
}

/// The bounds a value must stay within (either may be open).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Range {
    /// Fires below this.
    pub min: Option<f64>,
    /// Fires above this.
    pub max: Option<f64>,
}

impl Range {
    /// Whether `value` breaks the range.
    pub fn breaks(&self, value: f64) -> bool {
        self.min.is_some_and(|m| value < m) || self.max.is_some_and(|m| value > m)
    }
}

/// A webhook to notify.
#[derive(Clone, Debug, PartialEq)]
pub struct Webhook {
    /// `http(s)://...`.
    pub url: String,
    /// The HMAC key of its signature (else the plugin's `webhook_secret`).
    pub secret: Option<String>,
}

/// A validated monitor.
#[derive(Clone, Debug, PartialEq)]
pub struct MonitorSpec {
    /// What it computes.
    pub kind: MonitorKind,
    /// `identification.models.id`.
    pub model_id: String,
    /// `identification.models.version` (name or id); `None`: the newest.
    pub version: Option<String>,
    /// The focal window, hours.
    pub focal_hours: i64,
    /// How far the focal window ends before now, hours.
    pub skip_hours: i64,
    /// The baseline window (`metric_change`): hours and skip (default: just before the focal).
    pub baseline: Option<(i64, i64)>,
    /// `metric.type`.
    pub metric: Option<String>,
    /// `metric.field` (`_id` and absent: every feature).
    pub field: Option<String>,
    /// `logicEvaluations`.
    pub range: Range,
    /// The first action's severity.
    pub severity: String,
    /// The first action's `alertType`.
    pub alert_type: Option<String>,
    /// The first action's description template.
    pub description: Option<String>,
    /// Webhooks of every action.
    pub webhooks: Vec<Webhook>,
}

/// A 5-field cron expression (minute hour day-of-month month day-of-week), in UTC.
pub fn parse_cron(expression: &str) -> Result<Cron, String> {
    let fields = expression.split_whitespace().count();
    if fields != 5 {
        return Err(format!(
            "'scheduling' must be a 5-field cron expression (minute hour day month weekday), '{expression}' has {fields} fields"
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(expression)
        .map_err(|e| format!("'scheduling' is not a valid cron expression: '{expression}' ({e})"))
}

/// Hours of a period: `<n>h`, `<n>d` or `<n>w`.
pub fn period_hours(member: &str, text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.len().saturating_sub(1));
    let n: i64 = n
        .parse()
        .map_err(|_| format!("'{member}' must look like 1h, 2d or 1w, not '{text}'"))?;
    let hours = match unit {
        "h" | "H" => n,
        "d" | "D" => n * 24,
        "w" | "W" => n * 24 * 7,
        _ => {
            return Err(format!(
                "'{member}' must be in hours (h), days (d) or weeks (w): '{text}' (the monitoring store is hourly)"
            ));
        }
    };
    if hours < 0 || (hours == 0 && !member.ends_with("skipPeriod")) || hours > 24 * 366 {
        return Err(format!(
            "'{member}' must be between 1h and 366d, not '{text}'"
        ));
    }
    Ok(hours)
}

fn object<'a>(v: &'a Value, member: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("'{member}' must be an object"))
}

fn opt_f64(v: Option<&Value>, member: &str) -> Result<Option<f64>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(x) => x
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("'{member}' must be a number or null")),
    }
}

fn period_of(
    obj: Option<&Map<String, Value>>,
    member: &str,
    default: Option<i64>,
) -> Result<Option<(i64, i64)>, String> {
    let Some(obj) = obj else {
        return Ok(default.map(|d| (d, 0)));
    };
    let hours = match obj.get("timePeriod").and_then(Value::as_str) {
        Some(t) => period_hours(&format!("{member}.timePeriod"), t)?,
        None => match default {
            Some(d) => d,
            None => return Err(format!("'{member}.timePeriod' is required")),
        },
    };
    let skip = match obj.get("skipPeriod").and_then(Value::as_str) {
        Some(t) => period_hours(&format!("{member}.skipPeriod"), t)?,
        None => 0,
    };
    Ok(Some((hours, skip)))
}

/// Validates a monitor's `type` and `configuration`.
pub fn parse(monitor_type: &str, configuration: &Value) -> Result<MonitorSpec, String> {
    let kind = MonitorKind::parse(monitor_type)?;
    let outer = object(configuration, "configuration")?;
    let inner = object(
        outer
            .get("configuration")
            .ok_or("'configuration.configuration' is required (the seed nests it twice)")?,
        "configuration.configuration",
    )?;
    let identification = object(
        outer
            .get("identification")
            .ok_or("'configuration.identification' is required: {\"models\": {\"id\": ...}}")?,
        "configuration.identification",
    )?;
    let models = object(
        identification
            .get("models")
            .ok_or("'configuration.identification.models' is required")?,
        "configuration.identification.models",
    )?;
    let model_id = models
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or("'configuration.identification.models.id' is required (the model's id)")?
        .to_owned();
    let version = match models.get("version") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err("'configuration.identification.models.version' must be a string".into());
        }
    };
    let focal = inner
        .get("focal")
        .map(|f| object(f, "configuration.configuration.focal"))
        .transpose()?;
    let (focal_hours, skip_hours) =
        period_of(focal, "configuration.configuration.focal", None)?.unwrap_or((1, 0));
    let baseline_obj = inner
        .get("baseline")
        .filter(|b| !b.is_null())
        .map(|b| object(b, "configuration.configuration.baseline"))
        .transpose()?;
    let baseline = if kind == MonitorKind::MetricChange {
        period_of(
            baseline_obj,
            "configuration.configuration.baseline",
            Some(focal_hours),
        )?
    } else {
        None
    };
    let metric_obj = inner
        .get("metric")
        .filter(|m| !m.is_null())
        .map(|m| object(m, "configuration.configuration.metric"))
        .transpose()?;
    let metric = metric_obj
        .and_then(|m| m.get("type"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let field = metric_obj
        .and_then(|m| m.get("field"))
        .and_then(Value::as_str)
        .filter(|f| *f != "_id" && !f.is_empty())
        .map(str::to_owned);
    let mut range: Option<Range> = None;
    if let Some(evaluations) = inner.get("logicEvaluations").filter(|v| !v.is_null()) {
        let list = evaluations
            .as_array()
            .ok_or("'configuration.configuration.logicEvaluations' must be a list")?;
        for (i, e) in list.iter().enumerate() {
            let member = format!("configuration.configuration.logicEvaluations[{i}]");
            let e = object(e, &member)?;
            match e.get("name").and_then(Value::as_str) {
                Some("RANGE") => {
                    let r = Range {
                        min: opt_f64(e.get("min"), &format!("{member}.min"))?,
                        max: opt_f64(e.get("max"), &format!("{member}.max"))?,
                    };
                    if r.min.is_none() && r.max.is_none() {
                        return Err(format!("'{member}': a RANGE needs min, max or both"));
                    }
                    if let (Some(lo), Some(hi)) = (r.min, r.max)
                        && lo > hi
                    {
                        return Err(format!(
                            "'{member}': min ({lo}) is above max ({hi}): the monitor would always fire"
                        ));
                    }
                    range = Some(r);
                }
                Some("THRESHOLD") => {
                    let t = opt_f64(e.get("threshold"), &format!("{member}.threshold"))?
                        .ok_or_else(|| format!("'{member}.threshold' is required"))?;
                    range = Some(Range {
                        min: None,
                        max: Some(t),
                    });
                }
                other => {
                    return Err(format!(
                        "'{member}.name' must be RANGE or THRESHOLD, not {}",
                        other.map_or("absent".to_owned(), |o| format!("'{o}'"))
                    ));
                }
            }
        }
    }
    let range = match (range, kind) {
        (Some(r), _) => r,
        // Staleness: the focal period is the limit.
        (None, MonitorKind::ModelStaleness) => Range {
            min: None,
            max: Some(focal_hours as f64),
        },
        (None, _) => {
            return Err(
                "'configuration.configuration.logicEvaluations' needs a RANGE {\"name\": \"RANGE\", \"min\", \"max\"} or a THRESHOLD {\"name\": \"THRESHOLD\", \"threshold\"}"
                    .into(),
            );
        }
    };
    match kind {
        MonitorKind::DataDrift | MonitorKind::PredictionDrift => {
            if let Some(m) = &metric {
                drift_metric(m)?;
            }
        }
        MonitorKind::PerformanceDegradation if metric.is_none() => {
            return Err("'configuration.configuration.metric.type' is required: the accuracy metric (rmse, mae, accuracy, auc, logloss...)".into());
        }
        MonitorKind::MetricChange => match metric.as_deref() {
            Some("count" | "mean_prediction" | "missing_ratio") => {}
            other => {
                return Err(format!(
                    "'configuration.configuration.metric.type' of a metric_change monitor must be count, mean_prediction or missing_ratio, not {}",
                    other.map_or("absent".to_owned(), |o| format!("'{o}'"))
                ));
            }
        },
        _ => {}
    }
    let mut webhooks = Vec::new();
    let (mut severity, mut alert_type, mut description) = ("MEDIUM".to_owned(), None, None);
    if let Some(actions) = inner.get("actions").filter(|a| !a.is_null()) {
        let actions = actions
            .as_array()
            .ok_or("'configuration.configuration.actions' must be a list")?;
        for (i, a) in actions.iter().enumerate() {
            let member = format!("configuration.configuration.actions[{i}]");
            let a = object(a, &member)?;
            if i == 0 {
                if let Some(s) = a.get("severity").and_then(Value::as_str) {
                    crate::validate::one_of(
                        &format!("{member}.severity"),
                        s,
                        &["LOW", "MEDIUM", "HIGH"],
                    )?;
                    severity = s.to_owned();
                }
                alert_type = a
                    .get("alertType")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                description = a
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            let Some(notifications) = a.get("notification").filter(|n| !n.is_null()) else {
                continue;
            };
            let notifications = notifications
                .as_array()
                .ok_or_else(|| format!("'{member}.notification' must be a list"))?;
            for (j, n) in notifications.iter().enumerate() {
                let nmember = format!("{member}.notification[{j}]");
                let n = object(n, &nmember)?;
                match n.get("type").and_then(Value::as_str) {
                    Some("WEBHOOK") => {
                        let url = n
                            .get("url")
                            .and_then(Value::as_str)
                            .ok_or_else(|| format!("'{nmember}.url' is required"))?;
                        if !(url.starts_with("http://") || url.starts_with("https://"))
                            || url.len() > 2048
                        {
                            return Err(format!(
                                "'{nmember}.url' must be an http:// or https:// URL, not '{url}'"
                            ));
                        }
                        webhooks.push(Webhook {
                            url: url.to_owned(),
                            secret: n.get("secret").and_then(Value::as_str).map(str::to_owned),
                        });
                    }
                    // E-mail, Slack, Teams...: recorded with the monitor, not sent by Plinth.
                    Some(_) => {}
                    None => return Err(format!("'{nmember}.type' is required")),
                }
            }
        }
    }
    Ok(MonitorSpec {
        kind,
        model_id,
        version,
        focal_hours,
        skip_hours,
        baseline,
        metric,
        field,
        range,
        severity,
        alert_type,
        description,
        webhooks,
    })
}

/// The drift metric of `metric.type` (`js_distance` is an alias of `js_divergence`).
pub fn drift_metric(name: &str) -> Result<plinth_monitoring_math::drift::DriftMetric, String> {
    use plinth_monitoring_math::drift::DriftMetric;
    let name = if name == "js_distance" {
        "js_divergence"
    } else {
        name
    };
    DriftMetric::parse(name).ok_or_else(|| {
        format!(
            "'configuration.configuration.metric.type' of a drift monitor must be js_divergence (js_distance), psi, kl_divergence, hellinger or dissimilarity, not '{name}'"
        )
    })
}
