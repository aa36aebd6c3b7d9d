//! What the pages load from the server: the stylesheet (in the configured
//! primary colour), the favicon and the configured logo file. Rendered
//! once at start; served with a day of caching.

use askama::Template;
use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Response};
use http_body_util::Full;

use super::Answer;
use crate::host::config::{Branding, Logo};

/// Where a configured logo file is served.
pub(crate) const LOGO_PATH: &str = "/branding/logo";

#[derive(Template)]
// CSS has no escaper: its only values are colours checked as #rrggbb.
#[template(path = "style.css", escape = "none", config = "src/host/pages/askama.toml")]
struct Style<'a> {
    primary: &'a str,
    on_primary: &'a str,
}

#[derive(Template)]
#[template(path = "favicon.svg", config = "src/host/pages/askama.toml")]
struct Favicon<'a> {
    primary: &'a str,
    on_primary: &'a str,
}

/// The rendered assets.
#[derive(Debug)]
pub(super) struct Assets {
    style: Bytes,
    favicon: Bytes,
    logo: Option<(Bytes, &'static str)>,
}

impl Assets {
    /// The assets for `branding` (whose colour is `#rrggbb`).
    pub(super) fn new(branding: &Branding) -> Self {
        let primary = branding.primary_color.as_str();
        let on_primary = on(primary);
        let style = Style { primary, on_primary }.render().unwrap_or_default();
        let favicon = Favicon { primary, on_primary }.render().unwrap_or_default();
        let logo = match &branding.logo {
            Some(Logo::File { bytes, content_type }) => {
                Some((Bytes::from(bytes.clone()), *content_type))
            }
            _ => None,
        };
        Self { style: Bytes::from(style), favicon: Bytes::from(favicon), logo }
    }

    /// The asset at `path`, if there is one.
    pub(super) fn answer(&self, path: &str) -> Option<Answer> {
        let (body, content_type) = match path {
            "/assets/style.css" => (self.style.clone(), "text/css; charset=utf-8"),
            "/favicon.svg" | "/favicon.ico" => (self.favicon.clone(), "image/svg+xml"),
            LOGO_PATH => self.logo.clone()?,
            _ => return None,
        };
        let mut response = Response::new(Full::new(body));
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
        headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
        // An SVG opened on its own is a document: it may run nothing.
        crate::host::csp::insert(headers);
        Some(response)
    }
}

/// The text colour on `primary` (`#rrggbb`): white where white has a
/// contrast ratio of at least 4.5:1 with it (WCAG 2.2 §1.4.3), else black.
fn on(primary: &str) -> &'static str {
    let channel = |i: usize| {
        let value = primary
            .get(1 + 2 * i..3 + 2 * i)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .unwrap_or(0);
        let c = f64::from(value) / 255.0;
        if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
    if 1.05 / (luminance + 0.05) >= 4.5 { "#fff" } else { "#000" }
}

#[cfg(test)]
mod tests {
    use super::on;

    #[test]
    fn text_on_the_primary_colour_stays_readable() {
        assert_eq!(on("#2454c5"), "#fff");
        assert_eq!(on("#000000"), "#fff");
        assert_eq!(on("#ffd700"), "#000");
        assert_eq!(on("#ffffff"), "#000");
        // #777777 has 4.48:1 with white: just too little.
        assert_eq!(on("#777777"), "#000");
        assert_eq!(on("#767676"), "#fff");
    }
}
