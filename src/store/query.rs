//! Reads the core asks for, and the answers a store gives back.

use crate::secret::TokenHash;

use super::record::{
    ClientRecord, CodeRecord, DeviceGrantRecord, PendingAuthorizationRecord, Record, TokenRecord,
    UserRecord,
};

/// Whether `items` is a page as listing queries answer: at most `limit`
/// items, strictly ascending by `key`, all after `after`.
fn is_page<T>(items: &[T], key: impl Fn(&T) -> &str, after: Option<&str>, limit: u32) -> bool {
    items.len() <= limit as usize
        && items.windows(2).all(|w| key(&w[0]) < key(&w[1]))
        && items.first().is_none_or(|first| after.is_none_or(|after| key(first) > after))
}

/// One record the core needs to read. Reads have no side effects.
///
/// `#[non_exhaustive]`: the core may ask new things of a store in a minor
/// release, and a backend written before answers them with `None` in a
/// `_ => None` arm. That is safe because a read only *finds* what grants
/// something (a client, a code, a token, a user's credentials), so a
/// record not found is a refusal, never a permission; and every rule that
/// must hold against a race or a replay is a [`Precondition`] or an
/// [`Effect`], checked inside the transaction, both exhaustive.
///
/// [`Precondition`]: super::Precondition
/// [`Effect`]: super::Effect
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Query {
    /// The client with this id.
    Client {
        /// The client id.
        client_id: String,
    },
    /// The authorization code with this hash (consumed or not).
    Code {
        /// SHA-256 of the code.
        hash: TokenHash,
    },
    /// The access or refresh token with this hash (in any state).
    Token {
        /// SHA-256 of the token.
        hash: TokenHash,
    },
    /// The pending authorization with this handle hash, expired or not.
    Pending {
        /// SHA-256 of the handle (or of the whole PAR `request_uri`).
        hash: TokenHash,
    },
    /// The device authorization with this device code hash (any status).
    DeviceCode {
        /// SHA-256 of the device code.
        hash: TokenHash,
    },
    /// The device authorization with this normalized user code hash (any
    /// status, expired or not).
    UserCode {
        /// SHA-256 of the normalized user code.
        hash: TokenHash,
    },
    /// "Do these credentials belong to a user, and which subject?" — asked
    /// only by the password grant, after the client authenticated. The host
    /// answers it (with its own password hashing); backends that keep no
    /// users answer `None`.
    User {
        /// The username as sent.
        username: String,
        /// The password as sent; never stored, logged or echoed.
        password: Password,
    },
    /// The client whose [`ClientRecord::registration_token_hash`] is
    /// `hash` (RFC 7592: the registration access token presented at a
    /// registration client URI). At most one client has a given hash; a
    /// deleted client, or one whose token was replaced, is not found.
    ClientByRegistrationToken {
        /// SHA-256 of the registration access token.
        hash: TokenHash,
    },
    /// A page of clients for listing (the admin API): the clients whose
    /// `client_id` is greater than `after` (every client when `None`), in
    /// ascending byte order of `client_id`, at most `limit` of them. Always
    /// answered with [`Record::Clients`], possibly empty.
    Clients {
        /// Exclusive lower bound on `client_id`: the last id of the previous page.
        after: Option<String>,
        /// The most clients to return.
        limit: u32,
    },
    /// The user account with this username (the host's record: the core
    /// never asks for it).
    Account {
        /// The username.
        username: String,
    },
    /// A page of accounts whose `username` is greater than `after`, in
    /// ascending byte order, at most `limit`. Always answered with
    /// [`Record::Accounts`], possibly empty.
    Accounts {
        /// Exclusive lower bound: the last username of the previous page.
        after: Option<String>,
        /// The most accounts to return.
        limit: u32,
    },
    /// The browser session with this id hash, expired or not (the host's).
    Session {
        /// SHA-256 of the session id.
        hash: TokenHash,
    },
    /// The consent with this id.
    Consent {
        /// [`ConsentRecord::id_of`](super::ConsentRecord::id_of) its subject and client.
        id: String,
    },
    /// A page of consents, of one subject and/or one client when given,
    /// whose `id` is greater than `after`, in ascending order, at most
    /// `limit`. Always answered with [`Record::Consents`], possibly empty.
    Consents {
        /// Only this user's.
        subject: Option<String>,
        /// Only this client's.
        client_id: Option<String>,
        /// Exclusive lower bound: the last id of the previous page.
        after: Option<String>,
        /// The most consents to return.
        limit: u32,
    },
}

