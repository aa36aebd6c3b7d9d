//! `/login`: the sign-in form and its post (`username`, `password`).
//!
//! A browser with a session (an authorization request waiting for it)
//! gets the session's CSRF token in the form; one without gets a token in a
//! login cookie of its own, and no session is made until it signs in.

use http::header::{RETRY_AFTER, SET_COOKIE};
use http::{HeaderValue, Method, StatusCode};
use http_body::Body;

use crate::host::form;
use crate::host::pages;
use crate::host::web::{
    Answer, App, Incoming, busy, csrf_ok, forbidden, method_not_allowed, query, read_form,
    redirect, safe_next, with_cookie,
};

/// Answers `/login`.
pub(crate) async fn answer<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    match *incoming.request.method() {
        Method::GET => show(app, &incoming).await,
        Method::POST => submit(app, incoming).await,
        _ => method_not_allowed("GET, POST"),
    }
}

async fn show<B>(app: &App, incoming: &Incoming<B>) -> Answer {
    let query = query(&incoming.request);
    let next = form::single(&query, "next").and_then(safe_next).unwrap_or("");
    let headers = incoming.request.headers();
    let Some((id, session)) = app.sessions.find(headers, incoming.ctx.now).await else {
        // Nothing to keep yet: the form's token lives in a cookie.
        let token = app.sessions.login_token(headers);
        return with_login_cookie(app, &token, form_page(StatusCode::OK, &token, next, None));
    };
    let page = match session.username() {
        Some(_) if !next.is_empty() => redirect(next),
        Some(user) => {
            pages::page(StatusCode::OK, "Signed in", &pages::signed_in(user, &session.csrf()))
        }
        None => form_page(StatusCode::OK, &session.csrf(), next, None),
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
    let fields = match read_form(request).await {
        Ok(fields) => fields,
        Err(page) => return page,
    };
    let presented = form::single(&fields, "csrf").unwrap_or_default();
    let token = match &session {
        Some((_, session)) if csrf_ok(session, &fields) => session.csrf(),
        None if app.sessions.login_token_matches(&headers, presented) => presented.to_owned(),
        _ => return forbidden(),
    };
    let id = session.map(|(id, _)| id);
    let next = form::single(&fields, "next").and_then(safe_next).unwrap_or("").to_owned();
    let retry = |status, message| {
        let page = form_page(status, &token, &next, Some(message));
        match &id {
            Some(id) => with_cookie(app, id, page),
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
            let message = "Too many sign-ins at this moment: wait a second and try again.";
            let mut page = retry(StatusCode::SERVICE_UNAVAILABLE, message);
            page.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            return page;
        }
    };
    let signed_in = match app.sessions.sign_in(id.as_ref(), &user, now).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return forbidden(),
        Err(error) => {
            tracing::warn!(%error, "could not store a session");
            return busy();
        }
    };
    tracing::info!(user = %user.username, "signed in");
    let target = if next.is_empty() { "/login" } else { next.as_str() };
    with_cookie(app, &signed_in, redirect(target))
}

fn form_page(status: StatusCode, csrf: &str, next: &str, error: Option<&str>) -> Answer {
    pages::page(status, "Sign in", &pages::login(csrf, next, error))
}

fn with_login_cookie(app: &App, token: &str, mut page: Answer) -> Answer {
    page.headers_mut().insert(SET_COOKIE, app.sessions.login_cookie(token));
    page
}

/// Answers `/logout`: a post with the session's CSRF token deletes the
/// session and clears its cookie.
pub(crate) async fn sign_out<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    if incoming.request.method() != Method::POST {
        return method_not_allowed("POST");
    }
    let Incoming { request, ctx, .. } = incoming;
    let Some((id, session)) = app.sessions.find(request.headers(), ctx.now).await else {
        return forbidden();
    };
    let fields = match read_form(request).await {
        Ok(fields) => fields,
        Err(page) => return page,
    };
    if !csrf_ok(&session, &fields) {
        return forbidden();
    }
    if let Err(error) = app.sessions.sign_out(&id).await {
        tracing::warn!(%error, "could not delete a session");
        return busy();
    }
    let mut page = pages::message(StatusCode::OK, "Signed out", "You are signed out.");
    page.headers_mut().insert(SET_COOKIE, app.sessions.cleared_cookie());
    page
}
