//! `GET /metrics`: the server's counters and histograms in the Prometheus
//! text format (prometheus-client's encoder), and the store wrapper that
//! times every read and commit and counts the audit events they carry.
//!
//! | metric | type | labels | what |
//! |---|---|---|---|
//! | `qscope_http_requests_total` | counter | `endpoint`, `status` | every answered request; `endpoint` is a known path (or `other`), never a raw one |
//! | `qscope_tokens_issued_total` | counter | `grant` | tokens issued, by grant type (audit `token_issued`) |
//! | `qscope_refusals_total` | counter | `error` | requests refused with an OAuth error code (audit events with an `error`) |
//! | `qscope_store_seconds` | histogram | `operation` (`read`, `commit`) | store latency as the core's driver sees it |
//! | `qscope_group_commit_batch_size` | histogram | `writer` (`sqlite`, `audit`) | per group commit: store transactions in one SQLite transaction (`sqlite`; SQLite databases only), audit events in one audit-writer transaction (`audit`) |

use std::sync::Mutex;
use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::Config;
use crate::store::{
    Answers, AsyncStore, AuditAction, AuditEvent, Effect, Outcome, Query, Store, StoreError,
    Transaction,
};

/// The content type of the Prometheus text format.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    endpoint: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GrantLabels {
    grant: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    error: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WriterLabels {
    writer: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn batch_histogram() -> Histogram {
    // 1 to 1024.
    Histogram::new(exponential_buckets(1.0, 2.0, 11))
}

fn latency_histogram() -> Histogram {
    // 50 µs to ~1.6 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

/// The server's metrics, and the paths they name endpoints by.
pub(crate) struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    issued: Family<GrantLabels, Counter>,
    refusals: Family<ErrorLabels, Counter>,
    store: Histograms<OperationLabels>,
    batches: Histograms<WriterLabels>,
    endpoints: Vec<(String, &'static str)>,
}

impl Metrics {
    /// Metrics for a server with `config`'s endpoint paths.
    pub(crate) fn new(config: &Config) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "qscope_http_requests",
            "Requests answered, by endpoint and status",
            requests.clone(),
        );
        let issued = Family::<GrantLabels, Counter>::default();
        registry.register("qscope_tokens_issued", "Tokens issued, by grant type", issued.clone());
        let refusals = Family::<ErrorLabels, Counter>::default();
        registry.register(
            "qscope_refusals",
            "Requests refused with an OAuth error, by error code",
            refusals.clone(),
        );
        let store: Histograms<OperationLabels> = Family::new_with_constructor(latency_histogram);
        registry.register(
            "qscope_store_seconds",
            "Store latency per read or commit, seconds",
            store.clone(),
        );
        let batches: Histograms<WriterLabels> = Family::new_with_constructor(batch_histogram);
        registry.register(
            "qscope_group_commit_batch_size",
            "Transactions (sqlite) or audit events (audit) per group commit, by writer",
            batches.clone(),
        );
        let paths = config.endpoints();
        let mut endpoints = vec![
            (paths.token.clone(), "token"),
            (paths.authorization.clone(), "authorize"),
            (paths.revocation.clone(), "revoke"),
            (paths.introspection.clone(), "introspect"),
            (paths.device_authorization.clone(), "device_authorization"),
            (paths.registration.clone(), "register"),
            (config.metadata_path().to_owned(), "metadata"),
            ("/login".to_owned(), "login"),
            ("/logout".to_owned(), "logout"),
            ("/consent".to_owned(), "consent"),
            ("/device".to_owned(), "device"),
            ("/healthz".to_owned(), "healthz"),
            ("/readyz".to_owned(), "readyz"),
            ("/metrics".to_owned(), "metrics"),
        ];
        if let Some(par) = &paths.par {
            endpoints.push((par.clone(), "par"));
        }
        Self {
            registry: Mutex::new(registry),
            requests,
            issued,
            refusals,
            store,
            batches,
            endpoints,
        }
    }

    /// The endpoint label of `path`: a known endpoint's name, `register`
    /// for a client's registration URI, else `other`.
    fn endpoint(&self, path: &str) -> &'static str {
        let registration = self.endpoints.iter().find(|(_, name)| *name == "register");
        if let Some((prefix, _)) = registration
            && path.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.starts_with('/'))
        {
            return "register";
        }
        self.endpoints.iter().find(|(known, _)| known == path).map_or("other", |(_, name)| name)
    }

    /// Counts an answered request.
    pub(crate) fn request(&self, path: &str, status: u16) {
        let endpoint = self.endpoint(path);
        self.requests.get_or_create(&RequestLabels { endpoint, status }).inc();
    }

    /// Counts what `events` record: issues by grant, refusals by error.
    pub(crate) fn audit<'a>(&self, events: impl IntoIterator<Item = &'a AuditEvent>) {
        for event in events {
            if event.action == AuditAction::TokenIssued
                && let Some(grant) = event.grant_type
            {
                self.issued.get_or_create(&GrantLabels { grant: grant.as_str() }).inc();
            }
            if let Some(error) = event.error {
                self.refusals.get_or_create(&ErrorLabels { error: error.as_str() }).inc();
            }
        }
    }

    /// Counts the audit events among `effects`.
    pub(crate) fn audit_effects(&self, effects: &[Effect]) {
        self.audit(effects.iter().filter_map(|effect| match effect {
            Effect::AppendAudit(event) => Some(event),
            _ => None,
        }));
    }

    /// Records an audit-writer group commit of `size` events.
    pub(crate) fn audit_batch(&self, size: usize) {
        self.batches.get_or_create(&WriterLabels { writer: "audit" }).observe(size as f64);
    }

    /// Records a SQLite group commit of `size` transactions.
    pub(crate) fn sqlite_batch(&self, size: usize) {
        self.batches.get_or_create(&WriterLabels { writer: "sqlite" }).observe(size as f64);
    }

    fn timed(&self, operation: &'static str, started: Instant) {
        let seconds = started.elapsed().as_secs_f64();
        self.store.get_or_create(&OperationLabels { operation }).observe(seconds);
    }

    /// Everything, in the text format.
    pub(crate) fn encode(&self) -> String {
        let mut text = String::new();
        let registry = self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        text
    }
}

/// A store whose reads and commits are timed, and whose committed audit
/// events are counted, in [`Metrics`].
#[derive(Clone)]
pub(crate) struct Metered<S> {
    inner: S,
    metrics: std::sync::Arc<Metrics>,
}

impl<S> Metered<S> {
    /// `inner`, measured into `metrics`.
    pub(crate) fn new(inner: S, metrics: std::sync::Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }
}

#[allow(clippy::disallowed_methods, reason = "the server is the host: it reads the clock")]
fn started() -> Instant {
    Instant::now()
}

impl<S: Store> Store for Metered<S> {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        let start = started();
        let answers = self.inner.read(queries);
        self.metrics.timed("read", start);
        answers
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        let start = started();
        let outcome = self.inner.apply(transaction);
        self.metrics.timed("commit", start);
        if matches!(outcome, Ok(Outcome::Applied)) {
            self.metrics.audit_effects(&transaction.effects);
        }
        outcome
    }
}

impl<S: AsyncStore + Sync> AsyncStore for Metered<S> {
    async fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        let start = started();
        let answers = self.inner.read(queries).await;
        self.metrics.timed("read", start);
        answers
    }

    async fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        let start = started();
        let outcome = self.inner.apply(transaction).await;
        self.metrics.timed("commit", start);
        if matches!(outcome, Ok(Outcome::Applied)) {
            self.metrics.audit_effects(&transaction.effects);
        }
        outcome
    }
}
