//! Configuration as code (SPEC §9): `relais config export` and `relais
//! config apply`. Export writes accounts' default messages, SIP
//! connections, schedules and agents' plans as YAML (`domain::config`).
//! Apply reads such a file, judges all of it first — the domain's rules,
//! the caller's permissions, every agent's stale-save check — and, only if
//! nothing is wrong, makes the changes one by one through the services the
//! browser uses (so each has its revision, audit entry and snapshot
//! refresh). It creates and updates; it never deletes.

use std::collections::BTreeMap;

use super::{Ctx, accounts, failover as failover_service, schedules as schedule_service, sip};
use crate::domain::config::{
    AccountFile, AgentFile, ConfigFile, Ids, MessageFile, Names, PlanFile, SCHEMA, ScheduleFile,
    SipConnectionFile, key, list_indexes, plan_error_path, schedule_error_path,
};
use crate::domain::plan::FailoverPlan;
use crate::domain::schedule::{Schedule, ScheduleDraft};
use crate::domain::{Code, Direction, FieldErrors, Permission};
use crate::error::AppError;
use crate::store::accounts::AccountRow;
use crate::store::agents::AgentRow;
use crate::views::Change;

/// The first line of every exported file.
const HEADER: &str =
    "# Relais configuration. Apply with: relais config apply FILE [--dry-run] --as EMAIL\n";

/// One thing wrong with a file, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// `accounts.acme.agents.Reception.plan.default[0].phone_number`; empty
    /// for the file as a whole.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Why an apply didn't (fully) happen.
#[derive(Debug)]
pub enum ApplyError {
    /// The file is refused: nothing was changed.
    Refused(Vec<Issue>),
    /// A change failed after `done` of `total` had been made (someone
    /// changed the same thing at that moment, or the database failed).
    Interrupted {
        done: usize,
        total: usize,
        what: String,
        error: AppError,
    },
    /// The database couldn't be read: nothing was changed.
    Failed(AppError),
}

impl From<AppError> for ApplyError {
    fn from(e: AppError) -> Self {
        ApplyError::Failed(e)
    }
}

/// What an apply changes (or would, on a dry run): one line per change,
/// with its fields' before and after.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub changes: Vec<String>,
    pub dry_run: bool,
}

/// An account's SIP connections and schedules by id and by name, with the
/// names a file adds (their ids are made up until they are created).
#[derive(Debug, Default, Clone)]
struct Book {
    sip: Vec<(String, String)>,
    schedules: Vec<(String, String)>,
}

/// The other side of the pair whose `key` side matches: names by id
/// (`by_id`) or ids by name.
fn other(list: &[(String, String)], key: &str, by_id: bool) -> Option<String> {
    list.iter()
        .find(|(id, name)| if by_id { id == key } else { name == key })
        .map(|(id, name)| if by_id { name.clone() } else { id.clone() })
}

impl Names for Book {
    fn sip_name(&self, id: &str) -> Option<String> {
        other(&self.sip, id, true)
    }
    fn schedule_name(&self, id: &str) -> Option<String> {
        other(&self.schedules, id, true)
    }
}

impl Ids for Book {
    fn sip_id(&self, name: &str) -> Option<String> {
        other(&self.sip, name, false)
    }
    fn schedule_id(&self, name: &str) -> Option<String> {
        other(&self.schedules, name, false)
    }
}

impl Book {
    async fn load(ctx: &Ctx, account_id: &str) -> Result<Book, AppError> {
        let pool = ctx.db.pool();
        Ok(Book {
            sip: crate::store::sip::list_by_account(pool, account_id)
                .await?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect(),
            schedules: crate::store::schedules::list_by_account(pool, account_id)
                .await?
                .into_iter()
                .map(|s| (s.id, s.schedule.name))
                .collect(),
        })
    }
}

/// What the export saw of a plan: a short fingerprint of its file form.
fn fingerprint(plan: &PlanFile) -> String {
    use blake2::Digest;
    let bytes = serde_json::to_vec(plan).unwrap_or_default();
    hex::encode(&blake2::Blake2s256::digest(&bytes)[..8])
}

/// How the file keys an agent: its name, or its id when the account has
/// several agents of that name.
fn agent_key(agent: &AgentRow, all: &[AgentRow]) -> String {
    if all.iter().filter(|a| a.name == agent.name).count() > 1 {
        agent.id.clone()
    } else {
        agent.name.clone()
    }
}

