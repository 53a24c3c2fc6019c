//! The pages of people: an account's members card, the staff's users list,
//! "My account", and the pages one-time links open.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::{
    AcceptInvitation, ChangeMemberRole, ChangePassword, InviteMember, InviteStaff, RemoveMember,
    ResetPasswordLink, RevokeInvitation, SetStaffRole, SetUserDisabled, SignOutOtherSessions,
    UseResetLink, get_link_info, get_my_account, list_users,
};
use crate::domain::{AccountRole, PASSWORD_MIN_CHARS, StaffRole};
use crate::feedback::{NoticeAt, kept};
use crate::i18n::*;
use crate::time_fmt::utc_in;
use crate::ui::{
    CopyLink, Loading, Pager, error_view, form_error, role_label, staff_role_label, urlencode,
};
use crate::views::{
    InvitationView, IssuedLink, LinkInfo, LinkKind, MemberView, MembersView, MyAccount,
    USERS_PAGE_SIZE, UserList, UserState, UserView,
};

/// The link just made, once: a field to copy it from, whether it was e-mailed.
#[component]
pub fn IssuedLinkNotice(link: IssuedLink) -> impl IntoView {
    let i18n = use_i18n();
    let email = link.email.clone();
    let intro = match link.kind {
        LinkKind::Invitation => {
            view! { <p>{t!(i18n, invite_link_once, email = move || email.clone())}</p> }.into_any()
        }
        LinkKind::PasswordReset => {
            view! { <p>{t!(i18n, reset_link_once, email = move || email.clone())}</p> }.into_any()
        }
    };
    let mail = link.emailed.map(|sent| {
        if sent {
            view! { <p>{t!(i18n, link_emailed)}</p> }.into_any()
        } else {
            view! { <p class="form-error">{t!(i18n, link_not_emailed)}</p> }.into_any()
        }
    });
    view! {
        <div class="notice success" role="status" id="issued-link" tabindex="-1" autofocus>
            {intro}
            <CopyLink
                url=link.url
                labels=(
                    t_string!(i18n, issued_link_label).to_owned(),
                    t_string!(i18n, copy_link).to_owned(),
                    t_string!(i18n, copied).to_owned(),
                )
            />
            {mail}
        </div>
    }
}

fn role_options(selected: AccountRole) -> impl IntoView {
    let i18n = use_i18n();
    [AccountRole::Owner, AccountRole::Editor, AccountRole::Viewer]
        .into_iter()
        .map(|r| {
            view! { <option value=r.as_str() selected=r == selected>{move || role_label(i18n, r)}</option> }
        })
        .collect_view()
}

fn staff_options(selected: StaffRole) -> impl IntoView {
    let i18n = use_i18n();
    [StaffRole::Csm, StaffRole::Admin]
        .into_iter()
        .map(|r| {
            view! { <option value=r.as_str() selected=r == selected>{move || staff_role_label(i18n, r)}</option> }
        })
        .collect_view()
}

/// An account's members and invitations, for owners and staff: invite,
/// change a role, remove, revoke an invitation.
#[component]
pub fn MembersCard(slug: String, m: MembersView) -> impl IntoView {
    let i18n = use_i18n();
    let invite = ServerAction::<InviteMember>::new();
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let issued = m.issued.map(|link| view! { <IssuedLinkNotice link /> });
    let rows = m
        .members
        .into_iter()
        .map(|member| view! { <MemberRow slug=slug.clone() member change remove /> })
        .collect_view();
    let empty = rows.is_empty();
    let invitations = (!m.invitations.is_empty())
        .then(|| view! { <InvitationsList slug=slug.clone() invitations=m.invitations /> });
    view! {
        <section class="card" id="members">
            <h2>{t!(i18n, account_members)}</h2>
            <NoticeAt place="members" />
            {issued}
            {form_error(change.value(), Some("role"))}
            {form_error(change.value(), None)}
            {form_error(remove.value(), Some("role"))}
            {form_error(remove.value(), None)}
            {if empty {
                view! { <p class="empty">{t!(i18n, no_members)}</p> }.into_any()
            } else {
                view! {
                    <crate::ui::Scroll label=t_string!(i18n, account_members)>
                    <table class="table">
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, col_name)}</th>
                                <th scope="col">{t!(i18n, col_email)}</th>
                                <th scope="col">{t!(i18n, col_role)}</th>
                                <th scope="col">{t!(i18n, col_status)}</th>
                                <th scope="col"><span class="visually-hidden">{t!(i18n, col_actions)}</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                    </crate::ui::Scroll>
                }.into_any()
            }}
            {invitations}
            <InviteMemberForm slug=slug.clone() invite />
        </section>
    }
}

