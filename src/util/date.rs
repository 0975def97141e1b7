//! Calendar dates as day counts since 1970-01-01 (polars' `Date`), over chrono.

use chrono::{Datelike, NaiveDate};

/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const UNIX_EPOCH_FROM_CE: i32 = 719_163;

/// Days since 1970-01-01 of a proleptic Gregorian date, `None` when the date does not exist
/// (February 30th, month 13).
pub fn checked_days_from_civil(year: i32, month: u32, day: u32) -> Option<i32> {
    NaiveDate::from_ymd_opt(year, month, day)
        .map(|date| date.num_days_from_ce() - UNIX_EPOCH_FROM_CE)
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date.
///
/// # Panics
/// When the date does not exist; use [`checked_days_from_civil`] for dates from input.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    checked_days_from_civil(year, month, day)
        .unwrap_or_else(|| panic!("{year}-{month:02}-{day:02} is not a date"))
}

/// The (year, month, day) of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
///
/// # Panics
/// Outside chrono's range (about 262,000 years either side of year 0).
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let date = NaiveDate::from_num_days_from_ce_opt(days + UNIX_EPOCH_FROM_CE)
        .unwrap_or_else(|| panic!("day {days} is outside the calendar's range"));
    (date.year(), date.month(), date.day())
}

/// The first day of the month that `days` falls in.
pub fn month_start(days: i32) -> i32 {
    let (year, month, _) = civil_from_days(days);
    days_from_civil(year, month, 1)
}

/// The UTC day (days since 1970-01-01) of a unix timestamp in seconds.
pub fn unix_day(timestamp: i64) -> i32 {
    timestamp.div_euclid(86_400) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_round_trip_and_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2021, 9, 25), 18_895);
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(checked_days_from_civil(2021, 2, 29), None);
        for days in [-800_000, -1, 0, 59, 60, 11_016, 18_895, 1_000_000] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
        assert_eq!(month_start(18_895), days_from_civil(2021, 9, 1));
        assert_eq!(unix_day(-1), -1);
        assert_eq!(unix_day(86_400), 1);
    }
}
