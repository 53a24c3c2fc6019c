//! The runtime API v1 (SPEC §4): bearer tokens, the failover document of an
//! agent (from memory, with ETags), the changes feed, failover events, and
//! this API's OpenAPI description.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, RawPathParams, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_http::compression::CompressionLayer;
use utoipa::OpenApi;

use crate::domain::{Cause, EventActionType, Outcome, Scope};
use crate::runtime::doc::{
    ChangesPage, ClosureDoc, ConditionDoc, DefaultErrorMessage, DisabledReason, EmergencyDoc,
    ErrorBody, ErrorDetail, EventAccepted, FailoverDocument, FailoverEvent, NotKept, RoutesDoc,
    RuntimeAction, ScheduleDoc, ScheduleState, SipHeaderDoc, SipTransferDoc, StepDoc,
    parse_rfc3339,
};
use crate::runtime::resolve::{Resolution, RouteName, Then};
use crate::runtime::snapshot::{DocEntry, Snapshot, TokenEntry};
use crate::service::events::{self, Report};
use crate::state::AppState;
use crate::store::tokens::{TOKEN_PREFIX, hash_bytes};
use crate::store::{coarse_now_s, now_ms};

/// The largest event body accepted.
pub const EVENT_BODY_LIMIT: usize = 8 * 1024;
/// The header that marks answers served while the database is unreachable.
pub const STALE_HEADER: &str = "relais-stale";

/// The API's routes, at their full paths (not nested: nesting costs a second
/// routing pass and a rewritten URI on every request).
pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route(FAILOVER_ROUTE, get(agent_failover))
        // Pages of up to 1000 documents: gzip when asked. Not the single
        // document above: compressing ~600 bytes costs more than it saves.
        .route(RESOLVE_ROUTE, get(resolve))
        .route(
            "/api/runtime/v1/failover-configs",
            get(failover_configs).layer(gzip_fast()),
        )
        .route("/api/runtime/v1/stream", get(stream))
        .route(
            "/api/runtime/v1/failover-events",
            post(failover_event).layer(DefaultBodyLimit::max(EVENT_BODY_LIMIT)),
        )
        .route(
            "/api/runtime/v1/openapi.json",
            get(openapi_json).layer(gzip_fast()),
        )
        .route("/api/runtime/v1/{*rest}", axum::routing::any(not_found))
}

/// The route of an agent's document.
pub const FAILOVER_ROUTE: &str = "/api/runtime/v1/agents/{agent_id}/failover";
/// The route of the resolve call.
pub const RESOLVE_ROUTE: &str = "/api/runtime/v1/agents/{agent_id}/failover/resolve";

/// The two reads runtimes make on every call, answered without the router
/// when the request is plainly one of them: a `GET` of [`FAILOVER_ROUTE`]
/// or [`RESOLVE_ROUTE`] whose id needs no percent-decoding. Anything else
/// (`HEAD`, an id with `%`, an empty one) is `None` and goes through the
/// router to the same answers. Returns the route's pattern with the answer.
pub fn fast_read(
    state: &AppState,
    req: &axum::extract::Request,
) -> Option<(&'static str, Response)> {
    if req.method() != axum::http::Method::GET {
        return None;
    }
    let rest = req.uri().path().strip_prefix("/api/runtime/v1/agents/")?;
    let (id, tail) = rest.split_once('/')?;
    if id.is_empty() || id.contains('%') {
        return None;
    }
    match tail {
        "failover" => Some((FAILOVER_ROUTE, failover_answer(state, req.headers(), id))),
        "failover/resolve" => Some((
            RESOLVE_ROUTE,
            resolve_answer(state, req.uri(), req.headers(), id),
        )),
        _ => None,
    }
}

/// Gzip at its fastest level: about 5 times less CPU than the default for
/// about 14% more bytes, CPU being what the runtime reads on the same cores need.
pub fn gzip_fast() -> CompressionLayer {
    CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest)
}

