//! Agents of an account: create and edit (owners and staff).

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::feedback::{Notice, Reply};
use crate::views::AgentView;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

#[server(prefix = "/api", endpoint = "agents/create")]
pub async fn create_agent(
    slug: String,
    name: String,
    direction: String,
    language: String,
) -> Result<AgentView, AppError> {
    let result = ssr::create(slug, name.clone(), direction.clone(), language.clone()).await;
    Reply::new(CreateAgent::PATH, "agent-new", Notice::Added)
        .keep("name", &name)
        .keep("direction", &direction)
        .keep("language", &language)
        .answer(result)
        .await
}

#[server(prefix = "/api", endpoint = "agents/update")]
pub async fn update_agent(
    id: String,
    name: String,
    direction: String,
    language: String,
) -> Result<(), AppError> {
    let place = format!("agent-{id}");
    let result = ssr::update(id, name.clone(), direction.clone(), language.clone()).await;
    Reply::new(UpdateAgent::PATH, place, Notice::Updated)
        .keep("name", &name)
        .keep("direction", &direction)
        .keep("language", &language)
        .answer(result)
        .await
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
