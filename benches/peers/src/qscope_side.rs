//! The qscope side: a [`Server`] over a [`MemoryStore`], driven as an
//! adapter drives it (`qscope::drive` with a context of the wall clock and
//! 48 bytes of OS entropy per request; for the resource, the bearer check
//! `Input::bearer`, whose context needs the clock only: it derives nothing
//! from entropy, so none is drawn). Everything that touches qscope's API is in this file, so a
//! change of that API is adapted here alone.

use http::Request;
use qscope::adapter::kit::{EntropyUnavailable, context_for, now};
use qscope::store::{
    ClientAuthMethod, ClientRecord, CodeRecord, FamilyId, GrantType, MemoryStore, PkceChallenge,
    PkceMethod, TokenHash, TokenKind, TokenRecord,
};
use qscope::{ClientSecret, Config, Context, Entropy, Input, Reply, Scopes, Seconds, Server};

use crate::fixture::{
    BASIC, CHALLENGE, CLIENT_ID, CLIENT_SECRET, FORM, Failure, OWNER, Outcome, REDIRECT_URI, SCOPE,
    VERIFIER, bearer, client_credentials_body, code_exchange_body, refresh_body,
};
use crate::harness::{Timing, time_batch};
use crate::peer::{Operation, Peer};

/// qscope with its reference store.
pub(crate) struct Qscope {
    server: Server,
    store: MemoryStore,
    /// What the bearer check requires.
    required: Scopes,
    /// Numbers the codes and tokens set-up stores, so each is distinct.
    minted: u64,
}

/// One answer: the token endpoint's reply, or the bearer verdict.
pub(crate) enum QscopeAnswer {
    /// A token endpoint reply (or the OS entropy failure that kept it from
    /// being driven).
    Token(Result<Reply, EntropyUnavailable>),
    /// A bearer check's reply: the access, or the denial.
    Bearer(Reply),
}

impl Qscope {
    /// The server and a store holding only the confidential client.
    pub(crate) fn new() -> Self {
        let config = Config::builder("https://as.example.com")
            .scope(SCOPE, "Read", true)
            .access_token_lifetime(Seconds::hours(1))
            .build()
            .expect("a valid configuration");
        let store = MemoryStore::new();
        store.insert_client(
            ClientRecord::confidential(
                CLIENT_ID,
                ClientSecret::new(CLIENT_SECRET).hash(),
                ClientAuthMethod::ClientSecretBasic,
            )
            .with_grants([
                GrantType::AuthorizationCode,
                GrantType::ClientCredentials,
                GrantType::RefreshToken,
            ])
            .with_scopes(Scopes::from_names([SCOPE]))
            .with_redirect_uris([REDIRECT_URI]),
        );
        Self {
            server: Server::new(config),
            store,
            required: Scopes::from_names([SCOPE]),
            minted: 0,
        }
    }

    /// A distinct 43-character secret (the length qscope mints) and the
    /// number it was made from.
    fn mint(&mut self, kind: &str) -> (String, u64) {
        self.minted += 1;
        (format!("{kind}-{:0>38}", self.minted), self.minted)
    }

    /// Stores `n` tokens of `kind` for the client, each in a family of its
    /// own, and returns them in clear.
    fn seed_tokens(&mut self, kind: TokenKind, n: usize) -> Vec<String> {
        let issued_at = now();
        (0..n)
            .map(|_| {
                let (token, number) = self.mint("tokn");
                self.store.insert_token(TokenRecord {
                    hash: TokenHash::of(&token),
                    kind,
                    client_id: CLIENT_ID.into(),
                    subject: Some(OWNER.into()),
                    scopes: Scopes::from_names([SCOPE]),
                    family: family(number),
                    parent: None,
                    issued_at,
                    expires_at: issued_at.after(Seconds::hours(1)),
                    rotated_at: None,
                    revoked_at: None,
                    resources: Vec::new(),
                });
                token
            })
            .collect()
    }
}

/// A family id of its own for the `number`th stored secret.
fn family(number: u64) -> FamilyId {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&number.to_le_bytes());
    FamilyId::from_bytes(bytes)
}

/// A token endpoint request with HTTP Basic client authentication.
fn token_request(body: String, authorization: &str) -> Request<Vec<u8>> {
    Request::post("/token")
        .header("content-type", FORM)
        .header("authorization", authorization)
        .body(body.into_bytes())
        .expect("a valid request")
}

impl Peer for Qscope {
    type Request = Request<Vec<u8>>;
    type Answer = QscopeAnswer;

    const NAME: &'static str = "qscope";

