//! Turns one spooled batch into stored rows: clock correction, page paths and groups, channel and UTM on
//! pageviews, its page on every event (from the batch's `pages`, else the pageview remembered), error
//! fingerprints, replay chunks as blobs.
//!
//! Column use by event type (beyond the common ones):
//! - pageview: path, page_group, referrer, channel, utm_*, viewport_w/h, name = title, value = document height
//! - pageleave: value = active_ms, scroll_pct = max_scroll_pct, y = max_scroll_px
//! - click: selector, tag, text, x, y, rel_x, rel_y, interactive, changed, viewport_w = vw, props = {href, pointer, fixed}
//! - scroll: value = depth_px, scroll_pct = depth_pct, props = {dir_changes}
//! - move: value = number of points, props = points
//! - hover: selector, value = dwell_ms, props = {clicked}
//! - input: selector, name = action, tag = field type
//! - error: name = message, error_fingerprint, props = {stack, src, line, col}
//! - request: name = url, tag = method, value = status, props = {duration_ms}
//! - vital: name, value, text = rating
//! - layout: props = zones (`[{sel, x, y, w, h, fixed?}]`)
//! - custom: name, props, revenue, text = currency
//! - identify: user_id, props = traits
//! - replay: no row; the rrweb events become a zstd blob plus a `replay_chunks` index entry

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::json;
use sha2::{Digest, Sha256};
use sightline_model::EventRow;
use sightline_model::validate::clock_correction_ms;
use sightline_model::wire::{Batch, EventData, Replay};

use crate::enrich::{self, PageGroups};
use crate::record::RecordHeader;
use sightline_store::ReplayChunk;

/// Pageviews remembered for attributing events of clients that do not send `pages`; two generations of this
/// many (8 minutes or more at 100 pageviews a second, ~150 bytes each). A restart forgets them: such clients' events
/// in a later batch than their pageview then have no page.
const PAGEVIEW_CACHE_ENTRIES: usize = 50_000;

#[derive(Debug, Clone)]
struct PageInfo {
    path: String,
    page_group: String,
}

/// A page group keeps at most one page snapshot per device class in this long (ms): trackers sample pageviews
/// for snapshots, so a busy page would otherwise store thousands of copies of itself.
pub const SNAPSHOT_INTERVAL_MS: i64 = 10 * 60 * 1000;
/// Page groups × device classes whose last snapshot time is remembered; past it the memory starts again.
const SNAPSHOT_MEMORY_ENTRIES: usize = 50_000;

/// Bounded memory of recent pageviews: when the young generation fills, the old one is dropped.
#[derive(Default)]
pub struct PageviewCache {
    /// By a 128-bit hash of the pageview id (see [`crate::compact_key`]).
    young: HashMap<u128, Arc<PageInfo>>,
    old: HashMap<u128, Arc<PageInfo>>,
    /// When each (site, page group, device) last had a snapshot stored.
    snapshots: HashMap<(i64, String, &'static str), i64>,
}

impl PageviewCache {
    fn get(&self, pv: &str) -> Option<Arc<PageInfo>> {
        let key = crate::compact_key(0, pv);
        self.young.get(&key).or_else(|| self.old.get(&key)).cloned()
    }