/// The invitations waiting for an answer, each with Revoke behind a confirmation.
#[component]
fn InvitationsList(slug: String, invitations: Vec<InvitationView>) -> impl IntoView {
    let i18n = use_i18n();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let rows = invitations
        .into_iter()
        .map(|inv| {
            let (slug, user_id) = (slug.clone(), inv.user_id.clone());
            let role = inv.role;
            let expired = inv.expired;
            view! {
                <tr>
                    <td class="mono">{inv.email}</td>
                    <td>{move || role.map(|r| role_label(i18n, r))}</td>
                    <td class="small">{inv.created_by}</td>
                    <td class="nowrap small">
                        {if expired {
                            view! { <span class="badge off">{t!(i18n, expired)}</span> }.into_any()
                        } else {
                            utc_in(use_i18n().get_locale_untracked(), inv.expires_at).into_any()
                        }}
                    </td>
                    <td>
                        <details class="confirm">
                            <summary class="button link danger">{t!(i18n, revoke)}</summary>
                            <ActionForm action=revoke attr:class="confirm-box">
                                <input type="hidden" name="slug" value=slug />
                                <input type="hidden" name="user_id" value=user_id />
                                <p class="small">{t!(i18n, invitation_revoke_explain)}</p>
                                <button type="submit" class="button danger">{t!(i18n, invitation_revoke_confirm)}</button>
                            </ActionForm>
                        </details>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>{t!(i18n, invitations)}</h3>
        {form_error(revoke.value(), None)}
        <crate::ui::Scroll label=t_string!(i18n, invitations)>
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, col_email)}</th>
                    <th scope="col">{t!(i18n, col_role)}</th>
                    <th scope="col">{t!(i18n, invited_by)}</th>
                    <th scope="col">{t!(i18n, expires)}</th>
                    <th scope="col"><span class="visually-hidden">{t!(i18n, col_actions)}</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        </crate::ui::Scroll>
    }
}

/// "Invite": an e-mail address and a role.
#[component]
fn InviteMemberForm(slug: String, invite: ServerAction<InviteMember>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h3>{t!(i18n, invite)}</h3>
        <ActionForm action=invite attr:class="form inline-form" attr:id="invite">
            <input type="hidden" name="slug" value=slug.clone() />
            <div class="field">
                <label for="invite-email">{t!(i18n, email)}</label>
                <input id="invite-email" name="email" type="email" required maxlength="254" autocomplete="off" value=kept("invite", "email") />
                {form_error(invite.value(), Some("email"))}
            </div>
            <div class="field">
                <label for="invite-role">{t!(i18n, role)}</label>
                <select id="invite-role" name="role">{role_options(kept("invite", "role").and_then(|r| AccountRole::parse(&r).ok()).unwrap_or(AccountRole::Editor))}</select>
                {form_error(invite.value(), Some("role"))}
            </div>
            <button type="submit" class="button primary">{t!(i18n, invite)}</button>
            {form_error(invite.value(), None)}
        </ActionForm>
    }
}

