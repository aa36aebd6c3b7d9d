//! The stateful target: arbitrary sequences of whole flows (authorize and
//! decide, redeem and replay codes, refresh and reuse, client credentials,
//! device authorization, approval and polling, time passing) against one
//! `MemoryStore`, checking the lifecycle invariants after every step.

use std::collections::{HashMap, HashSet};

use arbitrary::Arbitrary;
use qscope::device::{DeviceDecision, DeviceReply, UserCode};
use qscope::store::{
    ClientAuthMethod, ClientRecord, FamilyId, GrantType, MemoryStore, Store, TokenHash, TokenKind,
    Transaction,
};
use qscope::{
    ClientSecret, Config, Context, Decision, Entropy, FifoLimits, Input, Reply, Scopes, Seconds,
    Server, UnixTime,
};
use serde_json::Value;

use super::store::{FuzzStore, StoreMode, not_misuse};
use super::wellformed;

const SECRET: &str = "stateful-secret-that-must-never-leak";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REFRESH_PER_CLIENT: u32 = 3;
const DEVICE_GRANT: &str = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code";

#[derive(Arbitrary, Debug)]
pub enum Op {
    Authorize {
        approve: bool,
        write: bool,
    },
    Redeem {
        code: u8,
        right_verifier: bool,
    },
    Refresh {
        family: u8,
        back: u8,
        narrow: bool,
    },
    ClientCredentials,
    DeviceStart,
    DeviceDecide {
        device: u8,
        approve: bool,
    },
    DevicePoll {
        device: u8,
    },
    Advance {
        seconds: u16,
    },
    /// Revokes a refresh token of a chain (RFC 7009): its family goes.
    Revoke {
        family: u8,
        back: u8,
    },
    /// Introspects a refresh token of a chain (RFC 7662): the answer must
    /// match the store.
    Introspect {
        family: u8,
        back: u8,
    },
}

/// What the model remembers between operations.
#[derive(Default)]
struct Model {
    codes: Vec<String>,
    code_wins: HashMap<String, u32>,
    /// Refresh tokens per family, oldest first.
    chains: Vec<Vec<String>>,
    family_of_chain: Vec<FamilyId>,
    /// Families revoked by a replay or a reuse: nothing in them may live.
    revoked_families: HashSet<FamilyId>,
    devices: Vec<(String, String)>,
    device_wins: HashMap<String, u32>,
}

struct World {
    server: Server,
    store: MemoryStore,
    now: UnixTime,
    counter: u64,
}

impl World {
    fn new() -> Self {
        let server = Server::new(
            Config::builder("https://server.example.com")
                .grants([
                    GrantType::AuthorizationCode,
                    GrantType::ClientCredentials,
                    GrantType::RefreshToken,
                    GrantType::DeviceCode,
                ])
                .scope("read", "Read", true)
                .scope("write", "Write", false)
                .fifo(FifoLimits {
                    refresh_per_client: Some(REFRESH_PER_CLIENT),
                    access_per_refresh: Some(2),
                    ..FifoLimits::default()
                })
                .build()
                .expect("stateful config"),
        );
        let store = MemoryStore::new();
        store.insert_client(
            ClientRecord::confidential(
                "app",
                ClientSecret::new(SECRET).hash(),
                ClientAuthMethod::ClientSecretPost,
            )
            .with_grants([
                GrantType::AuthorizationCode,
                GrantType::ClientCredentials,
                GrantType::RefreshToken,
                GrantType::DeviceCode,
            ])
            .with_scopes(Scopes::from_names(["read", "write"]))
            .with_redirect_uris(["https://app.example.com/cb"]),
        );
        Self { server, store, now: UnixTime::from_secs(1_700_000_000), counter: 0 }
    }

    fn context(&mut self) -> Context {
        self.counter += 1;
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&self.counter.to_be_bytes());
        Context::new(self.now, Entropy::from_bytes(bytes))
    }

    /// Drives `input` to its reply with the public driver; panics on a
    /// broken exchange property.
    fn ask<'a>(&mut self, input: impl Into<Input<'a>>) -> Reply {
        let ctx = self.context();
        let checked = FuzzStore::new(&self.store, StoreMode::Normal, self.now);
        let respond = qscope::drive_deferred(&self.server, &checked, input, ctx);
        let _ = self.store.apply(&Transaction::unconditional(respond.best_effort));
        if let Some(response) = respond.reply.http() {
            not_misuse(response);
            wellformed::check(response, &[SECRET]);
            if response.status() == 200 && json(response).get("access_token").is_some() {
                assert!(checked.applied_commit.get(), "tokens answered without an applied commit");
            }
        }
        respond.reply
    }

    fn send(&mut self, method: &str, path: &str, body: String) -> http::Response<Vec<u8>> {
        let request = http::Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.into_bytes())
            .expect("request");
        self.ask(&request).into_http().expect("an HTTP reply")
    }
}

