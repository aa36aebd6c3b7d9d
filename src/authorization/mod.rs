//! Authorization requests, shared by the authorization endpoint, the PAR
//! endpoint and the host's decision: parameter validation, redirect URI
//! matching, the answers, and the public [`Interaction`] / [`Decision`].

mod answer;
mod interaction;
mod redirect_uri;
mod request;

pub(crate) use answer::{Format, Leg, Target, direct_error};
pub use interaction::{Decision, Interaction, InteractionHandle, RequestedScope};
pub(crate) use redirect_uri::resolve as resolve_redirect_uri;
pub(crate) use request::{Params, REQUEST_URI_PREFIX, validate};
