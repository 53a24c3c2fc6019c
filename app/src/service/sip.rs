//! SIP connections of an account (owners, staff). One in use by a saved
//! failover config can't be deleted.

use super::{Change, Ctx};
use crate::domain::failover::parse_sip_uri;
use crate::domain::{AuditAction, FieldErrors, Permission, PersonName};
use crate::domain::{Code, Taken};
use crate::error::AppError;
use crate::store::sip::{self, SipConnectionRow};
use crate::views::SipConnectionView;

impl From<SipConnectionRow> for SipConnectionView {
    fn from(c: SipConnectionRow) -> Self {
        SipConnectionView {
            id: c.id,
            name: c.name,
            sip_uri: c.sip_uri,
        }
    }
}

/// The connection, if the caller manages its account (another tenant's: not found).
pub async fn load(ctx: &Ctx, id: &str) -> Result<SipConnectionRow, AppError> {
    let c = sip::find(ctx.db.pool(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    ctx.require_in(Permission::ManageAccountSettings, &c.account_id)?;
    Ok(c)
}

/// A connection's name and URI by the rules (errors: `name`, `sip_uri`).
pub(crate) fn parse(name: &str, uri: &str) -> Result<(String, String), AppError> {
    let mut e = FieldErrors::new();
    let name = e.take("name", PersonName::parse(name));
    let uri = e.take("sip_uri", parse_sip_uri(uri));
    e.into_result()?;
    Ok((
        name.expect("checked").as_str().to_owned(),
        uri.expect("checked"),
    ))
}

/// A name already used in the account is a field error.
fn taken(e: crate::store::StoreError) -> AppError {
    match AppError::from(e) {
        AppError::Conflict(Taken::Name) => {
            AppError::Invalid(FieldErrors::single("name", Code::TakenName))
        }
        other => other,
    }
}

fn snapshot(c: &SipConnectionRow) -> serde_json::Value {
    serde_json::json!({"name": c.name, "sip_uri": c.sip_uri})
}

pub async fn create(
    ctx: &Ctx,
    slug: &str,
    name: &str,
    sip_uri: &str,
) -> Result<SipConnectionRow, AppError> {
    let account = super::accounts::load(ctx, slug, Permission::ManageAccountSettings).await?;
    let (name, uri) = parse(name, sip_uri)?;
    let mut w = ctx.begin().await?;
    let c = sip::create(&mut **w.tx(), &account.id, &name, &uri)
        .await
        .map_err(taken)?;
    w.commit(Change {
        action: AuditAction::SipConnectionCreate,
        account_id: Some(&account.id),
        subject: Some(&c.id),
        before: None,
        after: Some(snapshot(&c)),
    })
    .await?;
    Ok(c)
}

pub async fn update(ctx: &Ctx, id: &str, name: &str, sip_uri: &str) -> Result<(), AppError> {
    let before = load(ctx, id).await?;
    let (name, uri) = parse(name, sip_uri)?;
    let mut w = ctx.begin().await?;
    sip::update(w.tx(), id, &name, &uri).await.map_err(taken)?;
    let after = SipConnectionRow {
        name,
        sip_uri: uri,
        ..before.clone()
    };
    w.commit(Change {
        action: AuditAction::SipConnectionUpdate,
        account_id: Some(&before.account_id),
        subject: Some(id),
        before: Some(snapshot(&before)),
        after: Some(snapshot(&after)),
    })
    .await
}

/// Deletes a connection; refused with the agents' names while a saved
/// failover config uses it.
pub async fn delete(ctx: &Ctx, id: &str) -> Result<(), AppError> {
    let before = load(ctx, id).await?;
    let mut w = ctx.begin().await?;
    let users = sip::agents_using(&mut **w.tx(), id).await?;
    if !users.is_empty() {
        return Err(AppError::InUse(users));
    }
    sip::delete(&mut **w.tx(), id).await?;
    w.commit(Change {
        action: AuditAction::SipConnectionDelete,
        account_id: Some(&before.account_id),
        subject: Some(id),
        before: Some(snapshot(&before)),
        after: None,
    })
    .await
}
