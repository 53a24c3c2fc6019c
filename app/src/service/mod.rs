//! The services: every read a page needs and every change anyone makes (server
//! functions, the runtime API, the command line and the demo) go through here.
//! A service checks the caller's permission, parses its input with the domain
//! rules, and reads or writes through the store.
//!
//! Every change goes through one write helper, [`Ctx::begin`] then
//! [`Write::commit`]: the transaction opens in `begin`; `commit` records the
//! audit entry, commits, and refreshes the in-memory runtime snapshot. A
//! change dropped before `commit` rolls back, so none can land without its
//! audit entry or skip the refresh.

pub mod accounts;
pub mod agents;
pub mod audit;
pub mod config;
pub mod emergencies;
pub mod events;
pub mod failover;
pub mod invitations;
pub mod members;
pub mod schedules;
pub mod sip;
pub mod tokens;
pub mod users;

use std::sync::Arc;

use crate::domain::failover::WebhookAllowList;
use crate::domain::{AuditAction, Permission, Principal};
use crate::error::AppError;
use crate::runtime::Runtime;
use crate::store::audit::{Actor, Entry};
use crate::store::{Db, StoreError, Tx};

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Duplicate(what) => AppError::Conflict(what),
            StoreError::Unavailable(err) => {
                tracing::error!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            StoreError::Other(err) => {
                tracing::error!(error = %err, "database error");
                AppError::Internal
            }
        }
    }
}

/// Who is acting.
#[derive(Debug, Clone)]
pub enum Who {
    /// A signed-in person, with their roles.
    User(Principal),
    /// The command line or the demo seed, run by whoever holds the database:
    /// allowed everything.
    System(&'static str),
}

/// What a service call runs with: the database, the runtime snapshot to
/// refresh after a change, who acts and from where.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub db: Db,
    /// The snapshot of this process, when it serves the runtime API. Other
    /// processes pick changes up from the change sequence.
    runtime: Option<Arc<Runtime>>,
    pub who: Who,
    pub client_ip: Option<String>,
    /// Local webhook endpoints allowed anyway (development, tests).
    pub webhook_allow_list: Arc<WebhookAllowList>,
    /// How one-time links are written and sent.
    pub links: Links,
}

/// Where one-time links (invitations, password resets) point and how they
/// are sent.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// The site's address, e.g. `https://relais.example.com` (no trailing `/`).
    pub base_url: String,
    /// The SMTP server, when one is configured.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
}

impl Ctx {
    /// A signed-in user's request.
    pub fn user(
        db: Db,
        runtime: Arc<Runtime>,
        principal: Principal,
        client_ip: Option<String>,
        webhook_allow_list: Arc<WebhookAllowList>,
    ) -> Ctx {
        Ctx {
            db,
            runtime: Some(runtime),
            who: Who::User(principal),
            client_ip,
            webhook_allow_list,
            links: Links::default(),
        }
    }

    /// The command line acting as `principal` (`relais config apply --as`):
    /// their roles apply and the audit log names them. No snapshot here:
    /// serving processes pick the changes up from the change sequence.
    pub fn command_line_as(
        db: Db,
        principal: Principal,
        webhook_allow_list: WebhookAllowList,
    ) -> Ctx {
        Ctx {
            db,
            runtime: None,
            who: Who::User(principal),
            client_ip: None,
            webhook_allow_list: Arc::new(webhook_allow_list),
            links: Links::default(),
        }
    }

    /// The same caller, writing links to `links`.
    pub fn with_links(mut self, links: Links) -> Ctx {
        self.links = links;
        self
    }

    /// The same context acting as `principal` (someone accepting an
    /// invitation or using a reset link: they act for themselves).
    pub(crate) fn acting_as(&self, principal: Principal) -> Ctx {
        Ctx {
            who: Who::User(principal),
            ..self.clone()
        }
    }

    /// The command line or the demo (`label`: `cli`, `demo`); `runtime` when
    /// the process also serves (the demo seeded by `serve --demo`).
    pub fn system(db: Db, label: &'static str, runtime: Option<Arc<Runtime>>) -> Ctx {
        Ctx {
            db,
            runtime,
            who: Who::System(label),
            client_ip: None,
            webhook_allow_list: Arc::new(WebhookAllowList::default()),
            links: Links::default(),
        }
    }

    /// The signed-in user, if a person acts.
    pub fn principal(&self) -> Option<&Principal> {
        match &self.who {
            Who::User(p) => Some(p),
            Who::System(_) => None,
        }
    }

