//! `/logout`: `GET` asks (a page with a Sign out button), `POST` with the
//! session's CSRF token deletes the session and clears its cookie.

use http::header::SET_COOKIE;
use http::{Method, StatusCode};
use http_body::Body;

use crate::host::pages::views::{Link, Logout};
use crate::host::web::{
    Answer, App, Incoming, busy, csrf_ok, forbidden, method_not_allowed, read_form, with_cookie,
};

/// Answers `/logout`.
pub(crate) async fn answer<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    match *incoming.request.method() {
        Method::GET => confirm(app, &incoming).await,
        Method::POST => sign_out(app, incoming).await,
        _ => method_not_allowed(&app.pages, "GET, POST"),
    }
}

async fn confirm<B>(app: &App, incoming: &Incoming<B>) -> Answer {
    let found = app.sessions.find(incoming.request.headers(), incoming.ctx.now).await;
    let Some((id, session)) = found.filter(|(_, session)| session.username().is_some()) else {
        return signed_out(app, "You are not signed in.");
    };
    let view = Logout {
        look: app.pages.look(),
        title: "Sign out?",
        user: session.username().unwrap_or_default(),
        csrf: &session.csrf(),
    };
    with_cookie(app, &id, app.pages.render(StatusCode::OK, &view))
}

async fn sign_out<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    let Incoming { request, ctx, .. } = incoming;
    let Some((id, session)) = app.sessions.find(request.headers(), ctx.now).await else {
        return forbidden(&app.pages);
    };
    let fields = match read_form(&app.pages, request).await {
        Ok(fields) => fields,
        Err(page) => return page,
    };
    if !csrf_ok(&session, &fields) {
        return forbidden(&app.pages);
    }
    if let Err(error) = app.sessions.sign_out(&id).await {
        tracing::warn!(%error, "could not delete a session");
        return busy(&app.pages);
    }
    let mut page = signed_out(app, "You are signed out on this browser.");
    page.headers_mut().insert(SET_COOKIE, app.sessions.cleared_cookie());
    page
}

fn signed_out(app: &App, text: &str) -> Answer {
    let link = Link { href: "/login", text: "Sign in" };
    app.pages.message_with_link(StatusCode::OK, "Signed out", text, link)
}
