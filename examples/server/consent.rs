//! `/consent`: the consent page for an authorization request waiting in
//! the session, and its post (`decision` = `approve` or `deny`), which
//! answers with a 303 to the client's redirect URI (another origin, which
//! the page's `form-action` names: see [`csp`]).

use http::{Method, StatusCode};
use http_body::Body;
use qscope::{Decision, Reply, Scopes};

use crate::host::{
    Answer, App, DecisionForm, Incoming, decision_form, full, method_not_allowed, query, redirect,
    server_error, with_cookie,
};
use crate::pages;
use crate::{csp, form};

/// Answers `/consent`.
pub(crate) async fn answer<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    match *incoming.request.method() {
        Method::GET => show(app, &incoming),
        Method::POST => submit(app, incoming).await,
        _ => method_not_allowed("GET, POST"),
    }
}

fn show<B>(app: &App, incoming: &Incoming<B>) -> Answer {
    let query = query(&incoming.request);
    let key = form::single(&query, "request").unwrap_or_default();
    // Waiting requests live in the session; without one there is none.
    let Some((id, session)) = app.sessions.find(incoming.request.headers(), incoming.now) else {
        return unknown_request();
    };
    let Some(user) = &session.user else {
        let next = format!("/consent?request={}", form::encode(key));
        return with_cookie(app, &id, redirect(&format!("/login?next={}", form::encode(&next))));
    };
    let Some(interaction) = session.pending(key) else {
        return unknown_request();
    };
    let body = pages::consent(&session.csrf, key, user, interaction);
    // The title names no client: client-supplied text stays in the body,
    // isolated (see `pages::client_text`).
    let mut page = pages::page(StatusCode::OK, "Allow access?", &body);
    // Allow and Deny end in a redirect to the client, which the browser
    // checks against form-action too.
    if !csp::insert_for_redirect(page.headers_mut(), &interaction.redirect_uri) {
        tracing::warn!(
            client_id = %interaction.client_id,
            "the redirect URI's origin cannot be named in form-action; browsers may block the redirect"
        );
    }
    with_cookie(app, &id, page)
}

async fn submit<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    let Incoming { request, ctx, now, .. } = incoming;
    let DecisionForm { id, user, fields, approve } = match decision_form(app, request, now).await {
        Ok(form) => form,
        Err(page) => return page,
    };
    let key = form::single(&fields, "request").unwrap_or_default();
    let Some(interaction) = app.sessions.update(&id, |live| live.take_pending(key)).flatten()
    else {
        return unknown_request();
    };
    let decision = if approve {
        let scopes = Scopes::from_names(interaction.scopes.iter().map(|s| s.name.clone()));
        Decision::approve(interaction.handle, user, scopes)
    } else {
        Decision::deny(interaction.handle)
    };
    // A redirect to the client with the code or `access_denied`, or a 400
    // when the request expired meanwhile.
    match app.driver.run(app.server.decide(decision, ctx)).await {
        Reply::Http(response) => with_cookie(app, &id, full(response)),
        _ => {
            // Not the value: a reply may carry secrets.
            tracing::error!("a decision gave an unexpected reply");
            server_error()
        }
    }
}

fn unknown_request() -> Answer {
    pages::message(
        StatusCode::BAD_REQUEST,
        "Request not found",
        "This authorization request is unknown, was already answered or has expired. \
         Start again from the application.",
    )
}
