//! `/device`: the device verification page (RFC 8628 §3.3). The user signs
//! in, enters the `user_code` a device shows (or arrives with it from
//! `verification_uri_complete`), sees what the device asks for, and posts
//! `decision` = `approve` or `deny` with the `user_code`.

use crate::device::{DeviceDecision, DevicePrompt, DeviceRejection, DeviceReply};
use crate::{Context, Reply};
use http::{Method, StatusCode};
use http_body::Body;

use crate::host::consent::{client_view, granted, scope_views};
use crate::host::drive::Ask;
use crate::host::pages::views::{DeviceConfirm, DeviceEntry, Link};
use crate::host::web::{
    Answer, App, DecisionForm, Incoming, decision_form, method_not_allowed, query, redirect,
    server_error, with_cookie,
};
use crate::host::{consents, form};

/// Answers `/device`.
pub(crate) async fn answer<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    match *incoming.request.method() {
        Method::GET => show(app, incoming).await,
        Method::POST => submit(app, incoming).await,
        _ => method_not_allowed(&app.pages, "GET, POST"),
    }
}

async fn show<B>(app: &App, incoming: Incoming<B>) -> Answer {
    let query = query(&incoming.request);
    let typed = form::single(&query, "user_code").map(str::trim).filter(|code| !code.is_empty());
    // Nothing is kept for a browser that has not signed in: it signs in first.
    let Some((id, session)) = app.sessions.find(incoming.request.headers(), incoming.ctx.now).await
    else {
        return sign_in_first(typed);
    };
    let Some(user) = session.username() else {
        return with_cookie(app, &id, sign_in_first(typed));
    };
    let page = match typed {
        None => entry(app, StatusCode::OK, "", None),
        Some(code) => match prompt(app, code, incoming.ctx).await {
            Ok(prompt) => {
                let view = DeviceConfirm {
                    look: app.pages.look(),
                    title: "Connect a device?",
                    client: client_view(
                        prompt.client_name.as_deref(),
                        &prompt.client_id,
                        prompt.client_uri.as_deref(),
                        None,
                        prompt.registrant,
                    ),
                    user,
                    csrf: &session.csrf(),
                    code: prompt.user_code.display(),
                    code_field: prompt.user_code.as_str(),
                    scopes: scope_views(&app.pages, &prompt.scopes),
                };
                app.pages.render(StatusCode::OK, &view)
            }
            Err(page) => page,
        },
    };
    with_cookie(app, &id, page)
}

async fn submit<B: Body>(app: &App, incoming: Incoming<B>) -> Answer {
    let Incoming { request, ctx, .. } = incoming;
    let now = ctx.now;
    let DecisionForm { id, user, fields, approve } = match decision_form(app, request, now).await {
        Ok(form) => form,
        Err(page) => return page,
    };
    let typed = form::single(&fields, "user_code").unwrap_or_default();
    // What the device asked for, read afresh: the approval grants exactly that.
    let prompt = match prompt(app, typed, ctx.clone()).await {
        Ok(prompt) => prompt,
        Err(page) => return with_cookie(app, &id, page),
    };
    let scopes = granted(&app.pages, &prompt.scopes, &fields);
    let client_id = prompt.client_id.clone();
    let decision = if approve {
        let (subject, scopes) = (user.clone(), scopes.clone());
        DeviceDecision::Approve { user_code: prompt.user_code, subject, scopes }
    } else {
        DeviceDecision::Deny { user_code: prompt.user_code }
    };
    let page = match app.driver.run(&app.server, decision, ctx).await {
        Reply::Device(DeviceReply::Approved) => {
            consents::record(app.driver.store(), &user, &client_id, scopes, now).await;
            app.pages.message(
                StatusCode::OK,
                "Device connected",
                "The device is allowed. You can return to it now.",
            )
        }
        Reply::Device(DeviceReply::Denied) => app.pages.message_with_link(
            StatusCode::OK,
            "Device not connected",
            "You denied the device: it gets no access to your account. You can close this page.",
            Link { href: "/device", text: "Enter another code" },
        ),
        Reply::Device(DeviceReply::Rejected(rejection)) => rejected(app, typed, rejection),
        _ => {
            // Not the value: a reply may carry secrets.
            tracing::error!("a device decision gave an unexpected reply");
            server_error(&app.pages)
        }
    };
    with_cookie(app, &id, page)
}

/// The redirect to the sign-in page, coming back here with `typed`.
fn sign_in_first(typed: Option<&str>) -> Answer {
    let next = match typed {
        Some(code) => format!("/device?user_code={}", form::encode(code)),
        None => "/device".to_owned(),
    };
    redirect(&format!("/login?next={}", form::encode(&next)))
}

/// What the device with `typed` asks for, or the page saying why the code
/// cannot be used.
async fn prompt(app: &App, typed: &str, ctx: Context) -> Result<DevicePrompt, Answer> {
    match app.driver.run(&app.server, Ask::DevicePrompt(typed.to_owned()), ctx).await {
        Reply::Device(DeviceReply::Prompt(prompt)) => Ok(prompt),
        Reply::Device(DeviceReply::Rejected(rejection)) => Err(rejected(app, typed, rejection)),
        _ => {
            // Not the value: a reply may carry secrets.
            tracing::error!("a device prompt gave an unexpected reply");
            Err(server_error(&app.pages))
        }
    }
}

fn entry(app: &App, status: StatusCode, typed: &str, error: Option<&str>) -> Answer {
    let view = DeviceEntry { look: app.pages.look(), title: "Connect a device", error, typed };
    app.pages.render(status, &view)
}

/// The page for a code that cannot be used: the entry form again for a
/// mistyped or unknown code (with what was typed), a page of its own for
/// an expired or already used one.
fn rejected(app: &App, typed: &str, rejection: DeviceRejection) -> Answer {
    let again = Link { href: "/device", text: "Enter another code" };
    let message = match rejection {
        DeviceRejection::Malformed => "That is not a valid code: it has 8 letters, like WDJB-MJHT.",
        DeviceRejection::Unknown => "No device is waiting with that code. Check it and try again.",
        DeviceRejection::Expired => {
            return app.pages.message_with_link(
                StatusCode::BAD_REQUEST,
                "This code has expired",
                "The code is too old to use. Start again on your device to get a new one.",
                again,
            );
        }
        DeviceRejection::AlreadyDecided => {
            return app.pages.message_with_link(
                StatusCode::BAD_REQUEST,
                "This code was already used",
                "Someone already allowed or denied the device with this code. If it was not \
                 you, deny the next request and check your applications.",
                Link { href: "/account", text: "Your applications" },
            );
        }
        _ => "That code cannot be used. Start again on your device.",
    };
    entry(app, StatusCode::BAD_REQUEST, typed, Some(message))
}
