//! Ratings lines of any delimited layout: the plain one-pass parse, and the general parse
//! that handles quotes, padding and blank lines and words the errors.

use super::fields::{parse_i64, parse_rating, trim, unquote};
use super::layout::{Layout, Role, MAX_FIELDS};
use crate::ratings::format::RatingRule;
use crate::ratings::intern::catalog_key;

/// One row parsed by [`parse_plain_line`].
pub(super) struct PlainRow {
    pub(super) next: usize,
    pub(super) user_id: i64,
    pub(super) title: (usize, usize),
    /// [`catalog_key`] of the title.
    pub(super) title_key: Option<u32>,
    pub(super) rating: f32,
    pub(super) timestamp: i64,
}

/// Parses the line starting at `position` in one pass when it is plain (unquoted, unpadded
/// digits, a valid rating); anything else returns `None` and goes through the general path,
/// which also words the errors.
#[inline(always)]
pub(super) fn parse_plain_line(
    chunk: &[u8],
    mut position: usize,
    roles: &[Role],
    delimiter: u8,
    rule: RatingRule,
) -> Option<PlainRow> {
    let mut row = PlainRow {
        next: 0,
        user_id: 0,
        title: (0, 0),
        title_key: None,
        rating: 0.0,
        timestamp: 0,
    };
    let last = roles.len() - 1;
    for (k, &role) in roles.iter().enumerate() {
        match role {
            Role::User | Role::Timestamp => {
                let start = position;
                let mut value: i64 = 0;
                while let Some(&byte) = chunk.get(position) {
                    if !byte.is_ascii_digit() {
                        break;
                    }
                    value = value * 10 + (byte - b'0') as i64;
                    position += 1;
                }
                if position == start || position - start > 18 {
                    return None;
                }
                if role == Role::User {
                    row.user_id = value;
                } else {
                    row.timestamp = value;
                }
            }
            Role::Rating => {
                // Counted in half stars: integer checks, exact, no float rounding. Only
                // `d`, `d.`, `d.0`, `d.5` and those with trailing zeros are taken here; any
                // other fraction digit stops the field early and fails the terminator test
                // below, so the general path parses it and words the error.
                let start = position;
                let mut whole: u32 = 0;
                while let Some(&byte) = chunk.get(position) {
                    if !byte.is_ascii_digit() {
                        break;
                    }
                    whole = whole.checked_mul(10)? + (byte - b'0') as u32;
                    position += 1;
                }
                if position == start {
                    return None;
                }
                let mut halves = whole.checked_mul(2)?;
                if chunk.get(position) == Some(&b'.') {
                    position += 1;
                    if chunk.get(position) == Some(&b'5') {
                        halves += 1;
                        position += 1;
                    }
                    while chunk.get(position) == Some(&b'0') {
                        position += 1;
                    }
                }
                let rating = halves as f32 * 0.5;
                let (low, high) = rule.scale();
                let valid = rating >= low
                    && rating <= high
                    && (rule == RatingRule::HalfStars || halves % 2 == 0);
                if !valid {
                    return None;
                }
                row.rating = rating;
            }
            Role::Title | Role::Other => {
                let start = position;
                while let Some(&byte) = chunk.get(position) {
                    if byte == delimiter || byte == b'\n' || byte == b'\r' || byte == b'"' {
                        break;
                    }
                    position += 1;
                }
                if role == Role::Title {
                    let id = &chunk[start..position];
                    if id.is_empty() || id[0] == b' ' || id[id.len() - 1] == b' ' {
                        return None;
                    }
                    row.title = (start, position);
                    row.title_key = catalog_key(id);
                }
            }
        }
        let terminator = chunk.get(position).copied();
        if k < last {
            if terminator != Some(delimiter) {
                return None;
            }
            position += 1;
        } else {
            match terminator {
                None => {}
                Some(b'\n') => position += 1,
                Some(b'\r') if chunk.get(position + 1) == Some(&b'\n') => position += 2,
                _ => return None,
            }
        }
    }
    row.next = position;
    Some(row)
}

/// One row parsed by [`parse_general_line`]: the title as its bytes, not yet interned.
pub(super) struct GeneralRow<'a> {
    pub(super) user_id: i64,
    pub(super) title: &'a [u8],
    pub(super) rating: f32,
    pub(super) timestamp: i64,
}

/// Parses the line starting at `position` field by field, whatever its shape; returns the
/// position of the next line and the row (`None` for a blank line), or what is wrong with
/// the line.
pub(super) fn parse_general_line<'a>(
    chunk: &'a [u8],
    position: usize,
    layout: &Layout,
) -> Result<(usize, Option<GeneralRow<'a>>), String> {
    // Byte offsets of the delimiters of the line.
    let mut delimiters = [0usize; MAX_FIELDS];
    let delimiter = layout.delimiter;
    let start = position;
    let mut n_delimiters = 0;
    let mut end = start;
    while end < chunk.len() {
        let byte = chunk[end];
        if byte == b'\n' {
            break;
        }
        if byte == delimiter {
            if n_delimiters < MAX_FIELDS {
                delimiters[n_delimiters] = end;
            }
            n_delimiters += 1;
        }
        end += 1;
    }
    let next = end + 1;
    if end > start && chunk[end - 1] == b'\r' {
        end -= 1;
    }
    let line = &chunk[start..end];
    if line.is_empty() || (n_delimiters == 0 && line.iter().all(u8::is_ascii_whitespace)) {
        return Ok((next, None));
    }
    if n_delimiters + 1 != layout.n_fields {
        return Err(format!(
            "malformed row {:?}: expected {} fields separated by {:?}, found {}",
            String::from_utf8_lossy(line),
            layout.n_fields,
            delimiter as char,
            n_delimiters + 1
        ));
    }
    let field = |k: usize| -> Result<&[u8], String> {
        let from = if k == 0 { start } else { delimiters[k - 1] + 1 };
        let to = if k == n_delimiters {
            end
        } else {
            delimiters[k]
        };
        unquote(trim(&chunk[from..to]))
    };
    // Every field, read or not: a stray quote means the line is not what it seems.
    for k in 0..layout.n_fields {
        field(k)?;
    }
    let user_field = field(layout.user)?;
    let user_id = parse_i64(user_field).ok_or_else(|| {
        format!(
            "userId {:?} is not an integer",
            String::from_utf8_lossy(user_field)
        )
    })?;
    let rating = parse_rating(field(layout.rating)?, layout.rule)?;
    let timestamp_field = field(layout.timestamp)?;
    let timestamp = parse_i64(timestamp_field).ok_or_else(|| {
        format!(
            "timestamp {:?} is not an integer (unix seconds)",
            String::from_utf8_lossy(timestamp_field)
        )
    })?;
    let title = field(layout.title)?;
    if title.is_empty() {
        return Err("movieId is empty".to_string());
    }
    let row = GeneralRow {
        user_id,
        title,
        rating,
        timestamp,
    };
    Ok((next, Some(row)))
}
