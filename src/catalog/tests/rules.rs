//! The ETL rules, one test per rule, through `parse_catalog`.

use super::{one, record_error};
use crate::catalog::{parse_duration, DurationType, Platform};
use crate::util::date::{civil_from_days, days_from_civil};
use crate::Error;

#[test]
fn id_is_platform_letter_plus_show_id() {
    for (platform, id) in [
        (Platform::Amazon, "as123"),
        (Platform::Disney, "ds123"),
        (Platform::Hulu, "hs123"),
        (Platform::Netflix, "ns123"),
    ] {
        let title = one(platform, "s123,Movie,X,,,,,2020,PG,90 min,,\n");
        assert_eq!(title.id, id);
        assert_eq!(title.show_id, "s123");
        assert_eq!(title.platform, platform);
    }
}

#[test]
fn platform_letters_and_names_are_defined_once() {
    for platform in Platform::ALL {
        assert_eq!(
            Platform::from_letter(platform.letter() as u8),
            Some(platform)
        );
    }
    assert_eq!(Platform::from_letter(b's'), None);
    assert_eq!(Platform::accepted_names(), "amazon, disney, hulu, netflix");
}

#[test]
fn duration_held_in_rating_moves_to_duration_and_rating_becomes_g() {
    let movie = one(Platform::Hulu, "s1,Movie,X,,,,,2020,74 min,,,\n");
    assert_eq!(
        (movie.duration_int, movie.duration_type),
        (Some(74), Some(DurationType::Min))
    );
    assert_eq!(movie.rating, "g");
    let show = one(Platform::Hulu, "s1,TV Show,X,,,,,2020,2 Seasons,,,\n");
    assert_eq!(
        (show.duration_int, show.duration_type),
        (Some(2), Some(DurationType::Season))
    );
    assert_eq!(show.rating, "g");
    let single = one(Platform::Netflix, "s1,TV Show,X,,,,,2020,1 Season,,,\n");
    assert_eq!(
        (single.duration_int, single.duration_type),
        (Some(1), Some(DurationType::Season))
    );
}

#[test]
fn rating_stays_when_duration_is_present() {
    let title = one(Platform::Hulu, "s1,Movie,X,,,,,2020,TV-MA,90 min,,\n");
    assert_eq!(title.rating, "tv-ma");
    assert_eq!(title.duration_int, Some(90));
}

#[test]
fn empty_rating_becomes_g_and_ratings_are_lowercase() {
    assert_eq!(
        one(Platform::Amazon, "s1,Movie,X,,,,,2020,,90 min,,\n").rating,
        "g"
    );
    assert_eq!(
        one(Platform::Amazon, "s1,Movie,X,,,,,2020,  ,90 min,,\n").rating,
        "g"
    );
    assert_eq!(
        one(Platform::Amazon, "s1,Movie,X,,,,,2020,AGES_16_,90 min,,\n").rating,
        "ages_16_"
    );
    assert_eq!(
        one(Platform::Amazon, "s1,Movie,X,,,,,2020,13+,90 min,,\n").rating,
        "13+"
    );
}

#[test]
fn date_added_becomes_a_date_and_tolerates_spaces() {
    let title = one(
        Platform::Netflix,
        "s1,Movie,X,,,,\"September 25, 2021\",2020,PG,90 min,,\n",
    );
    assert_eq!(title.date_added, Some(days_from_civil(2021, 9, 25)));
    assert_eq!(days_from_civil(2021, 9, 25), 18_895);
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 2, 29), 11_016);
    for days in [-800_000, -1, 0, 11_016, 18_895, 60_000] {
        let (year, month, day) = civil_from_days(days);
        assert_eq!(days_from_civil(year, month, day), days);
    }
    assert_eq!(civil_from_days(18_895), (2021, 9, 25));
    let spaced = one(
        Platform::Netflix,
        "s1,Movie,X,,,,\" August 4, 2017\",2020,PG,90 min,,\n",
    );
    assert_eq!(spaced.date_added, Some(days_from_civil(2017, 8, 4)));
    let empty = one(Platform::Amazon, "s1,Movie,X,,,,,2020,PG,90 min,,\n");
    assert_eq!(empty.date_added, None);
}

