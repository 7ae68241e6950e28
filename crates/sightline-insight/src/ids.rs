//! Which path segments are ids (`/product/8f14e45f…`, `/order/42`): page groups and request patterns fold them
//! to `:id` by the same rule.

/// `path` with every id-like segment as `:id` (a trailing file extension kept: `/img/1234.png` → `/img/:id.png`).
pub fn group_segments(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if is_id_like(seg) {
            out.push_str(":id");
        } else if let Some((_, ext)) = seg.rsplit_once('.').filter(|(stem, ext)| {
            (1..=5).contains(&ext.len())
                && ext.bytes().all(|b| b.is_ascii_alphanumeric())
                && is_id_like(stem)
        }) {
            out.push_str(":id.");
            out.push_str(ext);
        } else {
            out.push_str(seg);
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// All digits; a UUID; hex of 8+ with a digit; a letters-and-digits token of 16+, or of 8+ switching between
/// letters and digits 4+ times; a `-`/`_`-split token with digits but no word of 3+ letters.
pub fn is_id_like(seg: &str) -> bool {
    let b = seg.as_bytes();
    if b.is_empty() {
        return false;
    }
    let (mut digits, mut letters, mut seps) = (0usize, 0usize, 0usize);
    for &c in b {
        if c.is_ascii_digit() {
            digits += 1;
        } else if c.is_ascii_alphabetic() {
            letters += 1;
        } else if c == b'-' || c == b'_' {
            seps += 1;
        } else {
            return false; // dots, escapes, non-ASCII, ':' ... → a name, not an id
        }
    }
    if digits == 0 {
        return false;
    }
    if letters == 0 && seps == 0 {
        return true; // 12345
    }
    if is_uuid(b) {
        return true;
    }
    if seps == 0 {
        if b.len() >= 8 && b.iter().all(u8::is_ascii_hexdigit) {
            return true; // 8f14e45fceea167a
        }
        if b.len() >= 16 {
            return true; // generated token
        }
        let transitions = b
            .windows(2)
            .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
            .count();
        return b.len() >= 8 && transitions >= 4;
    }
    // Separated token with digits: an id unless some part is a word.
    !seg.split(['-', '_'])
        .any(|p| p.len() >= 3 && p.bytes().all(|c| c.is_ascii_alphabetic()))
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}