/// The YAML of every account the caller may see (or of one, by slug).
pub async fn export(ctx: &Ctx, account: Option<&str>) -> Result<String, AppError> {
    let rows = match account {
        Some(slug) => vec![accounts::load(ctx, slug, Permission::ViewAccount).await?],
        None => {
            let only = ctx.accounts_where(Permission::ViewAccount);
            let (list, _) =
                crate::store::accounts::search(ctx.db.pool(), "", only.as_deref(), i64::MAX, 0)
                    .await?;
            let mut rows = Vec::with_capacity(list.len());
            for a in list {
                rows.push(accounts::load(ctx, &a.slug, Permission::ViewAccount).await?);
            }
            rows
        }
    };
    let mut file = ConfigFile {
        accounts: BTreeMap::new(),
        schema: SCHEMA,
    };
    for a in rows {
        let f = account_file(ctx, &a).await?;
        file.accounts.insert(a.slug, f);
    }
    let yaml = yaml_serde::to_string(&file).map_err(|e| {
        tracing::error!(error = %e, "config export: YAML");
        AppError::Internal
    })?;
    Ok(format!("{HEADER}{yaml}"))
}

async fn account_file(ctx: &Ctx, account: &AccountRow) -> Result<AccountFile, AppError> {
    let pool = ctx.db.pool();
    let book = Book::load(ctx, &account.id).await?;
    let mut f = AccountFile {
        default_message: account
            .default_message_text
            .as_ref()
            .map(|text| MessageFile {
                language: account
                    .default_message_language
                    .clone()
                    .unwrap_or_default()
                    .into(),
                text: text.as_str().into(),
            }),
        ..AccountFile::default()
    };
    for c in crate::store::sip::list_by_account(pool, &account.id).await? {
        f.sip_connections.insert(
            c.name,
            SipConnectionFile {
                sip_uri: c.sip_uri.into(),
            },
        );
    }
    for s in crate::store::schedules::list_by_account(pool, &account.id).await? {
        f.schedules
            .insert(s.schedule.name.clone(), ScheduleFile::of(&s.schedule));
    }
    let agents = crate::store::agents::list_by_account(pool, &account.id).await?;
    let configs = crate::store::failover::current_on_page(pool, &account.id, i64::MAX, 0).await?;
    for c in configs {
        let Some(agent) = agents.iter().find(|a| a.id == c.agent_id) else {
            continue;
        };
        let plan = PlanFile::of(&c.plan, &book);
        f.agents.insert(
            agent_key(agent, &agents),
            AgentFile {
                base: Some(fingerprint(&plan)),
                plan,
            },
        );
    }
    Ok(f)
}

/// One change an apply makes, judged and ready.
#[derive(Debug)]
enum Planned {
    DefaultMessage {
        slug: String,
        text: String,
        language: String,
        changes: Vec<Change>,
    },
    SipCreate {
        slug: String,
        name: String,
        uri: String,
    },
    SipUpdate {
        id: String,
        slug: String,
        name: String,
        uri: String,
        changes: Vec<Change>,
    },
    ScheduleCreate {
        slug: String,
        draft: ScheduleDraft,
        after: Schedule,
    },
    ScheduleUpdate {
        id: String,
        slug: String,
        draft: ScheduleDraft,
        changes: Vec<Change>,
    },
    Plan {
        slug: String,
        account_id: String,
        agent_id: String,
        agent_key: String,
        base_revision: i64,
        plan: PlanFile,
        changes: Vec<Change>,
    },
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

fn changes_text(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| {
            format!(
                "\n      {}: {} -> {}",
                list_indexes(&c.field),
                c.before.as_deref().map_or("(none)".to_owned(), quoted),
                c.after.as_deref().map_or("(none)".to_owned(), quoted)
            )
        })
        .collect()
}

