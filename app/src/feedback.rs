//! What a form post tells the page it comes back to. Forms are plain HTML
//! posts: the server function answers with a redirect to the page the form
//! was on (after a refusal, at the form: `#place`), and leaves a flash in the
//! session — a message after a change, or, after a refusal, what was typed
//! (never a password), so the form shows it again. The next page request
//! takes the flash out of the session (the HTTP layer puts it in the
//! request), and the form at that place shows it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::i18n::*;

/// The session key of the flash.
pub const FLASH: &str = "flash";

/// The answer of the last form post, for the page it comes back to.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Flash {
    /// The id of the element on the page the answer belongs to.
    pub place: String,
    /// What was done (after a change).
    pub notice: Option<Notice>,
    /// What was typed, by field name (after a refusal).
    pub kept: Vec<(String, String)>,
}

/// What a change did, said where its form is.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, strum::EnumIter)]
pub enum Notice {
    Saved,
    Added,
    Updated,
    Deleted,
    Revoked,
    Restored,
    Renamed,
    Invited,
    MemberAdded,
    RoleChanged,
    MemberRemoved,
    UserDisabled,
    UserEnabled,
    PasswordChanged,
    SessionsEnded,
    FailoverOn,
    FailoverOff,
    AccountCreated,
    LinkReady,
    EmergencyOn,
    EmergencyOff,
}

impl Notice {
    pub fn message(self, locale: Locale) -> &'static str {
        match self {
            Notice::Saved => td_string!(locale, notice_saved),
            Notice::Added => td_string!(locale, notice_added),
            Notice::Updated => td_string!(locale, notice_updated),
            Notice::Deleted => td_string!(locale, notice_deleted),
            Notice::Revoked => td_string!(locale, notice_revoked),
            Notice::Restored => td_string!(locale, notice_restored),
            Notice::Renamed => td_string!(locale, notice_renamed),
            Notice::Invited => td_string!(locale, notice_invited),
            Notice::MemberAdded => td_string!(locale, notice_member_added),
            Notice::RoleChanged => td_string!(locale, notice_role_changed),
            Notice::MemberRemoved => td_string!(locale, notice_member_removed),
            Notice::UserDisabled => td_string!(locale, notice_user_disabled),
            Notice::UserEnabled => td_string!(locale, notice_user_enabled),
            Notice::PasswordChanged => td_string!(locale, notice_password_changed),
            Notice::SessionsEnded => td_string!(locale, notice_sessions_ended),
            Notice::FailoverOn => td_string!(locale, notice_failover_on),
            Notice::FailoverOff => td_string!(locale, notice_failover_off),
            Notice::AccountCreated => td_string!(locale, notice_account_created),
            Notice::LinkReady => td_string!(locale, notice_link_ready),
            Notice::EmergencyOn => td_string!(locale, notice_emergency_on),
            Notice::EmergencyOff => td_string!(locale, notice_emergency_off),
        }
    }
}

