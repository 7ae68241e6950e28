//! What a write sends to ClickHouse as JSONEachRow, and session parts read back.

use arrow_array::{
    Array, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sightline_model::{JourneyStep, SessionRow};

use crate::{BatchKey, ReplayChunk, Result, StoreError};

fn line(out: &mut Vec<u8>, row: &Value) {
    // A `Value` always serializes.
    if serde_json::to_writer(&mut *out, row).is_ok() {
        out.push(b'\n');
    }
}

/// The event columns as JSON lines, column names as they are (the table has the same names). Booleans go as
/// 1/0 (`Nullable(UInt8)`).
pub(super) fn event_lines(batch: &RecordBatch) -> Result<Vec<u8>> {
    let schema = batch.schema();
    let mut rows: Vec<Map<String, Value>> = vec![Map::new(); batch.num_rows()];
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        let any = column.as_any();
        let value_at: Box<dyn Fn(usize) -> Value> =
            if let Some(a) = any.downcast_ref::<Int64Array>() {
                Box::new(move |i| json!(a.value(i)))
            } else if let Some(a) = any.downcast_ref::<Int32Array>() {
                Box::new(move |i| json!(a.value(i)))
            } else if let Some(a) = any.downcast_ref::<Float64Array>() {
                Box::new(move |i| json!(a.value(i)))
            } else if let Some(a) = any.downcast_ref::<StringArray>() {
                Box::new(move |i| json!(a.value(i)))
            } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
                Box::new(move |i| json!(u8::from(a.value(i))))
            } else {
                return Err(StoreError::Invalid(format!(
                    "event column {} has a type ClickHouse rows do not take",
                    field.name()
                )));
            };
        for (i, row) in rows.iter_mut().enumerate() {
            let value = if column.is_null(i) {
                Value::Null
            } else {
                value_at(i)
            };
            row.insert(field.name().clone(), value);
        }
    }
    let mut out = Vec::new();
    for row in rows {
        line(&mut out, &Value::Object(row));
    }
    Ok(out)
}

pub(super) fn batch_key_lines(keys: &[BatchKey]) -> Vec<u8> {
    let mut out = Vec::new();
    for k in keys {
        line(
            &mut out,
            &json!({"site_id": k.site_id, "sid": k.sid, "seq": k.seq, "received_at": k.received_at}),
        );
    }
    out
}

pub(super) fn chunk_lines(chunks: &[ReplayChunk]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in chunks {
        line(
            &mut out,
            &json!({"site_id": c.site_id, "session": c.session, "pageview": c.pageview, "chunk": c.chunk,
                    "first_ts": c.first_ts, "last_ts": c.last_ts, "events": c.events, "bytes": c.bytes,
                    "raw_bytes": c.raw_bytes, "blob_key": c.blob_key, "received_at": c.received_at,
                    "snapshot": u8::from(c.snapshot)}),
        );
    }
    out
}

/// A session part as stored: [`SessionRow`]'s fields, the journey as three arrays.
#[derive(Debug, Deserialize)]
pub(super) struct SessionPart {
    site_id: i64,
    session: String,
    visitor: String,
    user_id: Option<String>,
    started: i64,
    ended: i64,
    active_ms: i64,
    pageviews: i64,
    events: i64,
    entry_ts: Option<i64>,
    entry_page: Option<String>,
    entry_group: Option<String>,
    exit_ts: Option<i64>,
    exit_page: Option<String>,
    exit_group: Option<String>,
    device: String,
    browser: String,
    os: String,
    channel: Option<String>,
    referrer: Option<String>,
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    utm_term: Option<String>,
    utm_content: Option<String>,
    revenue: f64,
    conversions: i64,
    clicks: i64,
    errors: i64,
    replay_chunks: i64,
    replay_bytes: i64,
    received_at: i64,
    page_paths: Vec<String>,
    journey_ts: Vec<i64>,
    journey_page: Vec<Option<String>>,
    journey_event: Vec<Option<String>>,
}

pub(super) const SESSION_PART_COLUMNS: &str = "site_id, session, visitor, user_id, started, ended, active_ms, \
    pageviews, events, entry_ts, entry_page, entry_group, exit_ts, exit_page, exit_group, device, browser, os, \
    channel, referrer, utm_source, utm_medium, utm_campaign, utm_term, utm_content, revenue, conversions, \
    clicks, errors, replay_chunks, replay_bytes, received_at, page_paths, journey_ts, journey_page, journey_event";

pub(super) fn session_lines(sessions: &[SessionRow]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in sessions {
        line(
            &mut out,
            &json!({"site_id": s.site_id, "session": s.session, "visitor": s.visitor, "user_id": s.user_id,
                    "started": s.started, "ended": s.ended, "active_ms": s.active_ms, "pageviews": s.pageviews,
                    "events": s.events, "entry_ts": s.entry_ts, "entry_page": s.entry_page,
                    "entry_group": s.entry_group, "exit_ts": s.exit_ts, "exit_page": s.exit_page,
                    "exit_group": s.exit_group, "device": s.device, "browser": s.browser, "os": s.os,
                    "channel": s.channel, "referrer": s.referrer, "utm_source": s.utm_source,
                    "utm_medium": s.utm_medium, "utm_campaign": s.utm_campaign, "utm_term": s.utm_term,
                    "utm_content": s.utm_content, "revenue": s.revenue, "conversions": s.conversions,
                    "clicks": s.clicks, "errors": s.errors, "replay_chunks": s.replay_chunks,
                    "replay_bytes": s.replay_bytes, "received_at": s.received_at, "page_paths": s.page_paths,
                    "journey_ts": s.journey.iter().map(|j| j.ts).collect::<Vec<_>>(),
                    "journey_page": s.journey.iter().map(|j| j.page.as_deref()).collect::<Vec<_>>(),
                    "journey_event": s.journey.iter().map(|j| j.event.as_deref()).collect::<Vec<_>>()}),
        );
    }
    out
}

impl SessionPart {
    pub(super) fn into_row(self) -> Result<SessionRow> {
        if self.journey_page.len() != self.journey_ts.len()
            || self.journey_event.len() != self.journey_ts.len()
        {
            return Err(StoreError::Corrupt(format!(
                "journey arrays of session {} differ in length",
                self.session
            )));
        }
        Ok(SessionRow {
            site_id: self.site_id,
            session: self.session,
            visitor: self.visitor,
            user_id: self.user_id,
            started: self.started,
            ended: self.ended,
            active_ms: self.active_ms,
            pageviews: self.pageviews,
            events: self.events,
            entry_ts: self.entry_ts,
            entry_page: self.entry_page,
            entry_group: self.entry_group,
            exit_ts: self.exit_ts,
            exit_page: self.exit_page,
            exit_group: self.exit_group,
            device: self.device,
            browser: self.browser,
            os: self.os,
            channel: self.channel,
            referrer: self.referrer,
            utm_source: self.utm_source,
            utm_medium: self.utm_medium,
            utm_campaign: self.utm_campaign,
            utm_term: self.utm_term,
            utm_content: self.utm_content,
            revenue: self.revenue,
            conversions: self.conversions,
            clicks: self.clicks,
            errors: self.errors,
            replay_chunks: self.replay_chunks,
            replay_bytes: self.replay_bytes,
            received_at: self.received_at,
            page_paths: self.page_paths,
            journey: self
                .journey_ts
                .into_iter()
                .zip(self.journey_page)
                .zip(self.journey_event)
                .map(|((ts, page), event)| JourneyStep { ts, page, event })
                .collect(),
        })
    }
}
