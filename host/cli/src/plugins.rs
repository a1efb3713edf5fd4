//! The built-in plugins, in start order (a dialect after the store it reads). Each can be
//! switched off with `[plugins.<id>] enabled = false`.

use plinth_plugin_api::Plugin;

/// The monitoring store, then the dialects over it: the DataRobot Deployments API and the
/// Aporia registry with its monitors; then the job engine, before the batch APIs that submit
/// jobs to it (Vidora also records its labels in the monitoring store).
pub fn builtin() -> Vec<Box<dyn Plugin>> {
    vec![
        Box::new(plinth_monitoring::MonitoringPlugin),
        Box::new(plinth_datarobot::DataRobotPlugin),
        Box::new(plinth_aporia::AporiaPlugin),
        Box::new(plinth_jobs::JobsPlugin),
        Box::new(plinth_vidora::VidoraPlugin),
        Box::new(plinth_apres::ApresPlugin),
    ]
}
