//! The vector file format (see `rfc-vectors/README.md`), and turning a
//! vector's set-up into a configured server and a filled store.

use std::collections::BTreeMap;

use qscope::store::{
    ClientAuthMethod, ClientRecord, CodeRecord, DeviceGrantRecord, DeviceStatus, Effect, FamilyId,
    GrantType, MemoryStore, PendingAuthorizationRecord, PendingKind, PkceChallenge, PkceMethod,
    Registrant, Store, TokenHash, TokenKind, TokenRecord, Transaction,
};
use qscope::{
    BearerPolicy, ClientSecret, Config, Context, Decision, Entropy, FifoLimits, Interaction,
    PkcePolicy, RefreshRotation, RegistrationPolicy, ResourceDefinition, Scopes, Seconds,
    SecretHash, Server, UnixTime,
};
use serde::Deserialize;
use serde_json::Value;

/// One vector file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Vector {
    pub(crate) rfc: String,
    pub(crate) section: String,
    pub(crate) title: String,
    /// How and why the vector departs from the RFC's literal example.
    #[serde(default)]
    pub(crate) adapted: Option<String>,
    #[serde(default)]
    pub(crate) config: VectorConfig,
    pub(crate) now: u64,
    /// 64 hex digits.
    pub(crate) entropy: String,
    #[serde(default)]
    pub(crate) setup: Setup,
    pub(crate) request: VectorRequest,
    /// When the request ends in an interaction: the host's decision, driven
    /// as a second exchange; `expect` then describes its response.
    #[serde(default)]
    pub(crate) decision: Option<VectorDecision>,
    /// Present for a resource request: the request is verified with
    /// a bearer check (`Input::Bearer`) instead of being sent to an endpoint.
    #[serde(default)]
    pub(crate) bearer: Option<BearerCheck>,
    pub(crate) expect: Expect,
}

/// What the protected resource of a bearer vector requires.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BearerCheck {
    /// The scopes the resource needs, space-delimited (may be empty).
    #[serde(default)]
    pub(crate) required_scopes: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VectorConfig {
    #[serde(default = "default_issuer")]
    pub(crate) issuer: String,
    #[serde(default)]
    pub(crate) grants: Option<Vec<GrantType>>,
    #[serde(default)]
    pub(crate) scopes: Vec<ScopeDef>,
    #[serde(default)]
    pub(crate) pkce_required_for_confidential: Option<bool>,
    #[serde(default)]
    pub(crate) pkce_allow_plain: bool,
    #[serde(default)]
    pub(crate) refresh_grace_seconds: Option<u64>,
    #[serde(default)]
    pub(crate) refresh_for_client_credentials: bool,
    #[serde(default)]
    pub(crate) access_token_lifetime: Option<u64>,
    #[serde(default)]
    pub(crate) fifo_refresh_per_client: Option<u32>,
    #[serde(default)]
    pub(crate) require_par: bool,
    #[serde(default)]
    pub(crate) code_lifetime: Option<u64>,
    /// The realm of bearer challenges (default `qscope`).
    #[serde(default)]
    pub(crate) bearer_realm: Option<String>,
    /// Whether a form-body `access_token` is accepted (default false).
    #[serde(default)]
    pub(crate) bearer_form_body: bool,
    /// `"open"`, `"closed"` or `{"initial_access_tokens": [...]}` (in clear).
    #[serde(default)]
    pub(crate) registration: Option<VectorRegistration>,
    #[serde(default)]
    pub(crate) registration_scopes: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) registration_grants: Option<Vec<GrantType>>,
    /// Resources clients may name (RFC 8707), all opaque.
    #[serde(default)]
    pub(crate) resources: Vec<ResourceDef>,
}

/// A resource definition: its indicator and, optionally, the only scopes
/// its tokens may carry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceDef {
    pub(crate) uri: String,
    #[serde(default)]
    pub(crate) scopes: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum VectorRegistration {
    Named(String),
    Tokens { initial_access_tokens: Vec<String> },
}

impl Default for VectorConfig {
    fn default() -> Self {
        serde_json::from_str("{}").expect("defaults")
    }
}

fn default_issuer() -> String {
    "https://server.example.com".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopeDef {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) default: bool,
}