/// A refused request, as SPEC §4 words it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Option<BTreeMap<String, String>>,
    challenge: Option<String>,
    /// Seconds to send as `Retry-After`.
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: None,
            challenge: None,
            retry_after: None,
        }
    }

    /// Not answerable yet (the snapshot is still loading): retry in a second.
    fn loading() -> ApiError {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Relais is starting and has not loaded the configs yet; retry in a second.",
        );
        e.retry_after = Some(1);
        e
    }

    fn unauthorized(code: &'static str, message: &str) -> ApiError {
        let mut e = ApiError::new(StatusCode::UNAUTHORIZED, code, message);
        e.challenge = Some(if code == "missing_token" {
            "Bearer realm=\"relais-runtime\"".to_owned()
        } else {
            format!(
                "Bearer realm=\"relais-runtime\", error=\"invalid_token\", error_description=\"{message}\""
            )
        });
        e
    }

    fn invalid(code: &'static str, fields: BTreeMap<String, String>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            "Some fields are not valid; see `fields`.",
        );
        e.fields = Some(fields);
        e
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                fields: self.fields,
            },
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if let Some(c) = self.challenge
            && let Ok(v) = HeaderValue::from_str(&c)
        {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// The snapshot a request is answered from.
type Current = arc_swap::Guard<Arc<Snapshot>>;

/// The current snapshot and the token of a request checked against it:
/// present, known, not revoked, and carrying `scope`. Until the first load is
/// done no token can be checked: 503, as 401 would tell a runtime its good
/// token is bad.
pub(crate) fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<(Current, Arc<TokenEntry>), ApiError> {
    authenticate_hashed(state, headers, scope).map(|(snapshot, entry, _)| (snapshot, entry))
}

/// [`authenticate`], and the token's digest: what a change stream keeps to
/// look its token up again at each token change.
pub(crate) fn authenticate_hashed(
    state: &AppState,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<(Current, Arc<TokenEntry>, [u8; 32]), ApiError> {
    if !state.runtime.is_loaded() {
        return Err(ApiError::loading());
    }
    let snapshot = state.runtime.snapshot();
    let hash = bearer_hash(headers)?;
    let entry = snapshot
        .tokens
        .get(&hash)
        .ok_or_else(|| ApiError::unauthorized("invalid_token", "The token is not valid."))?;
    // Shown to admins as "last used", revoked or not: someone still holds it.
    entry.seen(coarse_now_s());
    if entry.revoked {
        return Err(ApiError::unauthorized(
            "revoked_token",
            "The token has been revoked.",
        ));
    }
    if !entry.has(scope) {
        let mut e = ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("The token lacks the scope {}.", scope.as_str()),
        );
        e.challenge = Some(format!(
            "Bearer realm=\"relais-runtime\", error=\"insufficient_scope\", scope=\"{}\"",
            scope.as_str()
        ));
        return Err(e);
    }
    let entry = entry.clone();
    Ok((snapshot, entry, hash))
}

/// The digest of the request's bearer token (how tokens are looked up).
fn bearer_hash(headers: &HeaderMap) -> Result<[u8; 32], ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "missing_token",
            "Send a runtime token: Authorization: Bearer <token>.",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| t.starts_with(TOKEN_PREFIX))
        .ok_or_else(|| ApiError::unauthorized("invalid_token", "The token is not valid."))?;
    Ok(digest_presented(token))
}

/// [`hash_bytes`] of a presented token, remembered per thread for the last
/// few tokens presented: a runtime sends the same token on every call, and
/// its BLAKE2s digest was ~1.4% of a read's cost. A token is found again
/// only by all of its bytes, compared in constant time with every entry
/// (how much of a remembered token a guess matches takes no longer to
/// tell); a hit saves the digest of a token the caller holds whole. The
/// tokens stay in this thread's memory, as the requests' own bytes do.
fn digest_presented(token: &str) -> [u8; 32] {
    const SLOTS: usize = 4;
    const WORDS: usize = 8;
    struct Memo {
        tokens: [[u64; WORDS]; SLOTS],
        lens: [usize; SLOTS],
        digests: [[u8; 32]; SLOTS],
        next: usize,
    }
    thread_local! {
        static MEMO: std::cell::RefCell<Memo> = const {
            std::cell::RefCell::new(Memo {
                tokens: [[0; WORDS]; SLOTS],
                lens: [usize::MAX; SLOTS],
                digests: [[0; 32]; SLOTS],
                next: 0,
            })
        };
    }
    let bytes = token.as_bytes();
    if bytes.len() > WORDS * 8 {
        return hash_bytes(token);
    }
    let mut words = [0u64; WORDS];
    for (word, chunk) in words.iter_mut().zip(bytes.chunks(8)) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        *word = u64::from_ne_bytes(b);
    }
    MEMO.with_borrow_mut(|m| {
        let mut found = None;
        for slot in 0..SLOTS {
            let differs = m.tokens[slot]
                .iter()
                .zip(&words)
                .fold((m.lens[slot] ^ bytes.len()) as u64, |acc, (a, b)| {
                    acc | (a ^ b)
                });
            if std::hint::black_box(differs) == 0 {
                found = Some(slot);
            }
        }
        if let Some(slot) = found {
            return m.digests[slot];
        }
        let digest = hash_bytes(token);
        let slot = m.next;
        m.next = (slot + 1) % SLOTS;
        m.tokens[slot] = words;
        m.lens[slot] = bytes.len();
        m.digests[slot] = digest;
        digest
    })
}

