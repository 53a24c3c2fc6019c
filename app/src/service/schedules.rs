//! Business hours of an account (owners, staff; SPEC §8). One a saved plan
//! uses can't be deleted; a change reaches the documents of the agents whose
//! plans use it.

use super::{Change, Ctx};
use crate::domain::schedule::{Schedule, ScheduleDraft, Weekday, ZonedSchedule};
use crate::domain::{AuditAction, Code, FieldErrors, Permission, Taken};
use crate::error::AppError;
use crate::store::accounts::AccountRow;
use crate::store::schedules::{self, ScheduleRow};
use crate::views::{HoursPage, ScheduleView};

/// The schedule, if the caller manages its account (another tenant's: not found).
pub async fn load(ctx: &Ctx, id: &str) -> Result<ScheduleRow, AppError> {
    let s = schedules::find(ctx.db.pool(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    ctx.require_in(Permission::ManageAccountSettings, &s.account_id)?;
    Ok(s)
}

/// An account's schedules, by name.
pub async fn list(ctx: &Ctx, slug: &str) -> Result<(AccountRow, Vec<ScheduleRow>), AppError> {
    let account = super::accounts::load(ctx, slug, Permission::ManageAccountSettings).await?;
    let rows = schedules::list_by_account(ctx.db.pool(), &account.id).await?;
    Ok((account, rows))
}

/// The IANA time zones the form offers, sorted (from the bundled database).
pub fn zones() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.to_string())
        .filter(|n| n.contains('/') || n == "UTC")
        .filter(|n| !n.starts_with("Etc/") && !n.starts_with("SystemV/"))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn parse(draft: &ScheduleDraft) -> Result<Schedule, AppError> {
    Ok(draft.parse(super::events::known_zone)?)
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

/// What the audit log keeps of a schedule: one readable line a day.
fn snapshot(s: &Schedule) -> serde_json::Value {
    let mut v = serde_json::json!({"name": s.name, "timezone": s.timezone});
    for d in Weekday::ALL {
        let hours: Vec<String> = s
            .weekly
            .day(d)
            .iter()
            .map(|i| format!("{}–{}", i.start, i.end))
            .collect();
        v[d.as_str()] = hours.join(", ").into();
    }
    let closures: Vec<String> = s
        .closures
        .iter()
        .map(|c| {
            if c.from == c.to {
                format!("{} {}", c.from, c.label)
            } else {
                format!("{}–{} {}", c.from, c.to, c.label)
            }
        })
        .collect();
    v["closures"] = closures.join("; ").into();
    v
}

pub async fn create(ctx: &Ctx, slug: &str, draft: &ScheduleDraft) -> Result<ScheduleRow, AppError> {
    let account = super::accounts::load(ctx, slug, Permission::ManageAccountSettings).await?;
    let schedule = parse(draft)?;
    let mut w = ctx.begin().await?;
    let s = schedules::create(&mut **w.tx(), &account.id, &schedule)
        .await
        .map_err(taken)?;
    w.commit(Change {
        action: AuditAction::ScheduleCreate,
        account_id: Some(&account.id),
        subject: Some(&s.id),
        before: None,
        after: Some(snapshot(&schedule)),
    })
    .await?;
    Ok(s)
}

pub async fn update(ctx: &Ctx, id: &str, draft: &ScheduleDraft) -> Result<(), AppError> {
    let before = load(ctx, id).await?;
    let schedule = parse(draft)?;
    let mut w = ctx.begin().await?;
    schedules::update(w.tx(), id, &schedule)
        .await
        .map_err(taken)?;
    w.commit(Change {
        action: AuditAction::ScheduleUpdate,
        account_id: Some(&before.account_id),
        subject: Some(id),
        before: Some(snapshot(&before.schedule)),
        after: Some(snapshot(&schedule)),
    })
    .await
}

/// Deletes a schedule; refused with the agents' names while a saved plan
/// uses it.
pub async fn delete(ctx: &Ctx, id: &str) -> Result<(), AppError> {
    let before = load(ctx, id).await?;
    let mut w = ctx.begin().await?;
    let users = schedules::agents_using(&mut **w.tx(), id).await?;
    if !users.is_empty() {
        return Err(AppError::InUse(users));
    }
    schedules::delete(&mut **w.tx(), id).await?;
    w.commit(Change {
        action: AuditAction::ScheduleDelete,
        account_id: Some(&before.account_id),
        subject: Some(id),
        before: Some(snapshot(&before.schedule)),
        after: None,
    })
    .await
}

/// The business-hours page: every schedule, open or closed now and until
/// when, and who uses it.
pub async fn page(ctx: &Ctx, slug: &str) -> Result<HoursPage, AppError> {
    let (account, rows) = list(ctx, slug).await?;
    let now = crate::store::now_ms();
    let mut views = Vec::with_capacity(rows.len());
    for r in rows {
        let used_by = schedules::agents_using(ctx.db.pool(), &r.id).await?;
        views.push(view(r, used_by, now));
    }
    let emergency = super::emergencies::current(ctx, &account.id)
        .await?
        .map(|e| super::emergencies::view(&e));
    Ok(HoursPage {
        emergency,
        slug: account.slug,
        account_name: account.name,
        schedules: views,
        zones: zones(),
    })
}

const WEEK_MS: i64 = 6 * 24 * 3_600_000;

fn view(r: ScheduleRow, used_by: Vec<String>, now: i64) -> ScheduleView {
    let zoned = ZonedSchedule::new(r.schedule.clone());
    let open_now = zoned.as_ref().is_some_and(|z| z.is_open(now));
    let next = zoned
        .as_ref()
        .and_then(|z| z.next_change(now).map(|t| (z, t)));
    let next_change = next.map(|(z, t)| {
        let weekday = z.local(t).weekday().to_monday_zero_offset() as u8;
        (super::events::local(t, z.zone()), weekday)
    });
    let s = &r.schedule;
    ScheduleView {
        id: r.id.clone(),
        name: s.name.clone(),
        timezone: s.timezone.clone(),
        weekly: Weekday::ALL
            .iter()
            .map(|d| {
                s.weekly
                    .day(*d)
                    .iter()
                    .map(|i| format!("{}–{}", i.start, i.end))
                    .collect()
            })
            .collect(),
        closures: s
            .closures
            .iter()
            .map(|c| (c.from.to_string(), c.to.to_string(), c.label.clone()))
            .collect(),
        open_now,
        next_within_week: next.is_some_and(|(_, t)| t - now < WEEK_MS),
        next_change,
        used_by,
        draft: ScheduleDraft::from_schedule(s),
    }
}