    fn insert(&mut self, pv: &str, info: Arc<PageInfo>) {
        if self.young.len() >= PAGEVIEW_CACHE_ENTRIES {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(crate::compact_key(0, pv), info);
    }
}

/// zstd level for replay chunks: 12 stores the demo shop at ~55 KB per recorded minute (level 3: ~64 KB) and,
/// at tens of MB/s, stays cheap for the writer thread (`cd e2e && node bench/replay-size.mjs`).
const REPLAY_ZSTD_LEVEL: i32 = 12;

/// A replay chunk's blob, stored before the index row that points at it.
pub struct PendingBlob {
    /// The `replay` event's time (server clock): it places the chunk in its session, as rrweb's own clock
    /// may be anything (an imported recording).
    pub t: i64,
    pub key: String,
    pub bytes: Vec<u8>,
    pub chunk: ReplayChunk,
}

/// Compresses one `replay` event's rrweb events into a blob keyed `site/session/pageview-chunk`.
/// `correction` (ms) moves rrweb timestamps onto the server clock, as for every other event.
fn replay_blob(
    header: &RecordHeader,
    batch: &Batch,
    pageview: &str,
    replay: &Replay,
    t: i64,
    correction: i64,
) -> Option<PendingBlob> {
    let corrected;
    let events = if correction == 0 {
        &replay.events
    } else {
        corrected = replay
            .events
            .iter()
            .cloned()
            .map(|mut e| {
                if let Some(ts) = e.get("timestamp").and_then(serde_json::Value::as_i64) {
                    e["timestamp"] = serde_json::Value::from(ts.saturating_add(correction));
                }
                e
            })
            .collect::<Vec<_>>();
        &corrected
    };
    let raw = serde_json::to_vec(events).ok()?;
    let bytes = match zstd::bulk::compress(&raw, REPLAY_ZSTD_LEVEL) {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "could not compress a replay chunk; skipped");
            return None;
        }
    };
    let stamps = || {
        events
            .iter()
            .filter_map(|e| e.get("timestamp").and_then(serde_json::Value::as_i64))
    };
    let key = if replay.snapshot {
        format!("{}/{}/{}-snapshot.zst", header.site_id, batch.sid, pageview)
    } else {
        format!(
            "{}/{}/{}-{:06}.zst",
            header.site_id, batch.sid, pageview, replay.chunk
        )
    };
    Some(PendingBlob {
        t,
        chunk: ReplayChunk {
            site_id: header.site_id,
            session: batch.sid.clone(),
            pageview: pageview.to_string(),
            chunk: replay.chunk,
            first_ts: stamps().min().unwrap_or(t),
            last_ts: stamps().max().unwrap_or(t),
            events: replay.events.len() as u32,
            bytes: bytes.len() as u64,
            raw_bytes: raw.len() as u64,
            blob_key: key.clone(),
            received_at: header.received_at,
            snapshot: replay.snapshot,
        },
        key,
        bytes,
    })
}

/// Stable id of an error: message without numbers and quoted values, plus the top stack frame location.
pub fn error_fingerprint(msg: &str, stack: Option<&str>, src: Option<&str>) -> String {
    let mut normalized = String::with_capacity(msg.len());
    let mut in_quote = None;
    for c in msg.chars() {
        match (in_quote, c) {
            (Some(q), c) if c == q => in_quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => {
                in_quote = Some(c);
                normalized.push('_');
            }
            (None, c) if c.is_ascii_digit() => {}
            (None, c) => normalized.push(c),
        }
    }
    let top_frame = stack
        .and_then(|s| {
            s.lines()
                .map(str::trim)
                .find(|l| l.starts_with("at ") || l.contains('@'))
        })
        .map(|l| {
            l.split(['?', '#'])
                .next()
                .unwrap_or(l)
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == ':')
        })
        .or(src)
        .unwrap_or("");
    let digest = Sha256::new()
        .chain_update(normalized.trim())
        .chain_update([0])
        .chain_update(top_frame)
        .finalize();
    hex::encode(&digest[..8])
}

/// The stored device names are a fixed set; anything else (an older record format) becomes "other".
pub(crate) fn device_name(name: &str) -> &'static str {
    use enrich::DeviceClass::*;
    [Desktop, Mobile, Tablet, Bot, Other]
        .into_iter()
        .map(enrich::DeviceClass::as_str)
        .find(|known| *known == name)
        .unwrap_or("other")
}

fn path_of_url(url: &str) -> (Option<url::Url>, String) {
    let parsed = url::Url::parse(url).ok();
    let path = enrich::normalize_path(url);
    (parsed, path)
}

impl PageviewCache {
    /// Learns the pages of a batch's pageviews before any rows are built, so events that arrive in an earlier
    /// batch than their pageview (within one write) still get their page.
    pub fn register_pageviews(&mut self, batch: &Batch, groups: &PageGroups) {
        for event in &batch.events {
            if let EventData::Pageview(p) = &event.data {
                self.learn(&event.pv, &p.url, groups);
            }
        }
    }

    fn learn(&mut self, pv: &str, url: &str, groups: &PageGroups) -> Arc<PageInfo> {
        let path = enrich::normalize_path(url);
        let info = Arc::new(PageInfo {
            page_group: groups.group(&path),
            path,
        });
        self.insert(pv, info.clone());
        info
    }