pub(crate) fn check_account(token: &TokenEntry, doc: &DocEntry) -> Result<(), ApiError> {
    match &token.account_id {
        Some(bound) if *bound != doc.account_id => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_forbidden",
            "The token is bound to another account.",
        )),
        _ => Ok(()),
    }
}

pub(crate) fn stale_marker(state: &AppState, res: &mut Response) {
    if state.runtime.is_stale() {
        res.headers_mut()
            .insert(STALE_HEADER, HeaderValue::from_static("true"));
    }
}

/// The `{agent_id}` of the path, percent-decoded by the router (no copy).
fn agent_id(params: &RawPathParams) -> &str {
    params.iter().next().map_or("", |(_, id)| id)
}

/// JSON already serialized (documents from the snapshot, the feed, the spec).
fn json_response(body: Bytes) -> Response {
    let mut res = Response::new(axum::body::Body::from(body));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// 422 `invalid_query`, with what is wrong with each field.
fn invalid_query(fields: BTreeMap<String, String>, message: &str) -> Response {
    let mut e = ApiError::invalid("invalid_query", fields);
    e.message = message.to_owned();
    e.into_response()
}

/// Whether `If-None-Match` names `etag` (or `*`).
pub(crate) fn none_match(headers: &HeaderMap, etag: &[u8]) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(<[u8]>::trim_ascii)
        .any(|t| t == b"*" || t == etag)
}

/// The effective failover config of an agent.
#[utoipa::path(
    get,
    path = "/api/runtime/v1/agents/{agent_id}/failover",
    tag = "runtime",
    params(
        ("agent_id" = String, Path, description = "The agent's id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer"),
    ),
    responses(
        (status = 200, description = "The document", body = FailoverDocument,
            headers(("ETag" = String, description = "Strong validator of the document"),
                    ("Relais-Stale" = String, description = "`true` while the database is unreachable: the last known document is served"))),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 401, description = "Missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Scope missing, or the token is bound to another account", body = ErrorBody),
        (status = 404, description = "Unknown agent", body = ErrorBody),
        (status = 503, description = "Starting: the configs are not loaded yet; retry after `Retry-After` seconds", body = ErrorBody),
    ),
    security(("bearer" = ["runtime:read"]))
)]
pub async fn agent_failover(
    State(state): State<AppState>,
    params: RawPathParams,
    req: axum::extract::Request,
) -> Response {
    failover_answer(&state, req.headers(), agent_id(&params))
}

/// The document of the agent `id` (already percent-decoded), as
/// [`agent_failover`] answers it; also called by the HTTP layer's fast lane.
pub fn failover_answer(state: &AppState, headers: &HeaderMap, id: &str) -> Response {
    let (snapshot, token) = match authenticate(state, headers, Scope::RuntimeRead) {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    // The agent's bytes: the entry itself is read only for a token bound
    // to an account.
    let Some((packed, doc)) = snapshot.docs.find(id) else {
        return ApiError::new(StatusCode::NOT_FOUND, "unknown_agent", "No such agent.")
            .into_response();
    };
    if let Err(e) = check_account(&token, doc) {
        return e.into_response();
    }
    let mut res = if none_match(headers, packed.etag()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        json_response(packed.body_bytes())
    };
    let h = res.headers_mut();
    h.insert(header::ETAG, packed.etag_value());
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    stale_marker(state, &mut res);
    res
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResolveQuery {
    /// Why failover runs: one of the nine causes.
    #[param(value_type = Cause)]
    cause: Option<String>,
    /// The moment (RFC 3339); default now.
    #[param(value_type = Option<String>, format = DateTime)]
    at: Option<String>,
}

/// A resolve call's query, borrowed from the URI when it can be.
struct ResolveQueryRef<'a> {
    cause: Option<std::borrow::Cow<'a, str>>,
    at: Option<std::borrow::Cow<'a, str>>,
}

/// The query read without decoding, when it needs none: `key=value` pairs
/// without `%` or `+`, `cause` and `at` at most once each (other keys are
/// ignored, as the decoding reader does). Anything else is `None`, for that
/// reader: the same answers, at a fraction of its cost on every call.
fn plain_resolve_query(query: Option<&str>) -> Option<ResolveQueryRef<'_>> {
    let mut q = ResolveQueryRef {
        cause: None,
        at: None,
    };
    let Some(query) = query else {
        return Some(q);
    };
    if query.contains(['%', '+']) {
        return None;
    }
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=')?;
        let slot = match key {
            "cause" => &mut q.cause,
            "at" => &mut q.at,
            "" => return None,
            _ => continue,
        };
        if slot.replace(std::borrow::Cow::Borrowed(value)).is_some() {
            return None;
        }
    }
    Some(q)
}

