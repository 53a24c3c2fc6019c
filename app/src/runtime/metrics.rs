//! Prometheus metrics: requests and latency by route, the snapshot's size and
//! age, the database's reachability and the events ingested.

use std::sync::atomic::AtomicU64;

use axum::http;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

// Label values are interned `&'static str`s: no allocation per request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: &'static str,
    pub method: &'static str,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: &'static str,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1.0, 2.5, 5.0,
    ])
}

/// The counters of one (route, method, status), found again by the address
/// of the router's route pattern: no string hashing nor label lookup per
/// request.
struct Handles {
    route: &'static str,
    requests: Counter,
    latency: Histogram,
}

pub struct Metrics {
    /// Route patterns seen so far (a fixed set: the router's routes).
    routes: std::sync::RwLock<std::collections::HashSet<&'static str>>,
    /// By (address of the pattern, method, status).
    handles: std::sync::RwLock<super::snapshot::Map<(usize, &'static str, u16), Handles>>,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    snapshot_agents: Gauge,
    snapshot_bytes: Gauge,
    snapshot_age: Gauge<f64, AtomicU64>,
    database_up: Gauge,
    events: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("relais");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let snapshot_agents = Gauge::default();
        let snapshot_bytes = Gauge::default();
        let snapshot_age = Gauge::<f64, AtomicU64>::default();
        let database_up = Gauge::default();
        let events = Counter::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by route",
            latency.clone(),
        );
        registry.register(
            "snapshot_agents",
            "Agent documents in the runtime snapshot",
            snapshot_agents.clone(),
        );
        registry.register(
            "snapshot_bytes",
            "Bytes of serialized documents in the runtime snapshot",
            snapshot_bytes.clone(),
        );
        registry.register(
            "snapshot_age_seconds",
            "Seconds since the snapshot was last brought up to date with the database",
            snapshot_age.clone(),
        );
        registry.register(
            "database_up",
            "1 when the last refresh reached the database",
            database_up.clone(),
        );
        registry.register(
            "failover_events_ingested",
            "Failover events accepted from runtimes",
            events.clone(),
        );
        Metrics {
            routes: Default::default(),
            handles: Default::default(),
            registry,
            requests,
            latency,
            snapshot_agents,
            snapshot_bytes,
            snapshot_age,
            database_up,
            events,
        }
    }

    /// The interned copy of a route pattern (`None`: a request that matched no route).
    fn route(&self, route: Option<&str>) -> &'static str {
        let Some(route) = route else { return "(other)" };
        if let Some(r) = self.routes.read().ok().and_then(|s| s.get(route).copied()) {
            return r;
        }
        let mut set = match self.routes.write() {
            Ok(s) => s,
            Err(_) => return "(other)",
        };
        if let Some(r) = set.get(route) {
            return r;
        }
        let r: &'static str = Box::leak(route.to_owned().into_boxed_str());
        set.insert(r);
        r
    }

    /// Counts one answered request. `route` is the router's pattern, never a
    /// path (ids stay out of the metrics).
    pub fn observe(&self, route: Option<&str>, method: &http::Method, status: u16, seconds: f64) {
        use http::Method;
        let method = match *method {
            Method::GET => "GET",
            Method::HEAD => "HEAD",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::OPTIONS => "OPTIONS",
            _ => "OTHER",
        };
        // The router hands out the same pattern (an `Arc<str>`) every time;
        // the text is compared too, as an address may be reused by another one.
        let key = (route.map_or(0, |r| r.as_ptr() as usize), method, status);
        let same = |h: &Handles| route.is_none_or(|r| h.route == r);
        if let Ok(map) = self.handles.read()
            && let Some(h) = map.get(&key).filter(|h| same(h))
        {
            h.requests.inc();
            h.latency.observe(seconds);
            return;
        }
        let route = self.route(route);
        let h = Handles {
            route,
            requests: self
                .requests
                .get_or_create(&RequestLabels {
                    route,
                    method,
                    status,
                })
                .clone(),
            latency: self.latency.get_or_create(&RouteLabels { route }).clone(),
        };
        h.requests.inc();
        h.latency.observe(seconds);
        if let Ok(mut map) = self.handles.write() {
            map.insert(key, h);
        }
    }

    pub fn snapshot_loaded(&self, agents: usize, bytes: usize) {
        self.snapshot_agents.set(agents as i64);
        self.snapshot_bytes.set(bytes as i64);
    }

    pub fn event_ingested(&self) {
        self.events.inc();
    }

    /// The text exposition, with the age and database gauges as of now.
    pub fn render(&self, age_seconds: f64, database_up: bool) -> String {
        self.snapshot_age.set(age_seconds);
        self.database_up.set(i64::from(database_up));
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_prometheus_text() {
        let m = super::Metrics::new();
        m.observe(
            Some("/api/runtime/v1/agents/{agent_id}/failover"),
            &axum::http::Method::GET,
            200,
            0.0002,
        );
        m.observe(
            None,
            &axum::http::Method::from_bytes(b"BREW").unwrap(),
            404,
            0.0001,
        );
        m.event_ingested();
        m.snapshot_loaded(3, 900);
        let text = m.render(1.5, true);
        assert!(text.contains("relais_http_requests_total{route=\"/api/runtime/v1/agents/{agent_id}/failover\",method=\"GET\",status=\"200\"} 1"), "{text}");
        assert!(text.contains("relais_snapshot_agents 3"), "{text}");
        assert!(
            text.contains("route=\"(other)\",method=\"OTHER\",status=\"404\""),
            "{text}"
        );
        assert!(
            text.contains("relais_failover_events_ingested_total 1"),
            "{text}"
        );
        assert!(text.contains("relais_snapshot_age_seconds 1.5"), "{text}");
    }
}
