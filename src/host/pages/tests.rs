//! The pages' escaping, isolation and headers.

use super::views::{ClientView, Consent, Destination, Login, ScopeView};
use super::*;
use crate::host::config::{Settings, Sources};
use std::future::Future;

fn look() -> Look {
    Look { name: "Example <Corp>".into(), logo_src: None, support_url: None }
}

fn body(answer: &Answer) -> String {
    use http_body_util::BodyExt as _;
    let bytes = block_on(answer.clone().into_body().collect()).unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
}

fn rendered(view: &impl Template) -> String {
    view.render().unwrap()
}

#[test]
fn every_value_is_escaped() {
    let look = look();
    let html = rendered(&Login {
        look: &look,
        title: "Sign in",
        client: Some(client_text("A <b>\"client\"</b>")),
        error: Some("<b>"),
        csrf: "c\"srf",
        next: "/consent?request=\"><x",
        username: "al'ice",
    });
    assert!(
        html.contains("value=\"c&#34;srf\"") || html.contains("value=\"c&quot;srf\""),
        "{html}"
    );
    assert!(!html.contains("\"><x"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(html.contains("<bdi>A &#60;b&#62;") || html.contains("<bdi>A &lt;b&gt;"), "{html}");
    assert!(html.contains("al&#39;ice") || html.contains("al&#x27;ice"), "{html}");
    assert!(html.contains("Example &#60;Corp&#62;") || html.contains("Example &lt;Corp&gt;"));
    // The kept user name moves the focus to the password.
    assert!(html.contains("autocomplete=\"current-password\" required autofocus"), "{html}");
}

#[test]
fn the_consent_card_names_the_client_and_where_the_browser_goes() {
    let look = look();
    let html = rendered(&Consent {
        look: &look,
        title: "Allow access?",
        client: ClientView {
            name: client_text("Evil\u{202E}gnp.exe"),
            id: "evil".into(),
            home: Some("https://app.example".into()),
            logo: None,
            self_registered: true,
        },
        user: "alice",
        switch_account: "/login?switch=1&next=%2Fconsent".into(),
        csrf: "t",
        request: "k",
        remembered: Vec::new(),
        scopes: vec![
            ScopeView {
                name: "read".into(),
                description: "Read your data".into(),
                optional: false,
            },
            ScopeView { name: "write".into(), description: "Change it".into(), optional: true },
        ],
        destination: Destination {
            origin: "https://app.example".into(),
            full: "https://app.example/cb".into(),
        },
    });
    assert!(html.contains("<bdi>Evilgnp.exe</bdi>"), "{html}");
    assert!(html.contains("Registered by the application itself."), "{html}");
    assert!(html.contains("Signed in as <strong>alice</strong>"), "{html}");
    assert!(
        html.contains("href=\"/login?switch=1&#38;next=%2Fconsent\"")
            || html.contains("href=\"/login?switch=1&amp;next=%2Fconsent\""),
        "{html}"
    );
    assert!(html.contains("name=\"scope\" value=\"write\" checked"), "{html}");
    assert!(!html.contains("name=\"scope\" value=\"read\""), "{html}");
    assert!(html.contains("class=\"origin\"><bdi>https://app.example</bdi>"), "{html}");
    assert!(html.contains("value=\"approve\" class=\"primary\">Allow"), "{html}");
    assert!(html.contains("<title>Allow access? · Example"), "{html}");
}

#[test]
fn a_page_has_the_strict_headers() {
    let mut settings = Settings::load_with_env(&Sources::default(), |_| None).unwrap();
    settings.branding.logo = Some(Logo::Url("https://cdn.example.com/l.svg".into()));
    let pages = Pages::new(&settings);
    let page = pages.message(StatusCode::NOT_FOUND, "Gone", "It went.");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert_eq!(page.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(
        page.headers()["content-security-policy"],
        "default-src 'none'; style-src 'self'; img-src 'self' https://cdn.example.com; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = body(&page);
    assert!(html.contains("<img src=\"https://cdn.example.com/l.svg\" alt=\"\">"), "{html}");
    assert!(html.contains("<h1>Gone</h1>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    let style = pages.asset("/assets/style.css").unwrap();
    assert_eq!(style.headers()[CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(body(&style).contains("--primary:#2454c5;--on-primary:#fff;"));
    assert_eq!(pages.asset("/favicon.ico").unwrap().headers()[CONTENT_TYPE], "image/svg+xml");
    assert!(pages.asset("/branding/logo").is_none(), "no logo file configured");
}

#[test]
fn a_rate_limit_says_when_to_try_again() {
    let look = look();
    let mut view = views::Message::new(&look, "Too many requests", "Slow down.");
    view.retry_after = Some(7);
    assert!(rendered(&view).contains("You can try again in 7 seconds."));
    view.retry_after = Some(1);
    assert!(rendered(&view).contains("You can try again in 1 second."));
}
