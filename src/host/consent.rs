//! `/consent`: the consent page for an authorization request waiting in
//! the session, and its post (`decision` = `approve` or `deny`), which
//! answers with a 303 to the client's redirect URI (another origin, which
//! the page's `form-action` names: see [`csp`]), or with a link to it
//! where `form-action` cannot name that origin.

use crate::store::Registrant;
use crate::{Decision, Reply, RequestedScope, Scopes};
use http::header::LOCATION;
use http::{Method, Response, StatusCode};
use http_body::Body;

use crate::host::login::switch_account;
use crate::host::pages::views::{ClientView, Consent, Destination, Onward, ScopeView};
use crate::host::pages::{Pages, client_text};
use crate::host::web::{
    Answer, App, DecisionForm, Incoming, decision_form, full, method_not_allowed, query, redirect,
    server_error, with_cookie,
};
use crate::host::{consents, csp, form};

/// Answers `/consent`.
pub(crate) async fn answer<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    match *incoming.request.method() {
        Method::GET => show(app, &incoming).await,
        Method::POST => submit(app, incoming).await,
        _ => method_not_allowed(&app.pages, "GET, POST"),
    }
}

async fn show<B>(app: &App, incoming: &Incoming<B>) -> Answer {
    let query = query(&incoming.request);
    let key = form::single(&query, "request").unwrap_or_default();
    // Waiting requests live in the session; without one there is none.
    let Some((id, session)) = app.sessions.find(incoming.request.headers(), incoming.ctx.now).await
    else {
        return unknown_request(app);
    };
    let here = format!("/consent?request={}", form::encode(key));
    let Some(user) = session.username() else {
        return with_cookie(app, &id, redirect(&format!("/login?next={}", form::encode(&here))));
    };
    let Some(interaction) = session.pending(key) else {
        return unknown_request(app);
    };
    let view = Consent {
        look: app.pages.look(),
        // The title names no client: client-supplied text stays in the
        // body, isolated.
        title: "Allow access?",
        client: client_view(
            interaction.client_name.as_deref(),
            &interaction.client_id,
            interaction.client_uri.as_deref(),
            interaction.logo_uri.as_deref(),
            interaction.registrant,
        ),
        user,
        switch_account: switch_account(&here),
        csrf: &session.csrf(),
        request: key,
        remembered: Vec::new(),
        scopes: scope_views(&app.pages, &interaction.scopes),
        destination: destination(&interaction.redirect_uri),
    };
    let mut page = app.pages.render(StatusCode::OK, &view);
    if let Some(source) = interaction.logo_uri.as_deref().and_then(csp::origin_source) {
        csp::add_source(page.headers_mut(), "img-src", &source);
    }
    // Allow and Deny end in a redirect to the client, which browsers check
    // against form-action too (where its origin cannot be named there, the
    // answer is a link instead: see `for_the_browser`).
    csp::insert_for_redirect(page.headers_mut(), &interaction.redirect_uri);
    with_cookie(app, &id, page)
}

/// A client as the consent and device pages show it.
pub(crate) fn client_view(
    name: Option<&str>,
    client_id: &str,
    home: Option<&str>,
    logo: Option<&str>,
    registrant: Registrant,
) -> ClientView {
    ClientView {
        name: client_text(name.unwrap_or(client_id)),
        id: client_text(client_id),
        home: home.map(client_text),
        logo: logo.filter(|uri| csp::origin_source(uri).is_some()).map(client_text),
        self_registered: registrant == Registrant::SelfRegistered,
    }
}

/// `scopes` as a consent page lists them, the optional ones with a checkbox.
pub(crate) fn scope_views(pages: &Pages, scopes: &[RequestedScope]) -> Vec<ScopeView> {
    scopes
        .iter()
        .map(|scope| ScopeView {
            name: scope.name.clone(),
            description: scope
                .description
                .clone()
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| scope.name.clone()),
            optional: pages.is_optional(&scope.name),
        })
        .collect()
}

/// The scopes of `requested` that a decision form grants: every required
/// one, and each optional one whose box (`scope` = its name) was kept.
pub(crate) fn granted(
    pages: &Pages,
    requested: &[RequestedScope],
    fields: &[(String, String)],
) -> Scopes {
    let kept = |name: &str| fields.iter().any(|(field, value)| field == "scope" && value == name);
    Scopes::from_names(
        requested
            .iter()
            .filter(|scope| !pages.is_optional(&scope.name) || kept(&scope.name))
            .map(|scope| scope.name.clone()),
    )
}

/// Where the browser goes after the decision: the redirect URI's origin,
/// shown large, and the whole URI.
fn destination(redirect_uri: &str) -> Destination {
    let full = client_text(redirect_uri);
    let origin = csp::origin_source(redirect_uri).map_or_else(|| full.clone(), |o| client_text(&o));
    Destination { origin, full }
}

