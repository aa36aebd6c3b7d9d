//! The server's periodic work, each on a task of its own until shutdown:
//! purging expired records from the store, expiring browser sessions,
//! forgetting idle rate-limit buckets, and summarizing dropped audit
//! events in one log line per interval.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::adapter::Purged;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::host::database::Database;
use crate::host::web::App;

/// How often idle rate-limit buckets are forgotten.
const LIMITER_SWEEP: Duration = Duration::from_secs(60);
/// How often dropped audit events are summarized (when there were any).
pub(crate) const AUDIT_REPORT: Duration = Duration::from_secs(10);

/// How often each piece of work runs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schedule {
    /// Purging expired records; `None` never.
    pub(crate) purge: Option<Duration>,
    /// Removing expired sessions.
    pub(crate) sessions: Duration,
}

/// Starts the periodic tasks; each ends when `stop` turns `true` (or its
/// sender is dropped).
pub(crate) fn start(
    app: &Arc<App>,
    schedule: Schedule,
    stop: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    if let Some(period) = schedule.purge {
        let store = app.driver.store().clone();
        tasks.push(tokio::spawn(every(period, stop.clone(), move || purge(store.clone()))));
    }
    // Sessions live in the store: the same purge removes expired ones, on
    // the shorter timer of the sign-in timeout.
    let store = app.driver.store().clone();
    tasks.push(tokio::spawn(every(schedule.sessions, stop.clone(), move || purge(store.clone()))));
    let limits = Arc::clone(app);
    tasks.push(tokio::spawn(every(LIMITER_SWEEP, stop.clone(), move || {
        limits.limiter.forget_idle();
        limits.client_limits.forget_idle();
        tracing::debug!(addresses = limits.limiter.tracked(), "idle rate-limit buckets forgotten");
        std::future::ready(())
    })));
    let audit = Arc::clone(app);
    tasks.push(tokio::spawn(every(AUDIT_REPORT, stop.clone(), move || {
        report_audit(&audit);
        std::future::ready(())
    })));
    tasks
}

/// Runs `work` every `period` (not at once) until `stop` says so.
async fn every<F, Fut>(period: Duration, mut stop: watch::Receiver<bool>, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = ticks.tick() => work().await,
            changed = stop.changed() => if changed.is_err() || *stop.borrow() {
                return;
            },
        }
    }
}

/// Deletes what has expired (codes, tokens, pending authorizations,
/// device grants, sessions) and logs how many of each went.
async fn purge(store: Database) {
    match store.purge_expired(crate::adapter::kit::now()).await {
        Ok(purged) if purged == Purged::default() => tracing::debug!("nothing expired to purge"),
        Ok(purged) => tracing::info!(
            codes = purged.codes,
            tokens = purged.tokens,
            pending = purged.pending,
            device_grants = purged.device_grants,
            sessions = purged.sessions,
            "purged expired records"
        ),
        Err(error) => tracing::warn!(%error, "purging expired records failed"),
    }
}

/// One line for the audit events dropped or delayed since the last one.
fn report_audit(app: &App) {
    let counts = app.driver.audit().counts();
    let delta = counts.since_last_report();
    let seconds = AUDIT_REPORT.as_secs();
    if delta.shed > 0 || delta.lost > 0 {
        tracing::warn!(
            shed = delta.shed,
            lost = delta.lost,
            sampled_out = delta.sampled_out,
            waited = delta.waited,
            seconds,
            "audit events were dropped (shed: queue full, as configured; lost: the store failed)"
        );
    } else if delta.sampled_out > 0 || delta.waited > 0 {
        tracing::info!(
            sampled_out = delta.sampled_out,
            waited = delta.waited,
            seconds,
            "audit: routine events sampled out as configured; requests that waited for the queue"
        );
    }
}