#[component]
fn MemberRow(
    slug: String,
    member: MemberView,
    change: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (pending, disabled) = (member.pending, member.disabled);
    let role = member.role;
    let (slug2, id2) = (slug.clone(), member.user_id.clone());
    let select_id = format!("role-{}", member.user_id);
    let email = member.email.clone();
    view! {
        <tr data-member=email>
            <td translate="no">{member.name}</td>
            <td class="mono">{member.email}</td>
            <td>
                <ActionForm action=change attr:class="inline role-form">
                    <input type="hidden" name="slug" value=slug />
                    <input type="hidden" name="user_id" value=member.user_id />
                    <label for=select_id.clone() class="visually-hidden">{t!(i18n, role)}</label>
                    <select id=select_id name="role">{role_options(role)}</select>
                    <button type="submit" class="button small">{t!(i18n, change_role)}</button>
                </ActionForm>
            </td>
            <td>
                {move || {
                    if pending {
                        t_string!(i18n, pending)
                    } else if disabled {
                        t_string!(i18n, disabled)
                    } else {
                        t_string!(i18n, active)
                    }
                }}
            </td>
            <td>
                <details class="confirm">
                    <summary class="button link danger">{t!(i18n, remove)}</summary>
                    <ActionForm action=remove attr:class="inline">
                        <input type="hidden" name="slug" value=slug2 />
                        <input type="hidden" name="user_id" value=id2 />
                        <p class="small muted">{t!(i18n, remove_explain)}</p>
                        <button type="submit" class="button danger">{t!(i18n, remove_confirm)}</button>
                    </ActionForm>
                </details>
            </td>
        </tr>
    }
}

/// `/users`: every user (staff), searched by email or name.
#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let page = crate::ui::query_page("page");
    let list = Resource::new(move || (q(), page()), |(q, page)| list_users(q, page));
    view! {
        <section class="page">
            <h1>{t!(i18n, users_title)}</h1>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(l) => view! {
                            <Form method="GET" action="" attr:class="search" attr:role="search">
                                <label for="q" class="visually-hidden">{t!(i18n, search_label)}</label>
                                <input id="q" type="search" name="q" value=q placeholder=move || t_string!(i18n, search_label) />
                                <button type="submit" class="button">{t!(i18n, search)}</button>
                            </Form>
                            <UsersBody l q=q() />
                        }.into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn UsersBody(l: UserList, q: String) -> impl IntoView {
    let i18n = use_i18n();
    let disable = ServerAction::<SetUserDisabled>::new();
    let reset = ServerAction::<ResetPasswordLink>::new();
    let staff_role = ServerAction::<SetStaffRole>::new();
    let invite = ServerAction::<InviteStaff>::new();
    let total = l.total;
    let pages = crate::views::page_count(total, USERS_PAGE_SIZE);
    let page = l.page;
    let admin = l.can_administer;
    let issued = l.issued.map(|link| view! { <IssuedLinkNotice link /> });
    let rows = l
        .items
        .into_iter()
        .map(|u| view! { <UserRow u admin disable reset staff_role /> })
        .collect_view();
    let invite_form = admin.then(|| {
        view! {
            <section class="card" id="staff-invite">
                <h2>{t!(i18n, invite_staff)}</h2>
                <ActionForm action=invite attr:class="form inline-form">
                    <div class="field">
                        <label for="staff-email">{t!(i18n, email)}</label>
                        <input id="staff-email" name="email" type="email" required maxlength="254" autocomplete="off" value=kept("staff-invite", "email") />
                        {form_error(invite.value(), Some("email"))}
                    </div>
                    <div class="field">
                        <label for="staff-role">{t!(i18n, staff_role)}</label>
                        <select id="staff-role" name="role">{staff_options(kept("staff-invite", "role").and_then(|r| StaffRole::parse(&r).ok()).unwrap_or(StaffRole::Csm))}</select>
                    </div>
                    <button type="submit" class="button primary">{t!(i18n, invite)}</button>
                    {form_error(invite.value(), None)}
                </ActionForm>
            </section>
        }
    });
    view! {
        {issued}
        <div id="users"><NoticeAt place="users" /></div>
        {form_error(disable.value(), Some("user"))}
        {form_error(disable.value(), None)}
        {form_error(reset.value(), Some("user"))}
        {form_error(reset.value(), None)}
        {form_error(staff_role.value(), Some("role"))}
        {form_error(staff_role.value(), None)}
        <p class="muted">{t!(i18n, users_count, count = move || total)}</p>
        {if total == 0 {
            view! { <p class="empty">{t!(i18n, no_users)}</p> }.into_any()
        } else {
            view! {
                <crate::ui::Scroll label=t_string!(i18n, nav_users)>
                    <table class="table">
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, col_name)}</th>
                                <th scope="col">{t!(i18n, col_state)}</th>
                                <th scope="col">{t!(i18n, col_accounts)}</th>
                                <th scope="col">{t!(i18n, col_last_sign_in)}</th>
                                <th scope="col"><span class="visually-hidden">{t!(i18n, col_actions)}</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </crate::ui::Scroll>
            }.into_any()
        }}
        <Pager page pages base=format!("/users?q={}&", urlencode(&q)) />
        {invite_form}
    }
}

