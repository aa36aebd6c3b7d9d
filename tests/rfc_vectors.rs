//! Runs every RFC vector under `rfc-vectors/` (format: its README) through
//! the core and a `MemoryStore`, with the vector's fixed time and entropy,
//! and checks the exact response and the committed effects.

#[path = "rfc_vectors/format.rs"]
mod format;
#[path = "rfc_vectors/jose_dirs.rs"]
mod jose_dirs;

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};

use format::{ExpectAccess, ExpectCommit, Vector, kind_of};
use qscope::store::{Answers, MemoryStore, Outcome, Query, Store, StoreError, Transaction};
use qscope::{Context, Input, MAX_STEPS, Reply, Scopes, Server};

fn vector_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("rfc-vectors directory") {
        let path = entry.expect("dir entry").path();
        let jose =
            path.file_name().is_some_and(|name| jose_dirs::JOSE_DIRS.iter().any(|d| name == *d));
        if path.is_dir() && jose {
            // Run by tests/jose_vectors.rs.
        } else if path.is_dir() {
            vector_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

struct Ran {
    response: http::Response<Vec<u8>>,
    commits: Vec<Transaction>,
    best_effort: Vec<qscope::store::Effect>,
    /// Bearer vectors: the access granted, when allowed.
    allowed: Option<ExpectAccess>,
}

/// Runs the vector's request and, when it ends in an interaction, the
/// vector's decision; commits accumulate over both exchanges.
fn run(vector: &Vector) -> Result<Ran, String> {
    let server = vector.server();
    let store = vector.store();
    if let Some(bearer) = &vector.bearer {
        let required = Scopes::parse(&bearer.required_scopes).expect("required scopes");
        let request = vector.http_request();
        let mut commits = Vec::new();
        let input = Input::bearer(&request, &required);
        let (reply, _) = drive(&server, &store, input, vector.context(), &mut commits);
        let (response, allowed) = match reply {
            Reply::Access(access) => (
                http::Response::new(Vec::new()),
                Some(ExpectAccess {
                    subject: access.subject,
                    client_id: access.client_id,
                    scopes: access.scopes.to_string(),
                }),
            ),
            Reply::Http(response) => (response, None),
            other => return Err(format!("a bearer check ended in {other:?}")),
        };
        return Ok(Ran { response, commits: Vec::new(), best_effort: Vec::new(), allowed });
    }
    let mut commits = Vec::new();
    let request = vector.http_request();
    let (reply, best_effort) = drive(&server, &store, &request, vector.context(), &mut commits);
    let (response, best_effort) = match (reply, &vector.decision, &vector.expect.interaction) {
        (Reply::Http(response), None, None) => (response, best_effort),
        (Reply::Http(response), _, _) => {
            return Err(format!(
                "expected an interaction, got HTTP {} {}",
                response.status(),
                String::from_utf8_lossy(response.body())
            ));
        }
        (Reply::Interaction(interaction), Some(decision), expected) => {
            if let Some(expected) = expected {
                expected.check(&interaction, vector.now)?;
            }
            let input = decision.decision(interaction);
            let (reply, more) =
                drive(&server, &store, input, decision.context(vector), &mut commits);
            let response = reply.into_http().ok_or("a decision must end in HTTP")?;
            (response, best_effort.into_iter().chain(more).collect())
        }
        (Reply::Interaction(_), None, _) => {
            return Err("the reply is an interaction: the vector needs a decision".into());
        }
        (other, _, _) => return Err(format!("unexpected reply {other:?}")),
    };
    Ok(Ran { response, commits, best_effort, allowed: None })
}

/// Drives one exchange to its reply with the public driver, collecting
/// its commits and applying its best-effort effects.
fn drive<'a>(
    server: &Server,
    store: &MemoryStore,
    input: impl Into<Input<'a>>,
    ctx: Context,
    commits: &mut Vec<Transaction>,
) -> (Reply, Vec<qscope::store::Effect>) {
    let recording = Recording { store, commits: RefCell::default(), steps: Cell::new(0) };
    let respond = qscope::drive_deferred(server, &recording, input, ctx);
    commits.extend(recording.commits.into_inner());
    let outcome =
        store.apply(&Transaction::unconditional(respond.best_effort.clone())).expect("best effort");
    assert_eq!(outcome, Outcome::Applied);
    (respond.reply, respond.best_effort)
}

/// The vector's store as the driver sees it: commits are recorded, and an
/// exchange of more than [`MAX_STEPS`] steps (its respond included) panics.
struct Recording<'s> {
    store: &'s MemoryStore,
    commits: RefCell<Vec<Transaction>>,
    steps: Cell<usize>,
}

