//! Scopes (RFC 6749 §3.3): parsing, set arithmetic, the wire form.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Whether `token` is a scope token: `1*( %x21 / %x23-5B / %x5D-7E )`.
pub(crate) fn is_scope_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

/// A set of scope tokens, kept sorted and without repeats.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// The empty set.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Parses the space-delimited wire form (`scope-token *( SP scope-token )`).
    /// Repeats collapse; an empty string is the empty set.
    pub fn parse(text: &str) -> Result<Self, InvalidScope> {
        if text.is_empty() {
            return Ok(Self::new());
        }
        let mut tokens = Vec::new();
        for token in text.split(' ') {
            if !is_scope_token(token) {
                return Err(InvalidScope);
            }
            tokens.push(token.to_owned());
        }
        Ok(Self::from_sorted(tokens))
    }

    fn from_sorted(mut tokens: Vec<String>) -> Self {
        tokens.sort_unstable();
        tokens.dedup();
        Self(tokens)
    }

    /// Builds a set from names; panics on an invalid scope token, so use it
    /// for literals and configuration, not for input.
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let tokens: Vec<String> = names.into_iter().map(Into::into).collect();
        for token in &tokens {
            assert!(is_scope_token(token), "invalid scope token {token:?}");
        }
        Self::from_sorted(tokens)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of scopes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether `scope` is in the set.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.binary_search_by(|s| s.as_str().cmp(scope)).is_ok()
    }

    /// Whether every scope of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.0.iter().all(|s| other.contains(s))
    }

    /// The scopes in both sets.
    #[must_use]
    pub fn intersection(&self, other: &Self) -> Self {
        Self(self.0.iter().filter(|s| other.contains(s)).cloned().collect())
    }

    /// The scope names in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scopes({self:?})", self = self.to_string())
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
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
