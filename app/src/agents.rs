//! Agents of an account: create and edit (owners and staff).

use leptos::prelude::*;

use crate::accounts::AgentView;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "agents/create")]
pub async fn create_agent(
    slug: String,
    name: String,
    direction: String,
    language: String,
) -> Result<AgentView, AppError> {
    crate::error::respond(ssr::create(slug, name, direction, language).await)
}

#[server(prefix = "/api", endpoint = "agents/update")]
pub async fn update_agent(
    id: String,
    name: String,
    direction: String,
    language: String,
) -> Result<(), AppError> {
    crate::error::respond(ssr::update(id, name, direction, language).await)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::accounts::ssr::account_for;
    use crate::auth::Principal;
    use crate::auth::ssr::{actor, principal};
    use crate::domain::{Direction, FieldErrors, Language, Permission, PersonName};
    use crate::state::app_state;
    use crate::store::audit::{self, Entry};
    use crate::store::{StoreError, agents};

    fn parse(
        name: &str,
        direction: &str,
        language: &str,
    ) -> Result<(PersonName, Direction, Language), AppError> {
        let mut e = FieldErrors::new();
        let name = e.take("name", PersonName::parse(name));
        let direction = e.take("direction", Direction::parse(direction));
        let language = e.take("language", Language::parse(language));
        e.into_result()?;
        Ok((
            name.expect("checked"),
            direction.expect("checked"),
            language.expect("checked"),
        ))
    }

    /// The agent, if `p` may `perm` on its account (another tenant's: not found).
    pub async fn agent_for(
        p: &Principal,
        id: &str,
        perm: Permission,
    ) -> Result<agents::AgentRow, AppError> {
        let state = app_state()?;
        let agent = agents::find(state.db.pool(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !p.can(Permission::ViewAccount, Some(&agent.account_id)) {
            return Err(AppError::NotFound);
        }
        p.require(perm, Some(&agent.account_id))?;
        Ok(agent)
    }

    pub async fn create(
        slug: String,
        name: String,
        direction: String,
        language: String,
    ) -> Result<AgentView, AppError> {
        let p = principal().await?;
        let account = account_for(&p, &slug, Permission::ManageAccountSettings).await?;
        let (name, direction, language) = parse(&name, &direction, &language)?;
        let state = app_state()?;
        let (actor, ip) = actor(&p).await;
        let mut tx = state.db.begin_write().await?;
        let a = agents::create(&mut tx, &account.id, &name, direction, &language).await?;
        audit::record(
            &mut *tx,
            Entry {
                actor: &actor,
                account_id: Some(&account.id),
                action: "agent.create",
                subject: Some(&a.id),
                before: None,
                after: Some(serde_json::json!({"name": a.name, "direction": direction.as_str(), "language": a.language})),
                client_ip: ip.as_deref(),
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        crate::runtime::after_write(&state).await;
        Ok(AgentView {
            id: a.id,
            name: a.name,
            direction: a.direction,
            language: a.language,
        })
    }

    pub async fn update(
        id: String,
        name: String,
        direction: String,
        language: String,
    ) -> Result<(), AppError> {
        let p = principal().await?;
        let before = agent_for(&p, &id, Permission::ManageAccountSettings).await?;
        let (name, direction, language) = parse(&name, &direction, &language)?;
        let state = app_state()?;
        let (actor, ip) = actor(&p).await;
        let mut tx = state.db.begin_write().await?;
        agents::update(&mut tx, &id, &name, direction, &language).await?;
        audit::record(
            &mut *tx,
            Entry {
                actor: &actor,
                account_id: Some(&before.account_id),
                action: "agent.update",
                subject: Some(&id),
                before: Some(serde_json::json!({
                    "name": before.name, "direction": before.direction.as_str(), "language": before.language
                })),
                after: Some(serde_json::json!({
                    "name": name.as_str(), "direction": direction.as_str(), "language": language.as_str()
                })),
                client_ip: ip.as_deref(),
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        crate::runtime::after_write(&state).await;
        Ok(())
    }
}
