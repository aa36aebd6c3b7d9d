//! Where each configuration value comes from, in order of precedence: a
//! command-line flag, then a `QSCOPE_*` environment variable, then the
//! configuration file, then the default. The file, the variables and the
//! flags are merged into one TOML table, which [`super::file::FileConfig`]
//! then reads.

use std::path::Path;

use toml::{Table, Value};

use super::ConfigError;
use super::file::{KEYS, env_var};

/// The file's table (empty without a file), or why it cannot be read.
pub(crate) fn file_table(path: Option<&Path>) -> Result<Table, ConfigError> {
    let Some(path) = path else {
        return Ok(Table::new());
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|error| ConfigError::new(&shown, format!("cannot read it: {error}")))?;
    text.parse::<Table>().map_err(|error| {
        let place = error.span().map_or_else(String::new, |span| {
            let line = text[..span.start].matches('\n').count() + 1;
            format!(":{line}")
        });
        let message = error.message().trim().replace('\n', "; ");
        ConfigError::new(&format!("{shown}{place}"), message)
    })
}

/// A value from a variable or flag: TOML (`600`, `true`, `["a", "b"]`), or
/// else the text itself as a string (`127.0.0.1:8080`, `postgres://…`).
pub(crate) fn parse_value(text: &str) -> Value {
    let wrapped = format!("v = {text}");
    match wrapped.parse::<Table>() {
        Ok(mut table) => table.remove("v").unwrap_or_else(|| Value::String(text.to_owned())),
        Err(_) => Value::String(text.to_owned()),
    }
}

/// Whether `key` may be overridden: one of [`KEYS`], or a scope's
/// `scopes.NAME.description` / `scopes.NAME.default`.
pub(crate) fn known_key(key: &str) -> bool {
    if KEYS.contains(&key) {
        return true;
    }
    let parts: Vec<&str> = key.split('.').collect();
    matches!(parts.as_slice(), ["scopes", name, "description" | "default"] if !name.is_empty())
}

/// Sets the dotted `key` in `table`, making the tables on its way.
pub(crate) fn set(table: &mut Table, key: &str, value: Value) -> Result<(), ConfigError> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    let mut here = table;
    for (depth, part) in parts.iter().enumerate() {
        let entry = here.entry((*part).to_owned()).or_insert_with(|| Value::Table(Table::new()));
        here = match entry {
            Value::Table(inner) => inner,
            _ => {
                let prefix = parts[..=depth].join(".");
                return Err(ConfigError::new(&prefix, "is not a table".into()));
            }
        };
    }
    here.insert(last.to_owned(), value);
    Ok(())
}

/// Applies every `QSCOPE_*` variable that names a key (see
/// [`env_var`]), as `lookup` finds them.
pub(crate) fn apply_env(
    table: &mut Table,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    for key in KEYS {
        if let Some(text) = lookup(&env_var(key)) {
            set(table, key, parse_value(&text))?;
        }
    }
    Ok(())
}

/// Applies flags, as `(key, value)` pairs in the order given.
pub(crate) fn apply_flags(table: &mut Table, flags: &[(String, Value)]) -> Result<(), ConfigError> {
    for (key, value) in flags {
        if !known_key(key) {
            return Err(ConfigError::new(key, "no such configuration key".into()));
        }
        set(table, key, value.clone())?;
    }
    Ok(())
}

/// `KEY=VALUE` from `--set`.
pub(crate) fn parse_assignment(text: &str) -> Result<(String, Value), String> {
    let (key, value) = text.split_once('=').ok_or("expected KEY=VALUE")?;
    let key = key.trim();
    if !known_key(key) {
        return Err(format!("no such configuration key {key:?}"));
    }
    Ok((key.to_owned(), parse_value(value.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_toml_or_else_text() {
        assert_eq!(parse_value("600"), Value::Integer(600));
        assert_eq!(parse_value("true"), Value::Boolean(true));
        assert_eq!(
            parse_value("[\"10.0.0.0/8\"]"),
            Value::Array(vec![Value::String("10.0.0.0/8".into())])
        );
        assert_eq!(parse_value("127.0.0.1:8080"), Value::String("127.0.0.1:8080".into()));
        assert_eq!(parse_value("postgres://u:p@h/db"), Value::String("postgres://u:p@h/db".into()));
        assert_eq!(parse_value("\"quoted\""), Value::String("quoted".into()));
    }

    #[test]
    fn keys_are_set_through_their_tables() {
        let mut table = Table::new();
        set(&mut table, "tokens.code_lifetime", Value::Integer(30)).unwrap();
        set(&mut table, "listen", Value::String("[::1]:0".into())).unwrap();
        assert_eq!(table["tokens"]["code_lifetime"].as_integer(), Some(30));
        let error = set(&mut table, "listen.port", Value::Integer(1)).unwrap_err();
        assert_eq!(error.to_string(), "config error: listen: is not a table");
    }

    #[test]
    fn variables_name_keys_and_others_are_ignored() {
        let mut table = Table::new();
        apply_env(&mut table, |name| match name {
            "QSCOPE_TOKENS__ACCESS_LIFETIME" => Some("120".into()),
            "QSCOPE_DATABASE" => Some("postgres://db/x".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(table["tokens"]["access_lifetime"].as_integer(), Some(120));
        assert_eq!(table["database"].as_str(), Some("postgres://db/x"));
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn assignments_name_known_keys() {
        assert_eq!(parse_assignment("fifo.access_per_refresh=3").unwrap().1, Value::Integer(3));
        assert_eq!(parse_assignment("scopes.admin.default=true").unwrap().1, Value::Boolean(true));
        assert!(parse_assignment("fifo.nope=3").unwrap_err().contains("fifo.nope"));
        assert_eq!(parse_assignment("listen").unwrap_err(), "expected KEY=VALUE");
    }
}
