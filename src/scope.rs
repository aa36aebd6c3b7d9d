//! Scopes (RFC 6749 §3.3): parsing, set arithmetic, the wire form, and
//! the two rules every endpoint that takes a `scope` parameter applies.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ErrorCode;
use crate::error::OAuthError;

/// Whether `token` is a scope token: `1*( %x21 / %x23-5B / %x5D-7E )`.
pub(crate) fn is_scope_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

/// A set of scope tokens, kept sorted and without repeats.
///
/// Stored as its normalized wire form (`"read write"`) behind an `Arc`, so
/// cloning a set into the records of one exchange costs no allocation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Scopes(Arc<str>);

impl Default for Scopes {
    fn default() -> Self {
        Self::new()
    }
}

impl Scopes {
    /// The empty set.
    pub fn new() -> Self {
        Self(Arc::from(""))
    }

    /// Parses the space-delimited wire form (`scope-token *( SP scope-token )`).
    /// Repeats collapse; an empty string is the empty set.
    pub fn parse(text: &str) -> Result<Self, InvalidScope> {
        if text.is_empty() {
            return Ok(Self::new());
        }
        if !text.split(' ').all(is_scope_token) {
            return Err(InvalidScope);
        }
        Ok(Self::from_tokens(text.split(' ')))
    }

    fn from_tokens<'a>(tokens: impl Iterator<Item = &'a str>) -> Self {
        let mut tokens: Vec<&str> = tokens.collect();
        if tokens.is_sorted_by(|a, b| a < b) {
            return Self(Arc::from(tokens.join(" ")));
        }
        tokens.sort_unstable();
        tokens.dedup();
        Self(Arc::from(tokens.join(" ")))
    }

    /// Builds a set from names; panics on an invalid scope token, so use it
    /// for literals and configuration, not for input.
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: Vec<S> = names.into_iter().collect();
        for name in &names {
            assert!(is_scope_token(name.as_ref()), "invalid scope token {:?}", name.as_ref());
        }
        Self::from_tokens(names.iter().map(AsRef::as_ref))
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of scopes.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether `scope` is in the set.
    pub fn contains(&self, scope: &str) -> bool {
        self.iter().any(|s| s == scope)
    }

    /// Whether every scope of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.0 == other.0 || self.iter().all(|s| other.contains(s))
    }

    /// The scopes in both sets.
    #[must_use]
    pub fn intersection(&self, other: &Self) -> Self {
        if self.0 == other.0 {
            return self.clone();
        }
        Self::from_tokens(self.iter().filter(|s| other.contains(s)))
    }

    /// The scopes in either set.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        Self::from_tokens(self.iter().chain(other.iter()))
    }

    /// The scope names in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ').filter(|s| !s.is_empty())
    }

    /// The normalized wire form: sorted, space-delimited.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scopes({:?})", &*self.0)
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Scopes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(|_| serde::de::Error::custom("invalid scope"))
    }
}

/// A scope string that is not a space-delimited list of scope tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("scope must be space-delimited scope tokens")]
pub struct InvalidScope;

/// Parses an optional `scope` value (RFC 6749 §3.3): a malformed one is
/// `invalid_scope`.
pub(crate) fn parse_scope_text(text: Option<&str>) -> Result<Option<Scopes>, OAuthError> {
    text.map(|text| {
        Scopes::parse(text).map_err(|_| {
            OAuthError::new(
                ErrorCode::InvalidScope,
                "scope is not a space-delimited list of scope tokens",
            )
        })
    })
    .transpose()
}

/// The scopes to grant: the requested ones if all are within `allowed`,
/// else `invalid_scope` naming the first that is not; without a request,
/// the configured `defaults` that `allowed` contains.
pub(crate) fn resolve_scopes(
    defaults: &Scopes,
    requested: Option<&Scopes>,
    allowed: &Scopes,
) -> Result<Scopes, OAuthError> {
    match requested {
        Some(requested) => match requested.iter().find(|s| !allowed.contains(s)) {
            None => Ok(requested.clone()),
            Some(scope) => Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("scope {scope} is not allowed for this client"),
            )),
        },
        None => Ok(defaults.intersection(allowed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sorts_and_dedups() {
        let scopes = Scopes::parse("write read write").unwrap();
        assert_eq!(scopes.to_string(), "read write");
        assert!(scopes.contains("read"));
        assert!(!scopes.contains("admin"));
    }

    #[test]
    fn rejects_malformed_lists() {
        for bad in [" read", "read ", "read  write", "a\"b", "a\\b", "ä", "a\tb"] {
            assert_eq!(Scopes::parse(bad), Err(InvalidScope), "{bad:?}");
        }
        assert_eq!(Scopes::parse(""), Ok(Scopes::new()));
    }

    #[test]
    fn subset_and_intersection() {
        let all = Scopes::from_names(["a", "b", "c"]);
        let some = Scopes::from_names(["c", "a"]);
        assert!(some.is_subset(&all));
        assert!(!all.is_subset(&some));
        assert_eq!(all.intersection(&some), some);
    }
}
