//! The HTTP application: pages, server functions, sessions, and the guards
//! every request passes (CSRF, security headers).

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use app::state::AppState;
use app::store::sessions::DbSessionStore;
use app::{App, shell};

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let idle =
        time::Duration::try_from(state.auth.idle_timeout).unwrap_or(time::Duration::hours(2));
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(state.auth.session_cookie())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.auth.https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));

    let page_state = state.clone();
    let pages = Router::new()
        // Server functions take POST only (a GET is answered 405).
        .route("/api/{*fn_name}", axum::routing::post(server_fn))
        .route("/audit.csv", get(audit_csv))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            move || shell(page_state.leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            shell,
        ))
        .layer(tower::layer::layer_fn(|inner| RetryStalledPage { inner }))
        .layer(middleware::from_fn(server_fn_status))
        .layer(middleware::from_fn(take_flash))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(state.clone(), csrf_guard))
        // HTML, JSON, JS, CSS and the WASM bundle (release: 1 MB → 432 KB in
        // about 10 ms), when asked.
        .layer(app::runtime_api::gzip_fast());

    // The runtime API and the probes: no sessions, no cookies, no CSRF (bearer tokens).
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(app::runtime_api::routes(Router::new()))
        .merge(app::ofrep_api::routes(Router::new()))
        .merge(pages)
        .layer(EdgeLayer(state.clone()))
        // A bug that panics answers 500 (the panic hook has logged it), and
        // the connection stays up.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .with_state(state)
}

/// What `axum::serve` runs: per connection, a [`Front`] with the peer's
/// address (what `into_make_service_with_connect_info` gives the router).
#[derive(Clone)]
pub struct MakeFront {
    router: Router,
    state: AppState,
}

impl MakeFront {
    pub fn new(state: AppState) -> MakeFront {
        MakeFront {
            router: router(state.clone()),
            state,
        }
    }
}

impl<'a, L> tower::Service<axum::serve::IncomingStream<'a, L>> for MakeFront
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    type Response = Front;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Front, std::convert::Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, conn: axum::serve::IncomingStream<'a, L>) -> Self::Future {
        std::future::ready(Ok(Front {
            router: self.router.clone(),
            state: self.state.clone(),
            peer: ConnectInfo(*conn.remote_addr()),
        }))
    }
}

/// The first stop of every request. The two reads runtimes make on every
/// call (`runtime_api::fast_read`) and OFREP's single evaluation
/// (`ofrep_api::fast_evaluate`) are answered here, without the router's
/// matching, its path parameters and its layers (at 100,000 requests a
/// second on a core, a sizeable share of the work); the rest goes to the
/// router, with the peer's address. Both ways get the same answers, headers
/// and metrics (`finish`), and a panic answers 500 either way.
#[derive(Clone)]
pub struct Front {
    router: Router,
    state: AppState,
    peer: ConnectInfo<SocketAddr>,
}

impl tower::Service<Request<Body>> for Front {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = FrontFuture;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        // The router is always ready.
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> FrontFuture {
        let started = std::time::Instant::now();
        let fast = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            app::runtime_api::fast_read(&self.state, &req)
        }));
        match fast {
            Ok(Some((route, mut res))) => {
                finish(&self.state, started, Some(route), &Method::GET, &mut res);
                return FrontFuture::Ready { answer: Some(res) };
            }
            Ok(None) => {}
            Err(payload) => {
                return FrontFuture::Ready {
                    answer: Some(panicked(payload)),
                };
            }
        }
        match app::ofrep_api::fast_evaluate(&self.state, req) {
            Ok(answer) => FrontFuture::Evaluating {
                inner: Box::pin(answer),
                state: self.state.clone(),
                started,
            },
            Err(mut req) => {
                req.extensions_mut().insert(self.peer);
                FrontFuture::Routed {
                    inner: tower::Service::call(&mut self.router, req),
                }
            }
        }
    }
}

type Evaluation = std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>;