/// The steps of the agent's plan that run for a cause at a moment, in
/// order, conditions evaluated; then the default error message.
#[utoipa::path(
    get,
    path = "/api/runtime/v1/agents/{agent_id}/failover/resolve",
    tag = "runtime",
    params(
        ("agent_id" = String, Path, description = "The agent's id"),
        ResolveQuery,
    ),
    responses(
        (status = 200, description = "What runs", body = Resolution,
            headers(("Relais-Stale" = String, description = "`true` while the database is unreachable"))),
        (status = 401, description = "Missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Scope missing, or the token is bound to another account", body = ErrorBody),
        (status = 404, description = "Unknown agent", body = ErrorBody),
        (status = 422, description = "Missing or unknown cause, or a moment that is not RFC 3339", body = ErrorBody),
        (status = 503, description = "Starting: the configs are not loaded yet; retry after `Retry-After` seconds", body = ErrorBody),
    ),
    security(("bearer" = ["runtime:read"]))
)]
pub async fn resolve(
    State(state): State<AppState>,
    params: RawPathParams,
    // Not the `HeaderMap` extractor: it copies the headers.
    req: axum::extract::Request,
) -> Response {
    resolve_answer(&state, req.uri(), req.headers(), agent_id(&params))
}

/// What runs for the agent `id` (already percent-decoded), with the cause
/// and moment of `uri`'s query, as [`resolve`] answers it; also called by
/// the HTTP layer's fast lane.
pub fn resolve_answer(
    state: &AppState,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    id: &str,
) -> Response {
    let (snapshot, token) = match authenticate(state, headers, Scope::RuntimeRead) {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let q = match plain_resolve_query(uri.query()) {
        Some(q) => q,
        None => match Query::<ResolveQuery>::try_from_uri(uri) {
            Ok(Query(q)) => ResolveQueryRef {
                cause: q.cause.map(std::borrow::Cow::Owned),
                at: q.at.map(std::borrow::Cow::Owned),
            },
            Err(_) => {
                return invalid_query(
                    BTreeMap::new(),
                    "The query is not valid: `cause` and `at` at most once each.",
                );
            }
        },
    };
    let mut fields = BTreeMap::new();
    let cause = match q.cause.as_deref().map(str::parse::<Cause>) {
        Some(Ok(c)) => Some(c),
        Some(Err(_)) => {
            fields.insert("cause".to_owned(), "invalid_choice".to_owned());
            None
        }
        None => {
            fields.insert("cause".to_owned(), "required".to_owned());
            None
        }
    };
    let at = match q.at.as_deref() {
        None => Some(now_ms()),
        Some(raw) => parse_rfc3339(raw).or_else(|| {
            fields.insert("at".to_owned(), "invalid_timestamp".to_owned());
            None
        }),
    };
    let (Some(cause), Some(at)) = (cause, at) else {
        return invalid_query(fields, "The query is not valid; see `fields`.");
    };
    // The agent's bytes hold what most answers copy: the entry is read
    // for a token bound to an account, a plan's walk, or emergency mode.
    let Some((packed, doc)) = snapshot.docs.find(id) else {
        return ApiError::new(StatusCode::NOT_FOUND, "unknown_agent", "No such agent.")
            .into_response();
    };
    if let Err(e) = check_account(&token, doc) {
        return e.into_response();
    }
    let Some(answer) = crate::runtime::resolve::answer(packed, &doc.resolving, cause, at) else {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Plans are not loaded yet; retry after `Retry-After` seconds.",
        );
        e.retry_after = Some(1);
        return e.into_response();
    };
    let mut res = json_response(answer);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    stale_marker(state, &mut res);
    res
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Where to resume, for clients that can't send `Last-Event-ID` (which wins).
    #[param(pattern = r"^([0-9]{1,18}:.{0,64})?$")]
    after: Option<String>,
}

