//! The interaction hook: the host's login and consent page inside an
//! [`OAuthService`](super::OAuthService).

use std::future::Future;

use http::request::Parts;
use http::{Request, Response};

use crate::adapter::kit;
use crate::{Decision, Interaction};

/// The host's login and consent page, plugged into an
/// [`OAuthService`](super::OAuthService) with
/// [`with_interaction`](super::OAuthService::with_interaction), so that
/// the service completes the authorization code flow.
///
/// The hook renders and reports; the core decides. The service hands it
/// each valid authorization request as an [`Interaction`] to
/// [`render`](Self::render) (the core has already validated the client,
/// the redirect URI, PKCE and the scopes, and stored the pending request).
/// The page's own requests (the consent form's post, a login page) are
/// the paths the hook [`owns`](Self::owns): the service hands them to
/// [`receive`](Self::receive), which answers them itself or reports the
/// user's [`Decision`]. The service then drives that decision through the
/// core, which checks the handle and the granted scopes and answers with
/// the redirect to the client (`code`, `state`, `iss`) or its error: the
/// hook never builds a redirect to a client.
///
/// Keep the interaction's [`handle`](Interaction::handle) on the server
/// side of the browser's session (or bind it to the session with a CSRF
/// token), so that only the user agent that started the request can
/// decide it (RFC 6749 §10.12). A page without its own `Cache-Control` is
/// sent with `Cache-Control: no-store`.
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
///
/// use http::request::Parts;
/// use http::{Request, Response};
/// use qscope::adapter::tower::{InteractionHook, PageOutcome};
/// use qscope::{Decision, Interaction, InteractionHandle};
///
/// /// Approves as "alice" whatever the form at `/consent` posts, for the
/// /// browser whose `sid` cookie started the request.
/// #[derive(Default)]
/// struct Consent {
///     waiting: Mutex<HashMap<String, Interaction>>,
/// }
///
/// fn session(request: &Parts) -> Option<String> {
///     let cookie = request.headers.get("cookie")?.to_str().ok()?;
///     cookie.strip_prefix("sid=").map(str::to_owned)
/// }
///
/// impl InteractionHook for Consent {
///     fn owns(&self, request: &Parts) -> bool {
///         request.uri.path() == "/consent"
///     }
///
///     async fn render(&self, interaction: Interaction, request: &Parts) -> Response<Vec<u8>> {
///         let Some(sid) = session(request) else {
///             return Response::builder().status(400).body(b"no session".to_vec()).unwrap();
///         };
///         let page = format!(
///             "<form method=post action=/consent>{} asks for {} scope(s)\
///              <button name=decision value=approve>Allow</button></form>",
///             qscope::html::escape(&interaction.client_id),
///             interaction.scopes.len(),
///         );
///         self.waiting.lock().unwrap().insert(sid, interaction);
///         Response::new(page.into_bytes())
///     }
///
///     async fn receive(&self, request: Request<Vec<u8>>) -> PageOutcome {
///         let (parts, body) = request.into_parts();
///         let waiting = session(&parts).and_then(|sid| self.waiting.lock().unwrap().remove(&sid));
///         match waiting {
///             Some(interaction) if body == b"decision=approve" => {
///                 let scopes = interaction.requested_scopes();
///                 PageOutcome::Decision(Decision::approve(interaction.handle, "alice", scopes))
///             }
///             Some(interaction) => PageOutcome::Decision(Decision::deny(interaction.handle)),
///             None => PageOutcome::Answer(
///                 Response::builder().status(403).body(b"no request waits".to_vec()).unwrap(),
///             ),
///         }
///     }
/// }
/// ```
pub trait InteractionHook: Send + Sync + 'static {
    /// Whether `request` is for one of the hook's own pages, which
    /// [`receive`](Self::receive) answers. Asked first, for every request,
    /// so it must not claim an endpoint path of the core.
    fn owns(&self, request: &Parts) -> bool;

    /// The page for `interaction`, the valid authorization request that
    /// arrived as `request` (its headers carry the browser's cookies, its
    /// extensions the peer address).
    fn render(
        &self,
        interaction: Interaction,
        request: &Parts,
    ) -> impl Future<Output = Response<Vec<u8>>> + Send;

    /// A request to one of the hook's pages, its body collected within
    /// [`Config::max_body_bytes`](crate::Config::max_body_bytes) (a longer
    /// one is answered 413 without reaching the hook): the answer to send,
    /// or the user's decision for the service to drive through the core.
    fn receive(&self, request: Request<Vec<u8>>) -> impl Future<Output = PageOutcome> + Send;
}

/// What the hook makes of a request to its pages.
#[derive(Debug)]
pub enum PageOutcome {
    /// An answer to send as is (a login form, a refusal of a stale form).
    Answer(Response<Vec<u8>>),
    /// The user's decision on an interaction: the service drives it as
    /// [`Input::Decision`](crate::Input::Decision) and sends the core's
    /// answer, the redirect to the client.
    Decision(Decision),
}

/// The hook of an [`OAuthService`](super::OAuthService) without a login
/// page: it owns no path, and answers every interaction with the kit's
/// 501 ([`no_login_page`](kit::no_login_page)); the pending authorization
/// it stored simply expires.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoInteraction;

impl InteractionHook for NoInteraction {
    fn owns(&self, _request: &Parts) -> bool {
        false
    }

    async fn render(&self, _interaction: Interaction, _request: &Parts) -> Response<Vec<u8>> {
        kit::no_login_page()
    }

    /// Never asked (the hook owns no path); it would answer the 501 too.
    async fn receive(&self, _request: Request<Vec<u8>>) -> PageOutcome {
        PageOutcome::Answer(kit::no_login_page())
    }
}