pin_project_lite::pin_project! {
    #[project = FrontProj]
    pub enum FrontFuture {
        Ready { answer: Option<Response> },
        Evaluating { inner: Evaluation, state: AppState, started: std::time::Instant },
        Routed { #[pin] inner: <Router as tower::Service<Request<Body>>>::Future },
    }
}

impl std::future::Future for FrontFuture {
    type Output = Result<Response, std::convert::Infallible>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match self.project() {
            FrontProj::Ready { answer } => {
                std::task::Poll::Ready(Ok(answer.take().expect("polled after completion")))
            }
            FrontProj::Evaluating {
                inner,
                state,
                started,
            } => {
                let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    inner.as_mut().poll(cx)
                }));
                let mut res = match polled {
                    Ok(std::task::Poll::Pending) => return std::task::Poll::Pending,
                    Ok(std::task::Poll::Ready(res)) => res,
                    Err(payload) => panicked(payload),
                };
                let route = Some(app::ofrep_api::SINGLE_ROUTE);
                finish(state, *started, route, &Method::POST, &mut res);
                std::task::Poll::Ready(Ok(res))
            }
            FrontProj::Routed { inner } => inner.poll(cx),
        }
    }
}

/// The answer to a request whose handler panicked: the runtime API's error
/// shape (also understood by server-function callers as an internal error).
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let body = serde_json::json!({
        "error": {"code": "internal", "message": "Something went wrong; nothing was changed."}
    });
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

/// How long a page may take to render before it is rendered again.
const PAGE_STALL: std::time::Duration = std::time::Duration::from_secs(4);

/// Renders a page (a GET outside `/api/`) a second time when the first
/// rendering stalls. Leptos 0.8's server rendering can, rarely, lose the
/// wake-up of a resolved resource and never finish (leptos-rs/leptos#4578,
/// #4647, #4673: the page's data is loaded, every thread is idle, the response
/// never comes); seen here about once in a few hundred page renders on
/// PostgreSQL. A GET has no body, so it can be replayed as it came.
#[derive(Clone)]
struct RetryStalledPage<S> {
    inner: S,
}

impl<S> tower::Service<Request<Body>> for RetryStalledPage<S>
where
    S: tower::Service<Request<Body>, Response = Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Response, std::convert::Infallible>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let replayable = req.method() == Method::GET && !req.uri().path().starts_with("/api/");
        if !replayable {
            return Box::pin(inner.call(req));
        }
        let mut again = inner.clone();
        let (parts, body) = req.into_parts();
        let copy = (
            parts.method.clone(),
            parts.uri.clone(),
            parts.version,
            parts.headers.clone(),
            parts.extensions.clone(),
        );
        Box::pin(async move {
            let first = inner.call(Request::from_parts(parts, body));
            match tokio::time::timeout(PAGE_STALL, first).await {
                Ok(res) => res,
                Err(_) => {
                    let (method, uri, version, headers, extensions) = copy;
                    tracing::warn!(path = %uri.path(), "page rendering stalled; rendering it again");
                    let mut req = Request::new(Body::empty());
                    *req.method_mut() = method;
                    *req.uri_mut() = uri;
                    *req.version_mut() = version;
                    *req.headers_mut() = headers;
                    *req.extensions_mut() = extensions;
                    std::future::poll_fn(|cx| again.poll_ready(cx)).await?;
                    again.call(req).await
                }
            }
        })
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// 503 until the runtime snapshot is loaded; then 200, saying whether the
/// database is reachable (while it is not, runtime reads are served from the
/// last snapshot and marked stale).
async fn readyz(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let detailed = state.auth.has_metrics_token(&headers);
    let (status, body) = app::runtime_api::readiness(&state, detailed);
    (status, axum::Json(body)).into_response()
}

/// Prometheus metrics: every tenant's counts, so behind the metrics token
/// when one is set.
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if state.auth.metrics_token.is_some() && !state.auth.has_metrics_token(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "the metrics token is required",
        )
            .into_response();
    }
    let rt = &state.runtime;
    let age = if rt.synced_at() == 0 {
        0.0
    } else {
        (app::store::now_ms() - rt.synced_at()).max(0) as f64 / 1000.0
    };
    let body = rt.metrics.render(age, rt.db_ok());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// What every request passes through (one layer, as it is on the runtime
