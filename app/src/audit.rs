//! The audit log: who changed what, when and from where; staff see every
//! entry, owners their accounts'.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use strum::IntoEnumIterator;

use crate::domain::AuditAction;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{Loading, Pager, error_view, urlencode};
use crate::views::{AUDIT_PAGE_SIZE, AuditEntry, AuditPage};

/// Entries matching the filters (empty means any); dates are `YYYY-MM-DD`, UTC,
/// `to` included.
#[server(prefix = "/api", endpoint = "audit/list")]
pub async fn list_audit(
    #[server(default)] account: String,
    #[server(default)] actor: String,
    #[server(default)] action: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] page: i64,
) -> Result<AuditPage, AppError> {
    crate::error::respond(ssr::list(account, actor, action, from, to, page).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::audit::{self, AuditQuery};

    pub async fn list(
        account: String,
        actor: String,
        action: String,
        from: String,
        to: String,
        page: i64,
    ) -> Result<AuditPage, AppError> {
        let q = AuditQuery {
            account,
            actor,
            action,
            from,
            to,
            page,
        };
        audit::list(&context().await?, &q).await
    }

    /// The filters of `/audit.csv` (those of the page).
    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default)]
    struct ExportQuery {
        account: String,
        actor: String,
        action: String,
        from: String,
        to: String,
    }

    /// `GET /audit.csv?…`: the entries the page's filters match, as a CSV
    /// file in the page's language (run with the request's `Parts` and the
    /// app state in context, like a server function).
    pub async fn export_csv() -> axum::response::Response {
        use axum::http::{StatusCode, header};
        use axum::response::IntoResponse;
        let answer = async {
            let parts = use_context::<axum::http::request::Parts>().ok_or(AppError::Internal)?;
            let q = axum::extract::Query::<ExportQuery>::try_from_uri(&parts.uri)
                .map(|q| q.0)
                .unwrap_or_default();
            let locale = locale_of(&parts.headers);
            let q = AuditQuery {
                account: q.account,
                actor: q.actor,
                action: q.action,
                from: q.from,
                to: q.to,
                page: 1,
            };
            let p = audit::export(&context().await?, &q).await?;
            super::csv_of(locale, &p.entries).map_err(|_| AppError::Internal)
        };
        match answer.await {
            Ok(body) => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"relais-audit.csv\"",
                    ),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                body,
            )
                .into_response(),
            Err(e) => {
                let status = match e {
                    AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
                    AppError::Forbidden => StatusCode::FORBIDDEN,
                    AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                let text = crate::messages::error_message(Locale::en, &e);
                (status, text).into_response()
            }
        }
    }

    /// The page's language, from the language cookie.
    fn locale_of(headers: &axum::http::HeaderMap) -> Locale {
        let french = headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .any(|c| c.trim() == format!("{}=fr", crate::i18n_cookie::LOCALE_COOKIE));
        if french { Locale::fr } else { Locale::en }
    }
}

#[cfg(feature = "ssr")]
pub use ssr::export_csv;