/// Every change to a document, as server-sent events: `id:` the document's
/// feed cursor, `data:` the document (as the GET gives it). With
/// `Last-Event-ID` (or `after`), the changes after that cursor come first; a
/// cursor that doesn't read, or more than 1000 documents behind, gets an
/// `event: reset` telling the client to page through the feed after it.
/// A comment every 15 s; a revoked token's stream is closed, and so is one
/// that fell 256 refreshes behind, or whose client took no data for the
/// server's send timeout (30 s by default; it resumes with its last id).
#[utoipa::path(
    get,
    path = "/api/runtime/v1/stream",
    tag = "runtime",
    params(
        StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "The `id` of the last event received"),
    ),
    responses(
        (status = 200, description = "The stream", content_type = "text/event-stream", body = String),
        (status = 401, description = "Missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Scope missing", body = ErrorBody),
        (status = 503, description = "Starting: the configs are not loaded yet; retry after `Retry-After` seconds", body = ErrorBody),
    ),
    security(("bearer" = ["runtime:read"]))
)]
pub async fn stream(
    State(state): State<AppState>,
    query: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
    req: axum::extract::Request,
) -> Response {
    use crate::runtime::stream::{self, Listener, Start};
    // Before the snapshot is read: then no change falls between the two.
    let changes = state.runtime.subscribe();
    let headers = req.headers();
    let (snapshot, token, token_hash) =
        match authenticate_hashed(&state, headers, Scope::RuntimeRead) {
            Ok(found) => found,
            Err(e) => return e.into_response(),
        };
    let raw = headers
        .get("last-event-id")
        // Not text: unreadable, like a malformed one.
        .map(|v| v.to_str().unwrap_or("?").to_owned())
        .or_else(|| query.ok().and_then(|Query(q)| q.after));
    let start = match raw.as_deref().map(str::trim) {
        None | Some("") => Start::Now,
        Some(raw) => match parse_cursor(raw) {
            Some((seq, id)) => Start::After((seq, Arc::from(id.as_str()))),
            None => Start::Unreadable,
        },
    };
    let listener = Listener {
        token_hash,
        account: token.account_id.clone(),
    };
    let events = stream::events(state.runtime.clone(), changes, &snapshot, listener, start);
    let mut res = Response::new(axum::body::Body::from_stream(events));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies that buffer (nginx) send each event at once.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `cursor` of the previous page; omit it to start from the beginning.
    #[param(pattern = r"^([0-9]{1,18}:.{0,64})?$")]
    after: Option<String>,
    /// Items per page, 1 to 1000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// An opaque position in the feed: the (sequence number, agent id) of the
/// last item seen.
fn parse_cursor(raw: &str) -> Option<(i64, String)> {
    let (seq, id) = raw.split_once(':')?;
    let seq: i64 = seq.parse().ok()?;
    (seq >= 0 && id.chars().count() <= 64).then(|| (seq, id.to_owned()))
}

/// Every agent's document changed after the cursor, oldest change first.
#[utoipa::path(
    get,
    path = "/api/runtime/v1/failover-configs",
    tag = "runtime",
    params(ChangesQuery),
    responses(
        (status = 200, description = "A page of changed documents", body = ChangesPage),
        (status = 401, description = "Missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Scope missing", body = ErrorBody),
        (status = 422, description = "Invalid cursor or limit", body = ErrorBody),
        (status = 503, description = "Starting: the configs are not loaded yet; retry after `Retry-After` seconds", body = ErrorBody),
    ),
    security(("bearer" = ["runtime:read"]))
)]
pub async fn failover_configs(
    State(state): State<AppState>,
    query: Result<Query<ChangesQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let (snapshot, token) = match authenticate(&state, &headers, Scope::RuntimeRead) {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    // A query that doesn't decode (a parameter twice, say): the same 422.
    let Ok(Query(q)) = query else {
        return invalid_query(
            BTreeMap::new(),
            "The query is not valid: `after` and `limit` at most once each.",
        );
    };
    let mut fields = BTreeMap::new();
    let after = match q.after.as_deref().filter(|a| !a.is_empty()) {
        None => (0, String::new()),
        Some(raw) => parse_cursor(raw).unwrap_or_else(|| {
            fields.insert("after".to_owned(), "invalid_cursor".to_owned());
            (0, String::new())
        }),
    };
    // Digits only (no sign, no blank): what the schema's integer allows.
    let limit = match q.limit.as_deref() {
        None => 100,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) && raw.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                fields.insert("limit".to_owned(), "out_of_range".to_owned());
                0
            }
        },
    };
    if !fields.is_empty() {
        return invalid_query(fields, "The query is not valid; see `fields`.");
    }
    let start = (after.0, Arc::<str>::from(after.1.as_str()));
    let mut items: Vec<&[u8]> = Vec::with_capacity(limit.min(snapshot.docs.len()));
    let mut last = None;
    let mut has_more = false;
    use std::ops::Bound::{Excluded, Unbounded};
    for ((seq, id), entry) in snapshot.feed.range((Excluded(start), Unbounded)) {
        if let Some(bound) = &token.account_id
            && bound != &entry.account_id
        {
            continue;
        }
        if items.len() == limit {
            has_more = true;
            break;
        }
        items.push(entry.body());
        last = Some((*seq, id.clone()));
    }
    let cursor = match last {
        Some((seq, id)) => format!("{seq}:{id}"),
        None => format!("{}:{}", after.0, after.1),
    };
    let mut body = Vec::with_capacity(items.iter().map(|b| b.len() + 1).sum::<usize>() + 128);
    body.extend_from_slice(b"{\"items\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item);
    }
    body.extend_from_slice(b"],\"cursor\":");
    body.extend_from_slice(&serde_json::to_vec(&cursor).expect("string"));
    body.extend_from_slice(if has_more {
        b",\"has_more\":true}"
    } else {
        b",\"has_more\":false}"
    });
    let mut res = json_response(Bytes::from(body));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    stale_marker(&state, &mut res);
    res
}

