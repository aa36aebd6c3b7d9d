//! `qscope grant ...`: what users allowed clients, and revoking it.

use std::fmt::Write as _;

use clap::Subcommand;

use super::{Admin, Failure};
use crate::host::consents;

/// `qscope grant ...`.
#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// Lists consents: id, user (subject), client, scopes, when granted.
    List {
        /// Only this user's (their subject).
        #[arg(long)]
        user: Option<String>,
        /// Only this client's (generated ids may start with `-`).
        #[arg(long, allow_hyphen_values = true)]
        client: Option<String>,
    },
    /// Revokes a consent and every token, unredeemed code and approved
    /// device authorization of its user and client.
    Revoke {
        /// The consent's id, as `grant list` shows it.
        id: String,
    },
}

/// Runs `command`.
pub(crate) async fn run(admin: &Admin, command: GrantCommand) -> Result<String, Failure> {
    match command {
        GrantCommand::List { user, client } => {
            let mut out = String::new();
            let mut after = None;
            loop {
                let page =
                    consents::page(&admin.store, user.clone(), client.clone(), after.take(), 100)
                        .await?;
                for consent in &page {
                    let _ = writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}",
                        consent.id,
                        consent.subject,
                        consent.client_id,
                        consent.scopes,
                        consent.granted_at.as_secs()
                    );
                }
                match page.last() {
                    Some(last) if page.len() == 100 => after = Some(last.id.clone()),
                    _ => break,
                }
            }
            Ok(out)
        }
        GrantCommand::Revoke { id } => {
            let consent = consents::find(&admin.store, &id)
                .await?
                .ok_or_else(|| Failure::new(format!("no grant {id}")))?;
            admin
                .commit(&consents::revoke(&consent, &admin.ctx), "the grant changed meanwhile")
                .await?;
            Ok(format!(
                "revoked grant {id}: {} for {} and every token under it\n",
                consent.client_id, consent.subject
            ))
        }
    }
}
