//! The pages a person sees: sign-in, consent, device verification, the
//! account page, sign-out, the page at `/`, and an HTML page for every
//! error a browser can meet.
//!
//! Every page is an askama template in `templates/` (compiled into the
//! binary and checked at build time; [`views`] holds their structs) around
//! one layout (`base.html`): the service's header with its name and logo
//! (`[branding]`), a centred card, and a footer with the support link. The
//! engine escapes every value it interpolates (the five HTML-significant
//! characters); no template marks a value safe, and no handler builds
//! HTML. What a client supplied (its name, id, home page, redirect URI) is
//! also stripped of bidirectional formatting characters ([`client_text`])
//! and shown in a `<bdi>`; no title names a client (the title bar has no
//! isolation).
//!
//! The pages load nothing but the server's own stylesheet, favicon and
//! logo (see [`assets`]) and no script; the CSP says so (`csp`). Form
//! fields are stable for automation: sign-in posts `username` and
//! `password`; consent and device pages post `decision` = `approve` or
//! `deny` (and `scope` for each optional scope kept); the device page
//! takes `user_code`; every form that changes state carries `csrf`.

mod assets;
mod dates;
mod text;
pub(crate) mod views;

use std::collections::BTreeSet;

use askama::Template;
use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::host::config::{Logo, Settings};
use crate::host::csp;

pub(crate) use dates::shown_date;
pub(crate) use text::client_text;

/// What every page shows of the service.
#[derive(Clone, Debug)]
pub(crate) struct Look {
    /// The service's name.
    pub(crate) name: String,
    /// The header logo's `src`, if any.
    pub(crate) logo_src: Option<String>,
    /// The footer's "Get help" link, if any.
    pub(crate) support_url: Option<String>,
}

/// The pages' configuration and assets, shared by every request.
#[derive(Debug)]
pub(crate) struct Pages {
    look: Look,
    optional_scopes: BTreeSet<String>,
    /// The origin of a logo loaded from elsewhere, for `img-src`.
    logo_origin: Option<String>,
    assets: assets::Assets,
}

impl Pages {
    /// The pages `settings` describe.
    pub(crate) fn new(settings: &Settings) -> Self {
        let branding = &settings.branding;
        let (logo_src, logo_origin) = match &branding.logo {
            Some(Logo::Url(url)) => (Some(url.clone()), csp::origin_source(url)),
            Some(Logo::File { .. }) => (Some(assets::LOGO_PATH.to_owned()), None),
            None => (None, None),
        };
        Self {
            look: Look {
                name: branding.name.clone(),
                logo_src,
                support_url: branding.support_url.clone(),
            },
            optional_scopes: settings.optional_scopes.iter().cloned().collect(),
            logo_origin,
            assets: assets::Assets::new(branding),
        }
    }

    /// What every page shows of the service.
    pub(crate) fn look(&self) -> &Look {
        &self.look
    }

    /// Whether the consent page lets the user leave `scope` out.
    pub(crate) fn is_optional(&self, scope: &str) -> bool {
        self.optional_scopes.contains(scope)
    }

    /// The stylesheet, favicon or logo at `path`, if it is one.
    pub(crate) fn asset(&self, path: &str) -> Option<Answer> {
        self.assets.answer(path)
    }

    /// `view` as a page with `status` and the pages' headers.
    pub(crate) fn render(&self, status: StatusCode, view: &impl Template) -> Answer {
        let html = view.render().unwrap_or_else(|error| {
            tracing::error!(%error, "a page did not render");
            String::from("<!doctype html><html lang=\"en\"><title>Error</title><p>Error</p></html>")
        });
        let mut response = Response::new(Full::new(Bytes::from(html)));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        secure_headers(headers);
        if let Some(origin) = &self.logo_origin {
            csp::add_source(headers, "img-src", origin);
        }
        response
    }

    /// A short page: `title`, one paragraph `text`.
    pub(crate) fn message(&self, status: StatusCode, title: &str, text: &str) -> Answer {
        self.render(status, &views::Message::new(&self.look, title, text))
    }

    /// A short page with a link onwards.
    pub(crate) fn message_with_link(
        &self,
        status: StatusCode,
        title: &str,
        text: &str,
        link: views::Link<'_>,
    ) -> Answer {
        let mut view = views::Message::new(&self.look, title, text);
        view.back = Some(link);
        self.render(status, &view)
    }

    /// The refusal of a rate limit: when to try again, in the page and in
    /// `Retry-After`.
    pub(crate) fn retry_later(
        &self,
        status: StatusCode,
        title: &str,
        text: &str,
        retry_after: u64,
    ) -> Answer {
        let mut view = views::Message::new(&self.look, title, text);
        view.retry_after = Some(retry_after);
        let mut page = self.render(status, &view);
        page.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from(retry_after));
        page
    }
}

/// Every answer of the server.
pub(crate) type Answer = Response<Full<Bytes>>;

/// The headers every page and host redirect carries.
pub(crate) fn secure_headers(headers: &mut HeaderMap) {
    csp::insert(headers);
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests;
