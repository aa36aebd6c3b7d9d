//! `/`: what the service is, and the way to sign in, to the account page
//! or to connect a device.

use http::{Method, StatusCode};

use crate::host::pages::views::Home;
use crate::host::web::{Answer, App, Incoming, method_not_allowed, with_cookie};

/// Answers `/`.
pub(crate) async fn answer<B>(app: &App, incoming: Incoming<B>) -> Answer {
    if incoming.request.method() != Method::GET {
        return method_not_allowed(&app.pages, "GET");
    }
    let look = app.pages.look();
    match app.sessions.find(incoming.request.headers(), incoming.ctx.now).await {
        Some((id, session)) => {
            let view = Home { look, title: "Welcome", user: session.username() };
            with_cookie(app, &id, app.pages.render(StatusCode::OK, &view))
        }
        None => app.pages.render(StatusCode::OK, &Home { look, title: "Welcome", user: None }),
    }
}