    /// Whether the caller may do `perm` (on `account_id` when it concerns one).
    pub fn can(&self, perm: Permission, account_id: Option<&str>) -> bool {
        match &self.who {
            Who::User(p) => p.can(perm, account_id),
            Who::System(_) => true,
        }
    }

    /// Checks a permission; the error is what the server answers.
    pub fn require(&self, perm: Permission, account_id: Option<&str>) -> Result<(), AppError> {
        if self.can(perm, account_id) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Checks `perm` on something of `account_id`: an account the caller may
    /// not even see answers "not found" (its existence is none of their business).
    pub fn require_in(&self, perm: Permission, account_id: &str) -> Result<(), AppError> {
        if !self.can(Permission::ViewAccount, Some(account_id)) {
            return Err(AppError::NotFound);
        }
        self.require(perm, Some(account_id))
    }

    pub fn is_staff(&self) -> bool {
        match &self.who {
            Who::User(p) => p.is_staff(),
            Who::System(_) => true,
        }
    }

    /// The accounts the caller may `perm` on, when not every one (`None`: all).
    pub fn accounts_where(&self, perm: Permission) -> Option<Vec<String>> {
        match &self.who {
            Who::User(p) => p.accounts_where(perm),
            Who::System(_) => None,
        }
    }

    /// The audit log's actor for this caller.
    pub fn actor(&self) -> Actor {
        match &self.who {
            Who::User(p) => Actor::User {
                id: p.user_id.clone(),
                email: p.email.clone(),
            },
            Who::System(label) => Actor::System(label),
        }
    }

    /// How lists name the caller ("created by", "saved by").
    pub fn label(&self) -> &str {
        match &self.who {
            Who::User(p) => &p.email,
            Who::System(label) => label,
        }
    }

    /// The caller's user id, if a person acts.
    pub fn user_id(&self) -> Option<&str> {
        self.principal().map(|p| p.user_id.as_str())
    }

    /// Opens the write transaction of one change: the one way to write.
    pub async fn begin(&self) -> Result<Write<'_>, AppError> {
        Ok(Write {
            ctx: self,
            tx: self.db.begin_write().await?,
        })
    }

    /// Brings this process's runtime snapshot up to date (after a change).
    async fn refresh(&self) {
        if let Some(runtime) = &self.runtime
            && let Err(e) = runtime.refresh(&self.db).await
        {
            tracing::warn!(error = %e, "snapshot refresh after a write failed");
        }
    }
}

/// What a change was, for the audit log.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: AuditAction,
    pub account_id: Option<&'a str>,
    /// What was changed (a slug, an id, an email).
    pub subject: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// One change in progress: its transaction is open; [`Write::commit`] ends it.
pub struct Write<'c> {
    ctx: &'c Ctx,
    tx: Tx,
}

impl Write<'_> {
    /// The transaction, for the store's functions.
    pub fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// Records the audit entry of a change that comes with the main one
    /// (which [`Write::commit`] records).
    pub async fn record(&mut self, change: Change<'_>) -> Result<(), AppError> {
        let actor = self.ctx.actor();
        let entry = self.ctx.entry(&actor, change);
        crate::store::audit::record_in(&mut self.tx, entry).await?;
        Ok(())
    }

    /// Records the audit entry (actor, account, action, subject, before,
    /// after, client IP), commits, then refreshes the runtime snapshot.
    pub async fn commit(self, change: Change<'_>) -> Result<(), AppError> {
        let actor = self.ctx.actor();
        let entry = self.ctx.entry(&actor, change);
        crate::store::audit::commit(self.tx, entry).await?;
        self.ctx.refresh().await;
        Ok(())
    }
}

impl Ctx {
    /// The audit entry of `change` made by `actor` from this caller's address.
    fn entry<'a>(&'a self, actor: &'a Actor, change: Change<'a>) -> Entry<'a> {
        Entry {
            actor,
            account_id: change.account_id,
            action: change.action,
            subject: change.subject,
            before: change.before,
            after: change.after,
            client_ip: self.client_ip.as_deref(),
        }
    }
}

/// Pages of lists start at 1 and end at `MAX_PAGE` (a page past the last
/// comes back empty, and the page says so).
pub(crate) fn page_offset(page: i64, page_size: i64) -> (i64, i64) {
    let page = page.clamp(1, crate::views::MAX_PAGE);
    (page, (page - 1) * page_size.max(1))
}
