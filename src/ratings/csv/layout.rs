//! Where the fields of a delimited ratings file are: worked out from its format and header.

use std::path::Path;

use super::fields::unquote_str;
use crate::ratings::format::{RatingRule, RatingsFormat, HENRY_HEADER, MOVIELENS_CSV_HEADER};
use crate::{Error, Result};

/// Where the fields of a delimited file are.
#[derive(Clone, Copy, Debug)]
pub(super) struct Layout {
    pub(super) delimiter: u8,
    pub(super) n_fields: usize,
    pub(super) user: usize,
    pub(super) title: usize,
    pub(super) rating: usize,
    pub(super) timestamp: usize,
    pub(super) rule: RatingRule,
}

/// Most fields a line may have: a line's delimiter positions are kept in a fixed array.
pub(super) const MAX_FIELDS: usize = 32;

/// Works out the layout from the format and the header; returns it with the offset of the
/// first data byte and the number of lines before it.
pub(super) fn csv_layout(
    path: &Path,
    bytes: &[u8],
    format: RatingsFormat,
) -> Result<(Layout, usize, u64)> {
    if format == RatingsFormat::MovieLens {
        let layout = Layout {
            delimiter: b'\t',
            n_fields: 4,
            user: 0,
            title: 1,
            rating: 2,
            timestamp: 3,
            rule: RatingRule::WholeStars,
        };
        return Ok((layout, 0, 0));
    }
    let expected = if format == RatingsFormat::MovieLensCsv {
        MOVIELENS_CSV_HEADER
    } else {
        HENRY_HEADER
    };
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let header = std::str::from_utf8(&bytes[..end]).unwrap_or("");
    let header = header.trim_start_matches('\u{feff}').trim_end_matches('\r');
    let names: Vec<&str> = header.split(',').map(|n| unquote_str(n.trim())).collect();
    let find = |name: &str| names.iter().position(|n| *n == name);
    let header_error = || Error::Header {
        path: path.to_path_buf(),
        expected: expected.to_string(),
        found: header.to_string(),
    };
    if names.len() > MAX_FIELDS {
        return Err(header_error());
    }
    let (Some(user), Some(title), Some(rating), Some(timestamp)) = (
        find("userId"),
        find("movieId"),
        find("rating"),
        find("timestamp"),
    ) else {
        return Err(header_error());
    };
    let layout = Layout {
        delimiter: b',',
        n_fields: names.len(),
        user,
        title,
        rating,
        timestamp,
        rule: RatingRule::HalfStars,
    };
    let data_start = (end + 1).min(bytes.len());
    Ok((layout, data_start, 1))
}

/// What a field of a delimited line holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    User,
    Title,
    Rating,
    Timestamp,
    Other,
}

impl Layout {
    /// The role of each field, in line order.
    pub(super) fn roles(&self) -> Vec<Role> {
        (0..self.n_fields)
            .map(|k| match k {
                k if k == self.user => Role::User,
                k if k == self.title => Role::Title,
                k if k == self.rating => Role::Rating,
                k if k == self.timestamp => Role::Timestamp,
                _ => Role::Other,
            })
            .collect()
    }
}
