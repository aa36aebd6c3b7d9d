//! A walk through the core: a client-credentials exchange, an authorization
//! request with the user's consent and its code + PKCE exchange, a refresh,
//! and a replayed code, driven by `qscope::drive_deferred` over a
//! `MemoryStore` that prints every step and every effect.
//!
//! Run with `cargo run --example walkthrough`.

use qscope::store::{
    Answers, ClientAuthMethod, ClientRecord, Effect, GrantType, MemoryStore, Outcome, Query, Store,
    StoreError, Transaction,
};
use qscope::{
    ClientSecret, Config, Context, Decision, Entropy, Input, Reply, Scopes, Seconds, Server,
    UnixTime,
};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::new(
        Config::builder("https://as.example.com")
            .scope("read", "Read your data", true)
            .scope("write", "Change your data", false)
            .build()?,
    );
    let store = MemoryStore::new();
    let now = UnixTime::from_secs(1_700_000_000);
    // A fixed seed keeps the walkthrough's output the same on every run; a
    // real adapter draws 32 fresh bytes from the OS CSPRNG per request.
    let mut seed = 0u8;
    let mut context = |now| {
        seed += 1;
        Context::new(now, Entropy::from_bytes([seed; 32]))
    };

    let secret = ClientSecret::from_entropy(&[42; 32]);
    store.insert_client(
        ClientRecord::confidential(
            "walkthrough",
            secret.hash(),
            ClientAuthMethod::ClientSecretPost,
        )
        .with_grants([
            GrantType::AuthorizationCode,
            GrantType::ClientCredentials,
            GrantType::RefreshToken,
        ])
        .with_scopes(Scopes::from_names(["read", "write"]))
        .with_redirect_uris(["https://client.example.com/cb"]),
    );
    let credentials = format!("client_id=walkthrough&client_secret={}", secret.expose());

    println!("== 1. client credentials ==");
    exchange(
        &server,
        &store,
        form(&format!("grant_type=client_credentials&scope=write&{credentials}")),
        context(now),
    )?;

    println!("\n== 2. authorization code with PKCE (RFC 7636 Appendix B verifier) ==");
    let authorize = http::Request::get(format!(
        "/authorize?response_type=code&client_id=walkthrough&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&scope=read%20write&state=af0ifjsldkj&code_challenge={CHALLENGE}&code_challenge_method=S256"
    ))
    .body(Vec::new())?;
    println!("-> GET /authorize?…");
    let Reply::Interaction(interaction) = run(&server, &store, &authorize, context(now)) else {
        return Err("a valid authorization request asks for the user".into());
    };
    let scopes: Vec<&str> = interaction.scopes.iter().map(|s| s.name.as_str()).collect();
    println!(
        "<- Interaction: {} asks for {scopes:?}; the host logs alice in and asks her",
        interaction.client_id
    );
    let decision = Decision::approve(interaction.handle, "alice", Scopes::from_names(scopes));
    println!("-> Input::Decision(approve)");
    let Reply::Http(redirect) = run(&server, &store, decision, context(now)) else {
        return Err("a decision answers with a redirect".into());
    };
    let location = redirect.headers()["location"].to_str()?.to_owned();
    println!("<- {} Location: {}", redirect.status(), location.split("code=").next().unwrap_or(""));
    let code = location
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("code="))
        .ok_or("the redirect carries the code")?
        .to_owned();
    let body = format!(
        "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&code_verifier={VERIFIER}&{credentials}"
    );
    let tokens = exchange(&server, &store, form(&body), context(now))?;
    let refresh = tokens["refresh_token"].as_str().unwrap_or_default().to_owned();

    println!("\n== 3. refresh (rotation), narrowing the scope to read ==");
    let later = now.after(Seconds::minutes(5));
    let body = format!("grant_type=refresh_token&refresh_token={refresh}&scope=read&{credentials}");
    exchange(&server, &store, form(&body), context(later))?;

    println!("\n== 4. the same code again: refused, and its tokens revoked ==");
    let body = format!(
        "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&code_verifier={VERIFIER}&{credentials}"
    );
    exchange(&server, &store, form(&body), context(later))?;

    println!("\n== audit trail ==");
    for event in store.audit_events() {
        println!("  {}", serde_json::to_string(&event)?);
    }
    Ok(())
}

fn form(body: &str) -> http::Request<Vec<u8>> {
    http::Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.as_bytes().to_vec())
        .expect("valid request")
}

/// Sends one token-endpoint request and returns its JSON body.
fn exchange(
    server: &Server,
    store: &MemoryStore,
    request: http::Request<Vec<u8>>,
    ctx: Context,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    println!("-> {} {}  {}", request.method(), request.uri(), redact(request.body()));
    let response = run(server, store, &request, ctx)
        .into_http()
        .ok_or("the token endpoint answers over HTTP")?;
    let body = String::from_utf8_lossy(response.body()).into_owned();
    println!("<- {} {body}", response.status());
    Ok(serde_json::from_str(&body).unwrap_or_default())
}

/// Drives one exchange to its reply over the narrating store, printing
/// the best-effort effects before applying them.
fn run<'a>(
    server: &Server,
    store: &MemoryStore,
    input: impl Into<Input<'a>>,
    ctx: Context,
) -> Reply {
    let respond = qscope::drive_deferred(server, &Narrated(store), input, ctx);
    for effect in &respond.best_effort {
        println!("   Best effort {}", describe(effect));
    }
    let _ = store.apply(&Transaction::unconditional(respond.best_effort));
    respond.reply
}

/// The memory store, printing each read and commit the driver asks of it.
struct Narrated<'s>(&'s MemoryStore);

impl Store for Narrated<'_> {
    fn read(&self, queries: &[Query]) -> Result<Answers, StoreError> {
        println!("   Read    {queries:?}");
        self.0.read(queries)
    }

    fn apply(&self, transaction: &Transaction) -> Result<Outcome, StoreError> {
        println!("   Commit  preconditions {:?}", transaction.preconditions);
        for effect in &transaction.effects {
            println!("           {}", describe(effect));
        }
        let outcome = self.0.apply(transaction);
        if let Ok(outcome) = &outcome {
            println!("           -> {outcome:?}");
        }
        outcome
    }
}

/// One line per effect, without record internals.
fn describe(effect: &Effect) -> String {
    match effect {
        Effect::PutToken(t) => format!(
            "PutToken {:?} {:?} family {:?} scope \"{}\"",
            t.kind, t.hash, t.family, t.scopes
        ),
        Effect::AppendAudit(e) => format!("AppendAudit {} {:?}", e.action.as_str(), e.error),
        Effect::PutCode(c) => {
            format!("PutCode {:?} for {} scope \"{}\"", c.hash, c.subject, c.scopes)
        }
        Effect::PutPending(p) => format!("PutPending {:?} {:?}", p.hash, p.kind),
        other => format!("{other:?}"),
    }
}

fn redact(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k @ ("client_secret" | "code_verifier" | "refresh_token" | "code"), _)) => {
                format!("{k}=…")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}