/// API's hot path): the security headers, and the request counted with its
/// latency by route (the route's pattern, never the path: ids stay out of the
/// metrics). A plain service rather than `middleware::from_fn`, which boxes
/// the inner service and the future of every request.
#[derive(Clone)]
struct EdgeLayer(AppState);

impl<S> tower::Layer<S> for EdgeLayer {
    type Service = Edge<S>;
    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            inner,
            state: self.0.clone(),
        }
    }
}

#[derive(Clone)]
struct Edge<S> {
    inner: S,
    state: AppState,
}

impl<S> tower::Service<Request<Body>> for Edge<S>
where
    S: tower::Service<Request<Body>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let started = std::time::Instant::now();
        let route = req.extensions().get::<MatchedPath>().cloned();
        let method = req.method().clone();
        EdgeFuture {
            inner: self.inner.call(req),
            state: self.state.clone(),
            started,
            route,
            method,
        }
    }
}

pin_project_lite::pin_project! {
    struct EdgeFuture<F> {
        #[pin]
        inner: F,
        state: AppState,
        started: std::time::Instant,
        route: Option<MatchedPath>,
        method: Method,
    }
}

impl<F, E> std::future::Future for EdgeFuture<F>
where
    F: std::future::Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let mut res = std::task::ready!(this.inner.poll(cx))?;
        let route = this.route.as_ref().map(MatchedPath::as_str);
        finish(this.state, *this.started, route, this.method, &mut res);
        std::task::Poll::Ready(Ok(res))
    }
}

fn finish(
    state: &AppState,
    started: std::time::Instant,
    route: Option<&str>,
    method: &Method,
    res: &mut Response,
) {
    if route.is_some_and(|r| r.starts_with("/api/runtime/") || r.starts_with("/ofrep/")) {
        // JSON for programs: nothing to frame or run, no page policy to send.
        res.headers_mut().insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    } else {
        add_security_headers(res);
    }
    if state.auth.https() {
        res.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let elapsed = started.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    state
        .runtime
        .metrics
        .observe(route, method, status, elapsed);
    // The access log names the route template, never the raw URI or a header.
    let route = route.unwrap_or("unmatched");
    let ms = (elapsed * 1e6).round() / 1e3;
    // 503 is a state already logged once where it arises (database down, still loading).
    if status >= 500 && status != 503 {
        tracing::warn!(target: "relais::access", %method, route, status, ms, "request failed");
    } else {
        tracing::debug!(target: "relais::access", %method, route, status, ms, "request");
    }
}

/// The audit log as a file: run like a server function (the request's parts
/// and the app state in context, so the session gives the permissions).
async fn audit_csv(State(state): State<AppState>, req: Request<Body>) -> Response {
    let (parts, _) = req.into_parts();
    let owner = leptos::prelude::Owner::new();
    let answer = owner.with(|| {
        provide_context(state);
        provide_context(parts);
        leptos::reactive::computed::ScopedFuture::new(app::audit::export_csv())
    });
    answer.await
}

/// Unknown server functions (Leptos routes the registered ones itself).
async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> Response {
    handle_server_fns_with_context(move || provide_context(state.clone()), req)
        .await
        .into_response()
}

/// A page takes the answer of the form post that led to it out of the
/// session (`app::feedback`): the page's forms read it from the request.
async fn take_flash(mut req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path();
    // Pages only: not a server function, not a file (`/pkg/…`, `/favicon.svg`).
    // A prefetch is not the page the person comes back to.
    let prefetch =
        req.headers().contains_key("sec-purpose") || req.headers().contains_key("purpose");
    let page = req.method() == Method::GET
        && !prefetch
        && !path.starts_with("/api/")
        && !path.rsplit('/').next().unwrap_or("").contains('.');
    if page && let Some(session) = req.extensions().get::<tower_sessions::Session>().cloned() {
        // Read first: removing marks the session changed (a write, a cookie)
        // even when there is nothing to remove.
        match session
            .get::<app::feedback::Flash>(app::feedback::FLASH)
            .await
        {
            Ok(Some(flash)) => {
                let _ = session.remove_value(app::feedback::FLASH).await;
                req.extensions_mut().insert(flash);
            }
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "no flash"),
        }
    }
    next.run(req).await
}