/// Records to store before the request, with secrets in clear (the runner
/// hashes them), plus raw effects for anything else.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Setup {
    #[serde(default)]
    pub(crate) clients: Vec<SetupClient>,
    #[serde(default)]
    pub(crate) codes: Vec<SetupCode>,
    #[serde(default)]
    pub(crate) tokens: Vec<SetupToken>,
    #[serde(default)]
    pub(crate) pending: Vec<SetupPending>,
    #[serde(default)]
    pub(crate) users: Vec<SetupUser>,
    #[serde(default)]
    pub(crate) devices: Vec<SetupDevice>,
    #[serde(default)]
    pub(crate) effects: Vec<Effect>,
}

/// A device authorization (RFC 8628), codes in clear.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetupDevice {
    pub(crate) device_code: String,
    /// Normalized (8 letters, no dash).
    pub(crate) user_code: String,
    pub(crate) client_id: String,
    #[serde(default)]
    pub(crate) scopes: String,
    pub(crate) status: DeviceStatus,
    #[serde(default)]
    pub(crate) subject: Option<String>,
    #[serde(default)]
    pub(crate) granted_scopes: Option<String>,
    #[serde(default = "default_interval")]
    pub(crate) interval: u64,
    /// Seconds before `now` the device last polled.
    #[serde(default)]
    pub(crate) last_poll_ago: Option<u64>,
    /// Seconds from `now` until the grant expires.
    pub(crate) expires_in: i64,
    pub(crate) family: FamilyId,
}

fn default_interval() -> u64 {
    5
}

/// A resource owner the host knows, for the password grant.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetupUser {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) subject: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetupClient {
    pub(crate) client_id: String,
    #[serde(default)]
    pub(crate) secret: Option<String>,
    pub(crate) auth_method: ClientAuthMethod,
    pub(crate) grant_types: Vec<GrantType>,
    #[serde(default)]
    pub(crate) scopes: String,
    #[serde(default)]
    pub(crate) redirect_uris: Vec<String>,
    #[serde(default)]
    pub(crate) resource_server: bool,
    #[serde(default)]
    pub(crate) require_par: bool,
    /// In clear; the runner stores its hash.
    #[serde(default)]
    pub(crate) registration_access_token: Option<String>,
    #[serde(default, alias = "name")]
    pub(crate) client_name: Option<String>,
    #[serde(default, alias = "uri")]
    pub(crate) client_uri: Option<String>,
    #[serde(default)]
    pub(crate) logo_uri: Option<String>,
    #[serde(default)]
    pub(crate) contacts: Vec<String>,
    #[serde(default)]
    pub(crate) software_id: Option<String>,
    #[serde(default)]
    pub(crate) software_version: Option<String>,
    /// Unix seconds (default 0).
    #[serde(default)]
    pub(crate) client_id_issued_at: u64,
    /// Who registered the client (default `administrator`).
    #[serde(default = "administrator")]
    pub(crate) registrant: Registrant,
}

