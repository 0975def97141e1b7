//! Integer parameters as a caller may give them (Python's ints have any sign and any size),
//! checked against the range a parameter accepts: a negative or huge value is an error
//! naming the parameter and the range, never an overflow in a conversion.

use std::fmt::Display;

use crate::{Error, Result};

/// `value` as a `T` when it lies within `low..=high`, else [`Error::InvalidArgument`]
/// naming `name` and the range (`shown` is the value as the caller wrote it, for a value
/// that did not fit in an `i128`).
///
/// Example: `int_arg::<u64>("seed", -1, &-1, 0, u64::MAX as i128)` is an error reading
/// `invalid seed "-1"; accepted: an integer between 0 and 2**64-1`.
pub fn int_arg<T: TryFrom<i128>>(
    name: &str,
    value: i128,
    shown: &dyn Display,
    low: i128,
    high: i128,
) -> Result<T> {
    if (low..=high).contains(&value) {
        if let Ok(converted) = T::try_from(value) {
            return Ok(converted);
        }
    }
    Err(Error::invalid(
        name,
        shown,
        format!("an integer between {} and {}", bound(low), bound(high)),
    ))
}

/// A bound as a reader knows it: `2**64-1` rather than its 20 digits, else with thousands
/// separators (`10,000`).
fn bound(value: i128) -> String {
    let powers = [
        (u64::MAX as i128, "2**64-1"),
        (i64::MAX as i128, "2**63-1"),
        (u32::MAX as i128, "2**32-1"),
        (i32::MAX as i128, "2**31-1"),
        (i32::MIN as i128, "-2**31"),
        (i64::MIN as i128, "-2**63"),
    ];
    if let Some((_, text)) = powers.iter().find(|(power, _)| *power == value) {
        return text.to_string();
    }
    let digits = value.unsigned_abs().to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    if value < 0 {
        text.insert(0, '-');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_outside_the_range_name_the_parameter_and_the_range() {
        assert_eq!(
            int_arg::<u64>("seed", 7, &7, 0, u64::MAX as i128).unwrap(),
            7
        );
        let top = u64::MAX as i128;
        assert_eq!(int_arg::<u64>("seed", top, &top, 0, top).unwrap(), u64::MAX);
        let error = int_arg::<u64>("random_state", -1, &-1, 0, top).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid random_state \"-1\"; accepted: an integer between 0 and 2**64-1"
        );
        let error = int_arg::<usize>("n", 0, &0, 1, usize::MAX as i128).unwrap_err();
        assert!(
            error.to_string().contains("between 1 and 2**64-1"),
            "{error}"
        );
        let error = int_arg::<u32>("n_files", 10_001, &10_001, 1, 10_000).unwrap_err();
        assert!(
            error.to_string().ends_with("between 1 and 10,000"),
            "{error}"
        );
        let huge = "1".repeat(45);
        let error = int_arg::<i32>("year", i128::MAX, &huge, i32::MIN as i128, i32::MAX as i128)
            .unwrap_err();
        assert!(error.to_string().contains(&huge), "{error}");
        assert!(
            error.to_string().ends_with("between -2**31 and 2**31-1"),
            "{error}"
        );
    }
}
