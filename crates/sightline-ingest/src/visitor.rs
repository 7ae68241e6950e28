//! Cookieless visitor ids: a hash of a daily rotating random salt, the site, the IP and the user agent.
//! The IP is used here and nowhere else; it is never stored. Salts older than yesterday are deleted.

use std::net::IpAddr;

use sha2::{Digest, Sha256};

pub const DAY_MS: i64 = 86_400_000;

pub fn cookieless_visitor(salt: &[u8; 32], site_id: i64, ip: IpAddr, user_agent: &str) -> String {
    let ip_bytes = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    let digest = Sha256::new()
        .chain_update(salt)
        .chain_update(site_id.to_le_bytes())
        .chain_update(&ip_bytes)
        .chain_update(user_agent.as_bytes())
        .finalize();
    format!("c{}", hex::encode(&digest[..12]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_within_a_day_and_different_across_salts_sites_and_ips() {
        let ip: IpAddr = "203.0.113.9".parse().expect("ip");
        let a = cookieless_visitor(&[1; 32], 1, ip, "UA");
        assert_eq!(a, cookieless_visitor(&[1; 32], 1, ip, "UA"));
        assert_ne!(a, cookieless_visitor(&[2; 32], 1, ip, "UA"));
        assert_ne!(a, cookieless_visitor(&[1; 32], 2, ip, "UA"));
        assert_ne!(
            a,
            cookieless_visitor(&[1; 32], 1, "203.0.113.10".parse().expect("ip"), "UA")
        );
        assert!(!a.contains("203"), "the id reveals nothing of the IP");
    }
}