fn json(response: &http::Response<Vec<u8>>) -> Value {
    serde_json::from_slice(response.body()).unwrap_or(Value::Null)
}

fn query_param(location: &str, name: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    query.split('&').find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

const CREDENTIALS: &str = "client_id=app&client_secret=stateful-secret-that-must-never-leak";

/// Runs `ops` and checks the invariants after each one.
pub fn run(ops: &[Op]) {
    let mut world = World::new();
    let mut model = Model::default();
    for op in ops.iter().take(48) {
        step(&mut world, &mut model, op);
        check_invariants(&world, &model);
    }
}

fn step(world: &mut World, model: &mut Model, op: &Op) {
    match op {
        Op::Authorize { approve, write } => {
            let scope = if *write { "read%20write" } else { "read" };
            let path = format!(
                "/authorize?response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope={scope}&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256"
            );
            let request = http::Request::get(path).body(Vec::new()).expect("request");
            let Reply::Interaction(interaction) = world.ask(&request) else {
                panic!("a valid authorization request asks for an interaction");
            };
            let decision = if *approve {
                let granted = interaction.scopes.iter().map(|s| s.name.clone());
                Decision::approve(interaction.handle, "alice", Scopes::from_names(granted))
            } else {
                Decision::deny(interaction.handle)
            };
            let response = world.ask(decision).into_http().expect("redirect");
            assert_eq!(response.status(), 303);
            let location = response.headers()["location"].to_str().expect("ascii").to_owned();
            assert!(location.starts_with("https://app.example.com/cb?"), "only the registered URI");
            match query_param(&location, "code") {
                Some(code) => {
                    assert!(approve, "a denial carries no code");
                    model.codes.push(code);
                }
                None => {
                    assert_eq!(query_param(&location, "error").as_deref(), Some("access_denied"))
                }
            }
        }
        Op::Redeem { code, right_verifier } => {
            let Some(code) = pick(&model.codes, *code).cloned() else { return };
            let verifier =
                if *right_verifier { VERIFIER.to_owned() } else { VERIFIER.replace('d', "e") };
            let body = format!(
                "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_verifier={verifier}&{CREDENTIALS}"
            );
            let response = world.send("POST", "/token", body);
            let body = json(&response);
            if response.status() == 200 {
                *model.code_wins.entry(code).or_default() += 1;
                let refresh = body["refresh_token"].as_str().expect("refresh").to_owned();
                let family = world.store.token(&TokenHash::of(&refresh)).expect("stored").family;
                model.chains.push(vec![refresh]);
                model.family_of_chain.push(family);
            } else if body["error_description"] == "authorization code was already used"
                && let Some(family) = family_of_code(world, &code)
            {
                model.revoked_families.insert(family);
            }
        }
        Op::Refresh { family, back, narrow } => {
            if model.chains.is_empty() {
                return;
            }
            let index = usize::from(*family) % model.chains.len();
            let chain = &model.chains[index];
            let Some(presented) =
                chain.len().checked_sub(1 + usize::from(*back % 3)).map(|i| chain[i].clone())
            else {
                return;
            };
            let scope = if *narrow { "&scope=read" } else { "" };
            let body =
                format!("grant_type=refresh_token&refresh_token={presented}{scope}&{CREDENTIALS}");
            let response = world.send("POST", "/token", body);
            let body = json(&response);
            if response.status() == 200 {
                let refresh = body["refresh_token"].as_str().expect("rotated").to_owned();
                assert!(
                    !model.revoked_families.contains(&model.family_of_chain[index]),
                    "a revoked family issued a token"
                );
                model.chains[index].push(refresh);
            } else if body["error_description"] == "refresh token was already used" {
                model.revoked_families.insert(model.family_of_chain[index]);
            }
        }
        Op::ClientCredentials => {
            let response = world.send(
                "POST",
                "/token",
                format!("grant_type=client_credentials&{CREDENTIALS}"),
            );
            assert_eq!(response.status(), 200);
            assert!(json(&response).get("refresh_token").is_none());
        }
        Op::DeviceStart => {
            let response =
                world.send("POST", "/device_authorization", format!("scope=read&{CREDENTIALS}"));
            assert_eq!(response.status(), 200);
            let body = json(&response);
            let device = body["device_code"].as_str().expect("device code").to_owned();
            let user = body["user_code"].as_str().expect("user code").to_owned();
            model.devices.push((device, user));
        }
        Op::DeviceDecide { device, approve } => {
            let Some((_, user)) = pick(&model.devices, *device).cloned() else { return };
            let user_code = UserCode::parse(&user).expect("issued codes parse");
            let decision = if *approve {
                DeviceDecision::Approve {
                    user_code,
                    subject: "bob".into(),
                    scopes: Scopes::from_names(["read"]),
                }
            } else {
                DeviceDecision::Deny { user_code }
            };
            let Reply::Device(reply) = world.ask(decision) else {
                panic!("a device decision answers with a device reply");
            };
            assert!(!matches!(reply, DeviceReply::Prompt(_)));
        }
        Op::DevicePoll { device } => {
            let Some((device, _)) = pick(&model.devices, *device).cloned() else { return };
            let body = format!("grant_type={DEVICE_GRANT}&device_code={device}&{CREDENTIALS}");
            let response = world.send("POST", "/token", body);
            if response.status() == 200 {
                *model.device_wins.entry(device).or_default() += 1;
            }
        }
        Op::Advance { seconds } => {
            world.now = world.now.after(Seconds::new(u64::from(*seconds % 4000)))
        }
        Op::Revoke { family, back } => {
            let Some((index, presented)) = chain_token(model, *family, *back) else { return };
            let response =
                world.send("POST", "/revoke", format!("token={presented}&{CREDENTIALS}"));
            assert_eq!(response.status(), 200, "the owner's revocation always answers 200");
            assert!(response.body().is_empty());
            let record = world.store.token(&TokenHash::of(&presented)).expect("stored");
            if record.revoked_at.is_some() {
                model.revoked_families.insert(model.family_of_chain[index]);
            }
        }
        Op::Introspect { family, back } => {
            let Some((_, presented)) = chain_token(model, *family, *back) else { return };
            let response =
                world.send("POST", "/introspect", format!("token={presented}&{CREDENTIALS}"));
            assert_eq!(response.status(), 200);
            let record = world.store.token(&TokenHash::of(&presented)).expect("stored");
            if record.is_active(world.now) {
                let body = json(&response);
                assert_eq!(body["active"], true);
                assert_eq!(body["token_use"], "refresh_token");
                assert_eq!(body["exp"], record.expires_at.as_secs());
            } else {
                assert_eq!(response.body().as_slice(), br#"{"active":false}"#);
            }
        }
    }
}

/// A refresh token of chain `family`, `back` steps from its newest.
fn chain_token(model: &Model, family: u8, back: u8) -> Option<(usize, String)> {
    if model.chains.is_empty() {
        return None;
    }
    let index = usize::from(family) % model.chains.len();
    let chain = &model.chains[index];
    let i = chain.len().checked_sub(1 + usize::from(back % 3))?;
    Some((index, chain[i].clone()))
}

fn pick<T>(items: &[T], index: u8) -> Option<&T> {
    (!items.is_empty()).then(|| &items[usize::from(index) % items.len()])
}

fn family_of_code(world: &World, code: &str) -> Option<FamilyId> {
    world.store.code(&TokenHash::of(code)).map(|c| c.family)
}

fn check_invariants(world: &World, model: &Model) {
    for (code, wins) in &model.code_wins {
        assert!(*wins <= 1, "code {code:?} yielded tokens {wins} times");
    }
    for (device, wins) in &model.device_wins {
        assert!(*wins <= 1, "device code {device:?} yielded tokens {wins} times");
    }
    let tokens = world.store.tokens();
    for token in &tokens {
        if model.revoked_families.contains(&token.family) {
            assert!(!token.is_active(world.now), "a token outlived its family's revocation");
        }
        if token.rotated_at.is_some() || token.revoked_at.is_some() {
            assert!(!token.is_active(world.now));
        }
    }
    let live_refresh = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Refresh && t.client_id == "app" && t.is_active(world.now))
        .count();
    assert!(live_refresh <= REFRESH_PER_CLIENT as usize, "FIFO limit exceeded: {live_refresh}");
    let trail = serde_json::to_string(&world.store.audit_events()).expect("audit serializes");
    assert!(!trail.contains(SECRET), "the audit trail leaks the client secret");
}
