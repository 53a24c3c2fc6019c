//! OpenFeature Remote Evaluation Protocol over HTTP (SPEC §9), for stock
//! OpenFeature SDKs with their OFREP provider: single and bulk evaluation of
//! the flag `failover` for an agent (`targetingKey`), answered from the
//! in-memory snapshot like the runtime GET, with the same bearer tokens.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, RawPathParams, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};

use crate::domain::Scope;
use crate::runtime::ofrep::{self, FLAG_KEY};
use crate::runtime::snapshot::DocEntry;
use crate::runtime_api::{authenticate, check_account, none_match, stale_marker};
use crate::state::AppState;

/// The largest evaluation request read (a context is a few fields).
pub const BODY_LIMIT: usize = 16 * 1024;

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route(SINGLE_ROUTE, post(evaluate_flag))
        .route("/ofrep/v1/evaluate/flags", post(evaluate_flags))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .route("/ofrep/{*rest}", any(not_found))
}

async fn not_found() -> Response {
    json(
        StatusCode::NOT_FOUND,
        ofrep::error(
            None,
            "GENERAL",
            "Not an OFREP path of Relais: POST /ofrep/v1/evaluate/flags[/failover].",
        ),
    )
}

fn json(status: StatusCode, body: Bytes) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// The snapshot a request is answered from, and its token.
type Admitted = (
    arc_swap::Guard<std::sync::Arc<crate::runtime::snapshot::Snapshot>>,
    std::sync::Arc<crate::runtime::snapshot::TokenEntry>,
);

/// The token of the request, checked, and under its rate (429 past it).
fn admit(state: &AppState, req: &Request, key: Option<&str>) -> Result<Admitted, Box<Response>> {
    let (snapshot, token) = authenticate(state, req.headers(), Scope::RuntimeRead)
        .map_err(|e| Box::new(e.into_response()))?;
    if let Some(limiter) = &state.ofrep_limiter
        && let Err(wait) = limiter.check(&token.id)
    {
        let details = format!(
            "This token may make {} evaluations per second; retry after `Retry-After` seconds.",
            limiter.rate()
        );
        let mut res = json(
            StatusCode::TOO_MANY_REQUESTS,
            ofrep::error(key, "GENERAL", &details),
        );
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
        return Err(Box::new(res));
    }
    Ok((snapshot, token))
}

/// The request's body, or 400 `PARSE_ERROR` (too large, or cut short).
async fn body(req: Request, key: Option<&str>) -> Result<Bytes, Response> {
    axum::body::to_bytes(req.into_body(), BODY_LIMIT)
        .await
        .map_err(|_| {
            json(
                StatusCode::BAD_REQUEST,
                ofrep::error(
                    key,
                    "PARSE_ERROR",
                    "The body could not be read (at most 16 KiB of JSON).",
                ),
            )
        })
}

const NO_AGENT: &str = "No agent has this id (context.targetingKey).";

/// `POST /ofrep/v1/evaluate/flags/{key}`: the flag for one agent.
pub async fn evaluate_flag(
    State(state): State<AppState>,
    params: RawPathParams,
    req: Request,
) -> Response {
    let key = params.iter().next().map_or("", |(_, k)| k).to_owned();
    evaluate_flag_answer(state, key, req).await
}

/// The route of a single evaluation.
pub const SINGLE_ROUTE: &str = "/ofrep/v1/evaluate/flags/{key}";

/// A single evaluation of the one flag, answered without the router (the
/// HTTP layer's fast lane, as `runtime_api::fast_read`) when the request is
/// plainly one: `POST /ofrep/v1/evaluate/flags/failover`. Anything else is
/// given back, for the router.
#[allow(clippy::result_large_err)]
pub fn fast_evaluate(
    state: &AppState,
    req: Request,
) -> Result<impl std::future::Future<Output = Response> + Send + 'static, Request> {
    if req.method() != axum::http::Method::POST
        || req.uri().path().strip_prefix("/ofrep/v1/evaluate/flags/") != Some(FLAG_KEY)
    {
        return Err(req);
    }
    Ok(evaluate_flag_answer(
        state.clone(),
        FLAG_KEY.to_owned(),
        req,
    ))
}

/// [`evaluate_flag`] for the flag `key` (percent-decoded).
async fn evaluate_flag_answer(state: AppState, key: String, req: Request) -> Response {
    let (snapshot, token) = match admit(&state, &req, Some(&key)) {
        Ok(found) => found,
        Err(res) => return *res,
    };
    let body = match body(req, Some(&key)).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    if key != FLAG_KEY {
        return json(
            StatusCode::NOT_FOUND,
            ofrep::error(
                Some(&key),
                "FLAG_NOT_FOUND",
                "Relais serves one flag: failover.",
            ),
        );
    }
    let agent = match ofrep::targeting_key(&body) {
        Ok(a) => a,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                ofrep::error(Some(FLAG_KEY), e.code(), e.details()),
            );
        }
    };
    let Some(doc) = snapshot.docs.get(&agent) else {
        return json(
            StatusCode::NOT_FOUND,
            ofrep::error(Some(FLAG_KEY), "FLAG_NOT_FOUND", NO_AGENT),
        );
    };
    if let Err(e) = check_account(&token, doc) {
        return e.into_response();
    }
    let mut res = json(StatusCode::OK, ofrep::single(&doc.head, doc.body()));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    stale_marker(&state, &mut res);
    res
}

/// The strong validator of a bulk answer: it is a function of the document
/// alone, so the document's digest, marked as another representation.
fn bulk_etag(doc: &DocEntry) -> HeaderValue {
    let digest = doc.etag();
    let inner = &digest[1..digest.len().saturating_sub(1)];
    let mut v = Vec::with_capacity(inner.len() + 8);
    v.extend_from_slice(b"\"ofrep-");
    v.extend_from_slice(inner);
    v.push(b'"');
    HeaderValue::from_bytes(&v).unwrap_or_else(|_| doc.packed.etag_value())
}

/// `POST /ofrep/v1/evaluate/flags`: every flag (the one) for an agent, with
/// `ETag`; `If-None-Match` → 304.
pub async fn evaluate_flags(State(state): State<AppState>, req: Request) -> Response {
    let (snapshot, token) = match admit(&state, &req, None) {
        Ok(found) => found,
        Err(res) => return *res,
    };
    let headers = req.headers().clone();
    let body = match body(req, None).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    let agent = match ofrep::targeting_key(&body) {
        Ok(a) => a,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                ofrep::error(None, e.code(), e.details()),
            );
        }
    };
    let Some(doc) = snapshot.docs.get(&agent) else {
        return json(
            StatusCode::OK,
            ofrep::bulk_error("FLAG_NOT_FOUND", NO_AGENT),
        );
    };
    if let Err(e) = check_account(&token, doc) {
        return e.into_response();
    }
    let etag = bulk_etag(doc);
    let mut res = if none_match(&headers, etag.as_bytes()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        json(StatusCode::OK, ofrep::bulk(&doc.head, doc.body()))
    };
    let h = res.headers_mut();
    h.insert(header::ETAG, etag);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    stale_marker(&state, &mut res);
    res
}
