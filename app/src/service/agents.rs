//! Agents of an account: creating and editing them (owners, staff).

use super::{Change, Ctx};
use crate::domain::{AuditAction, Direction, FieldErrors, Language, Permission, PersonName};
use crate::error::AppError;
use crate::store::agents::{self, AgentRow};
use crate::views::AgentView;

impl From<AgentRow> for AgentView {
    fn from(a: AgentRow) -> Self {
        AgentView {
            id: a.id,
            name: a.name,
            direction: a.direction,
            language: a.language,
            action_type: None,
        }
    }
}

/// The agent, if the caller may `perm` on its account (another tenant's: not found).
pub async fn load(ctx: &Ctx, id: &str, perm: Permission) -> Result<AgentRow, AppError> {
    let agent = agents::find(ctx.db.pool(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    ctx.require_in(perm, &agent.account_id)?;
    Ok(agent)
}

/// An agent's fields, parsed.
struct AgentInput {
    name: PersonName,
    direction: Direction,
    language: Language,
}

fn parse(name: &str, direction: &str, language: &str) -> Result<AgentInput, AppError> {
    let mut e = FieldErrors::new();
    let name = e.take("name", PersonName::parse(name));
    let direction = e.take("direction", Direction::parse(direction));
    let language = e.take("language", Language::parse(language));
    e.into_result()?;
    Ok(AgentInput {
        name: name.expect("checked"),
        direction: direction.expect("checked"),
        language: language.expect("checked"),
    })
}

fn snapshot(name: &str, direction: Direction, language: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "direction": direction.as_str(), "language": language})
}

/// Creates an agent in the account with `slug`.
pub async fn create(
    ctx: &Ctx,
    slug: &str,
    name: &str,
    direction: &str,
    language: &str,
) -> Result<AgentRow, AppError> {
    let account = super::accounts::load(ctx, slug, Permission::ManageAccountSettings).await?;
    let input = parse(name, direction, language)?;
    let mut w = ctx.begin().await?;
    let agent = agents::create(
        w.tx(),
        &account.id,
        &input.name,
        input.direction,
        &input.language,
    )
    .await?;
    w.commit(Change {
        action: AuditAction::AgentCreate,
        account_id: Some(&account.id),
        subject: Some(&agent.id),
        before: None,
        after: Some(snapshot(&agent.name, agent.direction, &agent.language)),
    })
    .await?;
    Ok(agent)
}

/// Changes an agent's name, direction or language.
pub async fn update(
    ctx: &Ctx,
    id: &str,
    name: &str,
    direction: &str,
    language: &str,
) -> Result<(), AppError> {
    let before = load(ctx, id, Permission::ManageAccountSettings).await?;
    let input = parse(name, direction, language)?;
    let mut w = ctx.begin().await?;
    agents::update(w.tx(), id, &input.name, input.direction, &input.language).await?;
    w.commit(Change {
        action: AuditAction::AgentUpdate,
        account_id: Some(&before.account_id),
        subject: Some(id),
        before: Some(snapshot(&before.name, before.direction, &before.language)),
        after: Some(snapshot(
            input.name.as_str(),
            input.direction,
            input.language.as_str(),
        )),
    })
    .await
}
