//! The client's IP address (rate limits, login throttling, the cookieless visitor hash; never stored).
//!
//! Behind reverse proxies (`trust_proxy_headers`), each proxy *appends* the address it saw to
//! `X-Forwarded-For`; anything to the left of what our own proxies appended was written by the client and
//! cannot be trusted. So the client is the right-most entry our proxies did not add: with `trusted_proxies`,
//! the right-most entry outside those ranges; otherwise the entry `trusted_proxy_count` places from the right.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    count: usize,
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl TrustedProxies {
    /// Parses `trusted_proxies` entries (addresses or CIDR ranges); the error names the bad entry.
    pub fn parse(entries: &[String], count: u32) -> Result<TrustedProxies, String> {
        let nets = entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "trusted_proxies entry {entry:?} is not an IP address or CIDR range"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedProxies {
            nets,
            count: count.max(1) as usize,
        })
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client address given the `X-Forwarded-For` entries (left to right) and the connection's peer.
    pub fn client(&self, forwarded: &[&str], peer: IpAddr) -> IpAddr {
        let parsed = |raw: &str| raw.trim().parse::<IpAddr>().ok().map(canonical);
        if !self.nets.is_empty() {
            if !self.trusted(peer) {
                return canonical(peer);
            }
            let mut nearest = canonical(peer);
            for raw in forwarded.iter().rev() {
                // An entry that is not an address was not written by our proxies: the one right of it is the
                // closest address we can vouch for.
                let Some(ip) = parsed(raw) else {
                    return nearest;
                };
                if !self.trusted(ip) {
                    return ip;
                }
                nearest = ip;
            }
            return nearest;
        }
        let index = forwarded.len().saturating_sub(self.count);
        forwarded
            .get(index)
            .and_then(|raw| parsed(raw))
            .unwrap_or_else(|| canonical(peer))
    }
}

/// Client IP of a request: the peer, or (with `trust_proxy_headers`) the address our proxies saw.
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trust_proxy_headers: bool,
    proxies: &TrustedProxies,
) -> IpAddr {
    let peer = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip());
    if !trust_proxy_headers {
        return canonical(peer);
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    proxies.client(&entries, peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn one_proxy_means_the_right_most_entry_not_what_the_client_wrote() {
        let proxies = TrustedProxies::parse(&[], 1).expect("parse");
        let peer = Some(SocketAddr::new(ip("10.0.0.2"), 443));
        // The client forged "1.1.1.1"; the proxy appended the address it really saw.
        let h = headers(&["1.1.1.1, 203.0.113.5"]);
        assert_eq!(client_ip(&h, peer, true, &proxies), ip("203.0.113.5"));
        assert_eq!(
            client_ip(&h, peer, false, &proxies),
            ip("10.0.0.2"),
            "header ignored unless trusted"
        );
        assert_eq!(
            client_ip(&headers(&[]), peer, true, &proxies),
            ip("10.0.0.2")
        );
        // Two header lines count as one list.
        let h = headers(&["1.1.1.1", "203.0.113.5"]);
        assert_eq!(client_ip(&h, peer, true, &proxies), ip("203.0.113.5"));
    }

    #[test]
    fn a_proxy_count_skips_that_many_entries_from_the_right() {
        let proxies = TrustedProxies::parse(&[], 2).expect("parse");
        let peer = Some(SocketAddr::new(ip("10.0.0.2"), 443));
        let h = headers(&["6.6.6.6, 203.0.113.5, 10.0.0.9"]);
        assert_eq!(client_ip(&h, peer, true, &proxies), ip("203.0.113.5"));
        // Shorter than the proxy chain: every entry came from a proxy, the left-most is the client.
        let h = headers(&["203.0.113.5"]);
        assert_eq!(client_ip(&h, peer, true, &proxies), ip("203.0.113.5"));
    }

    #[test]
    fn trusted_ranges_are_skipped_from_the_right_and_only_trusted_peers_count() {
        let proxies =
            TrustedProxies::parse(&["10.0.0.0/8".into(), "2001:db8::1".into()], 1).expect("parse");
        let via_proxy = Some(SocketAddr::new(ip("10.1.2.3"), 443));
        let h = headers(&["6.6.6.6, 198.51.100.4, 10.9.9.9, 2001:db8::1"]);
        assert_eq!(client_ip(&h, via_proxy, true, &proxies), ip("198.51.100.4"));
        // A direct connection from outside our proxies: its header is the client's own words.
        let direct = Some(SocketAddr::new(ip("192.0.2.50"), 443));
        assert_eq!(client_ip(&h, direct, true, &proxies), ip("192.0.2.50"));
        // IPv4-mapped IPv6 peers are the same proxies.
        let mapped = Some(SocketAddr::new(ip("::ffff:10.1.2.3"), 443));
        assert_eq!(client_ip(&h, mapped, true, &proxies), ip("198.51.100.4"));
        // Garbage left of our proxies' entries: the nearest address we vouch for.
        let h = headers(&["not-an-ip, 10.9.9.9"]);
        assert_eq!(client_ip(&h, via_proxy, true, &proxies), ip("10.9.9.9"));
        // All entries trusted: the left-most.
        let h = headers(&["10.7.7.7, 10.9.9.9"]);
        assert_eq!(client_ip(&h, via_proxy, true, &proxies), ip("10.7.7.7"));
    }

    #[test]
    fn bad_entries_are_named() {
        let err = TrustedProxies::parse(&["10.0.0.0/33".into()], 1).expect_err("bad cidr");
        assert!(err.contains("10.0.0.0/33"), "{err}");
        assert!(TrustedProxies::parse(&["proxy.local".into()], 1).is_err());
    }
}
