//! How each field type maps to a column, both ways. See the encodings in
//! the header of `sqlite_v1.sql`.

use serde::de::DeserializeOwned;

use super::{Malformed, Value};
use crate::store::{
    AuditAction, AuditReason, ClientAuthMethod, DeviceStatus, FamilyId, GrantType, PendingKind,
    PkceMethod, Registrant, SecretHash, StoreError, TokenHash, TokenKind,
};
use crate::{ErrorCode, Scopes, UnixTime};

pub(crate) fn malformed(what: impl Into<String>) -> StoreError {
    StoreError::permanent(Malformed(what.into()))
}

/// Times are whole seconds; SQL integers are signed 64-bit.
pub(crate) fn time(at: UnixTime) -> Result<Value, StoreError> {
    Ok(Value::Int(Some(secs(at)?)))
}

pub(crate) fn opt_time(at: Option<UnixTime>) -> Result<Value, StoreError> {
    Ok(Value::Int(at.map(secs).transpose()?))
}

pub(crate) fn secs(at: UnixTime) -> Result<i64, StoreError> {
    i64::try_from(at.as_secs()).map_err(|_| malformed(format!("time {at} exceeds 64-bit SQL")))
}

/// A count of seconds (an interval), refused beyond signed 64 bits.
pub(crate) fn count(value: u64, column: &str) -> Result<Value, StoreError> {
    i64::try_from(value)
        .map(int)
        .map_err(|_| malformed(format!("{column} {value} exceeds 64-bit SQL")))
}

pub(crate) fn int(value: i64) -> Value {
    Value::Int(Some(value))
}

pub(crate) fn text(value: impl Into<String>) -> Value {
    Value::Text(Some(value.into()))
}

pub(crate) fn opt_text(value: Option<impl Into<String>>) -> Value {
    Value::Text(value.map(Into::into))
}

pub(crate) fn token_hash(hash: &TokenHash) -> Value {
    Value::Blob(Some(hash.as_bytes().to_vec()))
}

pub(crate) fn opt_token_hash(hash: Option<&TokenHash>) -> Value {
    Value::Blob(hash.map(|h| h.as_bytes().to_vec()))
}

pub(crate) fn family(family: &FamilyId) -> Value {
    Value::Blob(Some(family.as_bytes().to_vec()))
}

pub(crate) fn opt_family(family: Option<&FamilyId>) -> Value {
    Value::Blob(family.map(|f| f.as_bytes().to_vec()))
}

pub(crate) fn secret_hash(hash: Option<&SecretHash>) -> Value {
    Value::Blob(hash.map(|h| h.as_bytes().to_vec()))
}

pub(crate) fn scopes(scopes: &Scopes) -> Value {
    text(scopes.to_string())
}

pub(crate) fn opt_scopes(scopes: Option<&Scopes>) -> Value {
    Value::Text(scopes.map(ToString::to_string))
}

pub(crate) fn kind(kind: TokenKind) -> Value {
    text(kind.as_str())
}

/// A list of strings as a JSON array.
pub(crate) fn json_list<T: serde::Serialize>(items: &[T]) -> Result<Value, StoreError> {
    serde_json::to_string(items).map(text).map_err(StoreError::permanent)
}

// Decoding.

pub(crate) fn to_time(secs: i64, column: &str) -> Result<UnixTime, StoreError> {
    u64::try_from(secs)
        .map(UnixTime::from_secs)
        .map_err(|_| malformed(format!("negative time in {column}")))
}

pub(crate) fn to_opt_time(secs: Option<i64>, column: &str) -> Result<Option<UnixTime>, StoreError> {
    secs.map(|s| to_time(s, column)).transpose()
}

fn bytes<const N: usize>(blob: Vec<u8>, column: &str) -> Result<[u8; N], StoreError> {
    blob.try_into().map_err(|_| malformed(format!("{column} is not {N} bytes")))
}

pub(crate) fn to_count(value: i64, column: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| malformed(format!("negative {column}")))
}

pub(crate) fn to_token_hash(blob: Vec<u8>, column: &str) -> Result<TokenHash, StoreError> {
    bytes(blob, column).map(TokenHash::from_bytes)
}

pub(crate) fn to_secret_hash(blob: Vec<u8>, column: &str) -> Result<SecretHash, StoreError> {
    bytes(blob, column).map(SecretHash::from_bytes)
}

pub(crate) fn to_family(blob: Vec<u8>, column: &str) -> Result<FamilyId, StoreError> {
    bytes(blob, column).map(FamilyId::from_bytes)
}

pub(crate) fn to_scopes(text: &str, column: &str) -> Result<Scopes, StoreError> {
    Scopes::parse(text).map_err(|_| malformed(format!("{column} holds an invalid scope")))
}

pub(crate) fn to_kind(text: &str) -> Result<TokenKind, StoreError> {
    [TokenKind::Access, TokenKind::Refresh]
        .into_iter()
        .find(|k| k.as_str() == text)
        .ok_or_else(|| malformed(format!("unknown token kind {text:?}")))
}

pub(crate) fn to_auth_method(text: &str) -> Result<ClientAuthMethod, StoreError> {
    [
        ClientAuthMethod::ClientSecretBasic,
        ClientAuthMethod::ClientSecretPost,
        ClientAuthMethod::None,
    ]
    .into_iter()
    .find(|m| m.as_str() == text)
    .ok_or_else(|| malformed(format!("unknown client auth method {text:?}")))
}