/// The flash this page request brought (rendered on the server only).
pub fn flash() -> Option<Flash> {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<Flash>().cloned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// What was typed in field `name` of the form at `place`, when it was refused.
pub fn kept(place: &str, name: &str) -> Option<String> {
    let f = flash()?;
    if f.place != place {
        return None;
    }
    f.kept.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Whether the form at `place` was just refused (its values are kept).
pub fn refused_at(place: &str) -> bool {
    flash().is_some_and(|f| f.place == place && f.notice.is_none())
}

/// The message of the change just made by the form at `place`: focused, so
/// a keyboard or screen-reader user hears it and goes on from there.
#[component]
pub fn NoticeAt(#[prop(into)] place: String) -> impl IntoView {
    let i18n = use_i18n();
    let notice = flash().filter(|f| f.place == place).and_then(|f| f.notice);
    notice.map(|n| {
        view! {
            <p class="notice" role="status" tabindex="-1" autofocus data-testid="notice">
                {move || n.message(i18n.get_locale())}
            </p>
        }
    })
}

/// The answer of a server function to a form post. On a plain HTML post: a
/// redirect back to the form's page (or to `to`, after success) at
/// `#place`, with the flash — the notice after success, the kept values
/// after a refusal; the error goes back in the URL as Leptos does it (under
/// the server function's `path`, for its `ActionForm`). Other callers get
/// the result as it is.
///
/// ```ignore
/// Reply::new(SetDefaultMessage::PATH, "default-message", Notice::Saved)
///     .keep("text", &text)
///     .answer(result)
///     .await
/// ```
#[cfg(feature = "ssr")]
pub struct Reply {
    path: &'static str,
    place: String,
    notice: Notice,
    kept: Vec<(String, String)>,
    to: Option<(Option<String>, String)>,
}

#[cfg(feature = "ssr")]
impl Reply {
    pub fn new(path: &'static str, place: impl Into<String>, notice: Notice) -> Self {
        Self {
            path,
            place: place.into(),
            notice,
            kept: Vec::new(),
            to: None,
        }
    }

    /// Keeps what was typed in field `name` for the form, should it be refused.
    pub fn keep(mut self, name: &str, value: &str) -> Self {
        self.kept
            .push((name.to_owned(), value.chars().take(10_000).collect()));
        self
    }

    /// Keeps a whole value (a form's draft as JSON: the server gave it its
    /// bounds when it was posted).
    pub fn keep_whole(mut self, name: &str, value: String) -> Self {
        self.kept.push((name.to_owned(), value));
        self
    }

    /// After success, goes to this local path (`None`: back) at `place`,
    /// where the notice is.
    pub fn to(mut self, path: Option<String>, place: &str) -> Self {
        self.to = Some((path, place.to_owned()));
        self
    }

    pub async fn answer<T>(self, result: Result<T, AppError>) -> Result<T, AppError> {
        if !crate::error::plain_form_post() {
            return crate::error::respond(result);
        }
        let back = referer_path().unwrap_or_else(|| "/".to_owned());
        let ok = result.is_ok();
        let (to, place) = match (ok, self.to) {
            (true, Some((to, place))) => (to, place),
            _ => (None, self.place),
        };
        // A place built from a posted id goes into the Location header: only
        // an id's characters, else the page's main region.
        let place = if !place.is_empty()
            && place.len() <= 100
            && place
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            place
        } else {
            "main".to_owned()
        };
        keep_flash(Flash {
            place: place.clone(),
            notice: ok.then_some(self.notice),
            kept: if ok { Vec::new() } else { self.kept },
        })
        .await;
        let location = match &result {
            Ok(_) => with_query(to.as_deref().unwrap_or(&back), &[]),
            Err(e) => {
                use leptos::server_fn::error::ServerFnUrlError;
                let encoded = ServerFnUrlError::new(self.path, e.clone())
                    .to_url("http://relais.invalid/")
                    .ok()
                    .and_then(|u| u.query().map(str::to_owned))
                    .unwrap_or_default();
                let pairs: Vec<(String, String)> = url::form_urlencoded::parse(encoded.as_bytes())
                    .into_owned()
                    .collect();
                with_query(&back, &pairs)
            }
        };
        // After success the notice takes the focus (and so comes into view:
        // browsers skip `autofocus` on a URL with a fragment); after a
        // refusal the fragment brings the form into view.
        if ok {
            leptos_axum::redirect(&location);
        } else {
            leptos_axum::redirect(&format!("{location}#{place}"));
        }
        result
    }
}

#[cfg(feature = "ssr")]
impl Reply {
    /// Back to the form with what was typed and no message: a form without
    /// JavaScript asked the server for a change of its own (a row added, a
    /// preview), made there and shown by the form from the kept values.
    pub async fn again(self) {
        if !crate::error::plain_form_post() {
            return;
        }
        let back = referer_path().unwrap_or_else(|| "/".to_owned());
        let place = self.place.clone();
        keep_flash(Flash {
            place: self.place,
            notice: None,
            kept: self.kept,
        })
        .await;
        leptos_axum::redirect(&format!("{}#{place}", with_query(&back, &[])));
    }
}

/// Puts the flash in the session, for the page the post goes back to.
#[cfg(feature = "ssr")]
async fn keep_flash(flash: Flash) {
    if let Ok(session) = leptos_axum::extract::<tower_sessions::Session>().await
        && let Err(e) = session.insert(FLASH, &flash).await
    {
        tracing::warn!(error = %e, "could not keep the form's answer");
    }
}

#[cfg(feature = "ssr")]
use crate::error::AppError;

/// The path and query of the page the form was on (the `Referer`, when it is
/// of this site), without the error of an earlier post.
#[cfg(feature = "ssr")]
fn referer_path() -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    let referer = parts
        .headers
        .get(axum::http::header::REFERER)?
        .to_str()
        .ok()?;
    let url = url::Url::parse(referer).ok()?;
    let host = parts.headers.get(axum::http::header::HOST)?.to_str().ok()?;
    let same = url.host_str().map(|h| match url.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_owned(),
    });
    if same.as_deref() != Some(host) {
        return None;
    }
    let path = url.path();
    let local = match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    crate::security::local_path::safe_next(Some(local))
}

/// `path` (which may hold a query) without `__path`/`__err`, with `extra`
/// added; no `?` when nothing is left.
#[cfg(feature = "ssr")]
fn with_query(path: &str, extra: &[(String, String)]) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let base = base.split('#').next().unwrap_or(base);
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.split('#').next().unwrap_or("").as_bytes()) {
        if k != "__path" && k != "__err" {
            out.append_pair(&k, &v);
        }
    }
    for (k, v) in extra {
        out.append_pair(k, v);
    }
    let q = out.finish();
    if q.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{q}")
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::with_query;

    #[test]
    fn no_stray_question_mark_and_no_old_error() {
        assert_eq!(with_query("/accounts/acme", &[]), "/accounts/acme");
        assert_eq!(
            with_query("/accounts/acme?__path=x&__err=y", &[]),
            "/accounts/acme"
        );
        assert_eq!(
            with_query(
                "/accounts/acme?agents_page=2&__err=y",
                &[("__err".into(), "z".into())]
            ),
            "/accounts/acme?agents_page=2&__err=z"
        );
    }
}
