//! The device authorization grant (RFC 8628): user codes, and what the host
//! exchanges with the core on its verification page.

mod user_code;
mod verification;

pub use user_code::UserCode;
pub use verification::{DeviceDecision, DevicePrompt, DeviceRejection, DeviceReply};