#[component]
fn UserRow(
    u: UserView,
    admin: bool,
    disable: ServerAction<SetUserDisabled>,
    reset: ServerAction<ResetPasswordLink>,
    staff_role: ServerAction<SetStaffRole>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = u.state;
    let staff = u.staff;
    // Staff users are managed by admins only.
    let manage = !u.is_me && (staff.is_none() || admin);
    let roles = match staff {
        Some(r) => {
            view! { <li><span class="badge">{move || staff_role_label(i18n, r)}</span></li> }
                .into_any()
        }
        None => u
            .memberships
            .into_iter()
            .map(|(slug, name, role)| {
                let href = format!("/accounts/{slug}");
                view! { <li><a href=href>{name}</a> " · " {move || role_label(i18n, role)}</li> }
            })
            .collect_view()
            .into_any(),
    };
    let actions = manage.then(|| {
        view! { <UserActions id=u.id.clone() state staff admin disable reset staff_role /> }
    });
    let email = u.email.clone();
    view! {
        <tr data-user=email>
            <td>
                <span translate="no">{u.name}</span> {u.is_me.then(|| view! { <span class="muted small">" (" {t!(i18n, you)} ")"</span> })}
                <br />
                <span class="mono small">{u.email}</span>
            </td>
            <td>
                {move || match state {
                    UserState::Active => view! { <span class="badge on">{t_string!(i18n, active)}</span> },
                    UserState::Pending => view! { <span class="badge">{t_string!(i18n, pending)}</span> },
                    UserState::Disabled => view! { <span class="badge off">{t_string!(i18n, disabled)}</span> },
                }}
            </td>
            <td><ul class="plain">{roles}</ul></td>
            <td class="nowrap small">
                {match u.last_sign_in_at {
                    Some(at) => utc_in(use_i18n().get_locale_untracked(), at).into_any(),
                    None => view! { <span class="muted">{t!(i18n, never)}</span> }.into_any(),
                }}
            </td>
            <td>{actions}</td>
        </tr>
    }
}

/// What an admin or a CSM may do to a user: disable (confirmed) or enable,
/// a reset link (confirmed), a staff user's role (admins).
#[component]
fn UserActions(
    id: String,
    state: UserState,
    staff: Option<StaffRole>,
    admin: bool,
    disable: ServerAction<SetUserDisabled>,
    reset: ServerAction<ResetPasswordLink>,
    staff_role: ServerAction<SetStaffRole>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (id_toggle, id_reset, id_role) = (id.clone(), id.clone(), id);
    let toggle = if state == UserState::Disabled {
        view! {
            <ActionForm action=disable attr:class="inline">
                <input type="hidden" name="user_id" value=id_toggle.clone() />
                <input type="hidden" name="disabled" value="false" />
                <button type="submit" class="button small">{t!(i18n, enable)}</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <details class="confirm">
                <summary class="button link danger">{t!(i18n, disable)}</summary>
                <ActionForm action=disable attr:class="inline">
                    <input type="hidden" name="user_id" value=id_toggle.clone() />
                    <input type="hidden" name="disabled" value="true" />
                    <p class="small muted">{t!(i18n, disable_explain)}</p>
                    <button type="submit" class="button danger">{t!(i18n, disable_confirm)}</button>
                </ActionForm>
            </details>
        }
        .into_any()
    };
    let reset_form = (state == UserState::Active).then(move || {
        view! {
            <details class="confirm">
                <summary class="button link">{t!(i18n, reset_password)}</summary>
                <ActionForm action=reset attr:class="inline">
                    <input type="hidden" name="user_id" value=id_reset />
                    <p class="small muted">{t!(i18n, reset_explain)}</p>
                    <button type="submit" class="button">{t!(i18n, reset_password)}</button>
                </ActionForm>
            </details>
        }
    });
    let role_form = staff.filter(|_| admin).map(|r| {
        let select_id = format!("staff-{id_role}");
        view! {
            <ActionForm action=staff_role attr:class="inline role-form">
                <input type="hidden" name="user_id" value=id_role.clone() />
                <label for=select_id.clone() class="visually-hidden">{t!(i18n, staff_role)}</label>
                <select id=select_id name="role">{staff_options(r)}</select>
                <button type="submit" class="button small">{t!(i18n, change_role)}</button>
            </ActionForm>
        }
    });
    view! { <div class="row-actions">{toggle} {reset_form} {role_form}</div> }
}

