//! The catalog stage: the four platform CSVs -> one clean table of titles -> the indexes that
//! answer the catalog queries.
//!
//! CONTRACT (shared with ratings/synth/recommender): the [`Platform`], [`DurationType`],
//! [`Title`] and [`CatalogTable`] types and [`read_catalog_dir`]. Other modules only use these
//! names.
//!
//! The rules (issue 3), applied to every record in [`clean_record`]:
//! 1. `id` = first letter of the platform + `show_id` (`s123` on amazon -> `as123`).
//! 2. An empty `duration` with a duration-shaped `rating` (`"74 min"`, `"2 Seasons"`): the value
//!    moves to `duration` and `rating` becomes empty.
//! 3. An empty `rating` becomes `"g"`.
//! 4. `date_added` (`"September 25, 2021"`, surrounding spaces tolerated) becomes a date; empty
//!    stays null. `release_year` is an integer.
//! 5. Every text field is trimmed and lowercase; empty text is null.
//! 6. `duration` splits into `duration_int` and `duration_type` (`min` or `season`).
//! 7. `score` comes later, from a scores file ([`CatalogTable::attach_scores`]) or from
//!    loaded ratings ([`CatalogTable::attach_ratings`]).
//!
//! Nothing is silently dropped: a record that breaks a rule is an error naming the file, the
//! line and what was expected, and so is a `show_id` repeated within a file (it would count a
//! title twice).
//!
//! The files, in the order data flows through them: `model` (the types), `csv` (records),
//! `clean` (the rules), `read` (files -> [`CatalogTable`]) or `frame` (files -> DataFrame),
//! `scores`, then `index` (the [`Catalog`] and its queries) over `counts` and `actors`.
//! `genres` maps the platforms' genre names onto one vocabulary (`tv horror` and `horror`).

mod actors;
mod clean;
mod counts;
mod csv;
mod frame;
mod genres;
mod index;
mod model;
mod read;
mod scores;
mod source;

pub use actors::{cast_members, ActorCount};
pub use clean::{clean_record, parse_date_added, parse_duration, CATALOG_HEADER};
pub use counts::KIND_NAMES;
pub use csv::{CsvRecords, RecordResult};
pub use frame::{parse_catalog_frame, read_catalog_dir_frame, read_catalog_frame};
pub use genres::{genre_entries, normalise_genre, normalise_listed_in};
pub use index::Catalog;
pub use model::{CatalogTable, DurationType, Platform, Title, DURATION_TYPE_NAMES};
pub use read::{parse_catalog, read_catalog_dir, read_catalog_file, read_catalog_files};
pub use scores::{parse_scores, read_scores, SCORES_HEADER};
pub use source::CatalogSource;

#[cfg(test)]
mod tests;
