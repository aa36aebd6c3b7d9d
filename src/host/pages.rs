//! The demo's HTML pages: sign-in, consent and device verification.
//!
//! Plain HTML with one small inline style and no scripts or external
//! assets. Every interpolated value goes through [`escape`]; what a client
//! supplied (name, id, redirect URI) is also isolated in `<bdi>` without
//! bidirectional formatting characters, and no title names a client (the
//! title bar has no isolation); every input
//! has a `<label>`; every form that changes state carries the session's
//! CSRF token. Form fields are stable for automation: sign-in posts
//! `username` and `password`; consent and device pages post `decision` =
//! `approve` or `deny`; the device page takes `user_code`.

use crate::device::DevicePrompt;
use crate::{Interaction, RequestedScope};
use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;

/// The core's HTML escaper (the five HTML-significant characters), safe in
/// element content and in quoted attribute values.
pub(crate) use crate::html::escape;

/// Whether `c` is a bidirectional formatting character: the embeddings
/// and overrides U+202A–U+202E, the isolates U+2066–U+2069 and the marks
/// U+200E, U+200F and U+061C (Unicode Standard Annex #9, Table 4), which
/// could reorder what a page shows around them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `text` without bidirectional formatting characters.
fn without_bidi_controls(text: &str) -> String {
    text.chars().filter(|&c| !is_bidi_control(c)).collect()
}

/// Text a client supplied (its name, id or redirect URI), for element
/// content: without bidirectional formatting characters, escaped, and in
/// a `<bdi>` so that its direction cannot reorder the page's text around
/// it.
fn client_text(text: &str) -> String {
    format!("<bdi>{}</bdi>", escape(&without_bidi_controls(text)))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;\
padding:0 1rem;line-height:1.5;color:#1a1a1a}label{display:block;margin-top:1rem;font-weight:600}\
input[type=text],input[type=password]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}\
button{margin:1rem .5rem 0 0;padding:.5rem 1.25rem;font-size:1rem}\
.error{color:#a00000;font-weight:600}code{background:#f2f2f2;padding:0 .25rem}";

/// A complete page with the demo's security headers.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(document(title, body))));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    secure_headers(headers);
    response
}

/// The HTML of a page titled `title` (plain text) around `body` (HTML).
fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · qscope demo</title><style>{STYLE}</style></head>\
         <body><main>\n<h1>{title}</h1>\n{body}\n</main></body></html>\n",
        title = escape(&without_bidi_controls(title)),
    )
}

/// The headers every page and host redirect carries.
pub(crate) fn secure_headers(headers: &mut http::HeaderMap) {
    crate::host::csp::insert(headers);
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn hidden(name: &str, value: &str) -> String {
    format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(value))
}

fn alert(message: Option<&str>) -> String {
    message.map_or_else(String::new, |m| {
        format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m))
    })
}

/// The sign-in form; `next` is where to go afterwards.
pub(crate) fn login(csrf: &str, next: &str, error: Option<&str>) -> String {
    format!(
        "{alert}<form method=\"post\" action=\"/login\">{csrf}{next}\
         <label for=\"username\">User name</label>\
         <input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" \
         required autofocus>\
         <label for=\"password\">Password</label>\
         <input type=\"password\" id=\"password\" name=\"password\" \
         autocomplete=\"current-password\" required>\
         <button type=\"submit\">Sign in</button></form>",
        alert = alert(error),
        csrf = hidden("csrf", csrf),
        next = hidden("next", next),
    )
}

fn client_line(name: Option<&str>, client_id: &str) -> String {
    match name {
        Some(name) => {
            format!(
                "<strong>{}</strong> (client <code>{}</code>)",
                client_text(name),
                client_text(client_id)
            )
        }
        None => format!("The client <code>{}</code>", client_text(client_id)),
    }
}

fn scope_list(scopes: &[RequestedScope]) -> String {
    if scopes.is_empty() {
        return "<p>No particular permissions (no scope).</p>".into();
    }
    let items: String = scopes
        .iter()
        .map(|scope| match &scope.description {
            Some(description) if !description.is_empty() => {
                format!("<li><code>{}</code>: {}</li>", escape(&scope.name), escape(description))
            }
            _ => format!("<li><code>{}</code></li>", escape(&scope.name)),
        })
        .collect();
    format!("<ul>{items}</ul>")
}

fn decision_buttons() -> &'static str {
    "<button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>\
     <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>"
}