impl Query {
    /// Whether `record` is of the kind and key this query asks for.
    pub fn matches(&self, record: &Record) -> bool {
        match (self, record) {
            (Self::Client { client_id }, Record::Client(c)) => c.client_id == *client_id,
            (Self::Code { hash }, Record::Code(c)) => c.hash == *hash,
            (Self::Token { hash }, Record::Token(t)) => t.hash == *hash,
            (Self::Pending { hash }, Record::Pending(p)) => p.hash == *hash,
            (Self::User { username, .. }, Record::User(u)) => u.username == *username,
            (Self::DeviceCode { hash }, Record::Device(d)) => d.device_code_hash == *hash,
            (Self::UserCode { hash }, Record::Device(d)) => d.user_code_hash == *hash,
            (Self::ClientByRegistrationToken { hash }, Record::Client(c)) => {
                c.registration_token_hash.as_ref() == Some(hash)
            }
            (Self::Clients { after, limit }, Record::Clients(page)) => {
                is_page(page, |c| &c.client_id, after.as_deref(), *limit)
            }
            (Self::Account { username }, Record::Account(a)) => a.username == *username,
            (Self::Accounts { after, limit }, Record::Accounts(page)) => {
                is_page(page, |a| &a.username, after.as_deref(), *limit)
            }
            (Self::Session { hash }, Record::Session(s)) => s.hash == *hash,
            (Self::Consent { id }, Record::Consent(c)) => c.id == *id,
            (Self::Consents { subject, client_id, after, limit }, Record::Consents(page)) => {
                is_page(page, |c| &c.id, after.as_deref(), *limit)
                    && page.iter().all(|c| {
                        subject.as_ref().is_none_or(|s| c.subject == *s)
                            && client_id.as_ref().is_none_or(|id| c.client_id == *id)
                    })
            }
            _ => false,
        }
    }
}

/// The store's answer to one query: the query echoed, and the record if
/// one exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The query this answers, echoed verbatim.
    pub query: Query,
    /// The record found, or `None`.
    pub record: Option<Record>,
}

/// The answers to a [`Read`](crate::Read), in the order of its queries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers(Vec<Answer>);

impl Answers {
    /// An empty list with room for `n` answers.
    pub fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    /// Appends the answer to `query`.
    pub fn push(&mut self, query: Query, record: Option<Record>) {
        self.0.push(Answer { query, record });
    }

    /// The answers in order.
    pub fn as_slice(&self) -> &[Answer] {
        &self.0
    }

    /// The records found, in the order of the queries.
    pub(crate) fn into_records(self) -> Records {
        Records(self.0.into_iter())
    }
}

/// The records of a read, in the order of its queries (`None` where no
/// record was found).
#[derive(Debug)]
pub(crate) struct Records(std::vec::IntoIter<Answer>);

impl Iterator for Records {
    type Item = Option<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|answer| answer.record)
    }
}

impl FromIterator<Answer> for Answers {
    fn from_iter<I: IntoIterator<Item = Answer>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Narrows an answer already checked against its query to a client.
pub(crate) fn as_client(record: Option<Record>) -> Option<ClientRecord> {
    match record {
        Some(Record::Client(c)) => Some(c),
        _ => None,
    }
}

/// Narrows an answer already checked against its query to a code.
pub(crate) fn as_code(record: Option<Record>) -> Option<CodeRecord> {
    match record {
        Some(Record::Code(c)) => Some(c),
        _ => None,
    }
}

/// Narrows an answer already checked against its query to a token.
pub(crate) fn as_token(record: Option<Record>) -> Option<TokenRecord> {
    match record {
        Some(Record::Token(t)) => Some(t),
        _ => None,
    }
}

/// Narrows an answer already checked against its query to a pending
/// authorization.
pub(crate) fn as_pending(record: Option<Record>) -> Option<PendingAuthorizationRecord> {
    match record {
        Some(Record::Pending(p)) => Some(p),
        _ => None,
    }
}

/// Narrows an answer already checked against its query to a device grant.
pub(crate) fn as_device(record: Option<Record>) -> Option<DeviceGrantRecord> {
    match record {
        Some(Record::Device(d)) => Some(d),
        _ => None,
    }
}

/// Narrows an answer already checked against its query to a user.
pub(crate) fn as_user(record: Option<Record>) -> Option<UserRecord> {
    match record {
        Some(Record::User(u)) => Some(u),
        _ => None,
    }
}

/// A password presented with the password grant. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a presented password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    /// The password in clear, for the host's check.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}