/// The checks of an event report, field by field.
fn check_event(
    v: &serde_json::Map<String, serde_json::Value>,
) -> Result<FailoverEvent, BTreeMap<String, String>> {
    let mut fields = BTreeMap::new();
    let mut text = |name: &str, max: usize| -> Option<String> {
        match v.get(name) {
            None | Some(serde_json::Value::Null) => {
                fields.insert(name.to_owned(), "required".to_owned());
                None
            }
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
                fields.insert(name.to_owned(), "required".to_owned());
                None
            }
            Some(serde_json::Value::String(s))
                if s.chars().count() > max || s.chars().any(char::is_control) =>
            {
                fields.insert(name.to_owned(), "invalid".to_owned());
                None
            }
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(_) => {
                fields.insert(name.to_owned(), "not_a_string".to_owned());
                None
            }
        }
    };
    let agent_id = text("agent_id", 64);
    let call_id = text("call_id", 128);
    let cause = text("cause", 64);
    let action_type = text("action_type", 64);
    let outcome = text("outcome", 64);
    let occurred_at = text("occurred_at", 64);
    fn choice<T: serde::de::DeserializeOwned>(
        fields: &mut BTreeMap<String, String>,
        name: &str,
        raw: Option<String>,
    ) -> Option<T> {
        let raw = raw?;
        match serde_json::from_value(serde_json::Value::String(raw)) {
            Ok(v) => Some(v),
            Err(_) => {
                fields.insert(name.to_owned(), "invalid_choice".to_owned());
                None
            }
        }
    }
    let cause: Option<Cause> = choice(&mut fields, "cause", cause);
    let action_type: Option<EventActionType> = choice(&mut fields, "action_type", action_type);
    let outcome: Option<Outcome> = choice(&mut fields, "outcome", outcome);
    let occurred_at = occurred_at.and_then(|raw| match parse_rfc3339(&raw) {
        Some(_) => Some(raw),
        None => {
            fields.insert("occurred_at".to_owned(), "invalid_timestamp".to_owned());
            None
        }
    });
    let (route, step) = plan_step(v, &mut fields);
    match (agent_id, call_id, cause, action_type, outcome, occurred_at) {
        (
            Some(agent_id),
            Some(call_id),
            Some(cause),
            Some(action_type),
            Some(outcome),
            Some(at),
        ) if fields.is_empty() => Ok(FailoverEvent {
            agent_id,
            call_id,
            cause,
            action_type,
            outcome,
            occurred_at: at,
            route,
            step,
        }),
        _ => Err(fields),
    }
}

/// The optional `route` (one of the plan's) and `step` (0 to 4) of an event.
fn plan_step(
    v: &serde_json::Map<String, serde_json::Value>,
    fields: &mut BTreeMap<String, String>,
) -> (Option<RouteName>, Option<u8>) {
    let route = match v.get("route") {
        None | Some(serde_json::Value::Null) => None,
        Some(r) => match serde_json::from_value::<RouteName>(r.clone()) {
            Ok(r) => Some(r),
            Err(_) => {
                fields.insert("route".to_owned(), "invalid_choice".to_owned());
                None
            }
        },
    };
    let step = match v.get("step") {
        None | Some(serde_json::Value::Null) => None,
        // JSON Schema's integers include `2.0`.
        Some(serde_json::Value::Number(n)) => match n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }) {
            Some(i) if i < crate::domain::plan::STEPS_MAX as u64 => Some(i as u8),
            Some(_) => {
                fields.insert("step".to_owned(), "out_of_range".to_owned());
                None
            }
            None => {
                fields.insert("step".to_owned(), "not_a_whole_number".to_owned());
                None
            }
        },
        Some(_) => {
            fields.insert("step".to_owned(), "not_a_whole_number".to_owned());
            None
        }
    };
    (route, step)
}

