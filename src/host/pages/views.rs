//! The pages' templates (in `templates/`) and the values each one shows.
//! Every field is plain text: the templates escape it.

use askama::Template;

use super::Look;

/// A link to show on a message page.
#[derive(Clone, Debug)]
pub(crate) struct Link<'a> {
    /// Where it goes (a path on this server).
    pub(crate) href: &'a str,
    /// What it says.
    pub(crate) text: &'a str,
}

/// A short page: a title and a paragraph (every error page).
#[derive(Template)]
#[template(path = "message.html", config = "src/host/pages/askama.toml")]
pub(crate) struct Message<'a> {
    pub(crate) look: &'a Look,
    pub(crate) title: &'a str,
    pub(crate) text: &'a str,
    /// When to try again, for a rate limit's refusal.
    pub(crate) retry_after: Option<u64>,
    /// A way on.
    pub(crate) back: Option<Link<'a>>,
}

impl<'a> Message<'a> {
    /// `title` and `text`, with no retry time or link.
    pub(crate) fn new(look: &'a Look, title: &'a str, text: &'a str) -> Self {
        Self { look, title, text, retry_after: None, back: None }
    }
}

/// The page at `/`.
#[derive(Template)]
#[template(path = "home.html", config = "src/host/pages/askama.toml")]
pub(crate) struct Home<'a> {
    pub(crate) look: &'a Look,
    pub(crate) title: &'a str,
    /// The signed-in user's name.
    pub(crate) user: Option<&'a str>,
}

/// The sign-in form.
#[derive(Template)]
#[template(path = "login.html", config = "src/host/pages/askama.toml")]
pub(crate) struct Login<'a> {
    pub(crate) look: &'a Look,
    pub(crate) title: &'a str,
    /// The application the sign-in continues to (client text).
    pub(crate) client: Option<String>,
    pub(crate) error: Option<&'a str>,
    pub(crate) csrf: &'a str,
    /// Where to go afterwards.
    pub(crate) next: &'a str,
    /// The user name of a failed attempt, kept.
    pub(crate) username: &'a str,
}

/// A client as the consent and device pages show it (client text).
#[derive(Clone, Debug)]
pub(crate) struct ClientView {
    /// Its name, or its id when it has none.
    pub(crate) name: String,
    /// Its id.
    pub(crate) id: String,
    /// Its home page.
    pub(crate) home: Option<String>,
    /// Its logo's URL.
    pub(crate) logo: Option<String>,
    /// Whether it registered itself.
    pub(crate) self_registered: bool,
}

/// A scope as a consent page lists it.
#[derive(Clone, Debug)]
pub(crate) struct ScopeView {
    /// The scope token.
    pub(crate) name: String,
    /// What it allows (the token itself when the server has no description).
    pub(crate) description: String,
    /// Whether the user may leave it out (a checkbox).
    pub(crate) optional: bool,
}

/// Where the browser goes after a decision (client text).
#[derive(Clone, Debug)]
pub(crate) struct Destination {
    /// `scheme://host[:port]` (or the whole URI when it has no origin).
    pub(crate) origin: String,
    /// The whole redirect URI.
    pub(crate) full: String,
}

/// The consent page for a waiting authorization request.
#[derive(Template)]
#[template(path = "consent.html", config = "src/host/pages/askama.toml")]
pub(crate) struct Consent<'a> {
    pub(crate) look: &'a Look,
    pub(crate) title: &'a str,
    pub(crate) client: ClientView,
    pub(crate) user: &'a str,
    /// The sign-in page that signs another user in for this request.
    pub(crate) switch_account: String,
    pub(crate) csrf: &'a str,
    /// The request's key in the session.
    pub(crate) request: &'a str,
    /// The scopes the user allowed this client before (not asked again).
    pub(crate) remembered: Vec<String>,
    /// The scopes asked for.
    pub(crate) scopes: Vec<ScopeView>,
    pub(crate) destination: Destination,
}

/// The way on to the client as a link.
#[derive(Template)]
#[template(path = "onward.html", config = "src/host/pages/askama.toml")]
pub(crate) struct Onward<'a> {
    pub(crate) look: &'a Look,
    pub(crate) title: &'a str,
    pub(crate) location: &'a str,
}

/// The form asking for a device's code.
#[derive(Template)]
#[template(path = "device_entry.html", config = "src/host/pages/askama.toml")]
pub(crate) struct DeviceEntry<'a> {
    pub(crate) look: &'a Look,
    pub(crate) title: &'a str,
    pub(crate) error: Option<&'a str>,
    /// What the user typed, kept after an error.
    pub(crate) typed: &'a str,
}

/// The approval form for a device's request.
#[derive(Template)]
#[template(path = "device_confirm.html", config = "src/host/pages/askama.toml")]
pub(crate) struct DeviceConfirm<'a> {
    pub(crate) look: &'a Look,
    pub(crate) title: &'a str,
    pub(crate) client: ClientView,
    pub(crate) user: &'a str,
    pub(crate) csrf: &'a str,
    /// The code as the device shows it (`WDJB-MJHT`).
    pub(crate) code: String,
    /// The code as the form posts it.
    pub(crate) code_field: &'a str,
    pub(crate) scopes: Vec<ScopeView>,
}

/// A grant as the account page lists it.
#[derive(Clone, Debug)]
pub(crate) struct GrantView {
    /// The consent's id, for the revoke form.
    pub(crate) id: String,
    /// The client's name (client text), or its id.
    pub(crate) name: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) since: String,
    pub(crate) last_used: String,
}

/// `/account`: the applications a user allowed.
#[derive(Template)]
#[template(path = "account.html", config = "src/host/pages/askama.toml")]
pub(crate) struct Account<'a> {
    pub(crate) look: &'a Look,
    pub(crate) title: &'a str,
    pub(crate) user: &'a str,
    pub(crate) csrf: &'a str,
    /// What the last action did.
    pub(crate) notice: Option<&'a str>,
    pub(crate) grants: Vec<GrantView>,
}

/// `GET /logout`: the confirmation.
#[derive(Template)]
#[template(path = "logout.html", config = "src/host/pages/askama.toml")]
pub(crate) struct Logout<'a> {
    pub(crate) look: &'a Look,
    pub(crate) title: &'a str,
    pub(crate) user: &'a str,
    pub(crate) csrf: &'a str,
}
