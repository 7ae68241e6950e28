//! A request body through everything ingest does with it: gzip (with its output cap), JSON into the v1 wire
//! types, validation; then, for accepted batches, what the batch writer does: the spool record round trip
//! and enrichment into rows. No input may panic, and an accepted batch must stay acceptable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sightline_ingest::enrich::PageGroups;
use sightline_ingest::pipeline::parse_batch;
use sightline_ingest::record::{self, RecordHeader};
use sightline_ingest::rows::PageviewCache;
use sightline_model::wire::Batch;

/// A fixed server clock: the seeds carry event times near it.
const NOW: i64 = 1_764_380_000_000;
const MAX_AGE_MS: i64 = 7 * 86_400_000;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let Ok((batch, json)) = parse_batch(body, flags & 1 == 1, NOW, MAX_AGE_MS) else {
        return;
    };
    // The writer parses the spooled JSON again: it must give the same batch.
    let spooled: Batch = serde_json::from_slice(&json).expect("spooled JSON parses");
    assert_eq!(spooled, batch);
    // Serialising an accepted batch gives an accepted batch (nothing valid only by accident of its bytes).
    // Not necessarily an equal one: serde_json parses floats to within one ulp, not exactly.
    let reserialized = serde_json::to_vec(&batch).expect("serialize");
    let (again, _) = parse_batch(&reserialized, false, NOW, MAX_AGE_MS)
        .expect("a re-serialized accepted batch is accepted");
    assert_eq!(again.events.len(), batch.events.len());

    let header = RecordHeader {
        site_id: 1,
        sid: batch.sid.clone(),
        seq: batch.seq,
        received_at: NOW,
        visitor: batch.vid.clone().unwrap_or_else(|| "cookieless".into()),
        device: "desktop".into(),
        browser: "Chrome".into(),
        os: "Linux".into(),
    };
    let encoded = record::encode(&header, &json);
    let (decoded, body) = record::decode(&encoded).expect("record decodes");
    assert_eq!((&decoded, body), (&header, &json[..]));

    let groups = PageGroups::new(["/products/*", "/blog/**"]).expect("patterns");
    let mut pageviews = PageviewCache::default();
    let _ = pageviews.register_pageviews(&batch, &groups);
    let (rows, blobs) = pageviews.rows(&header, &batch, &groups);
    assert!(rows.len() <= batch.events.len());
    assert!(blobs.len() <= batch.events.len());
});
