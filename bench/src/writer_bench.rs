//! The batch writer alone: spool records → events + sessions in DuckDB, without HTTP sharing the cores. The
//! spool is filled first (appends are fsync'd as at ingest), then the writer drains it while we time it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use sightline_ingest::record::{self, RecordHeader};
use sightline_ingest::sites::SiteDirectory;
use sightline_ingest::spool::SpoolPosition;
use sightline_ingest::spool::{DedupSeed, Spool, SpoolOptions};
use sightline_ingest::writer::BatchWriter;
use sightline_model::now_ms;
use sightline_store::duckdb::DuckDbEventStore;
use sightline_store::fs::FsBlobStore;
use sightline_store::sqlite::SqliteMetaStore;
use sightline_store::{BlobStore, EventStore, MetaStore, NewSite};

/// Batches per session: the tracker flushes every few seconds, so a session spans several batches.
const BATCHES_PER_SESSION: u64 = 5;

/// Events per second the writer stores from a spool holding `events` events in batches of `batch_events`.
pub fn writer_throughput(events: u64, batch_events: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let meta: Arc<dyn MetaStore> =
        Arc::new(SqliteMetaStore::open(&dir.path().join("meta.sqlite"))?);
    let site_id = meta
        .create_site(&NewSite {
            name: "Bench".into(),
            domains: vec!["shop.example".into()],
        })?
        .id;
    let store = Arc::new(DuckDbEventStore::open(&dir.path().join("events.duckdb"))?);
    let blobs: Arc<dyn BlobStore> = Arc::new(FsBlobStore::open(&dir.path().join("blobs"))?);
    let (spool, _) = Spool::open(
        &dir.path().join("spool"),
        SpoolPosition::default(),
        SpoolOptions::default(),
        DedupSeed::empty(),
        |p| record::decode(p).map(|(h, _)| h.key()),
    )?;
    let spool = Arc::new(spool);
    let batches = events.div_ceil(batch_events as u64);
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let t = now_ms() - 60_000;
    runtime.block_on(async {
        for b in 0..batches {
            let (sid, seq) = (
                format!("bench{:012}", b / BATCHES_PER_SESSION),
                b % BATCHES_PER_SESSION,
            );
            let header = RecordHeader {
                site_id,
                sid: sid.clone(),
                seq,
                received_at: t,
                visitor: format!("v{}", b / BATCHES_PER_SESSION / 2),
                device: "mobile".into(),
                browser: "Safari".into(),
                os: "iOS".into(),
            };
            let json = crate::batch_json("key", &sid, seq, t + seq as i64 * 5_000, batch_events);
            spool
                .append(header.key(), t, record::encode(&header, json.as_bytes()))
                .await?;
        }
        anyhow::Ok(())
    })?;
    let target = spool.durable().get();
    let started = Instant::now();
    let writer = BatchWriter::spawn(
        store.clone(),
        blobs,
        Arc::new(SiteDirectory::new(meta)),
        spool.clone(),
        sightline_ingest::WriterStart::default(),
        &dir.path().join("dead-letter"),
    )?;
    let done = writer.wait_committed(target, Duration::from_secs(600));
    let elapsed = started.elapsed();
    let stored = store.count_events(site_id)?;
    spool.close();
    writer.finish();
    anyhow::ensure!(done, "the writer did not catch up within 10 minutes");
    println!(
        "writer (spool → events + sessions, no HTTP): {:.0} events/s ({stored} events, {} sessions, in {:.2} s)",
        stored as f64 / elapsed.as_secs_f64(),
        batches.div_ceil(BATCHES_PER_SESSION),
        elapsed.as_secs_f64()
    );
    Ok(())
}
