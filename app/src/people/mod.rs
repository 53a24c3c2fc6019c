//! People in the browser: an account's members and invitations, the staff's
//! user list, "My account", and the pages of one-time links (accepting an
//! invitation, choosing a new password). Server functions here are thin: the
//! rules live in `service::{members, invitations, users}`.

pub mod pages;

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::feedback::{Notice, Reply};
use crate::views::{InviteOutcome, IssuedLink, LinkInfo, LinkKind, MyAccount, UserList};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// Invites `email` to the account as `role` (owners, staff): an existing
/// user is added at once, a new one gets a one-time link.
#[server(prefix = "/api", endpoint = "members/invite")]
pub async fn invite_member(
    slug: String,
    email: String,
    role: String,
) -> Result<InviteOutcome, AppError> {
    let result = ssr::invite(slug, email.clone(), role.clone()).await;
    let (notice, at) = match &result {
        Ok(InviteOutcome::Added { .. }) => (Notice::MemberAdded, "members"),
        _ => (Notice::Invited, "issued-link"),
    };
    Reply::new(InviteMember::PATH, "invite", notice)
        .keep("email", &email)
        .keep("role", &role)
        .to(None, at)
        .answer(result)
        .await
}

/// Revokes a pending invitation.
#[server(prefix = "/api", endpoint = "members/revoke_invitation")]
pub async fn revoke_invitation(slug: String, user_id: String) -> Result<(), AppError> {
    let result = ssr::revoke(slug, user_id).await;
    Reply::new(RevokeInvitation::PATH, "members", Notice::Revoked)
        .answer(result)
        .await
}

/// Changes a member's role (the last owner stays one).
#[server(prefix = "/api", endpoint = "members/role")]
pub async fn change_member_role(
    slug: String,
    user_id: String,
    role: String,
) -> Result<(), AppError> {
    let result = ssr::change_role(slug, user_id, role).await;
    Reply::new(ChangeMemberRole::PATH, "members", Notice::RoleChanged)
        .answer(result)
        .await
}

/// Removes a member from the account (the last owner stays).
#[server(prefix = "/api", endpoint = "members/remove")]
pub async fn remove_member(slug: String, user_id: String) -> Result<(), AppError> {
    let result = ssr::remove(slug, user_id).await;
    Reply::new(RemoveMember::PATH, "members", Notice::MemberRemoved)
        .answer(result)
        .await
}

/// A page of users (staff), searched by email or name.
#[server(prefix = "/api", endpoint = "users/list")]
pub async fn list_users(
    #[server(default)] q: String,
    #[server(default)] page: i64,
) -> Result<UserList, AppError> {
    crate::error::respond(ssr::list_users(q, page).await)
}

/// Disables (sessions end at once) or enables a user (staff).
#[server(prefix = "/api", endpoint = "users/disabled")]
pub async fn set_user_disabled(user_id: String, disabled: bool) -> Result<(), AppError> {
    let notice = if disabled {
        Notice::UserDisabled
    } else {
        Notice::UserEnabled
    };
    let result = ssr::set_disabled(user_id, disabled).await;
    Reply::new(SetUserDisabled::PATH, "users", notice)
        .answer(result)
        .await
}

/// Makes a one-time password-reset link for a user (staff).
#[server(prefix = "/api", endpoint = "users/reset_password")]
pub async fn reset_password_link(user_id: String) -> Result<IssuedLink, AppError> {
    let result = ssr::reset_link(user_id).await;
    Reply::new(ResetPasswordLink::PATH, "users", Notice::LinkReady)
        .to(None, "issued-link")
        .answer(result)
        .await
}

/// Invites a staff user (admins).
#[server(prefix = "/api", endpoint = "users/invite_staff")]
pub async fn invite_staff(email: String, role: String) -> Result<IssuedLink, AppError> {
    let result = ssr::invite_staff(email.clone(), role.clone()).await;
    Reply::new(InviteStaff::PATH, "staff-invite", Notice::Invited)
        .keep("email", &email)
        .keep("role", &role)
        .to(None, "issued-link")
        .answer(result)
        .await
}

/// Changes a staff user's role (admins; the last admin stays one).
#[server(prefix = "/api", endpoint = "users/staff_role")]
pub async fn set_staff_role(user_id: String, role: String) -> Result<(), AppError> {
    let result = ssr::set_staff_role(user_id, role).await;
    Reply::new(SetStaffRole::PATH, "users", Notice::RoleChanged)
        .answer(result)
        .await
}

/// "My account": the user and their open sessions.
#[server(prefix = "/api", endpoint = "me")]
pub async fn get_my_account() -> Result<MyAccount, AppError> {
    crate::error::respond(ssr::my_account().await)
}

/// Changes one's password; one's other sessions end.
#[server(prefix = "/api", endpoint = "me/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    // Nothing typed is kept: both are passwords.
    let result = ssr::change_password(current_password, new_password).await;
    Reply::new(ChangePassword::PATH, "password", Notice::PasswordChanged)
        .answer(result)
        .await
}

/// Ends one's other sessions.
#[server(prefix = "/api", endpoint = "me/sign_out_others")]
pub async fn sign_out_other_sessions() -> Result<u64, AppError> {
    let result = ssr::sign_out_others().await;
    Reply::new(
        SignOutOtherSessions::PATH,
        "sessions",
        Notice::SessionsEnded,
    )
    .answer(result)
    .await
}

/// What a one-time link is (anyone holding it); one "not found" for every
/// link that can't be used.
#[server(prefix = "/api", endpoint = "links/info")]
pub async fn get_link_info(kind: LinkKind, token: String) -> Result<LinkInfo, AppError> {
    crate::error::respond(ssr::link_info(kind, token).await)
}