fn administrator() -> Registrant {
    Registrant::Administrator
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetupCode {
    pub(crate) code: String,
    pub(crate) client_id: String,
    pub(crate) subject: String,
    #[serde(default)]
    pub(crate) redirect_uri: Option<String>,
    #[serde(default)]
    pub(crate) scopes: String,
    #[serde(default)]
    pub(crate) code_challenge: Option<String>,
    #[serde(default)]
    pub(crate) code_challenge_method: Option<PkceMethod>,
    /// Seconds from `now` until the code expires (negative: already expired).
    pub(crate) expires_in: i64,
    pub(crate) family: FamilyId,
    #[serde(default)]
    pub(crate) consumed: bool,
    #[serde(default)]
    pub(crate) resources: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetupToken {
    pub(crate) token: String,
    pub(crate) kind: TokenKind,
    pub(crate) client_id: String,
    #[serde(default)]
    pub(crate) subject: Option<String>,
    #[serde(default)]
    pub(crate) scopes: String,
    pub(crate) expires_in: i64,
    pub(crate) family: FamilyId,
    #[serde(default)]
    pub(crate) rotated: bool,
    #[serde(default)]
    pub(crate) revoked: bool,
    #[serde(default)]
    pub(crate) resources: Vec<String>,
}

/// A pending authorization (a pushed request or an interaction), its
/// handle (the interaction handle or the whole `request_uri`) in clear.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetupPending {
    pub(crate) handle: String,
    pub(crate) kind: PendingKind,
    pub(crate) client_id: String,
    #[serde(default)]
    pub(crate) redirect_uri: Option<String>,
    pub(crate) resolved_redirect_uri: String,
    #[serde(default)]
    pub(crate) scopes: String,
    #[serde(default)]
    pub(crate) state: Option<String>,
    #[serde(default)]
    pub(crate) code_challenge: Option<String>,
    #[serde(default)]
    pub(crate) code_challenge_method: Option<PkceMethod>,
    /// Seconds from `now` until the handle expires (negative: expired).
    pub(crate) expires_in: i64,
}

/// The host's decision on the interaction the request ended in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VectorDecision {
    /// 64 hex digits: the decision exchange's entropy.
    pub(crate) entropy: String,
    /// Seconds between the request and the decision.
    #[serde(default)]
    pub(crate) after: u64,
    #[serde(default)]
    pub(crate) approve: Option<Approve>,
    #[serde(default)]
    pub(crate) deny: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Approve {
    pub(crate) subject: String,
    #[serde(default)]
    pub(crate) scopes: String,
}

impl VectorDecision {
    pub(crate) fn decision(&self, interaction: Interaction) -> Decision {
        match (&self.approve, self.deny) {
            (Some(approve), false) => Decision::approve(
                interaction.handle,
                approve.subject.clone(),
                Scopes::parse(&approve.scopes).expect("decision scopes"),
            ),
            (None, true) => Decision::deny(interaction.handle),
            _ => panic!("a decision is either approve or deny"),
        }
    }

    pub(crate) fn context(&self, vector: &Vector) -> Context {
        let now = vector.now().after(Seconds::new(self.after));
        Context::new(now, Entropy::from_bytes(hex32(&self.entropy)))
    }
}

/// What the interaction the request ended in must show.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectInteraction {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    #[serde(default)]
    pub(crate) pushed: bool,
    /// Seconds from `now` until the handle expires.
    pub(crate) expires_in: u64,
}