impl Recording<'_> {
    fn step(&self) {
        self.steps.set(self.steps.get() + 1);
        assert!(self.steps.get() < MAX_STEPS, "exchange exceeded MAX_STEPS");
    }
}

impl Store for Recording<'_> {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        self.step();
        Ok(self.store.read(queries).expect("read"))
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        self.step();
        self.commits.borrow_mut().push(transaction.clone());
        Ok(self.store.apply(transaction).expect("apply"))
    }
}

fn check(vector: &Vector) -> Result<(), String> {
    let ran = run(vector)?;
    let expect = &vector.expect;
    let response = &ran.response;
    let body = String::from_utf8_lossy(response.body()).into_owned();
    if response.status().as_u16() != expect.status {
        return Err(format!(
            "status {} (expected {}), body {body}",
            response.status(),
            expect.status
        ));
    }
    for (name, value) in &expect.headers {
        let got = response.headers().get(name.as_str()).map(|v| v.to_str().unwrap_or("<binary>"));
        if got != Some(value.as_str()) {
            return Err(format!("header {name}: {got:?} (expected {value:?})"));
        }
    }
    for name in &expect.headers_absent {
        if response.headers().contains_key(name.as_str()) {
            return Err(format!("header {name} should be absent"));
        }
    }
    if let Some(exact) = &expect.body
        && &body != exact
    {
        return Err(format!("body {body:?} (expected {exact:?})"));
    }
    if expect.json.is_some() || !expect.json_keys.is_empty() || !expect.json_absent.is_empty() {
        let json: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| format!("body is not JSON ({e}): {body}"))?;
        for (key, value) in expect.json.iter().flatten() {
            if json.get(key) != Some(value) {
                return Err(format!(
                    "JSON {key}: {:?} (expected {value}) in {json}",
                    json.get(key)
                ));
            }
        }
        for key in &expect.json_keys {
            if json.get(key).is_none() {
                return Err(format!("JSON member {key} missing in {json}"));
            }
        }
        for key in &expect.json_absent {
            if json.get(key).is_some() {
                return Err(format!("JSON member {key} should be absent in {json}"));
            }
        }
    }
    let commits: Vec<ExpectCommit> = ran
        .commits
        .iter()
        .map(|t| ExpectCommit {
            preconditions: t.preconditions.iter().map(kind_of).collect(),
            effects: t.effects.iter().map(kind_of).collect(),
        })
        .collect();
    if commits != expect.commits {
        return Err(format!("commits {commits:?} (expected {:?})", expect.commits));
    }
    let expected_access = expect.allowed.as_ref().map(|access| ExpectAccess {
        subject: access.subject.clone(),
        client_id: access.client_id.clone(),
        scopes: Scopes::parse(&access.scopes).expect("expected scopes").to_string(),
    });
    if ran.allowed != expected_access {
        return Err(format!("allowed {:?} (expected {expected_access:?})", ran.allowed));
    }
    let best_effort: Vec<String> = ran.best_effort.iter().map(kind_of).collect();
    if best_effort != expect.best_effort {
        return Err(format!(
            "best-effort effects {best_effort:?} (expected {:?})",
            expect.best_effort
        ));
    }
    Ok(())
}

#[test]
fn every_rfc_vector_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rfc-vectors");
    let mut files = Vec::new();
    vector_files(&root, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no vectors found under {}", root.display());
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable vector");
        let name = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        let vector: Vector = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: does not parse: {e}"));
                continue;
            }
        };
        assert!(
            vector.rfc.starts_with("RFC ") || vector.rfc.starts_with("OAuth 2.1"),
            "{name}: rfc field"
        );
        assert!(
            !vector.section.is_empty() && !vector.title.is_empty(),
            "{name}: section and title"
        );
        assert!(
            vector.adapted.as_ref().is_none_or(|why| !why.trim().is_empty()),
            "{name}: adapted, when present, says how and why"
        );
        if let Err(why) = check(&vector) {
            failures.push(format!("{name} ({} §{}): {why}", vector.rfc, vector.section));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    println!("{} RFC vectors hold", files.len());
}
