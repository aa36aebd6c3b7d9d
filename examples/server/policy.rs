//! The demo's policy: one `Config`, shared by the server and the admin CLI
//! so both validate clients against the same scopes and grants.

use qscope::store::GrantType;
use qscope::{Config, ConfigError, RegistrationPolicy};

/// The grants the demo serves.
pub(crate) const GRANTS: [GrantType; 4] = [
    GrantType::AuthorizationCode,
    GrantType::ClientCredentials,
    GrantType::RefreshToken,
    GrantType::DeviceCode,
];

/// The demo's configuration for `issuer`: the grants above, the scopes
/// `read` (the default) and `write`, registration open or closed.
pub(crate) fn config(issuer: &str, open_registration: bool) -> Result<Config, ConfigError> {
    let registration =
        if open_registration { RegistrationPolicy::Open } else { RegistrationPolicy::Closed };
    Config::builder(issuer)
        .grants(GRANTS)
        .scope("read", "Read your data", true)
        .scope("write", "Change your data", false)
        .registration(registration)
        .build()
}
