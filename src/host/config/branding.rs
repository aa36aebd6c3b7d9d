//! `[branding]` checked: what every page shows of the service (its name,
//! logo, primary colour and support link).

use std::fmt;
use std::path::Path;

use super::ConfigError;
use super::file;

/// The largest logo file the server serves.
const MAX_LOGO_BYTES: usize = 256 * 1024;

/// What the pages show of the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branding {
    /// The service's name.
    pub name: String,
    /// The header's logo, if any.
    pub logo: Option<Logo>,
    /// The primary action's colour, `#rrggbb` (lowercase).
    pub primary_color: String,
    /// Where a person gets help (`https:` or `mailto:`).
    pub support_url: Option<String>,
}

/// Where the header's logo comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum Logo {
    /// An `https` image the pages load from its origin (which the pages'
    /// `img-src` then names).
    Url(String),
    /// A file read at start and served by the server itself.
    File {
        /// The file's bytes.
        bytes: Vec<u8>,
        /// Its media type, from the file name's extension.
        content_type: &'static str,
    },
}

impl fmt::Debug for Logo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(url) => f.debug_tuple("Url").field(url).finish(),
            Self::File { bytes, content_type } => f
                .debug_struct("File")
                .field("bytes", &bytes.len())
                .field("content_type", content_type)
                .finish(),
        }
    }
}

fn error(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::new(key, reason.into())
}

/// Checks `[branding]`; a logo file is read here, so a missing one fails
/// at start.
pub(super) fn branding(file: &file::Branding) -> Result<Branding, ConfigError> {
    let name = file.name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(error("branding.name", "must be 1 to 64 characters, no control characters"));
    }
    let primary_color = file.primary_color.trim().to_ascii_lowercase();
    let hex = primary_color.strip_prefix('#').unwrap_or_default();
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(error("branding.primary_color", "must be a colour as #rrggbb"));
    }
    let logo = file.logo.as_deref().map(logo).transpose()?;
    let support_url = match file.support_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(url) => Some(support_url(url)?),
    };
    Ok(Branding { name: name.to_owned(), logo, primary_color, support_url })
}

/// An `https` URL whose origin a CSP source can name, or a readable image
/// file of at most [`MAX_LOGO_BYTES`].
fn logo(text: &str) -> Result<Logo, ConfigError> {
    const KEY: &str = "branding.logo";
    let text = text.trim();
    if text.contains("://") {
        let https = text.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        if !https || crate::host::csp::origin_source(text).is_none() || !printable(text) {
            return Err(error(KEY, "a URL must be https:// with a plain host name"));
        }
        return Ok(Logo::Url(text.to_owned()));
    }
    let path = Path::new(text);
    let extension =
        path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let content_type = match extension.as_str() {
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        _ => return Err(error(KEY, "a file must be .svg, .png, .jpg, .webp or .ico")),
    };
    let bytes = std::fs::read(path)
        .map_err(|reason| error(KEY, format!("cannot read {text}: {reason}")))?;
    if bytes.is_empty() || bytes.len() > MAX_LOGO_BYTES {
        return Err(error(
            KEY,
            format!("the file must be 1 byte to {} KiB", MAX_LOGO_BYTES / 1024),
        ));
    }
    Ok(Logo::File { bytes, content_type })
}

fn support_url(url: &str) -> Result<String, ConfigError> {
    let lower = url.to_ascii_lowercase();
    let scheme_ok = (lower.starts_with("https://") && url.len() > 8)
        || (lower.starts_with("mailto:") && url.len() > 7);
    if !scheme_ok || !printable(url) {
        return Err(error("branding.support_url", "must be an https:// URL or a mailto: address"));
    }
    Ok(url.to_owned())
}

/// Printable ASCII without spaces or quotes.
fn printable(text: &str) -> bool {
    text.bytes().all(|b| (0x21..=0x7e).contains(&b) && !matches!(b, b'"' | b'\'' | b'<' | b'>'))
}