async fn submit<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    let Incoming { request, ctx, .. } = incoming;
    let now = ctx.now;
    let DecisionForm { id, user, fields, approve } = match decision_form(app, request, now).await {
        Ok(form) => form,
        Err(page) => return page,
    };
    let key = form::single(&fields, "request").unwrap_or_default();
    let interaction = match app.sessions.take_pending(&id, key, now).await {
        Ok(Some(interaction)) => interaction,
        Ok(None) => return unknown_request(app),
        Err(error) => {
            tracing::warn!(%error, "could not take a waiting request from a session");
            return server_error(&app.pages);
        }
    };
    let client_id = interaction.client_id.clone();
    let scopes = granted(&app.pages, &interaction.scopes, &fields);
    let decision = if approve {
        Decision::approve(interaction.handle, user.clone(), scopes.clone())
    } else {
        Decision::deny(interaction.handle)
    };
    // A redirect to the client with the code or `access_denied`, or a 400
    // when the request expired meanwhile.
    match app.driver.run(&app.server, decision, ctx).await {
        Reply::Http(response) => {
            if approve && issued_a_code(&response) {
                consents::record(app.driver.store(), &user, &client_id, scopes, now).await;
            }
            with_cookie(app, &id, for_the_browser(app, response))
        }
        _ => {
            // Not the value: a reply may carry secrets.
            tracing::error!("a decision gave an unexpected reply");
            server_error(&app.pages)
        }
    }
}

/// The core's answer as the browser gets it. A 303 to a web redirect URI
/// whose origin the consent page's form-action could not name (an IPv6
/// loopback literal such as `http://[::1]:8080/cb`) would be blocked by
/// browsers that check form-action on redirects; it becomes a page with a
/// link to that URI, which the user follows (following a link is not a
/// form submission). Every other answer passes as it is.
fn for_the_browser(app: &App, response: Response<Vec<u8>>) -> Answer {
    let unnamed = (response.status() == StatusCode::SEE_OTHER)
        .then(|| response.headers().get(LOCATION)?.to_str().ok())
        .flatten()
        .filter(|location| is_web(location) && csp::origin_source(location).is_none());
    match unnamed {
        Some(location) => {
            let view =
                Onward { look: app.pages.look(), title: "Return to the application", location };
            app.pages.render(StatusCode::OK, &view)
        }
        None if response.status().is_client_error() => expired_request(app),
        None => full(response),
    }
}

/// Whether the core's answer to an approval is the redirect with a code.
fn issued_a_code(response: &Response<Vec<u8>>) -> bool {
    response.status() == StatusCode::SEE_OTHER
        && response.headers().get(LOCATION).and_then(|location| location.to_str().ok()).is_some_and(
            |location| {
                form::parse(location.split_once('?').map_or("", |(_, q)| q))
                    .iter()
                    .any(|(name, _)| name == "code")
            },
        )
}

/// Whether `uri` is an `http` or `https` URI.
fn is_web(uri: &str) -> bool {
    let scheme =
        |prefix: &str| uri.get(..prefix.len()).is_some_and(|s| s.eq_ignore_ascii_case(prefix));
    scheme("http://") || scheme("https://")
}

fn unknown_request(app: &App) -> Answer {
    app.pages.message(
        StatusCode::BAD_REQUEST,
        "Request not found",
        "This authorization request is unknown, was already answered or has expired. \
         Start again from the application.",
    )
}

/// The core's answer to a decision on a request that expired meanwhile.
fn expired_request(app: &App) -> Answer {
    app.pages.message(
        StatusCode::BAD_REQUEST,
        "This request has expired",
        "You took longer than the application allows to answer. Go back to the application \
         and start again.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::config::{Settings, Sources};

    fn requested(names: &[&str]) -> Vec<RequestedScope> {
        names
            .iter()
            .map(|name| RequestedScope { name: (*name).into(), description: None })
            .collect()
    }

    #[test]
    fn an_approval_grants_the_required_scopes_and_the_optional_ones_kept() {
        let mut settings = Settings::load_with_env(&Sources::default(), |_| None).unwrap();
        settings.optional_scopes = vec!["write".into(), "email".into()];
        let pages = Pages::new(&settings);
        let asked = requested(&["read", "write", "email"]);
        let field = |name: &str| ("scope".to_owned(), name.to_owned());
        // Nothing kept: only what is required.
        assert_eq!(granted(&pages, &asked, &[]).to_string(), "read");
        // A kept box grants its scope; a box for a scope not asked for, or
        // a "scope" naming a required one twice, adds nothing.
        let fields = [field("email"), field("admin"), field("read")];
        assert_eq!(granted(&pages, &asked, &fields).to_string(), "email read");
        let views = scope_views(&pages, &asked);
        let optional: Vec<bool> = views.iter().map(|view| view.optional).collect();
        assert_eq!(optional, [false, true, true]);
        assert_eq!(views[0].description, "read", "no description: the token itself");
    }
}