impl Planned {
    /// What the diff says of it (and where the apply stopped, if it did).
    fn describe(&self) -> String {
        match self {
            Planned::DefaultMessage { slug, changes, .. } => {
                format!("~ {slug}: default message{}", changes_text(changes))
            }
            Planned::SipCreate { slug, name, uri } => {
                format!(
                    "+ {slug}: SIP connection {}{}",
                    quoted(name),
                    changes_text(&[Change {
                        field: "sip_uri".into(),
                        before: None,
                        after: Some(uri.clone()),
                    }])
                )
            }
            Planned::SipUpdate {
                slug,
                name,
                changes,
                ..
            } => format!(
                "~ {slug}: SIP connection {}{}",
                quoted(name),
                changes_text(changes)
            ),
            Planned::ScheduleCreate { slug, after, .. } => format!(
                "+ {slug}: schedule {}{}",
                quoted(&after.name),
                changes_text(&super::audit::diff(None, Some(&schedule_json(after))))
            ),
            Planned::ScheduleUpdate {
                slug,
                draft,
                changes,
                ..
            } => format!(
                "~ {slug}: schedule {}{}",
                quoted(&draft.name),
                changes_text(changes)
            ),
            Planned::Plan {
                slug,
                agent_key,
                base_revision,
                changes,
                ..
            } => format!(
                "~ {slug}: agent {} failover plan (revision {base_revision} -> {}){}",
                quoted(agent_key),
                base_revision + 1,
                changes_text(changes)
            ),
        }
    }
}

/// A schedule as the diff compares it (its file form).
fn schedule_json(s: &Schedule) -> serde_json::Value {
    serde_json::to_value(ScheduleFile::of(s)).unwrap_or_default()
}

fn plan_json(p: &PlanFile) -> serde_json::Value {
    serde_json::to_value(p).unwrap_or_default()
}

/// Reads `text`, judges it whole and, unless `dry_run`, applies it; on a
/// refusal nothing has changed and every issue is listed with its path.
pub async fn apply(ctx: &Ctx, text: &str, dry_run: bool) -> Result<Applied, ApplyError> {
    let file: ConfigFile = yaml_serde::from_str(text).map_err(|e| {
        ApplyError::Refused(vec![Issue {
            path: String::new(),
            message: e.to_string(),
        }])
    })?;
    let mut issues = Vec::new();
    if file.schema != SCHEMA {
        issues.push(Issue {
            path: "schema".into(),
            message: format!(
                "this Relais reads schema {SCHEMA}, not {}: export again",
                file.schema
            ),
        });
    }
    let mut planned = Vec::new();
    for (slug, account) in &file.accounts {
        judge_account(ctx, slug, account, &mut issues, &mut planned).await?;
    }
    if !issues.is_empty() {
        return Err(ApplyError::Refused(issues));
    }
    let changes: Vec<String> = planned.iter().map(Planned::describe).collect();
    if !dry_run {
        let total = planned.len();
        for (done, p) in planned.iter().enumerate() {
            run(ctx, p).await.map_err(|error| ApplyError::Interrupted {
                done,
                total,
                what: p.describe(),
                error,
            })?;
        }
    }
    Ok(Applied { changes, dry_run })
}

/// Makes one judged change through its service.
async fn run(ctx: &Ctx, p: &Planned) -> Result<(), AppError> {
    match p {
        Planned::DefaultMessage {
            slug,
            text,
            language,
            ..
        } => accounts::set_default_message(ctx, slug, text, language).await,
        Planned::SipCreate { slug, name, uri } => {
            sip::create(ctx, slug, name, uri).await.map(|_| ())
        }
        Planned::SipUpdate { id, name, uri, .. } => sip::update(ctx, id, name, uri).await,
        Planned::ScheduleCreate { slug, draft, .. } => {
            schedule_service::create(ctx, slug, draft).await.map(|_| ())
        }
        Planned::ScheduleUpdate { id, draft, .. } => schedule_service::update(ctx, id, draft).await,
        Planned::Plan {
            account_id,
            agent_id,
            base_revision,
            plan,
            ..
        } => {
            // The connections and schedules it names exist now.
            let book = Book::load(ctx, account_id).await?;
            let (draft, e) = plan.to_draft(&book);
            e.into_result()?;
            failover_service::save_plan(ctx, agent_id, *base_revision, &draft)
                .await
                .map(|_| ())
        }
    }
}

/// English sentences for the domain's codes, for a file's field.
fn field_issues(base: impl Fn(&str) -> String, errors: FieldErrors, out: &mut Vec<Issue>) {
    for e in errors.0 {
        let last = e.field.rsplit('.').next().unwrap_or_default().to_owned();
        out.push(Issue {
            path: base(&e.field),
            message: crate::messages::field_error_message(crate::i18n::Locale::en, &last, e.code),
        });
    }
}

fn issue(path: String, message: impl Into<String>) -> Issue {
    Issue {
        path,
        message: message.into(),
    }
}

const MAY_NOT_SETTINGS: &str = "you may not change this account's settings (owners and staff do)";

