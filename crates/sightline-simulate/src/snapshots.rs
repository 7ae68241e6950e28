//! Page snapshots for heatmaps sent with the simulated traffic: a real browser's rrweb snapshot of each demo shop
//! page per device class (recorded by `e2e/scripts/demo-snapshots.mjs` into `demo/snapshots/`), attached to the
//! first pageviews of that page and device class, as the tracker's snapshot mode sends them.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;

use serde_json::Value;
use sightline_model::wire::{Batch, Event, EventData, Replay};

use super::SimulateError;
use super::personas::Device;

/// Pageviews per page and device class that carry a snapshot (the server keeps the newest it is shown).
const SNAPSHOTS_PER_PAGE: u32 = 2;
/// The snapshot follows its pageview by this much, as the tracker's waits for the page to settle.
const AFTER_PAGEVIEW_MS: i64 = 1_500;
/// Stands for the demo server's origin in the recorded snapshots.
const ORIGIN_PLACEHOLDER: &str = "__SIGHTLINE_DEMO_ORIGIN__";

macro_rules! recorded {
    ($($page:literal),* $(,)?) => {
        &[$(
            ($page, Device::Desktop, include_bytes!(concat!("../../../demo/snapshots/", $page, ".desktop.json.gz")).as_slice()),
            ($page, Device::Tablet, include_bytes!(concat!("../../../demo/snapshots/", $page, ".tablet.json.gz")).as_slice()),
            ($page, Device::Mobile, include_bytes!(concat!("../../../demo/snapshots/", $page, ".mobile.json.gz")).as_slice()),
        )*]
    };
}

/// (demo page file stem, device class, gzip'd JSON of the rrweb Meta + FullSnapshot events).
const RECORDED: &[(&str, Device, &[u8])] = recorded!(
    "index", "category", "product", "cart", "checkout", "pricing"
);

/// The recorded snapshots, ready to send, and how many of each were sent.
pub struct DemoSnapshots {
    events: HashMap<(&'static str, Device), Vec<Value>>,
    sent: Mutex<HashMap<(&'static str, Device), u32>>,
}

impl DemoSnapshots {
    /// The recorded snapshots with their origin set to the demo server's (`base`, e.g. `http://127.0.0.1:8420`).
    pub fn new(base: &str) -> Result<Self, SimulateError> {
        let mut events = HashMap::new();
        for (page, device, gz) in RECORDED {
            let mut json = String::new();
            flate2::read::GzDecoder::new(*gz)
                .read_to_string(&mut json)
                .map_err(|e| SimulateError::Snapshots(format!("{page}: {e}")))?;
            let list: Vec<Value> = serde_json::from_str(&json.replace(ORIGIN_PLACEHOLDER, base))
                .map_err(|e| SimulateError::Snapshots(format!("{page}: {e}")))?;
            events.insert((*page, *device), list);
        }
        Ok(Self {
            events,
            sent: Mutex::new(HashMap::new()),
        })
    }

    /// Adds a snapshot after each pageview of `batch` whose page and device class still needs one.
    pub fn attach(&self, batch: &mut Batch, device: Device) {
        let mut added = Vec::new();
        for event in &batch.events {
            let EventData::Pageview(pageview) = &event.data else {
                continue;
            };
            let Some((page, events)) = self.recorded_page(&pageview.url, device) else {
                continue;
            };
            let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
            let count = sent.entry((page, device)).or_default();
            if *count >= SNAPSHOTS_PER_PAGE {
                continue;
            }
            *count += 1;
            let t = event.t + AFTER_PAGEVIEW_MS;
            let events = events
                .iter()
                .cloned()
                .map(|mut e| {
                    e["timestamp"] = Value::from(t);
                    e
                })
                .collect();
            added.push(Event {
                t,
                pv: event.pv.clone(),
                data: EventData::Replay(Replay {
                    chunk: 0,
                    events,
                    snapshot: true,
                }),
            });
        }
        batch.events.extend(added);
    }

    /// The recorded snapshot of the demo page `url` shows on `device`, with its page's stem.
    fn recorded_page<'a>(
        &'a self,
        url: &str,
        device: Device,
    ) -> Option<(&'static str, &'a Vec<Value>)> {
        let file = url.split(['?', '#']).next()?.rsplit_once("/demo/")?.1;
        let stem = if file.is_empty() {
            "index"
        } else {
            file.strip_suffix(".html")?
        };
        let page = RECORDED
            .iter()
            .map(|(page, _, _)| *page)
            .find(|page| *page == stem)?;
        self.events
            .get(&(page, device))
            .map(|events| (page, events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recorded_snapshot_is_a_meta_and_a_full_snapshot_of_its_page() {
        let snapshots = DemoSnapshots::new("http://127.0.0.1:9").expect("recorded snapshots");
        for (page, device, _) in RECORDED {
            let events = &snapshots.events[&(*page, *device)];
            let types: Vec<i64> = events.iter().filter_map(|e| e["type"].as_i64()).collect();
            assert_eq!(types, vec![4, 2], "{page} on {device:?}");
            let href = events[0]["data"]["href"].as_str().unwrap_or_default();
            assert!(
                href.starts_with("http://127.0.0.1:9/demo/") && href.contains(page),
                "{page} on {device:?}: {href}"
            );
        }
    }

    #[test]
    fn the_first_pageviews_of_a_page_and_device_get_one() {
        let snapshots = DemoSnapshots::new("http://shop.test").expect("recorded snapshots");
        let batch = |pv: &str, url: &str| -> Batch {
            serde_json::from_value(
                serde_json::json!({"v": 1, "site": "k", "sid": "abcdefghijklmnop", "seq": 0,
                "sent_at": 1, "events": [{"t": 1_000, "type": "pageview", "pv": pv, "url": url}]}),
            )
            .expect("batch")
        };
        let snapshot_of = |b: &Batch| {
            b.events.iter().find_map(|e| match &e.data {
                EventData::Replay(r) => Some((e.pv.clone(), e.t, r.snapshot, r.chunk)),
                _ => None,
            })
        };
        for n in 0..SNAPSHOTS_PER_PAGE {
            let mut b = batch(&format!("p{n}"), "http://shop.test/demo/product.html?ref=x");
            snapshots.attach(&mut b, Device::Mobile);
            assert_eq!(snapshot_of(&b), Some((format!("p{n}"), 2_500, true, 0)));
        }
        let mut enough = batch("p9", "http://shop.test/demo/product.html");
        snapshots.attach(&mut enough, Device::Mobile);
        assert_eq!(snapshot_of(&enough), None, "enough of this page on phones");
        let mut other_device = batch("p10", "http://shop.test/demo/product.html");
        snapshots.attach(&mut other_device, Device::Desktop);
        assert!(snapshot_of(&other_device).is_some());
        let mut not_demo = batch("p11", "http://shop.test/elsewhere.html");
        snapshots.attach(&mut not_demo, Device::Desktop);
        assert_eq!(snapshot_of(&not_demo), None);
    }
}
