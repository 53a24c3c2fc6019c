//! Who the client is behind proxies: the address a request counts against
//! (throttling) and is audited with.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The client's address. With `trusted_proxies` = 0 it is the socket peer.
/// Behind N trusted proxies, each of which appends the address it saw to
/// `X-Forwarded-For`, it is the N-th entry from the right: entries further
/// left were written by the client and prove nothing. A header with fewer
/// entries (a request that bypassed the proxies) or an entry that is not an
/// address: the socket peer.
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trusted_proxies: u8,
) -> Option<IpAddr> {
    let peer_ip = peer.map(|p| p.ip());
    let hops = usize::from(trusted_proxies);
    if hops == 0 {
        return peer_ip;
    }
    // Several headers are one list, in order.
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let Some(index) = entries.len().checked_sub(hops) else {
        return peer_ip;
    };
    parse_entry(entries[index]).or(peer_ip)
}

/// An address as proxies write it: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]:443`, `192.0.2.1:80`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    const PEER: &str = "10.0.0.9:5000";

    fn ip(headers: &HeaderMap, hops: u8) -> Option<String> {
        client_ip(headers, Some(PEER.parse().unwrap()), hops).map(|i| i.to_string())
    }

    #[test]
    fn without_proxies_the_socket_peer_counts() {
        let h = headers(&["203.0.113.7"]);
        assert_eq!(ip(&h, 0).as_deref(), Some("10.0.0.9"));
    }

    #[test]
    fn hops_are_counted_from_the_right() {
        // The client forged "1.2.3.4"; the proxy appended what it saw.
        let h = headers(&["1.2.3.4, 203.0.113.7"]);
        assert_eq!(ip(&h, 1).as_deref(), Some("203.0.113.7"));
        let h = headers(&["1.2.3.4, 203.0.113.7, 10.0.0.2"]);
        assert_eq!(ip(&h, 2).as_deref(), Some("203.0.113.7"));
        let h = headers(&["1.2.3.4", "203.0.113.7"]);
        assert_eq!(ip(&h, 1).as_deref(), Some("203.0.113.7"));
        let h = headers(&["[2001:db8::1]:443"]);
        assert_eq!(ip(&h, 1).as_deref(), Some("2001:db8::1"));
    }

    #[test]
    fn too_few_entries_or_garbage_mean_the_peer() {
        assert_eq!(
            ip(&headers(&["203.0.113.7"]), 2).as_deref(),
            Some("10.0.0.9")
        );
        assert_eq!(ip(&headers(&[]), 1).as_deref(), Some("10.0.0.9"));
        assert_eq!(
            ip(&headers(&["1.2.3.4, unknown"]), 1).as_deref(),
            Some("10.0.0.9")
        );
    }
}
