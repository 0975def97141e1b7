//! Records and files: quoting, line endings, field counts, headers, encodings, paths.

use std::path::Path;

use super::{parse, record_error, HEADER};
use crate::catalog::{
    parse_catalog, parse_catalog_frame, read_catalog_dir, read_catalog_files, Platform,
};
use crate::Error;

#[test]
fn quoted_fields_hold_commas_quotes_and_line_breaks() {
    let titles = parse(
        Platform::Amazon,
        "s1,Movie,\"Hello, \"\"World\"\"\",,,,,2020,PG,90 min,,\"line one\nline two\"\ns2,Movie,Next,,,,,2021,PG,80 min,,\n",
    )
    .unwrap();
    assert_eq!(titles[0].title, "hello, \"world\"");
    assert_eq!(titles[0].description.as_deref(), Some("line one\nline two"));
    assert_eq!(titles[1].title, "next");
    // The record after a multi-line one is reported on its real line.
    let (line, _) = record_error(
        "s1,Movie,X,,,,,2020,PG,90 min,,\"a\nb\nc\"\ns2,Movie,Y,,,,,bad,PG,90 min,,\n",
    );
    assert_eq!(line, 5);
}

#[test]
fn crlf_line_endings_and_bom_are_accepted() {
    let text = format!(
        "\u{feff}{}s1,Movie,X,,,,,2020,PG,90 min,,\r\n",
        HEADER.replace('\n', "\r\n")
    );
    let titles = parse_catalog(text.as_bytes(), Platform::Disney, Path::new("crlf.csv")).unwrap();
    assert_eq!(titles.len(), 1);
    assert_eq!(titles[0].description, None);
}

#[test]
fn wrong_field_count_names_line_and_expectation() {
    let (line, message) = record_error("s1,Movie,X,,,,,2020,PG,90 min,,\ns2,Movie,Y,2020\n");
    assert_eq!(line, 3);
    assert!(
        message.contains("4 fields") && message.contains("expected 12"),
        "{message}"
    );
    let (line, _) = record_error("s1,Movie,X,,,,,2020,PG,90 min,,,extra\n");
    assert_eq!(line, 2);
    // A blank line is a one-field record, not something to skip silently.
    let (line, _) =
        record_error("s1,Movie,X,,,,,2020,PG,90 min,,\n\ns2,Movie,Y,,,,,2020,PG,90 min,,\n");
    assert_eq!(line, 3);
}

#[test]
fn unterminated_quote_and_text_after_quote_are_errors() {
    let (line, message) = record_error("s1,Movie,\"X,,,,,2020,PG,90 min,,\n");
    assert_eq!(line, 2);
    assert!(message.contains("unterminated"), "{message}");
    let (_, message) = record_error("s1,Movie,\"X\"y,,,,,2020,PG,90 min,,\n");
    assert!(message.contains("closing quote"), "{message}");
}

#[test]
fn wrong_header_is_an_error() {
    let text = "id,type\ns1,Movie\n";
    match parse_catalog(text.as_bytes(), Platform::Hulu, Path::new("bad.csv")) {
        Err(Error::Header {
            path,
            expected,
            found,
        }) => {
            assert_eq!(path, Path::new("bad.csv"));
            assert_eq!(found, "id,type");
            assert!(expected.starts_with("show_id,type,title"));
        }
        other => panic!("expected a header error, got {other:?}"),
    }
    assert!(matches!(
        parse_catalog(&b""[..], Platform::Hulu, Path::new("empty.csv")),
        Err(Error::Header { .. })
    ));
}

#[test]
fn invalid_utf8_names_its_line() {
    let mut bytes = format!("{HEADER}s1,Movie,X,,,,,2020,PG,90 min,,\ns2,Movie,").into_bytes();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    match parse_catalog(bytes.as_slice(), Platform::Hulu, Path::new("latin1.csv")) {
        Err(Error::Record { line, message, .. }) => {
            assert_eq!(line, 3);
            assert!(message.contains("UTF-8"));
        }
        other => panic!("expected a record error, got {other:?}"),
    }
}

#[test]
fn missing_files_are_io_errors_naming_the_path() {
    let missing = Path::new("/nonexistent/streamrec");
    assert!(matches!(read_catalog_dir(missing), Err(Error::Io { .. })));
    let files = vec![(Platform::Hulu, missing.join("hulu_titles.csv"))];
    match read_catalog_files(&files) {
        Err(error @ Error::Io { .. }) => {
            assert!(error.to_string().contains("hulu_titles.csv"));
        }
        other => panic!("expected an io error, got {other:?}"),
    }
    assert!(matches!(
        read_catalog_files(&[]),
        Err(Error::InvalidArgument { .. })
    ));
}

/// The bundled Netflix file with its first title (`s1`) once more at the end: both readers
/// refuse it, naming the file, the repeated record's line and the first one.
#[test]
fn a_duplicate_show_id_is_refused_with_both_lines() {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/streamrec/data");
    let text = std::fs::read_to_string(bundled.join("netflix_titles.csv")).unwrap();
    let first_record = text.lines().nth(1).unwrap();
    assert!(first_record.starts_with("s1,"), "{first_record}");
    let lines = text.lines().count() as u64;
    let duplicated = format!("{}\n{first_record}\n", text.trim_end());
    let source = Path::new("netflix_titles.csv");
    for result in [
        parse_catalog(duplicated.as_bytes(), Platform::Netflix, source).map(|_| ()),
        parse_catalog_frame(duplicated.as_bytes(), Platform::Netflix, source).map(|_| ()),
    ] {
        match result {
            Err(Error::Record {
                path,
                line,
                message,
            }) => {
                assert_eq!(path, source);
                assert_eq!(line, lines + 1);
                assert!(
                    message.contains("duplicate show_id \"s1\" (first on line 2)"),
                    "{message}"
                );
            }
            other => panic!("expected a duplicate error, got {other:?}"),
        }
    }
    // The file as bundled has no duplicate.
    assert_eq!(
        parse_catalog(text.as_bytes(), Platform::Netflix, source)
            .unwrap()
            .len(),
        8_807
    );
}

#[test]
fn a_tab_separated_catalog_is_named_as_such() {
    let text = HEADER.replace(',', "\t") + "s1\tmovie\tx\t\t\t\t\t2020\tpg\t90 min\tdrama\td\n";
    match parse_catalog(text.as_bytes(), Platform::Netflix, Path::new("tabbed.csv")) {
        Err(Error::Record { line, message, .. }) => {
            assert_eq!(line, 1);
            assert!(
                message.starts_with("the file is tab-separated"),
                "{message}"
            );
            assert!(message.contains("show_id,type,title"), "{message}");
        }
        other => panic!("expected a record error, got {other:?}"),
    }
}
