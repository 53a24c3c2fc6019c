//! SIP connections of an account: server functions (owners and staff).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A SIP connection as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SipConnectionView {
    pub id: String,
    pub name: String,
    pub sip_uri: String,
}

#[server(prefix = "/api", endpoint = "sip/create")]
pub async fn create_sip_connection(
    slug: String,
    name: String,
    sip_uri: String,
) -> Result<SipConnectionView, AppError> {
    crate::error::respond(ssr::create(slug, name, sip_uri).await)
}

#[server(prefix = "/api", endpoint = "sip/update")]
pub async fn update_sip_connection(
    id: String,
    name: String,
    sip_uri: String,
) -> Result<(), AppError> {
    crate::error::respond(ssr::update(id, name, sip_uri).await)
}

/// Deletes a connection; refused with the agents' names while a saved
/// failover config uses it.
#[server(prefix = "/api", endpoint = "sip/delete")]
pub async fn delete_sip_connection(id: String) -> Result<(), AppError> {
    crate::error::respond(ssr::delete(id).await)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::accounts::ssr::account_for;
    use crate::auth::Principal;
    use crate::auth::ssr::{actor, principal};
    use crate::domain::failover::parse_sip_uri;
    use crate::domain::{FieldErrors, Permission, PersonName};
    use crate::state::app_state;
    use crate::store::audit::{self, Entry};
    use crate::store::{StoreError, sip};

    fn parse(name: &str, uri: &str) -> Result<(String, String), AppError> {
        let mut e = FieldErrors::new();
        let name = e.take("name", PersonName::parse(name));
        let uri = e.take("sip_uri", parse_sip_uri(uri));
        e.into_result()?;
        Ok((
            name.expect("checked").as_str().to_owned(),
            uri.expect("checked"),
        ))
    }

    fn taken(e: AppError) -> AppError {
        match e {
            AppError::Conflict(w) if w == "name" => {
                AppError::Invalid(FieldErrors::single("name", "taken_name"))
            }
            other => other,
        }
    }

    /// The connection, if `p` manages its account.
    async fn connection_for(p: &Principal, id: &str) -> Result<sip::SipConnectionRow, AppError> {
        let state = app_state()?;
        let c = sip::find(state.db.pool(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !p.can(Permission::ViewAccount, Some(&c.account_id)) {
            return Err(AppError::NotFound);
        }
        p.require(Permission::ManageAccountSettings, Some(&c.account_id))?;
        Ok(c)
    }

    pub async fn create(
        slug: String,
        name: String,
        sip_uri: String,
    ) -> Result<SipConnectionView, AppError> {
        let p = principal().await?;
        let account = account_for(&p, &slug, Permission::ManageAccountSettings).await?;
        let (name, uri) = parse(&name, &sip_uri)?;
        let state = app_state()?;
        let (actor, ip) = actor(&p).await;
        let mut tx = state.db.begin_write().await?;
        let c = sip::create(&mut *tx, &account.id, &name, &uri)
            .await
            .map_err(|e| taken(e.into()))?;
        audit::record(
            &mut *tx,
            Entry {
                actor: &actor,
                account_id: Some(&account.id),
                action: "sip_connection.create",
                subject: Some(&c.id),
                before: None,
                after: Some(serde_json::json!({"name": c.name, "sip_uri": c.sip_uri})),
                client_ip: ip.as_deref(),
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        crate::runtime::after_write(&state).await;
        Ok(SipConnectionView {
            id: c.id,
            name: c.name,
            sip_uri: c.sip_uri,
        })
    }

    pub async fn update(id: String, name: String, sip_uri: String) -> Result<(), AppError> {
        let p = principal().await?;
        let before = connection_for(&p, &id).await?;
        let (name, uri) = parse(&name, &sip_uri)?;
        let state = app_state()?;
        let (actor, ip) = actor(&p).await;
        let mut tx = state.db.begin_write().await?;
        sip::update(&mut tx, &id, &name, &uri)
            .await
            .map_err(|e| taken(e.into()))?;
        audit::record(
            &mut *tx,
            Entry {
                actor: &actor,
                account_id: Some(&before.account_id),
                action: "sip_connection.update",
                subject: Some(&id),
                before: Some(serde_json::json!({"name": before.name, "sip_uri": before.sip_uri})),
                after: Some(serde_json::json!({"name": name, "sip_uri": uri})),
                client_ip: ip.as_deref(),
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        crate::runtime::after_write(&state).await;
        Ok(())
    }

    pub async fn delete(id: String) -> Result<(), AppError> {
        let p = principal().await?;
        let before = connection_for(&p, &id).await?;
        let state = app_state()?;
        let (actor, ip) = actor(&p).await;
        let mut tx = state.db.begin_write().await?;
        let users = sip::agents_using(&mut *tx, &id).await?;
        if !users.is_empty() {
            return Err(AppError::InUse(users));
        }
        sip::delete(&mut *tx, &id).await?;
        audit::record(
            &mut *tx,
            Entry {
                actor: &actor,
                account_id: Some(&before.account_id),
                action: "sip_connection.delete",
                subject: Some(&id),
                before: Some(serde_json::json!({"name": before.name, "sip_uri": before.sip_uri})),
                after: None,
                client_ip: ip.as_deref(),
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        crate::runtime::after_write(&state).await;
        Ok(())
    }
}
