//! Cached view of the sites in the MetaStore for the hot path: lookups by key (ingest) and id (writer).
//! Entries expire so that changes made by the CLI or the dashboard reach a running server quickly.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sightline_store::{MetaStore, Site, StoreError};

use crate::enrich::PageGroups;

/// How long a cached site (or the absence of a key) is trusted before it is read again.
pub const SITE_CACHE_TTL: Duration = Duration::from_secs(5);

pub struct SiteEntry {
    pub site: Site,
    pub groups: PageGroups,
}

impl SiteEntry {
    fn new(site: Site) -> Self {
        let groups = PageGroups::new(&site.page_groups).unwrap_or_else(|e| {
            tracing::warn!(site = site.id, error = %e, "ignoring invalid page-group patterns");
            PageGroups::default()
        });
        Self { site, groups }
    }

    /// Whether a browser at `origin` may send events for this site: no Origin header (server-side clients),
    /// a site with no domains configured, one of its domains or their subdomains, or an allowed origin.
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        if self.site.domains.is_empty() && self.site.allowed_origins.is_empty() {
            return true;
        }
        let origin = origin.trim_end_matches('/');
        if self
            .site
            .allowed_origins
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
        {
            return true;
        }
        let Some(host) = url::Url::parse(origin)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        else {
            return false;
        };
        self.site.domains.iter().any(|domain| {
            let domain = domain.trim().to_ascii_lowercase();
            host == domain
                || host
                    .strip_suffix(domain.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    }
}

type Cached = (Instant, Option<Arc<SiteEntry>>);

pub struct SiteDirectory {
    meta: Arc<dyn MetaStore>,
    by_key: RwLock<HashMap<String, Cached>>,
    by_id: RwLock<HashMap<i64, Cached>>,
}

/// Unknown keys kept in the negative cache at most; beyond it the cache is cleared (flood of random keys).
const MAX_CACHED_KEYS: usize = 10_000;

impl SiteDirectory {
    pub fn new(meta: Arc<dyn MetaStore>) -> Self {
        Self {
            meta,
            by_key: RwLock::new(HashMap::new()),
            by_id: RwLock::new(HashMap::new()),
        }
    }

    /// A fresh cached answer for `key`, without touching the store (`None` = not cached).
    pub fn cached_key(&self, key: &str) -> Option<Option<Arc<SiteEntry>>> {
        let map = self.by_key.read().unwrap_or_else(|p| p.into_inner());
        map.get(key)
            .filter(|(at, _)| at.elapsed() < SITE_CACHE_TTL)
            .map(|(_, e)| e.clone())
    }

    /// Looks `key` up, reading the store on a cache miss (blocking).
    pub fn by_key(&self, key: &str) -> Result<Option<Arc<SiteEntry>>, StoreError> {
        if let Some(hit) = self.cached_key(key) {
            return Ok(hit);
        }
        let entry = self
            .meta
            .site_by_key(key)?
            .map(|s| Arc::new(SiteEntry::new(s)));
        let mut map = self.by_key.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_CACHED_KEYS {
            map.clear();
        }
        map.insert(key.to_string(), (Instant::now(), entry.clone()));
        Ok(entry)
    }

    /// Looks a site up by id, reading the store on a cache miss (blocking).
    pub fn by_id(&self, id: i64) -> Result<Option<Arc<SiteEntry>>, StoreError> {
        {
            let map = self.by_id.read().unwrap_or_else(|p| p.into_inner());
            if let Some((at, entry)) = map.get(&id)
                && at.elapsed() < SITE_CACHE_TTL
            {
                return Ok(entry.clone());
            }
        }
        let entry = self
            .meta
            .site_by_id(id)?
            .map(|s| Arc::new(SiteEntry::new(s)));
        let mut map = self.by_id.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_CACHED_KEYS {
            map.clear();
        }
        map.insert(id, (Instant::now(), entry.clone()));
        Ok(entry)
    }

    /// `{site}` in API paths: a numeric id or a site key.
    pub fn resolve(&self, id_or_key: &str) -> Result<Option<Arc<SiteEntry>>, StoreError> {
        match id_or_key.parse::<i64>() {
            Ok(id) => self.by_id(id),
            Err(_) => self.by_key(id_or_key),
        }
    }

    /// Forgets cached entries after a change made through this process.
    pub fn invalidate(&self) {
        self.by_key
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.by_id
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(domains: &[&str], origins: &[&str]) -> SiteEntry {
        SiteEntry::new(Site {
            id: 1,
            key: "k".into(),
            name: "n".into(),
            domains: domains.iter().map(|s| s.to_string()).collect(),
            allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
            respect_dnt: true,
            retention_days: 30,
            replay_quota_mb: 1,
            ..Site::default()
        })
    }

    #[test]
    fn origins_match_domains_subdomains_and_the_allow_list_only() {
        let site = entry(&["shop.example"], &["https://pay.partner.io"]);
        assert!(site.origin_allowed(None));
        assert!(site.origin_allowed(Some("https://shop.example")));
        assert!(site.origin_allowed(Some("https://www.shop.example:8443")));
        assert!(site.origin_allowed(Some("https://pay.partner.io/")));
        assert!(!site.origin_allowed(Some("https://evilshop.example")));
        assert!(!site.origin_allowed(Some("https://shop.example.evil.com")));
        assert!(!site.origin_allowed(Some("null")));
        assert!(entry(&[], &[]).origin_allowed(Some("https://anything.test")));
    }
}