async fn judge_account(
    ctx: &Ctx,
    slug: &str,
    file: &AccountFile,
    issues: &mut Vec<Issue>,
    planned: &mut Vec<Planned>,
) -> Result<(), AppError> {
    let at = format!("accounts.{}", key(slug));
    // Nothing to apply (another account of a whole export): not looked up.
    if file == &AccountFile::default() {
        return Ok(());
    }
    let account = match crate::store::accounts::find_by_slug(ctx.db.pool(), slug).await? {
        Some(a) if ctx.can(Permission::ViewAccount, Some(&a.id)) => a,
        _ => {
            issues.push(issue(at, "no account has this slug"));
            return Ok(());
        }
    };
    let manage = ctx.can(Permission::ManageAccountSettings, Some(&account.id));
    let pool = ctx.db.pool();

    if let Some(m) = &file.default_message {
        let path = format!("{at}.default_message");
        match accounts::parse_default_message(m.text.as_str(), m.language.as_str()) {
            Err(e) => field_issues(|f| format!("{path}.{f}"), e, issues),
            Ok(message) => {
                let before = serde_json::json!({
                    "text": account.default_message_text,
                    "language": account.default_message_language,
                });
                let after = serde_json::json!({
                    "text": message.as_ref().map(|m| &m.0),
                    "language": message.as_ref().map(|m| m.1.as_str()),
                });
                let changes = super::audit::diff(Some(&before), Some(&after));
                if !changes.is_empty() {
                    if manage {
                        planned.push(Planned::DefaultMessage {
                            slug: account.slug.clone(),
                            text: m.text.as_str().to_owned(),
                            language: m.language.as_str().to_owned(),
                            changes,
                        });
                    } else {
                        issues.push(issue(path, MAY_NOT_SETTINGS));
                    }
                }
            }
        }
    }

    let mut book = Book::load(ctx, &account.id).await?;
    let existing_sip = crate::store::sip::list_by_account(pool, &account.id).await?;
    for (name, c) in &file.sip_connections {
        let path = format!("{at}.sip_connections.{}", key(name));
        let (name, uri) = match sip::parse(name, c.sip_uri.as_str()) {
            Ok(v) => v,
            Err(AppError::Invalid(e)) => {
                field_issues(
                    |f| {
                        if f == "name" {
                            path.clone()
                        } else {
                            format!("{path}.{f}")
                        }
                    },
                    e,
                    issues,
                );
                continue;
            }
            Err(other) => return Err(other),
        };
        let change = match existing_sip.iter().find(|e| e.name == name) {
            Some(e) if e.sip_uri == uri => None,
            Some(e) => Some(Planned::SipUpdate {
                id: e.id.clone(),
                slug: account.slug.clone(),
                name: name.clone(),
                changes: vec![Change {
                    field: "sip_uri".into(),
                    before: Some(e.sip_uri.clone()),
                    after: Some(uri.clone()),
                }],
                uri,
            }),
            None => {
                book.sip
                    .push((format!("new-sip-{}", book.sip.len()), name.clone()));
                Some(Planned::SipCreate {
                    slug: account.slug.clone(),
                    name,
                    uri,
                })
            }
        };
        if let Some(change) = change {
            if manage {
                planned.push(change);
            } else {
                issues.push(issue(path, MAY_NOT_SETTINGS));
            }
        }
    }

    let existing_schedules = crate::store::schedules::list_by_account(pool, &account.id).await?;
    for (name, s) in &file.schedules {
        let path = format!("{at}.schedules.{}", key(name));
        let draft = s.to_draft(name);
        let schedule = match draft.parse(super::events::known_zone) {
            Ok(s) => s,
            Err(e) => {
                field_issues(|f| schedule_error_path(&path, f), e, issues);
                continue;
            }
        };
        let change = match existing_schedules
            .iter()
            .find(|e| e.schedule.name == schedule.name)
        {
            Some(e) if e.schedule == schedule => None,
            Some(e) => Some(Planned::ScheduleUpdate {
                id: e.id.clone(),
                slug: account.slug.clone(),
                draft,
                changes: super::audit::diff(
                    Some(&schedule_json(&e.schedule)),
                    Some(&schedule_json(&schedule)),
                ),
            }),
            None => {
                book.schedules.push((
                    format!("new-schedule-{}", book.schedules.len()),
                    schedule.name.clone(),
                ));
                Some(Planned::ScheduleCreate {
                    slug: account.slug.clone(),
                    draft,
                    after: schedule,
                })
            }
        };
        if let Some(change) = change {
            if manage {
                planned.push(change);
            } else {
                issues.push(issue(path, MAY_NOT_SETTINGS));
            }
        }
    }

    let agents = crate::store::agents::list_by_account(pool, &account.id).await?;
    let mut seen: Vec<&str> = Vec::new();
    for (agent_key, a) in &file.agents {
        let path = format!("{at}.agents.{}", key(agent_key));
        let agent = match agents.iter().find(|g| &g.id == agent_key) {
            Some(g) => g,
            None => {
                let named: Vec<&AgentRow> =
                    agents.iter().filter(|g| &g.name == agent_key).collect();
                match named.as_slice() {
                    [one] => *one,
                    [] => {
                        issues.push(issue(path, "this account has no agent of this name"));
                        continue;
                    }
                    _ => {
                        issues.push(issue(
                            path,
                            format!(
                                "{} agents have this name: key it by its id ({})",
                                named.len(),
                                named
                                    .iter()
                                    .map(|g| g.id.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                        continue;
                    }
                }
            }
        };
        if seen.contains(&agent.id.as_str()) {
            issues.push(issue(
                path,
                "this agent is in the file twice (by its name and by its id)",
            ));
            continue;
        }
        seen.push(&agent.id);
        judge_plan(
            ctx, &account, agent, agent_key, a, &book, &path, issues, planned,
        )
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn judge_plan(
    ctx: &Ctx,
    account: &AccountRow,
    agent: &AgentRow,
    agent_key: &str,
    file: &AgentFile,
    book: &Book,
    path: &str,
    issues: &mut Vec<Issue>,
    planned: &mut Vec<Planned>,
) -> Result<(), AppError> {
    let plan_path = format!("{path}.plan");
    let (draft, e) = file.plan.to_draft(book);
    let parsed = draft.parse(&ctx.webhook_allow_list, |id| {
        book.schedules.iter().any(|(i, _)| i == id)
    });
    let mut errors = e;
    let desired: Option<FailoverPlan> = match parsed {
        Ok(p) => Some(p),
        Err(more) => {
            // The file's own error about a field comes first; the rule's
            // about the same field (an unknown connection) adds nothing.
            for m in more.0 {
                if errors.get(&m.field).is_none() {
                    errors.push(&m.field, m.code);
                }
            }
            None
        }
    };
    if !errors.is_empty() {
        field_issues(|f| plan_error_path(&plan_path, f), errors, issues);
    }
    let Some(desired) = desired else {
        return Ok(());
    };
    let current = crate::store::failover::current(ctx.db.pool(), &agent.id).await?;
    if current.as_ref().is_some_and(|c| c.plan == desired) {
        return Ok(());
    }
    if agent.direction != Direction::Inbound {
        issues.push(issue(
            path.to_owned(),
            crate::messages::field_message(crate::i18n::Locale::en, Code::OutboundAgent),
        ));
        return Ok(());
    }
    if !ctx.can(Permission::EditFailoverConfig, Some(&account.id)) {
        issues.push(issue(
            path.to_owned(),
            "you may not change failover plans in this account (editors, owners and staff do)",
        ));
        return Ok(());
    }
    if !account.failover_enabled && !ctx.is_staff() {
        issues.push(issue(
            path.to_owned(),
            crate::messages::field_message(crate::i18n::Locale::en, Code::FeatureDisabled),
        ));
        return Ok(());
    }
    let before = current.as_ref().map(|c| PlanFile::of(&c.plan, book));
    if let (Some(c), Some(before)) = (&current, &before)
        && file.base.as_deref() != Some(fingerprint(before).as_str())
    {
        issues.push(issue(
            path.to_owned(),
            format!(
                "changed since the export: revision {} saved by {} on {}; export again and redo your change",
                c.revision,
                c.updated_by_label,
                crate::time_fmt::utc(c.updated_at)
            ),
        ));
        return Ok(());
    }
    let after = PlanFile::of(&desired, book);
    planned.push(Planned::Plan {
        slug: account.slug.clone(),
        account_id: account.id.clone(),
        agent_id: agent.id.clone(),
        agent_key: agent_key.to_owned(),
        base_revision: current.as_ref().map_or(0, |c| c.revision),
        changes: super::audit::diff(
            before.as_ref().map(plan_json).as_ref(),
            Some(&plan_json(&after)),
        ),
        plan: file.plan.clone(),
    });
    Ok(())
}
