//! Events become rollups: the ingest loop reads the plugin's subscription, adds each call to
//! the pending rollup and writes it every `flush_interval_ms` (and at shutdown, after the bus
//! is closed and the queue drained). What a `kill -9` can lose is bounded by that interval.

use crate::Monitoring;
use crate::rollup::{MINUTE_MS, Pending, RawPrediction, SeriesKey, hour_of};
use plinth_plugin_api::{CallEvent, CallOrigin, Event, Subscription, shown};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The plugin's id, also the origin of its own invocations (which it does not count).
pub const PLUGIN_ID: &str = "monitoring";

/// Reads events until the bus closes, flushing periodically; flushes what is left at the end.
///
/// A request on `syncs` writes everything received so far (the events queued for the plugin
/// included) before it is answered: [`Monitoring::sync`].
pub async fn run(
    monitoring: Arc<Monitoring>,
    mut events: Subscription,
    mut syncs: tokio::sync::mpsc::Receiver<tokio::sync::oneshot::Sender<()>>,
    flush_every: Duration,
) {
    let mut pending = Pending::default();
    let mut tick = tokio::time::interval(flush_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => monitoring.add(&mut pending, &event).await,
                None => break,
            },
            Some(done) = syncs.recv() => {
                while let Some(event) = events.try_recv() {
                    monitoring.add(&mut pending, &event).await;
                }
                if !pending.is_empty() {
                    let batch = std::mem::take(&mut pending);
                    if let Err((e, batch)) = monitoring.flush(batch).await {
                        tracing::error!(target: "plinth::monitoring", "rollups not written (retried with the next flush): {e}");
                        pending.merge(batch);
                    }
                }
                let _ = done.send(());
            }
            _ = tick.tick() => {
                if !pending.is_empty() {
                    let batch = std::mem::take(&mut pending);
                    if let Err((e, batch)) = monitoring.flush(batch).await {
                        tracing::error!(target: "plinth::monitoring", "rollups not written (retried with the next flush): {e}");
                        pending.merge(batch);
                    }
                }
            }
        }
    }
    if !pending.is_empty()
        && let Err((e, batch)) = monitoring.flush(pending).await
    {
        tracing::error!(target: "plinth::monitoring", "{} events' rollups lost at shutdown: {e}", batch.events);
    }
}

impl Monitoring {
    /// Adds one event to the pending rollup.
    pub async fn add(&self, pending: &mut Pending, event: &Event) {
        let Event::Call(call) = event else {
            return;
        };
        if matches!(&call.origin, CallOrigin::Plugin { id } if id == PLUGIN_ID) {
            return;
        }
        // A call refused before dispatch (401, 403, 429, a disabled service) counts against
        // the generation that serves most of the service's traffic.
        let generation = match &call.generation {
            Some(g) => g.clone(),
            None => match self
                .host()
                .service(&call.service_id)
                .and_then(|s| s.main_generation().map(str::to_owned))
            {
                Some(g) => g,
                None => return,
            },
        };
        let series = SeriesKey {
            service: call.service_id.clone(),
            endpoint: call.endpoint_id.clone(),
            generation,
        };
        self.add_call(pending, series, call).await;
    }

    async fn add_call(&self, pending: &mut Pending, series: SeriesKey, call: &CallEvent) {
        let hour = hour_of(call.at_ms);
        pending.events += 1;
        *pending
            .minutes
            .entry((series.clone(), call.at_ms.div_euclid(MINUTE_MS) * MINUTE_MS))
            .or_default() += 1;
        pending.consumers.insert((
            series.clone(),
            hour,
            call.key_id.clone().unwrap_or_default(),
        ));
        let (baseline, settings) = if call.rows.is_some() {
            (
                self.baseline(&series).await,
                self.settings(&series.service, &series.endpoint).await,
            )
        } else {
            (None, Default::default())
        };
        let rollup = pending.hours.entry((series.clone(), hour)).or_default();
        rollup.requests += 1;
        match call.status_class() {
            2 => rollup.status[0] += 1,
            4 => rollup.status[1] += 1,
            5 => rollup.status[2] += 1,
            _ => {}
        }
        if call.warm {
            rollup.warm += 1;
        }
        // Times beyond the sketch's range (1 h) are recorded at its top, not dropped.
        rollup.response.saturating_record(call.duration_us.max(1));
        // Execution time is the model's work on calls it answered (those whose answer carries
        // `timing.execution`), not the time it took to refuse bad input.
        if let Some(execution) = call.execution_us.filter(|_| call.status_class() == 2) {
            rollup.execution.saturating_record(execution.max(1));
        }
        if let Some(error) = &call.error_type {
            *rollup.errors.entry(error.clone()).or_default() += 1;
        }
        let Some(rows) = &call.rows else {
            return;
        };
        let contexts = call.context.as_ref();
        let action = call.action.as_str();
        let association = |i: usize, row: &plinth_plugin_api::ScoredRow| {
            if !settings.collect_predictions {
                return None;
            }
            let context = match (action, contexts) {
                ("predict-multi", Some(Value::Array(items))) => items.get(i),
                (_, context) => context,
            };
            settings.association_id(&row.features, context)
        };
        add_rows(
            pending,
            &series,
            hour,
            call.at_ms,
            &rows.rows,
            baseline.as_ref(),
            &settings,
            association,
        );
    }
}