/// `/me`: one's password and open sessions.
#[component]
pub fn MyAccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let change = ServerAction::<ChangePassword>::new();
    let others = ServerAction::<SignOutOtherSessions>::new();
    let me = Resource::new(|| (), |_| get_my_account());
    view! {
        <section class="page">
            <h1>{t!(i18n, my_account)}</h1>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(me) => view! { <MyAccountBody me change others /> }.into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn MyAccountBody(
    me: MyAccount,
    change: ServerAction<ChangePassword>,
    others: ServerAction<SignOutOtherSessions>,
) -> impl IntoView {
    let i18n = use_i18n();
    let min = PASSWORD_MIN_CHARS.to_string();
    let several = me.sessions.len() > 1;
    let rows = me
        .sessions
        .into_iter()
        .map(|s| {
            let this = s.this_one;
            view! {
                <tr class:current=this>
                    <td>{s.browser} {this.then(|| view! { " " <span class="badge on">{t!(i18n, this_one)}</span> })}</td>
                    <td class="mono">{s.ip.unwrap_or_default()}</td>
                    <td class="nowrap small">{s.signed_in_at.map(|at| utc_in(use_i18n().get_locale_untracked(), at))}</td>
                    <td class="nowrap small">{s.last_seen_at.map(|at| utc_in(use_i18n().get_locale_untracked(), at))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <p><span translate="no">{me.name}</span> " · " <span class="mono">{me.email.clone()}</span></p>
            <h2 id="password">{t!(i18n, change_password)}</h2>
            <NoticeAt place="password" />
            <ActionForm action=change attr:class="form">
                // For password managers: whose password this is.
                <input type="hidden" name="username" value=me.email autocomplete="username" />
                <div class="field">
                    <label for="current-password">{t!(i18n, current_password)}</label>
                    <input id="current-password" name="current_password" type="password" required autocomplete="current-password" />
                    {form_error(change.value(), Some("current_password"))}
                </div>
                <div class="field">
                    <label for="new-password">{t!(i18n, new_password)}</label>
                    <input id="new-password" name="new_password" type="password" required minlength=min maxlength="128" autocomplete="new-password" aria-describedby="password-rule" />
                    <p class="hint" id="password-rule">{t!(i18n, password_rule)}</p>
                    {form_error(change.value(), Some("new_password"))}
                </div>
                <button type="submit" class="button primary">{t!(i18n, change_password)}</button>
                {form_error(change.value(), None)}
            </ActionForm>
        </section>
        <section class="card">
            <h2 id="sessions">{t!(i18n, sessions_title)}</h2>
            <NoticeAt place="sessions" />
            <crate::ui::Scroll label=t_string!(i18n, sessions_title)>
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, col_browser)}</th>
                            <th scope="col">{t!(i18n, col_ip)}</th>
                            <th scope="col">{t!(i18n, col_signed_in)}</th>
                            <th scope="col">{t!(i18n, col_last_seen)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </crate::ui::Scroll>
            {several.then(|| view! {
                <ActionForm action=others attr:class="inline">
                    <button type="submit" class="button">{t!(i18n, sign_out_others)}</button>
                </ActionForm>
            })}
            {form_error(others.value(), None)}
        </section>
    }
}

/// The one page for every link that can't be used.
#[component]
fn LinkInvalid() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <section class="card narrow" data-testid="link-invalid">
            <h1>{t!(i18n, link_invalid_title)}</h1>
            <p>{t!(i18n, link_invalid_body)}</p>
            <p><a href="/signin">{t!(i18n, go_sign_in)}</a></p>
        </section>
    }
}

fn token_of_query() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || query.read().get("token").unwrap_or_default()
}