/// The entries as CSV rows, with the page's words: when (UTC, ISO 8601),
/// who, their email or label, the action, what, the account, what changed,
/// the address. A cell that a spreadsheet would take for a formula starts
/// with `'`.
#[cfg(feature = "ssr")]
fn csv_of(locale: Locale, entries: &[AuditEntry]) -> Result<String, csv::Error> {
    fn cell(s: String) -> String {
        if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        td_string!(locale, events_when),
        td_string!(locale, audit_csv_who),
        td_string!(locale, audit_csv_actor),
        td_string!(locale, filter_action),
        td_string!(locale, audit_csv_subject),
        td_string!(locale, filter_account),
        td_string!(locale, audit_changes),
        td_string!(locale, audit_csv_ip),
    ])?;
    for e in entries {
        let action = e
            .action
            .parse::<AuditAction>()
            .ok()
            .map_or_else(|| e.action.clone(), |a| action_name(locale, a).to_owned());
        let changes = e
            .changes
            .iter()
            .map(|c| {
                let value =
                    |v: &Option<String>| v.as_deref().map(|v| field_value(locale, &c.field, v));
                // A new value alone; a removed one with a dash after it.
                let change = match (value(&c.before), value(&c.after)) {
                    (Some(b), Some(a)) => format!("{b} → {a}"),
                    (None, Some(a)) => a,
                    (Some(b), None) => format!("{b} → —"),
                    (None, None) => String::new(),
                };
                format!(
                    "{}{}{change}",
                    field_label(locale, &c.field),
                    td_string!(locale, colon),
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        w.write_record(
            [
                crate::time_fmt::iso(e.at),
                who(locale, e),
                e.actor.clone(),
                action,
                e.subject_name
                    .clone()
                    .or_else(|| e.subject.clone())
                    .unwrap_or_default(),
                e.account_name
                    .clone()
                    .or_else(|| e.account.clone())
                    .unwrap_or_default(),
                changes,
                e.client_ip.clone().unwrap_or_default(),
            ]
            .map(cell),
        )?;
    }
    String::from_utf8(w.into_inner().map_err(|e| e.into_error())?)
        .map_err(|_| csv::Error::from(std::io::Error::other("not UTF-8")))
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let get = move |k: &'static str| move || query.read().get(k).unwrap_or_default();
    let (account, actor, action, from, to) = (
        get("account"),
        get("actor"),
        get("action"),
        get("from"),
        get("to"),
    );
    let page = crate::ui::query_page("page");
    let data = Resource::new(
        move || (account(), actor(), action(), from(), to(), page()),
        |(a, b, c, d, e, p)| list_audit(a, b, c, d, e, p),
    );
    // The filters only for those who may read the log.
    let filters = move || {
        view! {
            <Form method="GET" action="" attr:class="form inline-form filters">
                <div class="field">
                    <label for="f-account">{t!(i18n, filter_account)}</label>
                    <input id="f-account" name="account" type="search" value=account />
                </div>
                <div class="field">
                    <label for="f-actor">{t!(i18n, filter_actor)}</label>
                    <input id="f-actor" name="actor" value=actor />
                </div>
                <div class="field">
                    <label for="f-action">{t!(i18n, filter_action)}</label>
                    <select id="f-action" name="action">
                        <option value="">{t!(i18n, any)}</option>
                        {AuditAction::iter().map(|a| {
                            let code = a.as_str();
                            view! { <option value=code selected=move || action() == code>{move || action_name(i18n.get_locale(), a)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="f-from">{t!(i18n, filter_from)}</label>
                    <input id="f-from" name="from" type="date" value=from />
                </div>
                <div class="field">
                    <label for="f-to">{t!(i18n, filter_to)}</label>
                    <input id="f-to" name="to" type="date" value=to />
                </div>
                <button type="submit" class="button">{t!(i18n, search)}</button>
            </Form>
        }
    };
    view! {
        <section class="page">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let title = move || view! { <h1>{t!(i18n, audit_log)}</h1> };
                    match data.await {
                        // Who may not read the log sees that only, without its title.
                        Err(e @ (AppError::Forbidden | AppError::Unauthenticated)) => error_view(e),
                        Err(e) => view! { {title()} {filters()} {error_view(e)} }.into_any(),
                        Ok(p) if p.total == 0 => view! { {title()} {filters()} <p class="empty">{t!(i18n, no_entries)}</p> }.into_any(),
                        Ok(p) => {
                            let query = format!(
                                "account={}&actor={}&action={}&from={}&to={}",
                                urlencode(&account()), urlencode(&actor()), urlencode(&action()), urlencode(&from()), urlencode(&to())
                            );
                            let base = format!("/audit?{query}");
                            let total = p.total;
                            view! {
                                {title()}
                                {filters()}
                                <p class="export">
                                    <a class="button secondary" href=format!("/audit.csv?{query}") download="relais-audit.csv" data-testid="audit-export">
                                        {t!(i18n, audit_export)}
                                    </a>
                                    " "
                                    <span class="muted small">{t_string!(i18n, audit_export_count).replace("%n%", &total.min(crate::views::AUDIT_EXPORT_LIMIT).to_string())}</span>
                                </p>
                                <AuditTable p base />
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// One page of entries, each a sentence (who did what to what, where), when
/// (relative and exact), and only the fields that changed; links to the
/// pages around it (`base`: the filters' URL).
#[component]
fn AuditTable(p: AuditPage, base: String) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let pages = crate::views::page_count(p.total, AUDIT_PAGE_SIZE);
    let current = p.page;
    let now = p.now;
    let pager_base = format!("{base}&");
    if p.entries.is_empty() {
        return view! { <Pager page=current pages base=pager_base /> }.into_any();
    }
    let items = p
        .entries
        .into_iter()
        .map(|e| view! { <AuditItem e locale now /> })
        .collect_view();
    view! {
        <ol class="audit-list" aria-label=t_string!(i18n, audit_log)>{items}</ol>
        <Pager page=current pages base=pager_base />
    }
    .into_any()
}

#[component]
fn AuditItem(e: AuditEntry, locale: Locale, now: i64) -> impl IntoView {
    let action = e.action.parse::<AuditAction>().ok();
    let does = action.map_or_else(|| e.action.clone(), |a| action_does(locale, a).to_owned());
    let who = who(locale, &e);
    let who_detail = (e.actor_kind == "user" && e.actor_name.is_some()).then(|| e.actor.clone());
    let subject = e.subject_name.clone().or_else(|| e.subject.clone());
    // A person's email beside their name (ids and slugs stay out of the sentence).
    let subject_detail = e
        .subject_name
        .as_ref()
        .and(e.subject.clone())
        .filter(|s| s.contains('@') && Some(s) != e.subject_name.as_ref());
    let account = e.account_name.clone().or_else(|| e.account.clone());
    let changes = e
        .changes
        .iter()
        .map(|c| {
            let value = |v: &Option<String>| v.as_deref().map(|v| field_value(locale, &c.field, v));
            let (before, after) = (value(&c.before), value(&c.after));
            view! {
                <li>
                    <span class="diff-field">{field_label(locale, &c.field)}</span> " "
                    {before.map(|b| view! { <del>{b}</del> })}
                    {(c.before.is_some() && c.after.is_some()).then_some(" → ")}
                    {after.map(|a| view! { <ins>{a}</ins> })}
                </li>
            }
        })
        .collect_view();
    let has_changes = !e.changes.is_empty();
    view! {
        <li class="audit-item" data-action=e.action.clone()>
            <p class="sentence">
                <strong translate="no">{who}</strong>
                {who_detail.map(|d| view! { " " <span class="muted small mono">{d}</span> })}
                " " {does} " "
                {subject.map(|s| view! { <strong translate="no">{s}</strong> })}
                {subject_detail.map(|d| view! { " " <span class="muted small mono">{d}</span> })}
                {account.filter(|_| !e.action.starts_with("account.")).map(|a| view! {
                    " " {td_string!(locale, audit_in_account)} " " <span translate="no">{a}</span>
                })}
            </p>
            <p class="when muted small">
                <time datetime=crate::time_fmt::iso(e.at)>{ago(locale, e.at, now)}</time>
                " · " {crate::time_fmt::utc_in(locale, e.at)}
                {e.client_ip.map(|ip| view! { " · " <span class="mono">{ip}</span> })}
            </p>
            {has_changes.then(|| view! {
                <ul class="diff" aria-label=td_string!(locale, audit_changes)>{changes}</ul>
            })}
        </li>
    }
}

/// Who acted: a person's name, a token's, or the command line's.
fn who(locale: Locale, e: &AuditEntry) -> String {
    match e.actor_kind.as_str() {
        "user" => e.actor_name.clone().unwrap_or_else(|| e.actor.clone()),
        "token" => format!("{} « {} »", td_string!(locale, audit_via_token), e.actor),
        _ => format!("{} ({})", e.actor, td_string!(locale, audit_via_system)),
    }
}

/// "3 h ago", "2 days ago"… (`now`: the server's clock when it answered).
fn ago(locale: Locale, at: i64, now: i64) -> String {
    let secs = (now - at).max(0) / 1000;
    let (key, n) = match secs {
        0..60 => return td_string!(locale, ago_now).to_owned(),
        60..3600 => (td_string!(locale, ago_minutes), secs / 60),
        3600..86_400 => (td_string!(locale, ago_hours), secs / 3600),
        _ => (td_string!(locale, ago_days), secs / 86_400),
    };
    key.replace("%n%", &n.to_string())
}

/// The form's label of a field an entry changed.
fn field_label(locale: Locale, field: &str) -> String {
    if let Some(rest) = field
        .strip_prefix("action.")
        .or_else(|| field.strip_prefix("plan."))
    {
        return crate::failover::pages::change_label(locale, rest);
    }
    let key = match field {
        "name" => td_string!(locale, name),
        "slug" => td_string!(locale, slug),
        "role" => td_string!(locale, role),
        "reason" => td_string!(locale, reason),
        "enabled" => td_string!(locale, failover_enabled),
        "direction" => td_string!(locale, direction),
        "language" => td_string!(locale, language),
        "text" => td_string!(locale, text),
        "sip_uri" => td_string!(locale, sip_uri),
        "staff_role" => td_string!(locale, staff_role),
        "scopes" => td_string!(locale, token_scopes),
        "account" => td_string!(locale, token_account),
        "email" => td_string!(locale, email),
        "revision" => td_string!(locale, revision_n),
        "expires_at" => td_string!(locale, expires),
        "timezone" => td_string!(locale, time_zone),
        "ends_at" => td_string!(locale, emergency_ends_at),
        "ended" => td_string!(locale, emergency_ended),
        "closures" => td_string!(locale, closures),
        "mon" => td_string!(locale, day_mon),
        "tue" => td_string!(locale, day_tue),
        "wed" => td_string!(locale, day_wed),
        "thu" => td_string!(locale, day_thu),
        "fri" => td_string!(locale, day_fri),
        "sat" => td_string!(locale, day_sat),
        "sun" => td_string!(locale, day_sun),
        "prefix" => td_string!(locale, token_prefix),
        "staff" => td_string!(locale, staff_role),
        "failover_enabled" => td_string!(locale, failover_enabled),
        "disabled" => td_string!(locale, col_status),
        "revoked" => td_string!(locale, audit_field_revoked),
        "sessions_ended" => td_string!(locale, audit_field_sessions_ended),
        "by" => td_string!(locale, audit_field_by),
        other => return crate::failover::pages::change_label(locale, other),
    };
    key.to_owned()
}

/// A changed value as people read it: on/off, a role's or a type's name.
fn field_value(locale: Locale, field: &str, value: &str) -> String {
    if let Some(rest) = field
        .strip_prefix("action.")
        .or_else(|| field.strip_prefix("plan."))
    {
        return crate::failover::pages::change_value(locale, rest, value, &[], &[]);
    }
    match (field, value) {
        ("enabled" | "failover_enabled", "true") => td_string!(locale, on).to_owned(),
        ("enabled" | "failover_enabled", "false") => td_string!(locale, off).to_owned(),
        ("disabled", "true") => td_string!(locale, disabled).to_owned(),
        ("disabled", "false") => td_string!(locale, active).to_owned(),
        ("revoked", "true") => td_string!(locale, audit_yes).to_owned(),
        ("revoked", "false") => td_string!(locale, audit_no).to_owned(),
        ("by", "reset_link") => td_string!(locale, audit_by_reset_link).to_owned(),
        ("by", "self") => td_string!(locale, audit_by_self).to_owned(),
        ("ended", "by_hand") => td_string!(locale, emergency_ended_by_hand).to_owned(),
        ("ended", "automatically") => td_string!(locale, emergency_ended_automatically).to_owned(),
        ("ended", "failover_off") => td_string!(locale, emergency_ended_failover_off).to_owned(),
        ("ends_at", ms) => ms
            .parse()
            .map_or_else(|_| ms.to_owned(), |ms| crate::time_fmt::utc_in(locale, ms)),
        ("expires_at", ms) => ms
            .parse()
            .map_or_else(|_| ms.to_owned(), |ms| crate::time_fmt::utc_in(locale, ms)),
        ("role" | "staff_role" | "staff", r) => match r.to_ascii_lowercase().as_str() {
            "owner" => td_string!(locale, role_owner).to_owned(),
            "editor" => td_string!(locale, role_editor).to_owned(),
            "viewer" => td_string!(locale, role_viewer).to_owned(),
            "admin" => td_string!(locale, role_admin).to_owned(),
            "csm" => td_string!(locale, role_csm).to_owned(),
            _ => r.to_owned(),
        },
        (_, v) => v.to_owned(),
    }
}

/// An action as the filter lists it ("Account created").
pub fn action_name(locale: Locale, a: AuditAction) -> &'static str {
    use AuditAction::*;
    match a {
        AccountCreate => td_string!(locale, audit_name_account_create),
        AccountFailover => td_string!(locale, audit_name_account_failover),
        AccountDefaultMessage => td_string!(locale, audit_name_account_default_message),
        AccountRename => td_string!(locale, audit_name_account_rename),
        AgentCreate => td_string!(locale, audit_name_agent_create),
        AgentUpdate => td_string!(locale, audit_name_agent_update),
        FailoverSave => td_string!(locale, audit_name_failover_save),
        FailoverRestore => td_string!(locale, audit_name_failover_restore),
        InvitationCreate => td_string!(locale, audit_name_invitation_create),
        InvitationRevoke => td_string!(locale, audit_name_invitation_revoke),
        InvitationAccept => td_string!(locale, audit_name_invitation_accept),
        MembershipCreate => td_string!(locale, audit_name_membership_create),
        MembershipRole => td_string!(locale, audit_name_membership_role),
        MembershipRemove => td_string!(locale, audit_name_membership_remove),
        SipConnectionCreate => td_string!(locale, audit_name_sip_connection_create),
        SipConnectionUpdate => td_string!(locale, audit_name_sip_connection_update),
        SipConnectionDelete => td_string!(locale, audit_name_sip_connection_delete),
        TokenCreate => td_string!(locale, audit_name_token_create),
        TokenRevoke => td_string!(locale, audit_name_token_revoke),
        UserCreate => td_string!(locale, audit_name_user_create),
        UserDisable => td_string!(locale, audit_name_user_disable),
        UserEnable => td_string!(locale, audit_name_user_enable),
        UserStaffRole => td_string!(locale, audit_name_user_staff_role),
        UserResetLink => td_string!(locale, audit_name_user_reset_link),
        UserPassword => td_string!(locale, audit_name_user_password),
        UserSessionsEnd => td_string!(locale, audit_name_user_sessions_end),
        EmergencyStart => td_string!(locale, audit_name_emergency_start),
        EmergencyEnd => td_string!(locale, audit_name_emergency_end),
        ScheduleCreate => td_string!(locale, audit_name_schedule_create),
        ScheduleUpdate => td_string!(locale, audit_name_schedule_update),
        ScheduleDelete => td_string!(locale, audit_name_schedule_delete),
    }
}

/// What the actor did, the verb of the entry's sentence ("changed the
/// failover action of the agent").
pub fn action_does(locale: Locale, a: AuditAction) -> &'static str {
    use AuditAction::*;
    match a {
        AccountCreate => td_string!(locale, audit_does_account_create),
        AccountFailover => td_string!(locale, audit_does_account_failover),
        AccountDefaultMessage => td_string!(locale, audit_does_account_default_message),
        AccountRename => td_string!(locale, audit_does_account_rename),
        AgentCreate => td_string!(locale, audit_does_agent_create),
        AgentUpdate => td_string!(locale, audit_does_agent_update),
        FailoverSave => td_string!(locale, audit_does_failover_save),
        FailoverRestore => td_string!(locale, audit_does_failover_restore),
        InvitationCreate => td_string!(locale, audit_does_invitation_create),
        InvitationRevoke => td_string!(locale, audit_does_invitation_revoke),
        InvitationAccept => td_string!(locale, audit_does_invitation_accept),
        MembershipCreate => td_string!(locale, audit_does_membership_create),
        MembershipRole => td_string!(locale, audit_does_membership_role),
        MembershipRemove => td_string!(locale, audit_does_membership_remove),
        SipConnectionCreate => td_string!(locale, audit_does_sip_connection_create),
        SipConnectionUpdate => td_string!(locale, audit_does_sip_connection_update),
        SipConnectionDelete => td_string!(locale, audit_does_sip_connection_delete),
        TokenCreate => td_string!(locale, audit_does_token_create),
        TokenRevoke => td_string!(locale, audit_does_token_revoke),
        UserCreate => td_string!(locale, audit_does_user_create),
        UserDisable => td_string!(locale, audit_does_user_disable),
        UserEnable => td_string!(locale, audit_does_user_enable),
        UserStaffRole => td_string!(locale, audit_does_user_staff_role),
        UserResetLink => td_string!(locale, audit_does_user_reset_link),
        UserPassword => td_string!(locale, audit_does_user_password),
        UserSessionsEnd => td_string!(locale, audit_does_user_sessions_end),
        EmergencyStart => td_string!(locale, audit_does_emergency_start),
        EmergencyEnd => td_string!(locale, audit_does_emergency_end),
        ScheduleCreate => td_string!(locale, audit_does_schedule_create),
        ScheduleUpdate => td_string!(locale, audit_does_schedule_update),
        ScheduleDelete => td_string!(locale, audit_does_schedule_delete),
    }
}
