//! `/login`: the sign-in form and its post (`username`, `password`).
//!
//! A browser with a session (an authorization request waiting for it)
//! gets the session's CSRF token in the form; one without gets a token in a
//! login cookie of its own, and no session is made until it signs in. The
//! form names the application the sign-in continues to (the client of the
//! request waiting under `next`), keeps the user name after a failed
//! attempt and says the same whether the user is unknown or the password
//! wrong. `switch=1` shows the form to a signed-in user too ("Not you?"
//! on the consent page): signing in then replaces the user in the session
//! and keeps its waiting requests.

use http::header::{RETRY_AFTER, SET_COOKIE};
use http::{HeaderValue, Method, StatusCode};
use http_body::Body;

use crate::host::form;
use crate::host::pages::client_text;
use crate::host::pages::views::Login;
use crate::host::session::Session;
use crate::host::web::{
    Answer, App, Incoming, busy, csrf_ok, forbidden, method_not_allowed, query, read_form,
    redirect, safe_next, with_cookie,
};

/// Answers `/login`.
pub(crate) async fn answer<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    match *incoming.request.method() {
        Method::GET => show(app, &incoming).await,
        Method::POST => submit(app, incoming).await,
        _ => method_not_allowed(&app.pages, "GET, POST"),
    }
}

/// The sign-in page that continues to `next`, for another user than the
/// signed-in one.
pub(crate) fn switch_account(next: &str) -> String {
    format!("/login?switch=1&next={}", form::encode(next))
}

async fn show<B>(app: &App, incoming: &Incoming<B>) -> Answer {
    let query = query(&incoming.request);
    let next = form::single(&query, "next").and_then(safe_next).unwrap_or("");
    let switching = form::single(&query, "switch") == Some("1");
    let headers = incoming.request.headers();
    let Some((id, session)) = app.sessions.find(headers, incoming.ctx.now).await else {
        // Nothing to keep yet: the form's token lives in a cookie.
        let token = app.sessions.login_token(headers);
        let page = form_page(app, None, StatusCode::OK, &token, next, "", None);
        return with_login_cookie(app, &token, page);
    };
    let page = match session.username() {
        Some(_) if !switching => redirect(if next.is_empty() { "/" } else { next }),
        _ => form_page(app, Some(&session), StatusCode::OK, &session.csrf(), next, "", None),
    };
    with_cookie(app, &id, page)
}

async fn submit<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    let Incoming { request, ctx, .. } = incoming;
    let now = ctx.now;
    // A sign-in form is only good with the session, or the login cookie,
    // it was shown with.
    let headers = request.headers().clone();
    let session = app.sessions.find(&headers, now).await;
    let fields = match read_form(&app.pages, request).await {
        Ok(fields) => fields,
        Err(page) => return page,
    };
    let presented = form::single(&fields, "csrf").unwrap_or_default();
    let token = match &session {
        Some((_, session)) if csrf_ok(session, &fields) => session.csrf(),
        None if app.sessions.login_token_matches(&headers, presented) => presented.to_owned(),
        _ => return forbidden(&app.pages),
    };
    let next = form::single(&fields, "next").and_then(safe_next).unwrap_or("").to_owned();
    let typed = form::single(&fields, "username").unwrap_or_default().to_owned();
    let retry = |status, message| {
        let shown = session.as_ref().map(|(_, session)| session);
        let page = form_page(app, shown, status, &token, &next, &typed, Some(message));
        match &session {
            Some((id, _)) => with_cookie(app, id, page),
            None => page,
        }
    };
    let (Some(username), Some(password)) =
        (form::single(&fields, "username"), form::single(&fields, "password"))
    else {
        return retry(StatusCode::BAD_REQUEST, "Enter your user name and password.");
    };
    let user = match app.driver.sign_in(username, password).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            tracing::info!("sign-in failed");
            return retry(StatusCode::UNAUTHORIZED, "Unknown user name or wrong password.");
        }
        Err(error) => {
            tracing::warn!(%error, "sign-in refused: the password could not be checked");
            // The form again, ready to send, with when to.
            let message = "Too many sign-ins at this moment: wait a second and try again.";
            let mut page = retry(StatusCode::SERVICE_UNAVAILABLE, message);
            page.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            return page;
        }
    };
    let old = session.as_ref().map(|(id, _)| id);
    let signed_in = match app.sessions.sign_in(old, &user, now).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return forbidden(&app.pages),
        Err(error) => {
            tracing::warn!(%error, "could not store a session");
            return busy(&app.pages);
        }
    };
    tracing::info!(user = %user.username, "signed in");
    let target = if next.is_empty() { "/" } else { next.as_str() };
    with_cookie(app, &signed_in, redirect(target))
}

/// The application a sign-in continuing to `next` is for: the client of
/// the request waiting under `next = /consent?request=KEY`, or "a
/// device" for the device page.
fn continuing_to(session: Option<&Session>, next: &str) -> Option<String> {
    if next.starts_with("/device") {
        return Some("connect a device".to_owned());
    }
    let query = next.strip_prefix("/consent?")?;
    let pairs = form::parse(query);
    let key = form::single(&pairs, "request")?;
    let interaction = session?.pending(key)?;
    let name = interaction.client_name.unwrap_or(interaction.client_id);
    Some(client_text(&name))
}

fn form_page(
    app: &App,
    session: Option<&Session>,
    status: StatusCode,
    csrf: &str,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Answer {
    let view = Login {
        look: app.pages.look(),
        title: "Sign in",
        client: continuing_to(session, next),
        error,
        csrf,
        next,
        username,
    };
    app.pages.render(status, &view)
}

fn with_login_cookie(app: &App, token: &str, mut page: Answer) -> Answer {
    page.headers_mut().insert(SET_COOKIE, app.sessions.login_cookie(token));
    page
}