impl ExpectInteraction {
    pub(crate) fn check(&self, interaction: &Interaction, now: u64) -> Result<(), String> {
        let scopes: Vec<&str> = interaction.scopes.iter().map(|s| s.name.as_str()).collect();
        let got = (
            interaction.client_id.as_str(),
            interaction.redirect_uri.as_str(),
            scopes,
            interaction.pushed,
            interaction.expires_at.as_secs().saturating_sub(now),
        );
        let want = (
            self.client_id.as_str(),
            self.redirect_uri.as_str(),
            self.scopes.iter().map(String::as_str).collect::<Vec<_>>(),
            self.pushed,
            self.expires_in,
        );
        if got == want { Ok(()) } else { Err(format!("interaction {got:?} (expected {want:?})")) }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VectorRequest {
    pub(crate) method: String,
    pub(crate) uri: String,
    /// Header name → value, or → list of values for a repeated header.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, HeaderValues>,
    #[serde(default)]
    pub(crate) body: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum HeaderValues {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expect {
    pub(crate) status: u16,
    /// Headers that must be present with exactly these values.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// Headers that must be absent.
    #[serde(default)]
    pub(crate) headers_absent: Vec<String>,
    /// The exact body as text.
    #[serde(default)]
    pub(crate) body: Option<String>,
    /// JSON members that must be present with exactly these values.
    #[serde(default)]
    pub(crate) json: Option<serde_json::Map<String, Value>>,
    /// JSON members that must be present, whatever their value.
    #[serde(default)]
    pub(crate) json_keys: Vec<String>,
    /// JSON members that must be absent.
    #[serde(default)]
    pub(crate) json_absent: Vec<String>,
    /// The committed transactions, in order: precondition and effect kinds.
    #[serde(default)]
    pub(crate) commits: Vec<ExpectCommit>,
    /// The kinds of the best-effort effects of the reply.
    #[serde(default)]
    pub(crate) best_effort: Vec<String>,
    /// When present, the request must end in an interaction like this one
    /// (and the vector has a `decision`).
    #[serde(default)]
    pub(crate) interaction: Option<ExpectInteraction>,
    /// Bearer vectors only: the access granted. Present exactly when the
    /// verification must allow the request (then `status` is 200 and the
    /// response is empty: the resource server serves the request).
    #[serde(default)]
    pub(crate) allowed: Option<ExpectAccess>,
}

/// The access a bearer vector expects to be granted.
#[derive(Deserialize, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectAccess {
    #[serde(default)]
    pub(crate) subject: Option<String>,
    pub(crate) client_id: String,
    /// Space-delimited, in any order.
    pub(crate) scopes: String,
}

#[derive(Deserialize, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectCommit {
    #[serde(default)]
    pub(crate) preconditions: Vec<String>,
    pub(crate) effects: Vec<String>,
}

impl Vector {
    pub(crate) fn server(&self) -> Server {
        let c = &self.config;
        let mut builder = Config::builder(c.issuer.clone());
        if let Some(grants) = &c.grants {
            builder = builder.grants(grants.iter().copied());
        }
        for scope in &c.scopes {
            builder = builder.scope(scope.name.clone(), scope.description.clone(), scope.default);
        }
        builder = builder.pkce(PkcePolicy {
            required_for_confidential: c.pkce_required_for_confidential.unwrap_or(true),
            allow_plain: c.pkce_allow_plain,
        });
        if let Some(grace) = c.refresh_grace_seconds {
            builder = builder.rotation(RefreshRotation::Grace(Seconds::new(grace)));
        }
        if let Some(lifetime) = c.access_token_lifetime {
            builder = builder.access_token_lifetime(Seconds::new(lifetime));
        }
        if let Some(lifetime) = c.code_lifetime {
            builder = builder.code_lifetime(Seconds::new(lifetime));
        }
        builder = builder.require_par(c.require_par);
        builder = builder.refresh_for_client_credentials(c.refresh_for_client_credentials).fifo(
            FifoLimits { refresh_per_client: c.fifo_refresh_per_client, ..FifoLimits::default() },
        );
        let mut bearer =
            BearerPolicy { accept_form_body: c.bearer_form_body, ..BearerPolicy::default() };
        if let Some(realm) = &c.bearer_realm {
            bearer.realm.clone_from(realm);
        }
        builder = builder.bearer(bearer);
        builder = match &c.registration {
            None => builder,
            Some(VectorRegistration::Named(name)) => builder.registration(match name.as_str() {
                "open" => RegistrationPolicy::Open,
                "closed" => RegistrationPolicy::Closed,
                other => panic!("unknown registration policy {other}"),
            }),
            Some(VectorRegistration::Tokens { initial_access_tokens }) => {
                builder.registration(RegistrationPolicy::InitialAccessToken(
                    initial_access_tokens.iter().map(|t| SecretHash::of(t)).collect(),
                ))
            }
        };
        if let Some(scopes) = &c.registration_scopes {
            builder = builder.registration_scopes(scopes.iter().cloned());
        }
        if let Some(grants) = &c.registration_grants {
            builder = builder.registration_grants(grants.iter().copied());
        }
        for r in &c.resources {
            let mut resource = ResourceDefinition::new(r.uri.clone());
            if let Some(scopes) = &r.scopes {
                resource = resource.with_scopes(Scopes::parse(scopes).expect("resource scopes"));
            }
            builder = builder.resource(resource);
        }
        Server::new(builder.build().expect("vector config builds"))
    }

    pub(crate) fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.now)
    }

    pub(crate) fn context(&self) -> Context {
        let bytes = hex32(&self.entropy);
        Context::new(self.now(), Entropy::from_bytes(bytes))
    }

    fn at(&self, offset: i64) -> UnixTime {
        UnixTime::from_secs(self.now.checked_add_signed(offset).expect("time offset"))
    }

