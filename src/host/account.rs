//! `/account`: the applications a signed-in user allowed (name, scopes,
//! since when, last used), each with a button that removes its access: a
//! post (`revoke` = the consent's id, with the session's CSRF token)
//! deletes the consent and revokes every token, code and device grant of
//! that user and client ([`consents::revoke`], the store's
//! `Effect::RevokeGrant`), then shows the page again.

use http::{Method, StatusCode};
use http_body::Body;

use crate::host::pages::views::{Account, GrantView};
use crate::host::pages::{client_text, shown_date};
use crate::host::session::Session;
use crate::host::web::{
    Answer, App, Incoming, csrf_ok, forbidden, method_not_allowed, query, read_form, redirect,
    server_error, with_cookie,
};
use crate::host::{consents, form};
use crate::store::{AsyncStore, Outcome};

/// The most grants the page lists.
const MAX_LISTED: u32 = 200;

/// Answers `/account`.
pub(crate) async fn answer<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    match *incoming.request.method() {
        Method::GET => show(app, &incoming).await,
        Method::POST => revoke(app, incoming).await,
        _ => method_not_allowed(&app.pages, "GET, POST"),
    }
}

async fn show<B>(app: &App, incoming: &Incoming<B>) -> Answer {
    let found = app.sessions.find(incoming.request.headers(), incoming.ctx.now).await;
    let Some((id, session)) = found.filter(|(_, session)| session.user().is_some()) else {
        return redirect("/login?next=%2Faccount");
    };
    let notice = (form::single(&query(&incoming.request), "removed") == Some("1"))
        .then_some("Access removed: the application's tokens no longer work.");
    let page = match listing(app, &session, notice).await {
        Ok(page) => page,
        Err(error) => {
            tracing::warn!(%error, "could not list a user's consents");
            server_error(&app.pages)
        }
    };
    with_cookie(app, &id, page)
}

async fn listing(
    app: &App,
    session: &Session,
    notice: Option<&str>,
) -> Result<Answer, crate::store::StoreError> {
    let subject = session.user().unwrap_or_default();
    let store = app.driver.store();
    let consents = consents::page(store, Some(subject.to_owned()), None, None, MAX_LISTED).await?;
    let mut grants = Vec::with_capacity(consents.len());
    for consent in consents {
        grants.push(GrantView {
            name: client_text(&consents::client_name(store, &consent.client_id).await),
            scopes: consent.scopes.iter().map(str::to_owned).collect(),
            since: shown_date(consent.granted_at),
            last_used: shown_date(consent.last_used_at),
            id: consent.id,
        });
    }
    let view = Account {
        look: app.pages.look(),
        title: "Your applications",
        user: session.username().unwrap_or(subject),
        csrf: &session.csrf(),
        notice,
        grants,
    };
    Ok(app.pages.render(StatusCode::OK, &view))
}

async fn revoke<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    let Incoming { request, ctx, .. } = incoming;
    let Some((id, session)) = app.sessions.find(request.headers(), ctx.now).await else {
        return forbidden(&app.pages);
    };
    let fields = match read_form(&app.pages, request).await {
        Ok(fields) => fields,
        Err(page) => return page,
    };
    let (true, Some(subject)) = (csrf_ok(&session, &fields), session.user()) else {
        return forbidden(&app.pages);
    };
    let wanted = form::single(&fields, "revoke").unwrap_or_default();
    let store = app.driver.store();
    // Only the user's own consent: another's id is as good as none.
    let consent = match consents::find(store, wanted).await {
        Ok(Some(consent)) if consent.subject == subject => consent,
        Ok(_) => return with_cookie(app, &id, redirect("/account")),
        Err(error) => {
            tracing::warn!(%error, "could not read a consent");
            return server_error(&app.pages);
        }
    };
    match store.apply(&consents::revoke(&consent, &ctx)).await {
        Ok(Outcome::Applied) => {
            tracing::info!(client_id = %consent.client_id, "a user removed an application's access");
            with_cookie(app, &id, redirect("/account?removed=1"))
        }
        Ok(Outcome::Conflict { .. }) => with_cookie(app, &id, redirect("/account")),
        Err(error) => {
            tracing::warn!(%error, "could not revoke a consent");
            server_error(&app.pages)
        }
    }
}
