//! `/login`: the sign-in form and its post (`username`, `password`).

use http::{Method, StatusCode};
use http_body::Body;

use crate::form;
use crate::host::{
    Answer, App, Incoming, busy, csrf_ok, forbidden, method_not_allowed, query, read_form,
    redirect, safe_next, session_for, with_cookie,
};
use crate::pages;

/// Answers `/login`.
pub(crate) async fn answer<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    match *incoming.request.method() {
        Method::GET => show(app, &incoming),
        Method::POST => submit(app, incoming).await,
        _ => method_not_allowed("GET, POST"),
    }
}

fn show<B>(app: &App, incoming: &Incoming<B>) -> Answer {
    let Some((id, session)) = session_for(app, incoming) else {
        return busy();
    };
    let query = query(&incoming.request);
    let next = form::single(&query, "next").and_then(safe_next).unwrap_or("");
    let page = match &session.user {
        Some(_) if !next.is_empty() => redirect(next),
        Some(user) => pages::message(
            StatusCode::OK,
            "Signed in",
            &format!("You are signed in as {user}. Return to the application you came from."),
        ),
        None => pages::page(StatusCode::OK, "Sign in", &pages::login(&session.csrf, next, None)),
    };
    with_cookie(app, &id, page)
}

async fn submit<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    let Incoming { request, now, .. } = incoming;
    // A sign-in form is only good with the session it was shown in.
    let Some((id, session)) = app.sessions.find(request.headers(), now) else {
        return forbidden();
    };
    let fields = match read_form(request).await {
        Ok(fields) => fields,
        Err(page) => return page,
    };
    if !csrf_ok(&session, &fields) {
        return forbidden();
    }
    let next = form::single(&fields, "next").and_then(safe_next).unwrap_or("").to_owned();
    let retry = |status, message| {
        let form = pages::login(&session.csrf, &next, Some(message));
        with_cookie(app, &id, pages::page(status, "Sign in", &form))
    };
    let (Some(username), Some(password)) =
        (form::single(&fields, "username"), form::single(&fields, "password"))
    else {
        return retry(StatusCode::BAD_REQUEST, "Enter your user name and password.");
    };
    let (users, username, password) = (app.users.clone(), username.to_owned(), password.to_owned());
    let checked = tokio::task::spawn_blocking(move || users.verify(&username, &password)).await;
    let Some(subject) = checked.ok().flatten() else {
        tracing::info!("sign-in failed");
        return retry(StatusCode::UNAUTHORIZED, "Unknown user name or wrong password.");
    };
    let Some(signed_in) = app.sessions.sign_in(&id, subject.clone(), now) else {
        return forbidden();
    };
    tracing::info!(user = %subject, "signed in");
    let target = if next.is_empty() { "/login" } else { next.as_str() };
    with_cookie(app, &signed_in, redirect(target))
}