/// Accepts an invitation (name, password), signs in and goes to the account.
#[server(prefix = "/api", endpoint = "links/accept")]
pub async fn accept_invitation(
    token: String,
    name: String,
    password: String,
) -> Result<(), AppError> {
    let result = ssr::accept(token, name.clone(), password).await;
    if result.is_ok() {
        // Signed in: the service chose where to land.
        return result;
    }
    Reply::new(AcceptInvitation::PATH, "accept", Notice::Saved)
        .keep("name", &name)
        .answer(result)
        .await
}

/// Sets a new password with a reset link, signs in.
#[server(prefix = "/api", endpoint = "links/reset")]
pub async fn use_reset_link(token: String, password: String) -> Result<(), AppError> {
    crate::error::respond(ssr::use_reset(token, password).await)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::auth::ssr::{
        anonymous_context, context, current_session_id, session, start_session,
    };
    use crate::service::{invitations, members, users};
    use crate::state::app_state;

    /// The session key of the handle of a link issued and not yet shown.
    const FLASH: &str = "issued_link";

    /// Keeps a new link for the page a plain form post returns to (the
    /// link waits in memory; the session holds its handle only).
    async fn keep_for_page(link: &IssuedLink) {
        if !crate::error::plain_form_post() {
            return;
        }
        if let (Ok(state), Ok(s)) = (app_state(), session().await) {
            let handle = state.issued_links.put(link.clone());
            let _ = s.insert(FLASH, &handle).await;
        }
    }

    /// The link issued by the previous request of this browser, once.
    pub async fn take_issued() -> Option<IssuedLink> {
        let s = session().await.ok()?;
        let handle: String = s.remove(FLASH).await.ok().flatten()?;
        app_state().ok()?.issued_links.take(&handle)
    }

    pub async fn invite(
        slug: String,
        email: String,
        role: String,
    ) -> Result<InviteOutcome, AppError> {
        let outcome = invitations::invite(&context().await?, &slug, &email, &role).await?;
        if let InviteOutcome::Invited(link) = &outcome {
            keep_for_page(link).await;
        }
        Ok(outcome)
    }

    pub async fn revoke(slug: String, user_id: String) -> Result<(), AppError> {
        invitations::revoke(&context().await?, &slug, &user_id).await
    }

    pub async fn change_role(slug: String, user_id: String, role: String) -> Result<(), AppError> {
        members::change_role(&context().await?, &slug, &user_id, &role).await
    }

    pub async fn remove(slug: String, user_id: String) -> Result<(), AppError> {
        members::remove(&context().await?, &slug, &user_id).await
    }

    pub async fn list_users(q: String, page: i64) -> Result<UserList, AppError> {
        let mut list = users::list(&context().await?, &q, page).await?;
        list.issued = take_issued().await;
        Ok(list)
    }

    pub async fn set_disabled(user_id: String, disabled: bool) -> Result<(), AppError> {
        users::set_disabled(&context().await?, &user_id, disabled).await
    }

    pub async fn reset_link(user_id: String) -> Result<IssuedLink, AppError> {
        let link = invitations::reset_link(&context().await?, &user_id).await?;
        keep_for_page(&link).await;
        Ok(link)
    }

    pub async fn invite_staff(email: String, role: String) -> Result<IssuedLink, AppError> {
        let link = invitations::invite_staff(&context().await?, &email, &role).await?;
        keep_for_page(&link).await;
        Ok(link)
    }

    pub async fn set_staff_role(user_id: String, role: String) -> Result<(), AppError> {
        users::set_staff_role(&context().await?, &user_id, &role).await
    }

    pub async fn my_account() -> Result<MyAccount, AppError> {
        let ctx = context().await?;
        users::my_account(&ctx, current_session_id().await.as_deref()).await
    }

    pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
        let state = app_state()?;
        let ctx = context().await?;
        // The current password is guessable like a sign-in: the same throttle.
        let ip = crate::auth::ssr::client_ip(&state).await;
        let email = crate::domain::Email::parse(ctx.label()).ok();
        if let Err(wait) = state.throttle.check(ip, email.as_ref()) {
            return Err(AppError::TooManyRequests {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        let keep = current_session_id().await;
        let result = users::change_password(&ctx, &current, &new, keep.as_deref()).await;
        if let (Err(AppError::Invalid(f)), Some(email)) = (&result, &email)
            && f.get("current_password") == Some(crate::domain::Code::WrongPassword)
        {
            state.throttle.failed(ip, Some(email));
        }
        result
    }

    pub async fn sign_out_others() -> Result<u64, AppError> {
        let ctx = context().await?;
        users::end_other_sessions(&ctx, current_session_id().await.as_deref()).await
    }

    pub async fn link_info(kind: LinkKind, token: String) -> Result<LinkInfo, AppError> {
        invitations::info(&anonymous_context().await?, kind, &token).await
    }

    pub async fn accept(token: String, name: String, password: String) -> Result<(), AppError> {
        let ctx = anonymous_context().await?;
        let (principal, landing) = invitations::accept(&ctx, &token, &name, &password).await?;
        start_session(&principal).await?;
        leptos_axum::redirect(&landing);
        Ok(())
    }

    pub async fn use_reset(token: String, password: String) -> Result<(), AppError> {
        let ctx = anonymous_context().await?;
        let principal = invitations::use_reset(&ctx, &token, &password).await?;
        start_session(&principal).await?;
        leptos_axum::redirect(&principal.home());
        Ok(())
    }
}