    pub(crate) fn store(&self) -> MemoryStore {
        let store = MemoryStore::new();
        let mut effects = Vec::new();
        for c in &self.setup.clients {
            let mut record = match &c.secret {
                Some(secret) => ClientRecord::confidential(
                    c.client_id.clone(),
                    ClientSecret::new(secret.clone()).hash(),
                    c.auth_method,
                ),
                None => ClientRecord::public(c.client_id.clone()),
            };
            record = record
                .with_grants(c.grant_types.iter().copied())
                .with_scopes(Scopes::parse(&c.scopes).expect("setup scopes"))
                .with_redirect_uris(c.redirect_uris.iter().cloned());
            record.resource_server = c.resource_server;
            record.require_par = c.require_par;
            record.registration_token_hash =
                c.registration_access_token.as_deref().map(TokenHash::of);
            record.name = c.client_name.clone();
            record.uri = c.client_uri.clone();
            record.logo_uri = c.logo_uri.clone();
            record.contacts = c.contacts.clone();
            record.software_id = c.software_id.clone();
            record.software_version = c.software_version.clone();
            record.created_at = UnixTime::from_secs(c.client_id_issued_at);
            record.registrant = c.registrant;
            effects.push(Effect::PutClient(record));
        }
        for c in &self.setup.codes {
            effects.push(Effect::PutCode(CodeRecord {
                hash: TokenHash::of(&c.code),
                client_id: c.client_id.clone(),
                subject: c.subject.clone(),
                redirect_uri: c.redirect_uri.clone(),
                scopes: Scopes::parse(&c.scopes).expect("setup scopes"),
                challenge: c.code_challenge.clone().map(|challenge| PkceChallenge {
                    method: c.code_challenge_method.unwrap_or(PkceMethod::S256),
                    challenge,
                }),
                issued_at: self.at(-1),
                expires_at: self.at(c.expires_in),
                family: c.family,
                consumed_at: c.consumed.then(|| self.at(-1)),
                resources: c.resources.clone(),
            }));
        }
        for t in &self.setup.tokens {
            effects.push(Effect::PutToken(TokenRecord {
                hash: TokenHash::of(&t.token),
                kind: t.kind,
                client_id: t.client_id.clone(),
                subject: t.subject.clone(),
                scopes: Scopes::parse(&t.scopes).expect("setup scopes"),
                family: t.family,
                parent: None,
                issued_at: self.at(-10),
                expires_at: self.at(t.expires_in),
                rotated_at: t.rotated.then(|| self.at(-5)),
                revoked_at: t.revoked.then(|| self.at(-5)),
                resources: t.resources.clone(),
            }));
        }
        for p in &self.setup.pending {
            effects.push(Effect::PutPending(PendingAuthorizationRecord {
                hash: TokenHash::of(&p.handle),
                kind: p.kind,
                client_id: p.client_id.clone(),
                redirect_uri: p.redirect_uri.clone(),
                resolved_redirect_uri: p.resolved_redirect_uri.clone(),
                scopes: Scopes::parse(&p.scopes).expect("setup scopes"),
                state: p.state.clone(),
                challenge: p.code_challenge.clone().map(|challenge| PkceChallenge {
                    method: p.code_challenge_method.unwrap_or(PkceMethod::S256),
                    challenge,
                }),
                created_at: self.at(-1),
                expires_at: self.at(p.expires_in),
                resources: Vec::new(),
            }));
        }
        for d in &self.setup.devices {
            effects.push(Effect::PutDeviceGrant(DeviceGrantRecord {
                device_code_hash: TokenHash::of(&d.device_code),
                user_code_hash: TokenHash::of(&d.user_code),
                client_id: d.client_id.clone(),
                scopes: Scopes::parse(&d.scopes).expect("setup scopes"),
                status: d.status,
                subject: d.subject.clone(),
                granted_scopes: d
                    .granted_scopes
                    .as_deref()
                    .map(|g| Scopes::parse(g).expect("setup scopes")),
                interval: d.interval,
                last_poll_at: d.last_poll_ago.map(|ago| self.at(-(ago as i64))),
                issued_at: self.at(-60),
                expires_at: self.at(d.expires_in),
                family: d.family,
                resources: Vec::new(),
            }));
        }
        effects.extend(self.setup.effects.iter().cloned());
        for u in &self.setup.users {
            store.insert_user(&u.username, &u.password, &u.subject);
        }
        let outcome = store.apply(&Transaction::unconditional(effects)).expect("setup applies");
        assert_eq!(outcome, qscope::store::Outcome::Applied);
        store
    }

    pub(crate) fn http_request(&self) -> http::Request<Vec<u8>> {
        let mut builder = http::Request::builder()
            .method(self.request.method.as_str())
            .uri(self.request.uri.as_str());
        for (name, values) in &self.request.headers {
            match values {
                HeaderValues::One(v) => builder = builder.header(name.as_str(), v.as_str()),
                HeaderValues::Many(vs) => {
                    for v in vs {
                        builder = builder.header(name.as_str(), v.as_str());
                    }
                }
            }
        }
        builder.body(self.request.body.clone().into_bytes()).expect("vector request is valid HTTP")
    }
}

fn hex32(text: &str) -> [u8; 32] {
    assert_eq!(text.len(), 64, "entropy is 64 hex digits");
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("entropy is hex");
    }
    out
}

/// The variant name of an externally tagged enum value (`{"PutToken": …}`).
pub(crate) fn kind_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value).expect("serializable") {
        Value::Object(map) if map.len() == 1 => map.keys().next().cloned().unwrap_or_default(),
        Value::String(name) => name,
        other => panic!("not an enum value: {other}"),
    }
}