/// The page of a signed-in user: who, and a sign-out button.
pub(crate) fn signed_in(user: &str, csrf: &str) -> String {
    format!(
        "<p>You are signed in as <strong>{user}</strong>. Return to the application you came \
         from.</p><form method=\"post\" action=\"/logout\">{csrf}\
         <button type=\"submit\">Sign out</button></form>",
        user = escape(user),
        csrf = hidden("csrf", csrf),
    )
}

/// The consent form for the waiting request `key`.
pub(crate) fn consent(csrf: &str, key: &str, user: &str, interaction: &Interaction) -> String {
    format!(
        "<p>{client} asks to access your account <strong>{user}</strong> with these \
         permissions:</p>{scopes}<p>Afterwards you go back to <code>{redirect}</code>.</p>\
         <form method=\"post\" action=\"/consent\">{csrf}{key}{buttons}</form>",
        client = client_line(interaction.client_name.as_deref(), &interaction.client_id),
        user = escape(user),
        scopes = scope_list(&interaction.scopes),
        redirect = client_text(&interaction.redirect_uri),
        csrf = hidden("csrf", csrf),
        key = hidden("request", key),
        buttons = decision_buttons(),
    )
}

/// The way on to the client when the browser would not follow a redirect
/// to `location` by itself: a link.
pub(crate) fn onward(location: &str) -> String {
    format!(
        "<p>Your answer is ready for the application.</p>\
         <p><a href=\"{}\">Continue to the application</a></p>",
        escape(location)
    )
}

/// The form asking for the code a device shows.
pub(crate) fn device_entry(error: Option<&str>) -> String {
    format!(
        "{alert}<p>Enter the code your device shows.</p>\
         <form method=\"get\" action=\"/device\">\
         <label for=\"user_code\">Code</label>\
         <input type=\"text\" id=\"user_code\" name=\"user_code\" autocomplete=\"off\" \
         autocapitalize=\"characters\" spellcheck=\"false\" required autofocus>\
         <button type=\"submit\">Continue</button></form>",
        alert = alert(error),
    )
}

/// The approval form for a device's request.
pub(crate) fn device_confirm(csrf: &str, user: &str, prompt: &DevicePrompt) -> String {
    format!(
        "<p>{client} asks to access your account <strong>{user}</strong> from the device \
         showing <code>{code}</code>, with these permissions:</p>{scopes}\
         <p>Allow only if you started this on a device of your own.</p>\
         <form method=\"post\" action=\"/device\">{csrf}{code_field}{buttons}</form>",
        client = client_line(prompt.client_name.as_deref(), &prompt.client_id),
        user = escape(user),
        code = escape(&prompt.user_code.display()),
        scopes = scope_list(&prompt.scopes),
        csrf = hidden("csrf", csrf),
        code_field = hidden("user_code", prompt.user_code.as_str()),
        buttons = decision_buttons(),
    )
}

/// A short message page.
pub(crate) fn message(status: StatusCode, title: &str, text: &str) -> Response<Full<Bytes>> {
    page(status, title, &format!("<p>{}</p>", escape(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert(\"x\" & 'y')</script>"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        let form = login("c\"srf", "/consent?request=\"><x", Some("<b>"));
        assert!(form.contains("value=\"c&quot;srf\""));
        assert!(form.contains("value=\"/consent?request=&quot;&gt;&lt;x\""));
        assert!(form.contains("&lt;b&gt;"));
        assert!(!form.contains("<b>"));
    }

    #[test]
    fn client_text_is_isolated_without_bidi_controls() {
        let line =
            client_line(Some("a\u{202E}b\u{2066}c\u{2069}\u{200E}<d>"), "id\u{200F}\u{061C}");
        assert_eq!(
            line,
            "<strong><bdi>abc&lt;d&gt;</bdi></strong> (client <code><bdi>id</bdi></code>)"
        );
        assert_eq!(client_line(None, "x\u{202B}y"), "The client <code><bdi>xy</bdi></code>");
        // Every bidirectional formatting character, and nothing else.
        let all: String =
            ('\u{2000}'..='\u{206F}').chain(['\u{061B}', '\u{061C}', '\u{061D}']).collect();
        let kept = without_bidi_controls(&all);
        assert_eq!(all.chars().count() - kept.chars().count(), 12);
        assert!(
            kept.contains(['\u{2029}', '\u{202F}', '\u{2065}', '\u{206A}', '\u{200D}', '\u{061B}'])
        );
    }

    #[test]
    fn titles_carry_no_bidi_controls() {
        let html = document("Allow \u{202E}evil\u{202C}?", "");
        assert!(html.contains("<title>Allow evil? · qscope demo</title>"), "{html}");
        assert!(html.contains("<h1>Allow evil?</h1>"), "{html}");
    }
}
