//! Agents of an account: create and edit (owners and staff).

use leptos::prelude::*;

use crate::error::AppError;
use crate::views::AgentView;

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
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::agents;

    pub async fn create(
        slug: String,
        name: String,
        direction: String,
        language: String,
    ) -> Result<AgentView, AppError> {
        let ctx = context().await?;
        let agent = agents::create(&ctx, &slug, &name, &direction, &language).await?;
        Ok(AgentView::from(agent))
    }

    pub async fn update(
        id: String,
        name: String,
        direction: String,
        language: String,
    ) -> Result<(), AppError> {
        agents::update(&context().await?, &id, &name, &direction, &language).await
    }
}
