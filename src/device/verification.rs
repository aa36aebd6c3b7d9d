//! What the host's device verification page exchanges with the core.

use crate::authorization::RequestedScope;
use crate::store::Registrant;
use crate::{Scopes, UnixTime};

use super::UserCode;

/// A valid, pending user code: what the verification page shows before the
/// user approves or denies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevicePrompt {
    /// The code the user entered, normalized.
    pub user_code: UserCode,
    /// The requesting client's identifier.
    pub client_id: String,
    /// The client's display name, if registered.
    pub client_name: Option<String>,
    /// The client's home page, if registered.
    pub client_uri: Option<String>,
    /// Who registered the client: the name and home page of a
    /// [`Registrant::SelfRegistered`] client are its own claims, which a
    /// verification page should say.
    pub registrant: Registrant,
    /// The requested scopes, with their configured descriptions.
    pub scopes: Vec<RequestedScope>,
    /// When the code stops working.
    pub expires_at: UnixTime,
}

/// The user's answer on the verification page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceDecision {
    /// The user, authenticated as `subject`, grants `scopes` (a subset of
    /// the requested ones).
    Approve {
        /// The user code shown on the device.
        user_code: UserCode,
        /// The authenticated resource owner.
        subject: String,
        /// The scopes granted.
        scopes: Scopes,
    },
    /// The user refuses.
    Deny {
        /// The user code shown on the device.
        user_code: UserCode,
    },
}

impl DeviceDecision {
    /// The user code the decision is about.
    pub fn user_code(&self) -> &UserCode {
        match self {
            Self::Approve { user_code, .. } | Self::Deny { user_code } => user_code,
        }
    }
}

/// The core's answer to the verification page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceReply {
    /// The code is valid and pending: show the prompt.
    Prompt(DevicePrompt),
    /// The approval was recorded; the device's next poll gets tokens.
    Approved,
    /// The denial was recorded; the device's next poll gets `access_denied`.
    Denied,
    /// The code cannot be used; say why.
    Rejected(DeviceRejection),
}

/// Why a user code cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceRejection {
    /// Not 8 characters of the user-code alphabet.
    Malformed,
    /// No device authorization has this code. Counted in the audit trail
    /// (`device_code_mismatch`, with the peer address) so a host can
    /// throttle guessing (RFC 8628 §5.1).
    Unknown,
    /// The code expired.
    Expired,
    /// The code was already approved, denied or used.
    AlreadyDecided,
    /// The approval granted scopes that were not requested, or named no
    /// subject (a host bug; nothing was recorded).
    InvalidApproval,
}