/// `/invite?token=…`: a name and a password, then signed in.
#[component]
pub fn InvitePage() -> impl IntoView {
    let token = token_of_query();
    let info = Resource::new(token, |t| get_link_info(LinkKind::Invitation, t));
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) => view! { <InviteForm info token=token() /> }.into_any(),
                    Err(crate::error::AppError::NotFound) => view! { <LinkInvalid /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}

#[component]
fn InviteForm(info: LinkInfo, token: String) -> impl IntoView {
    let i18n = use_i18n();
    let accept = ServerAction::<AcceptInvitation>::new();
    let min = PASSWORD_MIN_CHARS.to_string();
    let email = info.email.clone();
    let intro = match info.account_name.clone() {
        Some(account) => view! {
            <p>{t!(i18n, invite_intro, account = move || account.clone(), email = move || email.clone())}</p>
        }
        .into_any(),
        None => view! { <p>{t!(i18n, invite_intro_staff, email = move || email.clone())}</p> }
            .into_any(),
    };
    view! {
        <section class="card narrow">
            <h1>{t!(i18n, invite_title)}</h1>
            {intro}
            <ActionForm action=accept attr:class="form" attr:id="accept">
                <input type="hidden" name="token" value=token />
                <input type="hidden" name="username" value=info.email autocomplete="username" />
                <div class="field">
                    <label for="invite-name">{t!(i18n, name)}</label>
                    <input id="invite-name" name="name" required maxlength="100" autocomplete="name" value=kept("accept", "name") />
                    {form_error(accept.value(), Some("name"))}
                </div>
                <div class="field">
                    <label for="invite-password">{t!(i18n, new_password)}</label>
                    <input id="invite-password" name="password" type="password" required minlength=min maxlength="128" autocomplete="new-password" aria-describedby="password-rule" />
                    <p class="hint" id="password-rule">{t!(i18n, password_rule)}</p>
                    {form_error(accept.value(), Some("password"))}
                </div>
                <button type="submit" class="button primary">{t!(i18n, accept_invitation)}</button>
                {form_error(accept.value(), None)}
            </ActionForm>
        </section>
    }
}

/// `/reset?token=…`: a new password, then signed in.
#[component]
pub fn ResetPage() -> impl IntoView {
    let token = token_of_query();
    let info = Resource::new(token, |t| get_link_info(LinkKind::PasswordReset, t));
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) => view! { <ResetForm info token=token() /> }.into_any(),
                    Err(crate::error::AppError::NotFound) => view! { <LinkInvalid /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}

#[component]
fn ResetForm(info: LinkInfo, token: String) -> impl IntoView {
    let i18n = use_i18n();
    let reset = ServerAction::<UseResetLink>::new();
    let min = PASSWORD_MIN_CHARS.to_string();
    let email = info.email.clone();
    view! {
        <section class="card narrow">
            <h1>{t!(i18n, reset_title)}</h1>
            <p>{t!(i18n, reset_intro, email = move || email.clone())}</p>
            <ActionForm action=reset attr:class="form">
                <input type="hidden" name="token" value=token />
                <input type="hidden" name="username" value=info.email autocomplete="username" />
                <div class="field">
                    <label for="reset-password">{t!(i18n, new_password)}</label>
                    <input id="reset-password" name="password" type="password" required minlength=min maxlength="128" autocomplete="new-password" aria-describedby="password-rule" />
                    <p class="hint" id="password-rule">{t!(i18n, password_rule)}</p>
                    {form_error(reset.value(), Some("password"))}
                </div>
                <button type="submit" class="button primary">{t!(i18n, set_password)}</button>
                {form_error(reset.value(), None)}
            </ActionForm>
        </section>
    }
}
