//! Consents in the store: which user allowed which client which scopes,
//! recorded when the user approves on the consent or device page, so that
//! an administrator can list them and revoke one with every token under it
//! (`qscope grant list|revoke`).

use crate::store::{
    AsyncStore, AuditAction, AuditEvent, ConsentRecord, Effect, Query, Record, StoreError,
    Transaction,
};
use crate::{Context, Scopes, UnixTime};

/// Records that `subject` allowed `client_id` `scopes` at `now` (renewing
/// an earlier consent keeps its first time). A failure is logged: the
/// approval stands without its record.
pub(crate) async fn record(
    store: &impl AsyncStore,
    subject: &str,
    client_id: &str,
    scopes: Scopes,
    now: UnixTime,
) {
    let consent = ConsentRecord {
        id: ConsentRecord::id_of(subject, client_id),
        subject: subject.to_owned(),
        client_id: client_id.to_owned(),
        scopes,
        granted_at: now,
        last_used_at: now,
    };
    let put = Transaction::unconditional(vec![Effect::PutConsent(consent)]);
    if let Err(error) = store.apply(&put).await {
        tracing::warn!(%error, "could not record a consent");
    }
}

/// The consent `id`, if there is one.
pub(crate) async fn find(
    store: &impl AsyncStore,
    id: &str,
) -> Result<Option<ConsentRecord>, StoreError> {
    let answers = store.read(&[Query::Consent { id: id.to_owned() }]).await?;
    Ok(answers.as_slice().iter().find_map(|answer| match &answer.record {
        Some(Record::Consent(consent)) => Some(consent.clone()),
        _ => None,
    }))
}

/// Up to `limit` consents after `after`, of one user and/or client.
pub(crate) async fn page(
    store: &impl AsyncStore,
    subject: Option<String>,
    client_id: Option<String>,
    after: Option<String>,
    limit: u32,
) -> Result<Vec<ConsentRecord>, StoreError> {
    let answers = store.read(&[Query::Consents { subject, client_id, after, limit }]).await?;
    Ok(answers
        .as_slice()
        .iter()
        .find_map(|answer| match &answer.record {
            Some(Record::Consents(page)) => Some(page.clone()),
            _ => None,
        })
        .unwrap_or_default())
}

/// Ends `consent`: the record goes, and every token, unredeemed code and
/// approved device grant of its user and client is revoked, with a
/// [`AuditAction::GrantRevoked`] event.
pub(crate) fn revoke(consent: &ConsentRecord, ctx: &Context) -> Transaction {
    Transaction::unconditional(revocation(consent, ctx).into())
}

/// Ends every consent of `subject` (see [`revoke`]): the effects, for a
/// transaction that also changes the user's account.
pub(crate) async fn revoke_all_of(
    store: &impl AsyncStore,
    subject: &str,
    ctx: &Context,
) -> Result<Vec<Effect>, StoreError> {
    let mut effects = Vec::new();
    let mut after = None;
    loop {
        let page = page(store, Some(subject.to_owned()), None, after.take(), 100).await?;
        for consent in &page {
            effects.extend(revocation(consent, ctx));
        }
        match page.last() {
            Some(last) if page.len() == 100 => after = Some(last.id.clone()),
            _ => return Ok(effects),
        }
    }
}

fn revocation(consent: &ConsentRecord, ctx: &Context) -> [Effect; 3] {
    let mut event = AuditEvent::new(AuditAction::GrantRevoked, ctx);
    event.client_id = Some(consent.client_id.clone());
    event.subject = Some(consent.subject.clone());
    [
        Effect::DeleteConsent { id: consent.id.clone() },
        Effect::RevokeGrant {
            client_id: consent.client_id.clone(),
            subject: consent.subject.clone(),
            at: ctx.now,
        },
        Effect::AppendAudit(event),
    ]
}

/// The name of the client `client_id` (its id when it has none or is gone).
pub(crate) async fn client_name(store: &impl AsyncStore, client_id: &str) -> String {
    let query = Query::Client { client_id: client_id.to_owned() };
    let answers = store.read(&[query]).await.ok();
    answers
        .and_then(|answers| {
            answers.as_slice().iter().find_map(|answer| match &answer.record {
                Some(Record::Client(client)) => client.name.clone(),
                _ => None,
            })
        })
        .unwrap_or_else(|| client_id.to_owned())
}
