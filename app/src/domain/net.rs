//! Which network addresses a webhook may reach: public unicast only. Used on
//! the literal host of a URL when it is saved (browser and server) and on
//! every resolved address when it is called (server).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is a public unicast address (not loopback, private,
/// link-local, CGNAT, metadata, multicast, documentation or reserved), with
/// IPv4 embedded in IPv6 (mapped, compatible, NAT64, 6to4) judged as IPv4.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    const BLOCKED: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),       // "this network"
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // CGNAT (also Alibaba's metadata 100.100.100.200)
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local (cloud metadata 169.254.169.254)
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation
        ([203, 0, 113, 0], 24),  // documentation
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, broadcast
    ];
    !BLOCKED.iter().any(|(net, prefix)| in_v4(ip, *net, *prefix))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // IPv4 inside IPv6: ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible),
    // 64:ff9b::a.b.c.d (NAT64).
    let embedded = |ip: Ipv6Addr| {
        let o = ip.octets();
        Ipv4Addr::new(o[12], o[13], o[14], o[15])
    };
    if s[0..5] == [0, 0, 0, 0, 0] && (s[5] == 0xffff || s[5] == 0) {
        if ip.is_unspecified() || ip.is_loopback() {
            return false;
        }
        return is_public_v4(embedded(ip));
    }
    // IPv4-translated (SIIT): ::ffff:0:a.b.c.d.
    if s[0..4] == [0, 0, 0, 0] && s[4] == 0xffff && s[5] == 0 {
        return is_public_v4(embedded(ip));
    }
    if s[0..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(ip));
    }
    // Local-use NAT64 (RFC 8215): translates into a network of the operator's choosing.
    if s[0..3] == [0x64, 0xff9b, 0x0001] {
        return false;
    }
    // ISATAP: an IPv4 address in the interface identifier, whatever the prefix.
    if (s[4] == 0 || s[4] == 0x0200) && s[5] == 0x5efe && !is_public_v4(embedded(ip)) {
        return false;
    }
    if s[0] == 0x2002 {
        // 6to4 carries an IPv4 address in bits 16..48.
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return is_public_v4(v4);
    }
    let blocked = s[0] & 0xfe00 == 0xfc00 // unique local (AWS metadata fd00:ec2::254)
        || s[0] & 0xffc0 == 0xfe80 // link-local
        || s[0] & 0xffc0 == 0xfec0 // site-local (deprecated)
        || s[0] & 0xff00 == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments: Teredo, ORCHID…
        || s[0] == 0x0100 && s[1..4] == [0, 0, 0]; // discard-only
    !blocked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public_ip(s.parse().unwrap())
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        for s in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.100.100.200",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.10",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "64:ff9b:1::8.8.8.8",
            "64:ff9b:1:ffff::1",
            "::ffff:0:127.0.0.1",
            "::ffff:0:a9fe:a9fe",
            "2a00:1450::5efe:10.0.0.1",
            "2a00:1450::200:5efe:192.168.0.1",
            "2001:10::1",
            "2001:20::1",
        ] {
            assert!(!public(s), "{s} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for s in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2a00:1450:4007:80e::200e",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(s), "{s} is public");
        }
    }
}