pub(crate) fn to_pkce_method(text: &str) -> Result<PkceMethod, StoreError> {
    [PkceMethod::S256, PkceMethod::Plain]
        .into_iter()
        .find(|m| m.as_str() == text)
        .ok_or_else(|| malformed(format!("unknown PKCE method {text:?}")))
}

pub(crate) fn to_pending_kind(text: &str) -> Result<PendingKind, StoreError> {
    [PendingKind::PushedRequest, PendingKind::Interaction, PendingKind::PushedInteraction]
        .into_iter()
        .find(|k| k.as_str() == text)
        .ok_or_else(|| malformed(format!("unknown pending kind {text:?}")))
}

pub(crate) fn to_device_status(text: &str) -> Result<DeviceStatus, StoreError> {
    [DeviceStatus::Pending, DeviceStatus::Approved, DeviceStatus::Denied, DeviceStatus::Consumed]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| malformed(format!("unknown device status {text:?}")))
}

pub(crate) fn to_registrant(text: &str) -> Result<Registrant, StoreError> {
    [Registrant::Administrator, Registrant::SelfRegistered]
        .into_iter()
        .find(|r| r.as_str() == text)
        .ok_or_else(|| malformed(format!("unknown registrant {text:?}")))
}

pub(crate) fn to_grant_type(text: &str) -> Result<GrantType, StoreError> {
    GrantType::parse(text).ok_or_else(|| malformed(format!("unknown grant type {text:?}")))
}

/// Enums without a parser of their own decode through their serde names,
/// which are the names they are stored under (`as_str`).
fn by_serde_name<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| malformed(format!("unknown {what} {text:?}")))
}

pub(crate) fn to_audit_action(text: &str) -> Result<AuditAction, StoreError> {
    by_serde_name(text, "audit action")
}

pub(crate) fn to_error_code(text: &str) -> Result<ErrorCode, StoreError> {
    by_serde_name(text, "error code")
}

pub(crate) fn to_audit_reason(text: &str) -> Result<AuditReason, StoreError> {
    by_serde_name(text, "audit reason")
}

pub(crate) fn from_json_list<T: DeserializeOwned>(
    text: &str,
    column: &str,
) -> Result<Vec<T>, StoreError> {
    serde_json::from_str(text).map_err(|_| malformed(format!("{column} is not a JSON list")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_round_trip() {
        for kind in [TokenKind::Access, TokenKind::Refresh] {
            assert_eq!(to_kind(kind.as_str()).ok(), Some(kind));
        }
        for grant in GrantType::ALL {
            assert_eq!(to_grant_type(grant.as_str()).ok(), Some(grant));
            let listed = json_list(&[grant]).ok();
            assert_eq!(listed, Some(text(format!("[\"{}\"]", grant.as_str()))));
        }
        for action in [
            AuditAction::TokenIssued,
            AuditAction::TokenRefused,
            AuditAction::CodeReplayed,
            AuditAction::RefreshReused,
            AuditAction::RefreshRetried,
            AuditAction::ParStored,
            AuditAction::DeviceCodeMismatch,
            AuditAction::AuthorizationRefused,
            AuditAction::UserPasswordSet,
            AuditAction::GrantRevoked,
        ] {
            assert_eq!(to_audit_action(action.as_str()).ok(), Some(action));
        }
        for code in [ErrorCode::InvalidGrant, ErrorCode::TemporarilyUnavailable] {
            assert_eq!(to_error_code(code.as_str()).ok(), Some(code));
        }
        for reason in [
            AuditReason::UnknownClient,
            AuditReason::WrongAuthMethod,
            AuditReason::WrongSecret,
            AuditReason::PublicClient,
            AuditReason::IssuedToAnotherClient,
        ] {
            assert_eq!(to_audit_reason(reason.as_str()).ok(), Some(reason));
        }
        for registrant in [Registrant::Administrator, Registrant::SelfRegistered] {
            assert_eq!(to_registrant(registrant.as_str()).ok(), Some(registrant));
        }
        assert!(to_registrant("admin").is_err());
        for kind in
            [PendingKind::PushedRequest, PendingKind::Interaction, PendingKind::PushedInteraction]
        {
            assert_eq!(to_pending_kind(kind.as_str()).ok(), Some(kind));
        }
        for status in [
            DeviceStatus::Pending,
            DeviceStatus::Approved,
            DeviceStatus::Denied,
            DeviceStatus::Consumed,
        ] {
            assert_eq!(to_device_status(status.as_str()).ok(), Some(status));
        }
        assert!(to_kind("bearer").is_err());
        assert!(to_pkce_method("s256").is_err());
    }

    #[test]
    fn times_beyond_sql_integers_are_refused_not_wrapped() {
        assert!(time(UnixTime::from_secs(u64::MAX)).is_err());
        assert_eq!(time(UnixTime::from_secs(7)).ok(), Some(int(7)));
        assert!(to_time(-1, "issued_at").is_err());
    }

    #[test]
    fn hashes_must_have_their_length() {
        assert!(to_token_hash(vec![0; 31], "hash").is_err());
        assert!(to_family(vec![0; 16], "family").is_ok());
    }
}
