//! What one spool record holds: the request context decided at ingest time, then the validated batch JSON as
//! received (decompressed). The batch writer parses it again and enriches it off the ack path.

use serde::{Deserialize, Serialize};
use sightline_store::BatchKey;

/// Request facts that exist only at ingest time (the IP is used for the visitor hash and then forgotten).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordHeader {
    pub site_id: i64,
    pub sid: String,
    pub seq: u64,
    pub received_at: i64,
    /// Persistent id from the tracker, or the cookieless daily hash.
    pub visitor: String,
    pub device: String,
    pub browser: String,
    pub os: String,
}

impl RecordHeader {
    pub fn key(&self) -> BatchKey {
        BatchKey {
            site_id: self.site_id,
            sid: self.sid.clone(),
            seq: self.seq,
            received_at: self.received_at,
        }
    }
}

/// `[header_len: u32 LE][postcard header][batch JSON]`.
pub fn encode(header: &RecordHeader, batch_json: &[u8]) -> Vec<u8> {
    let header_bytes = postcard::to_allocvec(header).unwrap_or_default();
    let mut out = Vec::with_capacity(4 + header_bytes.len() + batch_json.len());
    out.extend_from_slice(&(header_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&header_bytes);
    out.extend_from_slice(batch_json);
    out
}

pub fn decode(record: &[u8]) -> Option<(RecordHeader, &[u8])> {
    let len = u32::from_le_bytes(record.get(..4)?.try_into().ok()?) as usize;
    let header_bytes = record.get(4..4 + len)?;
    let header = postcard::from_bytes(header_bytes).ok()?;
    Some((header, record.get(4 + len..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_truncation() {
        let header = RecordHeader {
            site_id: 7,
            sid: "abcdefghijklmnop".into(),
            seq: 3,
            received_at: 1,
            visitor: "v".into(),
            device: "mobile".into(),
            browser: "Safari".into(),
            os: "iOS".into(),
        };
        let encoded = encode(&header, b"{\"v\":1}");
        let (decoded, body) = decode(&encoded).expect("decodes");
        assert_eq!((decoded, body), (header, &b"{\"v\":1}"[..]));
        assert!(decode(&encoded[..6]).is_none());
    }
}
