//! The demo's policy: one `Config`, shared by the server and the admin CLI
//! so both validate clients against the same scopes and grants.

use crate::store::GrantType;
use crate::{Config, ConfigError, FifoLimits, RegistrationPolicy};

/// The grants the demo serves.
pub const GRANTS: [GrantType; 4] = [
    GrantType::AuthorizationCode,
    GrantType::ClientCredentials,
    GrantType::RefreshToken,
    GrantType::DeviceCode,
];

/// The FIFO limits on live tokens, applied in the commit that issues a
/// refresh token (the oldest go first):
///
/// * **5 refresh tokens per client and user**: a user signed in to one
///   client on five devices or browsers keeps all five; a sixth sign-in
///   ends the oldest session instead of letting grants pile up forever.
/// * **2 access tokens per refresh-token chain**: after a rotation the
///   previous access token stays valid (requests already in flight with
///   it still pass), older ones are revoked.
/// * **No limit per client across users**: it would make the users of one
///   busy client evict each other's sign-ins, and an exact per-client
///   limit serializes every refresh-token issue of that client on one
///   lock in a shared database.
pub const FIFO: FifoLimits = FifoLimits {
    refresh_per_client: None,
    refresh_per_client_subject: Some(5),
    access_per_refresh: Some(2),
};

/// The demo's configuration for `issuer`: the grants above, the scopes
/// `read` (the default) and `write`, the FIFO limits above, registration
/// open or closed.
pub fn config(issuer: &str, open_registration: bool) -> Result<Config, ConfigError> {
    let registration =
        if open_registration { RegistrationPolicy::Open } else { RegistrationPolicy::Closed };
    Config::builder(issuer)
        .grants(GRANTS)
        .scope("read", "Read your data", true)
        .scope("write", "Change your data", false)
        .fifo(FIFO)
        .registration(registration)
        .build()
}
