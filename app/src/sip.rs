//! SIP connections of an account: server functions (owners and staff).

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::feedback::{Notice, Reply};
use crate::views::SipConnectionView;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

#[server(prefix = "/api", endpoint = "sip/create")]
pub async fn create_sip_connection(
    slug: String,
    name: String,
    sip_uri: String,
) -> Result<SipConnectionView, AppError> {
    let result = ssr::create(slug, name.clone(), sip_uri.clone()).await;
    Reply::new(CreateSipConnection::PATH, "sip-new", Notice::Added)
        .keep("name", &name)
        .keep("sip_uri", &sip_uri)
        .answer(result)
        .await
}

#[server(prefix = "/api", endpoint = "sip/update")]
pub async fn update_sip_connection(
    id: String,
    name: String,
    sip_uri: String,
) -> Result<(), AppError> {
    let place = format!("sip-{id}");
    let result = ssr::update(id, name.clone(), sip_uri.clone()).await;
    Reply::new(UpdateSipConnection::PATH, place, Notice::Updated)
        .keep("name", &name)
        .keep("sip_uri", &sip_uri)
        .answer(result)
        .await
}

/// Deletes a connection; refused with the agents' names while a saved
/// failover config uses it.
#[server(prefix = "/api", endpoint = "sip/delete")]
pub async fn delete_sip_connection(id: String) -> Result<(), AppError> {
    let result = ssr::delete(id).await;
    Reply::new(DeleteSipConnection::PATH, "sip", Notice::Deleted)
        .answer(result)
        .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::sip;

    pub async fn create(
        slug: String,
        name: String,
        sip_uri: String,
    ) -> Result<SipConnectionView, AppError> {
        let c = sip::create(&context().await?, &slug, &name, &sip_uri).await?;
        Ok(SipConnectionView::from(c))
    }

    pub async fn update(id: String, name: String, sip_uri: String) -> Result<(), AppError> {
        sip::update(&context().await?, &id, &name, &sip_uri).await
    }

    pub async fn delete(id: String) -> Result<(), AppError> {
        sip::delete(&context().await?, &id).await
    }
}