/// Records a failover that happened on a call.
#[utoipa::path(
    post,
    path = "/api/runtime/v1/failover-events",
    tag = "runtime",
    request_body = FailoverEvent,
    responses(
        (status = 202, description = "Accepted: recorded, already recorded for this call, or not kept (and why)", body = EventAccepted),
        (status = 401, description = "Missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Scope missing, or the agent belongs to another account than the token's", body = ErrorBody),
        (status = 404, description = "Unknown agent", body = ErrorBody),
        (status = 413, description = "Body larger than 8 KiB", body = ErrorBody),
        (status = 422, description = "Invalid body, with field errors", body = ErrorBody),
        (status = 429, description = "Over this token's event rate: retry after `Retry-After` seconds", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Starting, or the database is unreachable: retry later", body = ErrorBody),
    ),
    security(("bearer" = ["runtime:events"]))
)]
pub async fn failover_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (snapshot, token) = match authenticate(&state, &headers, Scope::RuntimeEvents) {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    if let Err(wait) = state.event_limiter.check(&token.id) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "This token may report {} events per second; retry after `Retry-After` seconds.",
                state.event_limiter.rate()
            ),
        );
        e.retry_after = Some(wait.as_secs().max(1));
        return e.into_response();
    }
    let event = match event_of(body) {
        Ok(e) => e,
        Err(e) => return e.into_response(),
    };
    let Some(doc) = snapshot.docs.get(event.agent_id.as_str()) else {
        return ApiError::new(StatusCode::NOT_FOUND, "unknown_agent", "No such agent.")
            .into_response();
    };
    if let Err(e) = check_account(&token, doc) {
        return e.into_response();
    }
    let outbound = !doc.inbound;
    let account_id = doc.account_id.clone();
    drop(snapshot);
    let occurred_at = parse_rfc3339(&event.occurred_at).unwrap_or_default();
    if let Some(why) = not_kept(&state, outbound, occurred_at) {
        let answer = EventAccepted {
            recorded: false,
            not_kept: Some(why),
        };
        return (StatusCode::ACCEPTED, axum::Json(answer)).into_response();
    }
    let inserted = events::record(
        &state.db,
        Report {
            account_id: &account_id,
            agent_id: &event.agent_id,
            call_id: &event.call_id,
            cause: event.cause,
            action_type: event.action_type,
            outcome: event.outcome,
            occurred_at,
            token_id: Some(&token.id),
            route: event.route.map(Into::into),
            step: event.step.map(i64::from),
        },
    )
    .await;
    match inserted {
        Ok(recorded) => {
            if recorded {
                state.runtime.metrics.event_ingested();
            }
            let answer = EventAccepted {
                recorded,
                not_kept: None,
            };
            (StatusCode::ACCEPTED, axum::Json(answer)).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not store a failover event");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The event could not be stored (database unreachable); retry later.",
            )
            .into_response()
        }
    }
}

/// The report in a body: at most [`EVENT_BODY_LIMIT`] bytes of a JSON object
/// whose fields pass [`check_event`].
fn event_of(body: Result<Bytes, BytesRejection>) -> Result<FailoverEvent, ApiError> {
    let body = match body {
        Ok(b) => b,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("The body may hold at most {EVENT_BODY_LIMIT} bytes."),
            ));
        }
        Err(rejection) => {
            return Err(ApiError::new(
                rejection.status(),
                "invalid_body",
                rejection.body_text(),
            ));
        }
    };
    let Ok(serde_json::Value::Object(object)) = serde_json::from_slice::<serde_json::Value>(&body)
    else {
        let mut e = ApiError::invalid("invalid_body", BTreeMap::new());
        e.message = "The body must be a JSON object.".to_owned();
        return Err(e);
    };
    check_event(&object).map_err(|fields| ApiError::invalid("invalid_body", fields))
}

/// Why a valid report is accepted without being kept, if it is.
fn not_kept(state: &AppState, outbound: bool, occurred_at: i64) -> Option<NotKept> {
    let now = now_ms();
    let oldest = crate::state::event_cutoff(state.event_retention_days, now);
    if outbound {
        Some(NotKept::OutboundAgent)
    } else if occurred_at > now.saturating_add(5 * 60 * 1000) {
        Some(NotKept::InFuture)
    } else if oldest.is_some_and(|o| occurred_at < o) {
        Some(NotKept::OlderThanRetention)
    } else {
        None
    }
}

async fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such endpoint.").into_response()
}