    /// The page of pageview `pv`: the batch's `pages` first (it names every page its events are on), else the
    /// pageview remembered.
    fn page_of(&mut self, batch: &Batch, pv: &str, groups: &PageGroups) -> Option<Arc<PageInfo>> {
        match batch.page_url(pv) {
            Some(url) => match self.get(pv) {
                Some(info) => Some(info),
                None => Some(self.learn(pv, url, groups)),
            },
            None => self.get(pv),
        }
    }

    /// Whether a page snapshot of pageview `pv` at `t` is kept: its page is known and its page group has no
    /// snapshot from this device class within [`SNAPSHOT_INTERVAL_MS`].
    fn snapshot_wanted(
        &mut self,
        site_id: i64,
        batch: &Batch,
        pv: &str,
        device: &'static str,
        t: i64,
        groups: &PageGroups,
    ) -> bool {
        let Some(page) = self.page_of(batch, pv, groups) else {
            return false;
        };
        if self.snapshots.len() >= SNAPSHOT_MEMORY_ENTRIES {
            self.snapshots.clear();
        }
        let last = self
            .snapshots
            .entry((site_id, page.page_group.clone(), device))
            .or_insert(i64::MIN);
        if t.saturating_sub(*last) < SNAPSHOT_INTERVAL_MS {
            return false;
        }
        *last = t;
        true
    }

    /// Rows for one batch (`body` already validated at ingest).
    pub fn rows(
        &mut self,
        header: &RecordHeader,
        batch: &Batch,
        groups: &PageGroups,
    ) -> (Vec<EventRow>, Vec<PendingBlob>) {
        let correction = clock_correction_ms(batch.sent_at, header.received_at);
        let mut rows = Vec::with_capacity(batch.events.len());
        let mut blobs = Vec::new();
        let device = device_name(&header.device);
        for event in &batch.events {
            if let EventData::Replay(replay) = &event.data {
                let t = event.t.saturating_add(correction);
                if replay.snapshot
                    && !self.snapshot_wanted(header.site_id, batch, &event.pv, device, t, groups)
                {
                    continue;
                }
                blobs.extend(replay_blob(header, batch, &event.pv, replay, t, correction));
                continue;
            }
            let mut row = EventRow {
                site_id: header.site_id,
                ts: event.t.saturating_add(correction),
                received_at: header.received_at,
                session: batch.sid.clone(),
                visitor: header.visitor.clone(),
                pageview: event.pv.clone(),
                event_type: event.data.type_name(),
                device,
                browser: header.browser.clone(),
                os: header.os.clone(),
                ..EventRow::default()
            };
            if let EventData::Pageview(p) = &event.data {
                let (parsed, path) = path_of_url(&p.url);
                let info = Arc::new(PageInfo {
                    page_group: groups.group(&path),
                    path,
                });
                if let Some(page) = &parsed {
                    let utm = enrich::Utm::from_url(page);
                    row.channel =
                        Some(enrich::classify_channel(page, p.referrer.as_deref(), &utm).as_str());
                    row.utm_source = utm.source;
                    row.utm_medium = utm.medium;
                    row.utm_campaign = utm.campaign;
                    row.utm_term = utm.term;
                    row.utm_content = utm.content;
                }
                row.referrer = enrich::referrer_host(p.referrer.as_deref());
                row.viewport_w = p.vw.map(|v| v as i32);
                row.viewport_h = p.vh.map(|v| v as i32);
                row.name = p.title.clone();
                row.value = p.dh;
                self.insert(&event.pv, info);
            }
            if let Some(info) = self.page_of(batch, &event.pv, groups) {
                row.path = Some(info.path.clone());
                row.page_group = Some(info.page_group.clone());
            }
            fill_event_columns(&mut row, &event.data);
            rows.push(row);
        }
        (rows, blobs)
    }
}

