//! Business hours (SPEC §8): an account's schedules, for owners and staff,
//! and their server functions. Plain form posts: without JavaScript too.

pub mod pages;

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::domain::schedule::ScheduleDraft;
use crate::domain::schedule::{ClosureDraft, IntervalDraft};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::feedback::{Notice, Reply};
use crate::views::HoursPage;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// The account's schedules, open or closed now.
#[server(prefix = "/api", endpoint = "schedules/list")]
pub async fn get_business_hours(slug: String) -> Result<HoursPage, AppError> {
    crate::error::respond(ssr::page(slug).await)
}

/// Creates (no `id`) or changes a schedule; answers its id.
#[server(prefix = "/api", endpoint = "schedules/save")]
pub async fn save_schedule(
    slug: String,
    #[server(default)] id: String,
    #[server(default)] name: String,
    #[server(default)] timezone: String,
    #[server(default)] weekly: Vec<Vec<IntervalDraft>>,
    #[server(default)] closures: Vec<ClosureDraft>,
) -> Result<String, AppError> {
    let draft = ScheduleDraft {
        name,
        timezone,
        weekly,
        closures,
    };
    let (place, notice) = if id.is_empty() {
        ("schedule-new".to_owned(), Notice::Added)
    } else {
        (format!("schedule-{id}"), Notice::Saved)
    };
    let kept = serde_json::to_string(&draft).unwrap_or_default();
    let result = ssr::save(slug, id, draft).await;
    let to = result.as_ref().ok().map(|id| format!("schedule-{id}"));
    let mut reply = Reply::new(SaveSchedule::PATH, place, notice).keep("draft", &kept);
    if let Some(to) = to {
        reply = reply.to(None, &to);
    }
    reply.answer(result).await
}

/// Deletes a schedule; refused, naming the agents, while a plan uses it.
#[server(prefix = "/api", endpoint = "schedules/delete")]
pub async fn delete_schedule(id: String) -> Result<(), AppError> {
    let result = ssr::delete(id.clone()).await;
    let place = if result.is_ok() {
        "schedules".to_owned()
    } else {
        format!("schedule-{id}")
    };
    Reply::new(DeleteSchedule::PATH, place, Notice::Deleted)
        .answer(result)
        .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::schedules;

    pub async fn page(slug: String) -> Result<HoursPage, AppError> {
        schedules::page(&context().await?, &slug).await
    }

    pub async fn save(slug: String, id: String, draft: ScheduleDraft) -> Result<String, AppError> {
        let ctx = context().await?;
        if id.is_empty() {
            Ok(schedules::create(&ctx, &slug, &draft).await?.id)
        } else {
            schedules::update(&ctx, &id, &draft).await.map(|_| id)
        }
    }

    pub async fn delete(id: String) -> Result<(), AppError> {
        schedules::delete(&context().await?, &id).await
    }
}