/// The description of this API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Relais runtime API",
        version = "1",
        description = "What call runtimes use: the effective failover config of an agent (with the \
            feature flag applied), the feed of changed configs, and failover event reports."
    ),
    paths(agent_failover, resolve, failover_configs, stream, failover_event),
    components(schemas(
        FailoverDocument, DisabledReason, RuntimeAction, SipTransferDoc, SipHeaderDoc,
        DefaultErrorMessage, ChangesPage, FailoverEvent, Cause, EventActionType, Outcome,
        EventAccepted, NotKept, ErrorBody, ErrorDetail, Resolution, RouteName, Then,
        RoutesDoc, StepDoc, ConditionDoc, ScheduleState, ScheduleDoc, ClosureDoc, EmergencyDoc
    )),
    modifiers(&BearerAuth),
    tags((name = "runtime", description = "For call runtimes; bearer tokens"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A runtime token (`relais_rt_…`), created by an admin; scopes \
                         `runtime:read`, `runtime:events`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document, as JSON.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Response {
    static JSON: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let body = JSON
        .get_or_init(|| Bytes::from(openapi().to_pretty_json().unwrap_or_default()))
        .clone();
    json_response(body)
}

/// Used by `/readyz`: whether runtime reads can be answered (`loading`: 503;
/// `ready`; `stale`: answered from the last snapshot while the database is
/// unreachable). With `detailed` (the operator's metrics token), also the
/// database's state (`ok`, `read_only`: it can't take writes,
/// `unreachable`) and the snapshot's.
pub fn readiness(state: &AppState, detailed: bool) -> (StatusCode, serde_json::Value) {
    let rt = &state.runtime;
    let (code, status) = if !rt.is_loaded() {
        (StatusCode::SERVICE_UNAVAILABLE, "loading")
    } else if rt.is_stale() {
        (StatusCode::OK, "stale")
    } else {
        (StatusCode::OK, "ready")
    };
    if !detailed {
        return (code, serde_json::json!({ "status": status }));
    }
    let database = match (rt.db_ok(), rt.db_writable()) {
        (false, _) => "unreachable",
        (true, false) => "read_only",
        (true, true) => "ok",
    };
    let snapshot = rt.snapshot();
    let age = (now_ms() - rt.synced_at()).max(0) as f64 / 1000.0;
    (
        code,
        serde_json::json!({
            "status": status,
            "database": database,
            "snapshot": {
                "agents": snapshot.docs.len(),
                "sequence": snapshot.seq,
                "stale": rt.is_stale(),
                "synced_seconds_ago": age,
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the plain reader gives, it gives as the decoding one does; the
    /// rest it leaves to that one.
    #[test]
    fn plain_resolve_queries_read_as_decoded_ones() {
        let decoded = |q: &str| {
            let uri: axum::http::Uri = format!("/x?{q}").parse().unwrap();
            Query::<ResolveQuery>::try_from_uri(&uri)
                .ok()
                .map(|Query(q)| (q.cause, q.at))
        };
        for q in [
            "cause=precall_timeout",
            "cause=precall_timeout&at=2026-03-29T01:30:00Z",
            "at=2026-03-29T01:30:00Z&cause=nope",
            "cause=",
            "at=x&other=1&cause=config_other",
            "cause=a=b",
            "x=1",
        ] {
            let plain = plain_resolve_query(Some(q)).expect(q);
            let plain = (
                plain.cause.map(|c| c.into_owned()),
                plain.at.map(|a| a.into_owned()),
            );
            assert_eq!(Some(plain), decoded(q), "{q}");
        }
        for q in [
            "cause=a&cause=b",
            "at=1&at=2",
            "cause=precall%5Ftimeout",
            "at=2026-03-29T03:30:00+02:00",
            "cause",
            "cause=a&&at=b",
            "=x",
        ] {
            assert!(plain_resolve_query(Some(q)).is_none(), "{q}");
        }
        let none = plain_resolve_query(None).unwrap();
        assert!(none.cause.is_none() && none.at.is_none());
    }

    #[test]
    fn presented_tokens_get_their_own_digest_however_they_rotate() {
        let tokens: Vec<String> = (0..9)
            .map(|i| format!("{TOKEN_PREFIX}{i:0>40}"))
            .chain([
                String::new(),
                "x".into(),
                format!("{TOKEN_PREFIX}{}", "y".repeat(100)),
                // Differs from another only past its eighth byte, or in length.
                format!("{TOKEN_PREFIX}{:0>39}", 1),
            ])
            .collect();
        for round in 0..3 {
            for (i, t) in tokens.iter().enumerate() {
                // Often the same, sometimes more than the memo holds.
                for _ in 0..(1 + (i + round) % 3) {
                    assert_eq!(digest_presented(t), hash_bytes(t), "{t:?}");
                }
            }
        }
    }
}