fn fill_event_columns(row: &mut EventRow, data: &EventData) {
    match data {
        EventData::Pageview(_) => {}
        EventData::Pageleave(p) => {
            row.value = p.active_ms;
            row.scroll_pct = p.max_scroll_pct;
            row.y = p.max_scroll_px;
        }
        EventData::Click(c) => {
            row.selector = Some(c.sel.clone());
            row.tag = c.tag.clone();
            row.text = c.text.clone();
            row.x = Some(c.x);
            row.y = Some(c.y);
            row.rel_x = c.rx;
            row.rel_y = c.ry;
            row.interactive = c.interactive;
            row.changed = c.changed;
            row.viewport_w = c.vw.map(|w| w.round() as i32);
            let fixed = c.fixed == Some(true);
            if c.href.is_some() || c.pointer.is_some() || fixed {
                let mut props = json!({"href": c.href, "pointer": c.pointer});
                if fixed {
                    props["fixed"] = json!(true);
                }
                row.props = Some(props.to_string());
            }
        }
        EventData::Scroll(s) => {
            row.value = Some(s.depth_px);
            row.scroll_pct = Some(s.depth_pct);
            row.props = s.dir_changes.map(|d| json!({"dir_changes": d}).to_string());
        }
        EventData::Move(m) => {
            row.value = Some(m.points.len() as f64);
            row.props = Some(json!(m.points).to_string());
        }
        EventData::Hover(h) => {
            row.selector = Some(h.sel.clone());
            row.value = Some(h.dwell_ms);
            row.props = h.clicked.map(|c| json!({"clicked": c}).to_string());
        }
        EventData::Input(i) => {
            row.selector = Some(i.sel.clone());
            row.name = Some(i.action.as_str().to_string());
            row.tag = i.field.clone();
        }
        EventData::Error(e) => {
            row.name = Some(e.msg.clone());
            row.error_fingerprint = Some(error_fingerprint(
                &e.msg,
                e.stack.as_deref(),
                e.src.as_deref(),
            ));
            row.props = Some(
                json!({"stack": e.stack, "src": e.src, "line": e.line, "col": e.col}).to_string(),
            );
        }
        EventData::Request(r) => {
            row.name = Some(r.url.clone());
            row.tag = r.method.clone();
            row.value = Some(f64::from(r.status));
            row.props = r.duration_ms.map(|d| json!({"duration_ms": d}).to_string());
        }
        EventData::Vital(v) => {
            row.name = Some(v.name.as_str().to_string());
            row.value = Some(v.value);
            row.text = v.rating.map(|r| r.as_str().to_string());
        }
        EventData::Layout(l) => row.props = Some(json!(l.zones).to_string()),
        EventData::Custom(c) => {
            row.name = Some(c.name.clone());
            row.props = c
                .props
                .as_ref()
                .map(|p| serde_json::Value::Object(p.clone()).to_string());
            row.revenue = c.revenue;
            row.text = c.currency.clone();
        }
        EventData::Identify(i) => {
            row.user_id = Some(i.user_id.clone());
            row.props = i
                .traits
                .as_ref()
                .map(|t| serde_json::Value::Object(t.clone()).to_string());
        }
        // Stored as blobs plus an index, not as event rows (see `replay_blob`).
        EventData::Replay(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_fingerprints_ignore_numbers_and_quoted_values() {
        let a = error_fingerprint(
            "Cannot read properties of undefined (reading 'id')",
            Some("TypeError\n    at apply (https://shop/app.js?v=3:10:5)"),
            None,
        );
        let b = error_fingerprint(
            "Cannot read properties of undefined (reading 'sku')",
            Some("TypeError\n    at apply (https://shop/app.js?v=4:10:5)"),
            None,
        );
        let c = error_fingerprint("Network failure 42", None, Some("https://shop/cart.js"));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            c,
            error_fingerprint("Network failure 7", None, Some("https://shop/cart.js"))
        );
    }

    fn header() -> RecordHeader {
        RecordHeader {
            site_id: 1,
            sid: "abcdefghijklmnop".into(),
            seq: 0,
            received_at: 1_764_380_000_000,
            visitor: "vis".into(),
            device: "mobile".into(),
            browser: "Safari".into(),
            os: "iOS".into(),
        }
    }

    #[test]
    fn later_events_get_the_path_of_their_pageview_even_across_batches() {
        let now = 1_764_380_000_000i64;
        let first: Batch = serde_json::from_value(json!({"v":1,"site":"k","sid":"abcdefghijklmnop","seq":0,"sent_at":now,"events":[
            {"t": now, "type":"pageview","pv":"p1","url":"https://shop.example/product/8f14e45fceea167a5a36dedd4bea2543/?utm_source=google&utm_medium=cpc","ref":"https://www.google.com/"}
        ]})).expect("batch");
        let second: Batch = serde_json::from_value(json!({"v":1,"site":"k","sid":"abcdefghijklmnop","seq":1,"sent_at":now,"events":[
            {"t": now + 5, "type":"click","pv":"p1","sel":"#buy","x":10,"y":20,"rx":0.25,"ry":0.5,"changed":false},
            {"t": now + 6, "type":"click","pv":"unknown","sel":"#x","x":1,"y":2}
        ]})).expect("batch");
        let mut cache = PageviewCache::default();
        let groups = PageGroups::default();
        let (rows, _) = cache.rows(&header(), &first, &groups);
        assert_eq!(
            rows[0].path.as_deref(),
            Some("/product/8f14e45fceea167a5a36dedd4bea2543")
        );
        assert_eq!(rows[0].page_group.as_deref(), Some("/product/:id"));
        assert_eq!(rows[0].channel, Some("paid_search"));
        assert_eq!(rows[0].utm_source.as_deref(), Some("google"));
        assert_eq!(
            (rows[0].device, rows[0].visitor.as_str()),
            ("mobile", "vis")
        );
        let (rows, _) = cache.rows(&header(), &second, &groups);
        assert_eq!(rows[0].page_group.as_deref(), Some("/product/:id"));
        assert_eq!((rows[0].rel_x, rows[0].changed), (Some(0.25), Some(false)));
        assert_eq!(
            rows[1].path, None,
            "an unknown pageview has no path rather than a wrong one"
        );
    }

    /// A batch of pageviews (`pv`, url, t) each with a page snapshot 1 s later; `recorded` adds chunk 0 of a
    /// recording to the first.
    fn snapshot_batch(seq: u64, views: &[(&str, &str, i64)], recorded: bool) -> Batch {
        let mut events = Vec::new();
        for (pv, url, t) in views {
            events.push(json!({"t": t, "type": "pageview", "pv": pv, "url": url}));
            events.push(json!({"t": t + 1_000, "type": "replay", "pv": pv, "chunk": 0, "snapshot": true,
                "events": [{"type": 4, "timestamp": t + 1_000, "data": {"width": 390, "height": 844}},
                           {"type": 2, "timestamp": t + 1_000, "data": {}}]}));
        }
        if recorded {
            let (pv, _, t) = views[0];
            events.push(json!({"t": t + 2_000, "type": "replay", "pv": pv, "chunk": 0,
                "events": [{"type": 4, "timestamp": t + 2_000, "data": {"width": 390, "height": 844}}]}));
        }
        serde_json::from_value(
            json!({"v": 1, "site": "k", "sid": "abcdefghijklmnop", "seq": seq,
            // sent when received (the header's time): no clock correction moves the times given
            "sent_at": header().received_at, "events": events}),
        )
        .expect("batch")
    }

    #[test]
    fn a_page_group_keeps_one_snapshot_per_device_class_per_interval() {
        let now = 1_764_380_000_000i64;
        let mut cache = PageviewCache::default();
        let groups = PageGroups::default();
        let first = snapshot_batch(
            0,
            &[
                ("p1", "https://shop.example/product/1", now),
                // same page group (/product/:id) a minute later: not kept; another page is
                ("p2", "https://shop.example/product/2", now + 60_000),
                ("p3", "https://shop.example/cart", now + 61_000),
            ],
            true,
        );
        let (_, blobs) = cache.rows(&header(), &first, &groups);
        let kept: Vec<(&str, bool, &str)> = blobs
            .iter()
            .map(|b| (b.chunk.pageview.as_str(), b.chunk.snapshot, b.key.as_str()))
            .collect();
        assert_eq!(
            kept,
            vec![
                ("p1", true, "1/abcdefghijklmnop/p1-snapshot.zst"),
                ("p3", true, "1/abcdefghijklmnop/p3-snapshot.zst"),
                // a recording's chunks are never limited, and never collide with the snapshot's blob
                ("p1", false, "1/abcdefghijklmnop/p1-000000.zst"),
            ]
        );
        // the same group on another device class is kept; on this one once the interval has passed
        let later = snapshot_batch(
            1,
            &[(
                "p4",
                "https://shop.example/product/3",
                now + SNAPSHOT_INTERVAL_MS,
            )],
            false,
        );
        let desktop = RecordHeader {
            device: "desktop".into(),
            ..header()
        };
        let soon = snapshot_batch(
            2,
            &[("p5", "https://shop.example/product/4", now + 120_000)],
            false,
        );
        assert_eq!(cache.rows(&desktop, &soon, &groups).1.len(), 1);
        assert_eq!(cache.rows(&header(), &later, &groups).1.len(), 1);
    }
}
