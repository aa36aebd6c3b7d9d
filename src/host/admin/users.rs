//! `qscope user ...`: the accounts people sign in with. A password is
//! never an argument (it would show in `ps` and the shell's history): it
//! is asked for on the terminal, or read as one line from standard input.

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal};

use clap::Subcommand;

use super::{Admin, Failure};
use crate::host::consents;
use crate::host::passwords::Passwords;
use crate::host::users;
use crate::store::{AccountRecord, AuditAction, AuditEvent, Effect, PasswordHash, Transaction};

/// `qscope user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Creates a user; the password is asked for (or read from standard
    /// input).
    Create {
        /// What the user types to sign in.
        username: String,
        /// The subject tokens are issued for (default: the user name).
        #[arg(long)]
        subject: Option<String>,
    },
    /// Lists every user: name, subject, enabled or disabled.
    List,
    /// Shows one user.
    Show {
        /// The user name.
        username: String,
    },
    /// Sets a new password (asked for, or read from standard input).
    SetPassword {
        /// The user name.
        username: String,
    },
    /// Stops a user from signing in (on the page and with the password
    /// grant), ends their browser sessions and revokes every grant they
    /// consented to (with its tokens).
    Disable {
        /// The user name.
        username: String,
    },
    /// Lets a disabled user sign in again.
    Enable {
        /// The user name.
        username: String,
    },
    /// Deletes a user, ends their browser sessions and revokes every
    /// grant they consented to (with its tokens).
    Delete {
        /// The user name.
        username: String,
    },
}

/// Runs `command`, reading passwords with `read_password`.
pub(crate) async fn run(
    admin: &Admin,
    passwords: Passwords,
    command: UserCommand,
    read_password: impl FnOnce() -> Result<String, Failure>,
) -> Result<String, Failure> {
    let now = crate::adapter::kit::now();
    match command {
        UserCommand::Create { username, subject } => {
            users::check_username(&username).map_err(Failure::new)?;
            let subject = subject.unwrap_or_else(|| username.clone());
            let hash = hashed(passwords, read_password()?).await?;
            let transaction = users::create(&username, &subject, hash, now);
            let transaction = audited(transaction, admin, AuditAction::UserCreated, &subject);
            admin.commit(&transaction, &format!("user {username} exists already")).await?;
            Ok(format!("created user {username} (subject {subject})\n"))
        }
        UserCommand::List => {
            let mut out = String::new();
            let mut after = None;
            loop {
                let page = users::page(&admin.store, after.take(), 100).await?;
                for account in &page {
                    let _ = writeln!(out, "{}", line(account));
                }
                match page.last() {
                    Some(last) if page.len() == 100 => after = Some(last.username.clone()),
                    _ => break,
                }
            }
            Ok(out)
        }
        UserCommand::Show { username } => {
            let account = existing(admin, &username).await?;
            Ok(format!(
                "username:   {}\nsubject:    {}\nstatus:     {}\ncreated_at: {}\n\
                 updated_at: {}\n",
                account.username,
                account.subject,
                status(&account),
                account.created_at.as_secs(),
                account.updated_at.as_secs()
            ))
        }
        UserCommand::SetPassword { username } => {
            let account = existing(admin, &username).await?;
            let hash = hashed(passwords, read_password()?).await?;
            let transaction = users::change(&account, now, |a| a.password_hash = hash);
            let action = AuditAction::UserPasswordSet;
            let transaction = audited(transaction, admin, action, &account.subject);
            admin.commit(&transaction, &changed_meanwhile(&username)).await?;
            Ok(format!("set the password of {username}\n"))
        }
        UserCommand::Disable { username } => set_disabled(admin, &username, true).await,
        UserCommand::Enable { username } => set_disabled(admin, &username, false).await,
        UserCommand::Delete { username } => {
            let account = existing(admin, &username).await?;
            let mut transaction = users::delete(&account);
            let action = AuditAction::UserDeleted;
            transaction = audited(transaction, admin, action, &account.subject);
            let revoked = revoke_grants(admin, &account, &mut transaction).await?;
            admin.commit(&transaction, &changed_meanwhile(&username)).await?;
            Ok(format!("deleted user {username}{revoked}\n"))
        }
    }
}

/// Disables or enables `username`. Disabling also revokes the user's
/// grants; their browser sessions end at their next request (a session
/// is only honoured for an enabled account).
async fn set_disabled(admin: &Admin, username: &str, disabled: bool) -> Result<String, Failure> {
    let account = existing(admin, username).await?;
    let now = crate::adapter::kit::now();
    let mut transaction = users::change(&account, now, |a| a.disabled = disabled);
    let action = if disabled { AuditAction::UserDisabled } else { AuditAction::UserEnabled };
    transaction = audited(transaction, admin, action, &account.subject);
    let revoked = if disabled {
        revoke_grants(admin, &account, &mut transaction).await?
    } else {
        String::new()
    };
    admin.commit(&transaction, &changed_meanwhile(username)).await?;
    let done = if disabled { "disabled" } else { "enabled" };
    Ok(format!("{done} user {username}{revoked}\n"))
}

/// `transaction` with the audit event `action` for `subject` appended.
fn audited(
    mut transaction: Transaction,
    admin: &Admin,
    action: AuditAction,
    subject: &str,
) -> Transaction {
    let mut event = AuditEvent::new(action, &admin.ctx);
    event.subject = Some(subject.to_owned());
    transaction.effects.push(Effect::AppendAudit(event));
    transaction
}

/// Adds the revocation of every grant of `account` to `transaction`;
/// what to print about it.
async fn revoke_grants(
    admin: &Admin,
    account: &AccountRecord,
    transaction: &mut Transaction,
) -> Result<String, Failure> {
    let effects = consents::revoke_all_of(&admin.store, &account.subject, &admin.ctx).await?;
    let grants = effects.iter().filter(|e| matches!(e, Effect::RevokeGrant { .. })).count();
    transaction.effects.extend(effects);
    Ok(match grants {
        0 => String::new(),
        1 => "; revoked 1 grant".to_owned(),
        n => format!("; revoked {n} grants"),
    })
}

/// The account `username`, or the failure saying there is none.
async fn existing(admin: &Admin, username: &str) -> Result<AccountRecord, Failure> {
    users::find(&admin.store, username)
        .await?
        .ok_or_else(|| Failure::new(format!("no user {username}")))
}

fn changed_meanwhile(username: &str) -> String {
    format!("user {username} was changed or deleted meanwhile; run the command again")
}

fn status(account: &AccountRecord) -> &'static str {
    if account.disabled { "disabled" } else { "enabled" }
}

/// One line of `user list`.
fn line(account: &AccountRecord) -> String {
    format!("{}\t{}\t{}", account.username, account.subject, status(account))
}

/// `password` hashed on a blocking thread.
async fn hashed(passwords: Passwords, password: String) -> Result<PasswordHash, Failure> {
    tokio::task::spawn_blocking(move || passwords.hash(&password))
        .await
        .map_err(|_| Failure::new("hashing the password failed"))?
        .map_err(Failure::from)
}

/// The password for `user create` and `user set-password`: asked for twice
/// on a terminal, else the first line of standard input. Never empty.
pub fn read_password() -> Result<String, Failure> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            return Err(Failure::new("the passwords differ"));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if password.is_empty() {
        return Err(Failure::new("the password is empty"));
    }
    Ok(password)
}