/// Server-function calls answer the status of their error (see below).
async fn server_fn_status(req: Request<Body>, next: Next) -> Response {
    let call = req.method() == Method::POST && req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if call {
        refused_call_status(res).await
    } else {
        res
    }
}

/// A call refused before its function ran (arguments that don't decode, a
/// body over the size limit) comes out of Leptos as a 500: it is the
/// caller's mistake, so it answers the error's own status (400, 413), with
/// the same body.
async fn refused_call_status(res: Response) -> Response {
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(e) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Whether a state-changing request comes from this site. Browsers send
/// `Sec-Fetch-Site` (and `Origin` on POST); a request without either is not a
/// browser's cross-site request, so it may pass (it carries no ambient
/// credentials of a victim). An `Origin` must be the public URL's origin when
/// one is set, else name the `Host` asked for.
fn same_origin(req: &Request<Body>, public_origin: Option<&str>) -> bool {
    let headers = req.headers();
    let site_ok = headers
        .get("sec-fetch-site")
        .map(|site| matches!(site.as_bytes(), b"same-origin" | b"none"));
    if site_ok == Some(false) {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if let Some(public) = public_origin {
        return origin.eq_ignore_ascii_case(public);
    }
    if site_ok == Some(true) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Refuses cross-site state-changing requests (CSRF). The runtime API uses
/// bearer tokens, not cookies, and is left to its own checks.
async fn csrf_guard(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The public origin is only worked out for requests that change something.
    if !safe
        && !req.uri().path().starts_with("/api/runtime/")
        && !same_origin(&req, state.auth.public_origin().as_deref())
    {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    next.run(req).await
}

/// The policy for responses that didn't set their own (pages set one with
/// their script nonce): nothing may run or be framed.
const FALLBACK_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn add_security_headers(res: &mut Response) {
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(FALLBACK_CSP));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages and API answers depend on who asks: never cache them.
    let dynamic = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if dynamic {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request<Body> {
        let mut b = Request::builder().method("POST").uri("/api/sign_in");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn csrf_rules() {
        let same = |h: &[(&str, &str)]| same_origin(&post(h), None);
        assert!(same(&[("sec-fetch-site", "same-origin")]));
        assert!(!same(&[("sec-fetch-site", "cross-site")]));
        assert!(!same(&[("sec-fetch-site", "same-site")]));
        assert!(same(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ]));
        assert!(!same(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://evil.example")
        ]));
        assert!(!same(&[("host", "127.0.0.1:3000"), ("origin", "null")]));
        assert!(same(&[]));
    }

    #[test]
    fn with_a_public_url_the_origin_must_be_it() {
        let public = Some("https://relais.example.com");
        let req = |h: &[(&str, &str)]| same_origin(&post(h), public);
        assert!(req(&[
            ("host", "relais.example.com"),
            ("origin", "https://relais.example.com")
        ]));
        // The Host header is the client's to choose; the public URL is not.
        assert!(!req(&[
            ("host", "evil.example"),
            ("origin", "https://evil.example")
        ]));
        assert!(!req(&[
            ("host", "relais.example.com"),
            ("origin", "http://relais.example.com")
        ]));
        assert!(!req(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://evil.example")
        ]));
    }

    async fn boom() -> &'static str {
        std::panic::panic_any("a bug")
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_in_the_error_shape() {
        use tower::ServiceExt;
        let app = Router::new()
            .route("/boom", get(boom))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked));
        let res = app
            .oneshot(Request::builder().uri("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "internal");
    }
}