/// Adds scored rows to the series' rollup of `hour`: row counts, prediction statistics, class
/// counts, the dense bins on `baseline`, and the rows `association` gives an id (kept for the
/// actuals join). Shared by the call events and the rows logged through a dialect.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_rows(
    pending: &mut Pending,
    series: &SeriesKey,
    hour: i64,
    at_ms: i64,
    rows: &[plinth_plugin_api::ScoredRow],
    baseline: Option<&Arc<crate::Baseline>>,
    settings: &crate::SeriesSettings,
    association: impl Fn(usize, &plinth_plugin_api::ScoredRow) -> Option<String>,
) {
    let rollup = pending.hours.entry((series.clone(), hour)).or_default();
    // Per class of this call: (rows predicted as it, sum of its probability).
    let mut classes: Vec<(u64, f64)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let Some(output) = &row.output else {
            continue;
        };
        rollup.rows += 1;
        // The prediction statistics need no baseline (a model may ship without a
        // reference sample): the value is the prediction (regression) or P(positive)
        // (binary); a multiclass value (P(predicted class)) is not averaged.
        let multiclass = baseline
            .as_ref()
            .map_or(output.probabilities.len() > 2, |b| {
                b.task == plinth_plugin_api::ModelTask::Multiclass
            });
        if !multiclass {
            rollup.prediction_sum += output.value;
            rollup.prediction_count += 1;
        }
        if let Some(class) = output.class {
            let width = output.probabilities.len().max(class + 1);
            if classes.len() < width {
                classes.resize(width, (0, 0.0));
            }
            classes[class].0 += 1;
            for (c, p) in output.probabilities.iter().enumerate() {
                classes[c].1 += *p;
            }
        }
        if let Some(baseline) = baseline {
            // Counted densely on the baseline's bins (per feature, then the target; the
            // last slot of each is "missing"), settled into the rollup's map at the write.
            let dense = &mut rollup.dense_on(baseline).counts;
            if settings.feature_drift {
                // Rows usually list their features in the schema's order: take them in
                // order while names match (one string comparison), else look up by name.
                let mut entries = row.features.iter().peekable();
                for (feature, counts) in baseline.features.iter().zip(dense.iter_mut()) {
                    let value = match entries.peek() {
                        Some((key, _)) if **key == feature.name => {
                            entries.next().map_or(&Value::Null, |(_, v)| v)
                        }
                        _ => row.features.get(&feature.name).unwrap_or(&Value::Null),
                    };
                    let slot = feature.bins.bin_of(value).unwrap_or(counts.len() - 1);
                    counts[slot] += 1;
                }
            }
            if settings.target_drift
                && let Some(counts) = dense.last_mut()
            {
                let slot = baseline
                    .target_bin(output.value, output.class)
                    .unwrap_or(counts.len() - 1);
                if let Some(c) = counts.get_mut(slot) {
                    *c += 1;
                }
            }
        }
        if let Some(association_id) = association(i, row) {
            // Kept as the caller received them: accuracy compares with the answers.
            pending.predictions.push(RawPrediction {
                series: series.clone(),
                association_id,
                at_ms,
                value: shown(output.value),
                class: output.class,
                probabilities: output.probabilities.iter().map(|p| shown(*p)).collect(),
            });
        }
    }
    for (c, (n, p)) in classes.into_iter().enumerate() {
        let entry = rollup.classes.entry(c).or_default();
        entry.0 += n;
        entry.1 += p;
    }
}
