//! Every limit on input, by name. The server maps breaches to 400/413 in one place.

/// Largest accepted request body as sent (compressed or not).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest accepted body after gzip decompression; reading stops past it.
pub const MAX_DECOMPRESSED_BYTES: usize = 8 * 1024 * 1024;
/// Most events in one batch.
pub const MAX_EVENTS_PER_BATCH: usize = 1_000;
/// Most entries in a batch's `pages` (one per pageview its events refer to, so never more than its events).
pub const MAX_PAGES_PER_BATCH: usize = MAX_EVENTS_PER_BATCH;

/// Identifier lengths (session, pageview, visitor ids and site keys).
pub const MIN_SESSION_ID_LEN: usize = 16;
pub const MAX_ID_LEN: usize = 64;

/// String field caps, in bytes.
/// URLs: pageview `url` and `ref`, click `href`, error `src`, request `url`, and `pages` values.
pub const MAX_URL_LEN: usize = 2_048;
pub const MAX_TITLE_LEN: usize = 512;
pub const MAX_SELECTOR_LEN: usize = 1_024;
pub const MAX_CLICK_TEXT_LEN: usize = 480; // 120 chars of up to 4 bytes each
pub const MAX_SHORT_LEN: usize = 64; // tag, lang, tz, field, method, currency
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_ERROR_MESSAGE_LEN: usize = 2_048;
pub const MAX_STACK_LEN: usize = 16_384;
pub const MAX_USER_ID_LEN: usize = 256;
/// Serialized `props` / `traits` objects.
pub const MAX_PROPS_BYTES: usize = 16 * 1024;
/// Most sampled points in one `move` event and element boxes in one `layout` event.
pub const MAX_MOVE_POINTS: usize = 1_000;
pub const MAX_LAYOUT_ZONES: usize = 500;
/// Serialized rrweb events of one replay chunk.
pub const MAX_REPLAY_CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// Event times are accepted from this far in the past (offline queues) ...
pub const MAX_EVENT_AGE_MS: i64 = 7 * 24 * 3600 * 1000;
/// ... and this far in the future (after clock-skew correction).
pub const MAX_EVENT_FUTURE_MS: i64 = 5 * 60 * 1000;
/// Client clocks further than this from the server's are corrected by `received_at - sent_at`.
pub const CLOCK_SKEW_TOLERANCE_MS: i64 = 5_000;
/// Largest plausible screen/viewport/document dimension in px.
pub const MAX_DIMENSION_PX: f64 = 1_000_000.0;