    fn prepare_code_exchanges(&mut self, n: usize, verifier: &str) -> Vec<Self::Request> {
        let issued_at = now();
        (0..n)
            .map(|_| {
                let (code, number) = self.mint("code");
                self.store.insert_code(CodeRecord {
                    hash: TokenHash::of(&code),
                    client_id: CLIENT_ID.into(),
                    subject: OWNER.into(),
                    redirect_uri: Some(REDIRECT_URI.into()),
                    scopes: Scopes::from_names([SCOPE]),
                    challenge: Some(PkceChallenge {
                        method: PkceMethod::S256,
                        challenge: CHALLENGE.into(),
                    }),
                    issued_at,
                    expires_at: issued_at.after(Seconds::new(600)),
                    family: family(number),
                    consumed_at: None,
                    resources: Vec::new(),
                });
                token_request(code_exchange_body(&code, verifier), BASIC)
            })
            .collect()
    }

    fn prepare_refresh_rotations(&mut self, refresh_tokens: &[String]) -> Vec<Self::Request> {
        refresh_tokens.iter().map(|token| token_request(refresh_body(token), BASIC)).collect()
    }

    fn prepare_client_credentials(&mut self, n: usize, authorization: &str) -> Vec<Self::Request> {
        (0..n).map(|_| token_request(client_credentials_body(), authorization)).collect()
    }

    fn prepare_bearer_checks(&mut self, access_tokens: &[String]) -> Vec<Self::Request> {
        access_tokens
            .iter()
            .map(|token| {
                Request::get("/api/reports")
                    .header("authorization", bearer(token))
                    .body(Vec::new())
                    .expect("a valid request")
            })
            .collect()
    }

    fn handle(&mut self, operation: Operation, request: Self::Request) -> Self::Answer {
        match operation {
            Operation::BearerCheck => {
                let ctx = Context::new(now(), Entropy::from_bytes([0; 32]));
                let check = Input::bearer(&request, &self.required);
                QscopeAnswer::Bearer(qscope::drive(&self.server, &self.store, check, ctx))
            }
            _ => QscopeAnswer::Token(
                context_for(None, None)
                    .map(|ctx| qscope::drive(&self.server, &self.store, &request, ctx)),
            ),
        }
    }

    fn outcome(&self, _operation: Operation, answer: &Self::Answer) -> Result<Outcome, Failure> {
        match answer {
            QscopeAnswer::Token(Err(error)) => Err(Failure(error.to_string())),
            QscopeAnswer::Token(Ok(reply)) => match reply.http() {
                Some(response) => {
                    crate::fixture::token_outcome(response.status().as_u16(), response.body())
                }
                None => Err(Failure("an interaction, not a token response".into())),
            },
            QscopeAnswer::Bearer(Reply::Access(_)) => Ok(Outcome::Allowed),
            QscopeAnswer::Bearer(Reply::Http(response)) => {
                Err(Failure(format!("bearer denied with {}", response.status())))
            }
            QscopeAnswer::Bearer(_) => Err(Failure("a bearer check ended in another reply".into())),
        }
    }
}

/// Tokens a fresh store holds before a batch of [`fresh_store_batch`].
pub(crate) const FRESH_STORE_TOKENS: usize = 10_000;

/// One batch of `operation` against a store that starts fresh: the client
/// and [`FRESH_STORE_TOKENS`] access tokens, plus the batch's own inputs
/// (its codes, its refresh tokens). Returns the time per request.
pub(crate) fn fresh_store_batch(
    operation: Operation,
    iterations: usize,
) -> Result<Timing, Failure> {
    let mut peer = Qscope::new();
    let prefilled = peer.seed_tokens(TokenKind::Access, FRESH_STORE_TOKENS);
    let requests = match operation {
        Operation::CodeExchange => peer.prepare_code_exchanges(iterations, VERIFIER),
        Operation::RefreshRotation => {
            let refresh = peer.seed_tokens(TokenKind::Refresh, iterations);
            peer.prepare_refresh_rotations(&refresh)
        }
        Operation::ClientCredentials => peer.prepare_client_credentials(iterations, BASIC),
        Operation::BearerCheck => {
            // Distinct tokens spread over the whole store.
            let step = (FRESH_STORE_TOKENS / iterations.max(1)).max(1);
            let spread: Vec<String> =
                prefilled.iter().step_by(step).take(iterations).cloned().collect();
            peer.prepare_bearer_checks(&spread)
        }
    };
    Ok(time_batch(&mut peer, operation, requests)?.timing)
}
