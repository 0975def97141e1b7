//! The fast path for the common Henry line (`49075,3.5,1175880758,ns8401`), a word at a time.

use super::layout::Role;
#[cfg(doc)]
use super::rows::parse_plain_line;
use super::rows::PlainRow;
use crate::ratings::intern::catalog_key_in_word;
use crate::util::swar::{bytes_before_flag, equal_flags, swar_number, word_at};

/// The Henry column order, by far the most common input. Passing this constant to
/// [`parse_plain_line`] lets the compiler unroll its per-field loop and drop the per-field
/// dispatch on the role.
pub(super) const HENRY_ROLES: [Role; 4] = [Role::User, Role::Rating, Role::Timestamp, Role::Title];

/// The fast path for the common Henry line, `49075,3.5,1175880758,ns8401\n`, a word at a time:
/// plain digits, a `d.0` or `d.5` rating, a title without quotes or padding. Whenever it
/// returns a row, [`parse_plain_line`] would return the same row; anything else (other
/// shapes, the chunk's last bytes) returns `None` and is left to it.
#[inline(always)]
pub(super) fn parse_henry_line(chunk: &[u8], position: usize) -> Option<PlainRow> {
    let (user_id, position) = swar_number(chunk, position, b',')?;
    let rating = match *chunk.get(position..position + 4)? {
        [whole @ b'0'..=b'9', b'.', fraction @ (b'0' | b'5'), b','] => {
            let halves = (whole - b'0') * 2 + (fraction == b'5') as u8;
            if !(1..=10).contains(&halves) {
                return None;
            }
            halves as f32 * 0.5
        }
        _ => return None,
    };
    let (timestamp, title_start) = swar_number(chunk, position + 4, b',')?;
    // The title ends at the first delimiter, line end or quote, within three words.
    let first_title_word = word_at(chunk, title_start)?;
    let mut title_end = title_start;
    loop {
        let word = if title_end == title_start {
            first_title_word
        } else {
            word_at(chunk, title_end)?
        };
        let stops = equal_flags(word, b',')
            | equal_flags(word, b'\n')
            | equal_flags(word, b'\r')
            | equal_flags(word, b'"');
        let n = bytes_before_flag(stops);
        title_end += n;
        if n < 8 {
            break;
        }
        if title_end - title_start >= 24 {
            return None;
        }
    }
    let title = &chunk[title_start..title_end];
    if title.is_empty() || title[0] == b' ' || title[title.len() - 1] == b' ' {
        return None;
    }
    let next = match chunk[title_end] {
        b'\n' => title_end + 1,
        b'\r' if chunk.get(title_end + 1) == Some(&b'\n') => title_end + 2,
        _ => return None,
    };
    Some(PlainRow {
        next,
        user_id,
        title: (title_start, title_end),
        title_key: catalog_key_in_word(first_title_word, title.len()),
        rating,
        timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratings::csv::rows::parse_plain_line;
    use crate::ratings::format::RatingRule;

    #[test]
    fn the_henry_fast_path_agrees_with_the_plain_parser() {
        let lines = [
            "49075,5.0,1175880758,ns8401\n",
            "1,0.5,0,as1\n",
            "1,3.5,12,as1\r\n",
            "12345678,4.0,1234567890123456,a-very-long-title-id-of-many-bytes\n",
            "123456789,4.0,12345678901234567,x\n",
            "007,4.5,0001,y\n",
            "1,0.0,1,as1\n",
            "1,5.5,1,as1\n",
            "1,4.50,1,as1\n",
            "1,4.2,1,as1\n",
            "1,4,1,as1\n",
            "-1,4.0,1,as1\n",
            "1,4.0,1, as1\n",
            "1,4.0,1,as1 \n",
            "1,4.0,1,\"as1\"\n",
            "1,4.0,1,as1,extra\n",
            "1,4.0,1,\n",
            "1,4.0,1,as1\r",
            "1,4.0,1,as1",
        ];
        let summary = |row: PlainRow| {
            (
                row.next,
                row.user_id,
                row.title,
                row.title_key,
                row.rating.to_bits(),
                row.timestamp,
            )
        };
        for line in lines {
            // Padding after the line so that the word loads reach every byte of it.
            let padded = format!("{line}99,1.0,0,zz\n99,1.0,0,zz\n99,1.0,0,zz\n");
            for chunk in [line.as_bytes(), padded.as_bytes()] {
                let plain = parse_plain_line(chunk, 0, &HENRY_ROLES, b',', RatingRule::HalfStars)
                    .map(summary);
                if let Some(fast) = parse_henry_line(chunk, 0).map(summary) {
                    assert_eq!(Some(fast), plain, "{line:?}");
                }
            }
        }
        // The common shape does take the fast path.
        let padded = b"49075,5.0,1175880758,ns8401\n2,1.0,1,as1\n";
        assert!(parse_henry_line(padded, 0).is_some());
    }
}
