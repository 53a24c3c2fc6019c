//! Runtime API tokens (admins): creating one (its secret returned once),
//! revoking, and the list.

use super::{Change, Ctx};
use crate::domain::Code;
use crate::domain::{AuditAction, FieldErrors, Permission, PersonName, Scope, scopes_to_string};
use crate::error::AppError;
use crate::store::tokens::{self, TokenRow};
use crate::views::{TOKENS_PAGE_SIZE, TokenView};

impl From<TokenRow> for TokenView {
    fn from(t: TokenRow) -> Self {
        TokenView {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: scopes_to_string(&t.scopes),
            account: t.account_slug,
            created_at: t.created_at,
            created_by: t.created_by_label,
            revoked_at: t.revoked_at,
            revoked_by: t.revoked_by_label,
            last_used_at: t.last_used_at,
        }
    }
}

/// Every token, newest first.
/// One page of the tokens, newest first, and how many there are.
pub async fn list(ctx: &Ctx, page: i64) -> Result<(Vec<TokenView>, i64, i64), AppError> {
    ctx.require(Permission::Administer, None)?;
    let (page, offset) = super::page_offset(page, TOKENS_PAGE_SIZE);
    let total = tokens::count(ctx.db.pool()).await?;
    let rows = tokens::page(ctx.db.pool(), TOKENS_PAGE_SIZE, offset).await?;
    Ok((rows.into_iter().map(TokenView::from).collect(), total, page))
}

/// Creates a token; returns it with its secret, to show once. `scopes` is a
/// comma-separated list; `account_slug` (empty: none) binds it to one account.
pub async fn create(
    ctx: &Ctx,
    name: &str,
    scopes: &str,
    account_slug: Option<&str>,
) -> Result<(TokenRow, String), AppError> {
    ctx.require(Permission::Administer, None)?;
    let mut errors = FieldErrors::new();
    let name = errors.take("name", PersonName::parse(name));
    let scopes = errors.take("scopes", Scope::parse_list(scopes));
    let account = match account_slug.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(slug) => match super::accounts::field(ctx, slug, Permission::ViewAccount).await {
            Ok(a) => Some(a),
            Err(AppError::Invalid(f)) => {
                errors.0.extend(f.0);
                None
            }
            Err(other) => return Err(other),
        },
    };
    errors.into_result()?;
    let (name, scopes) = (name.expect("checked"), scopes.expect("checked"));
    let mut w = ctx.begin().await?;
    let (row, secret) = tokens::create(
        w.tx(),
        name.as_str(),
        &scopes,
        account.as_ref().map(|a| a.id.as_str()),
        ctx.label(),
    )
    .await?;
    w.commit(Change {
        action: AuditAction::TokenCreate,
        account_id: account.as_ref().map(|a| a.id.as_str()),
        subject: Some(&row.id),
        before: None,
        after: Some(serde_json::json!({
            "name": row.name, "prefix": row.prefix,
            "scopes": scopes_to_string(&row.scopes),
            "account": row.account_slug,
        })),
    })
    .await?;
    Ok((row, secret))
}

/// Revokes a token; it is refused from the next request on.
pub async fn revoke(ctx: &Ctx, id: &str) -> Result<TokenRow, AppError> {
    ctx.require(Permission::Administer, None)?;
    let mut w = ctx.begin().await?;
    let before = tokens::find(&mut **w.tx(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !tokens::revoke(w.tx(), id, ctx.label()).await? {
        return Err(FieldErrors::single("token", Code::AlreadyRevoked).into());
    }
    let after = tokens::find(&mut **w.tx(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let state = |revoked: bool| serde_json::json!({"name": before.name, "prefix": before.prefix, "revoked": revoked});
    w.commit(Change {
        action: AuditAction::TokenRevoke,
        account_id: before.account_id.as_deref(),
        subject: Some(&before.id),
        before: Some(state(false)),
        after: Some(state(true)),
    })
    .await?;
    Ok(after)
}
