//! Where the batch writer's commits have reached in the spool, kept in a small file beside the segments.
//!
//! The position is the spool's own business, not the event store's: an engine without transactions
//! (ClickHouse) cannot move it atomically with the rows. So it is saved after each commit and may lag behind
//! the store (a crash between a commit and the save): the writer then asks the store which of the records
//! after it are already stored and skips those, so a record is never stored twice (see
//! `BatchWriter::spawn`'s `verify_until`).

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;

use super::{SpoolError, io};

/// A place in the spool: segment number and byte offset after the last consumed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SpoolPosition {
    pub segment: u64,
    pub offset: u64,
}

/// The file in the spool directory that holds the committed position as `<segment> <offset>`.
pub const POSITION_FILE: &str = "committed";

/// The saved position, `None` when there is none (a new spool, or one from before the position moved here).
/// A file that cannot be read as a position counts as none: the writer then checks every spooled record.
pub fn saved_position(dir: &Path) -> Result<Option<SpoolPosition>, SpoolError> {
    let path = dir.join(POSITION_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&path)(e)),
    };
    let mut parts = text.split_ascii_whitespace().map(str::parse::<u64>);
    Ok(match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(segment)), Some(Ok(offset)), None) => Some(SpoolPosition { segment, offset }),
        _ => {
            tracing::warn!(path = %path.display(), "unreadable spool position; every spooled record is checked");
            None
        }
    })
}

/// Replaces the saved position (written beside and renamed, so a reader sees the old one or the new one).
/// Not fsync'd: a position lost in a power cut only makes the writer check more records.
pub fn save_position(dir: &Path, position: SpoolPosition) -> Result<(), SpoolError> {
    let path = dir.join(POSITION_FILE);
    let partial = dir.join(format!("{POSITION_FILE}.partial"));
    fs::File::create(&partial)
        .and_then(|mut f| writeln!(f, "{} {}", position.segment, position.offset))
        .and_then(|()| fs::rename(&partial, &path))
        .map_err(io(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_position_reads_back_and_a_damaged_one_reads_as_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(saved_position(dir.path()).expect("read"), None);
        let position = SpoolPosition {
            segment: 7,
            offset: 4096,
        };
        save_position(dir.path(), position).expect("save");
        assert_eq!(saved_position(dir.path()).expect("read"), Some(position));
        fs::write(dir.path().join(POSITION_FILE), "7 40").expect("cut short");
        assert_eq!(
            saved_position(dir.path()).expect("read"),
            Some(SpoolPosition {
                segment: 7,
                offset: 40
            })
        );
        fs::write(dir.path().join(POSITION_FILE), "7").expect("damage");
        assert_eq!(saved_position(dir.path()).expect("read"), None);
    }
}