#[test]
fn bad_date_is_an_error_with_line() {
    let (line, message) =
        record_error("s1,Movie,X,,,,\"September 25, 2021\",2020,PG,90 min,,\ns2,Movie,Y,,,,\"Smarch 3, 2020\",2020,PG,90 min,,\n");
    assert_eq!(line, 3);
    assert!(
        message.contains("date_added") && message.contains("September 25, 2021"),
        "{message}"
    );
    let (_, message) = record_error("s1,Movie,X,,,,\"February 30, 2020\",2020,PG,90 min,,\n");
    assert!(message.contains("February 30"), "{message}");
}

#[test]
fn release_year_is_an_integer_or_an_error() {
    assert_eq!(
        one(Platform::Disney, "s1,Movie,X,,,,,1988,PG,90 min,,\n").release_year,
        1988
    );
    let (line, message) = record_error("s1,Movie,X,,,,,19x8,PG,90 min,,\n");
    assert_eq!(line, 2);
    assert!(
        message.contains("release_year") && message.contains("19x8"),
        "{message}"
    );
}

#[test]
fn every_text_field_is_trimmed_lowercase_and_empty_is_none() {
    let title = one(
        Platform::Netflix,
        "s1,TV Show,Blood & Water,\u{a0}Jane DOE,\"Ama Qamata,  Khosi Ngema\",South Africa,,2021,TV-MA,2 Seasons,\"International TV Shows, TV Dramas\",\"After crossing PATHS.\"\n",
    );
    assert_eq!(title.kind, "tv show");
    assert_eq!(title.title, "blood & water");
    assert_eq!(title.director.as_deref(), Some("jane doe"));
    assert_eq!(title.cast.as_deref(), Some("ama qamata,  khosi ngema"));
    assert_eq!(title.country.as_deref(), Some("south africa"));
    assert_eq!(
        title.listed_in.as_deref(),
        Some("international tv shows, tv dramas")
    );
    assert_eq!(title.description.as_deref(), Some("after crossing paths."));
    assert_eq!(title.duration_type.map(DurationType::name), Some("season"));
    let empty = one(Platform::Hulu, "s1,Movie,X,, , ,,2020,PG,,,\n");
    assert_eq!(
        (empty.director, empty.cast, empty.country),
        (None, None, None)
    );
    assert_eq!((empty.listed_in, empty.description), (None, None));
    assert_eq!((empty.duration_int, empty.duration_type), (None, None));
}

#[test]
fn durations_split_into_number_and_type() {
    assert_eq!(parse_duration("113 min"), Some((113, DurationType::Min)));
    assert_eq!(parse_duration("1 Season"), Some((1, DurationType::Season)));
    assert_eq!(
        parse_duration("12 Seasons"),
        Some((12, DurationType::Season))
    );
    assert_eq!(parse_duration("TV-MA"), None);
    assert_eq!(parse_duration("min"), None);
    let (line, message) = record_error("s1,Movie,X,,,,,2020,PG,ninety min,,\n");
    assert_eq!(line, 2);
    assert!(
        message.contains("duration") && message.contains("ninety min"),
        "{message}"
    );
}

#[test]
fn unknown_type_and_empty_show_id_are_errors() {
    let (_, message) = record_error("s1,Film,X,,,,,2020,PG,90 min,,\n");
    assert!(message.contains("\"Film\""), "{message}");
    let (_, message) = record_error(",Movie,X,,,,,2020,PG,90 min,,\n");
    assert!(message.contains("show_id"), "{message}");
}

#[test]
fn platforms_parse_in_any_case_and_list_the_names_otherwise() {
    assert_eq!(Platform::parse("NetFlix").unwrap(), Platform::Netflix);
    assert_eq!(" hulu ".parse::<Platform>().unwrap(), Platform::Hulu);
    match Platform::parse("hbo") {
        Err(Error::InvalidArgument {
            name,
            value,
            accepted,
        }) => {
            assert_eq!((name.as_str(), value.as_str()), ("platform", "hbo"));
            assert_eq!(accepted, "amazon, disney, hulu, netflix");
        }
        other => panic!("expected an invalid argument, got {other:?}"),
    }
    assert_eq!(
        DurationType::parse("SEASONS").unwrap(),
        DurationType::Season
    );
    assert_eq!(DurationType::parse("Min").unwrap(), DurationType::Min);
    assert!(DurationType::parse("hours").is_err());
}
