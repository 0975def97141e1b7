//! The fields of a delimited ratings line: trimmed, unquoted and parsed into ids, ratings and
//! timestamps, with the error that says what a field must hold.

use crate::ratings::format::RatingRule;

/// A field without the spaces around it.
pub(super) fn trim(field: &[u8]) -> &[u8] {
    field.trim_ascii()
}

/// A field without its surrounding double quotes (no escapes inside ratings fields); a quote
/// anywhere else (`"ns1`, `ns1"`, `n"s1`) is an error, as in the catalog reader, rather than
/// part of an id.
pub(super) fn unquote(field: &[u8]) -> std::result::Result<&[u8], String> {
    let inner = match field {
        [b'"', inner @ .., b'"'] => inner,
        _ => field,
    };
    if inner.contains(&b'"') {
        return Err(format!(
            "unbalanced quote in field {:?}; expected a value quoted at both ends or not at all",
            String::from_utf8_lossy(field)
        ));
    }
    Ok(inner)
}

/// An integer with an optional sign; the common short shape without `str::parse`.
pub(super) fn parse_i64(field: &[u8]) -> Option<i64> {
    let (negative, digits) = match field {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, field),
    };
    if digits.is_empty() || digits.len() > 18 {
        return std::str::from_utf8(field).ok()?.parse().ok();
    }
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + (b - b'0') as i64;
    }
    Some(if negative { -value } else { value })
}

/// Parses and checks one rating; the error message says what is accepted.
pub(in crate::ratings) fn parse_rating(
    field: &[u8],
    rule: RatingRule,
) -> std::result::Result<f32, String> {
    let value = parse_decimal(field)
        .or_else(|| std::str::from_utf8(field).ok()?.parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            format!(
                "rating {:?} is not a number",
                String::from_utf8_lossy(field)
            )
        })?;
    let (low, high) = rule.scale();
    if value < low as f64 || value > high as f64 {
        return Err(format!(
            "rating {value} is outside the scale {low:.1}-{high:.1}"
        ));
    }
    match rule {
        RatingRule::HalfStars if (value * 2.0).fract() != 0.0 => Err(format!(
            "rating {value} is not a half star (accepted: 0.5, 1.0, 1.5, ..., 5.0)"
        )),
        RatingRule::WholeStars if value.fract() != 0.0 => Err(format!(
            "rating {value} is not a whole star (accepted: 1, 2, 3, 4, 5)"
        )),
        _ => Ok(value as f32),
    }
}

/// `4`, `3.5`, `3.50`: the common shapes, without going through `str::parse`.
fn parse_decimal(field: &[u8]) -> Option<f64> {
    let (integer, fraction) = match field.iter().position(|&b| b == b'.') {
        Some(dot) => (&field[..dot], &field[dot + 1..]),
        None => (field, &field[field.len()..]),
    };
    if integer.is_empty() || integer.len() > 6 || fraction.len() > 6 {
        return None;
    }
    let mut whole: u64 = 0;
    for &b in integer {
        if !b.is_ascii_digit() {
            return None;
        }
        whole = whole * 10 + (b - b'0') as u64;
    }
    let mut numerator: u64 = 0;
    let mut denominator: u64 = 1;
    for &b in fraction {
        if !b.is_ascii_digit() {
            return None;
        }
        numerator = numerator * 10 + (b - b'0') as u64;
        denominator *= 10;
    }
    Some(whole as f64 + numerator as f64 / denominator as f64)
}

/// A header name without its surrounding quotes.
pub(in crate::ratings) fn unquote_str(field: &str) -> &str {
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(field)
}
