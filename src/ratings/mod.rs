//! Ratings ingest: Henry-format CSVs, MovieLens u.data / ratings.csv and Parquet -> one
//! compact typed table.
//!
//! CONTRACT (shared with synth/eda/recommender/eval): `RatingsTable` and its fields below.
//!
//! CSV files are parsed in parallel: each file is cut into byte chunks that start at line
//! starts, every chunk records its distinct titles in order of first appearance, and the
//! chunks are merged in order so that dense indexes follow the order of first appearance,
//! exactly as a serial reader would assign them; the merged rows are then written into the
//! columns in parallel. Catalog-shaped title ids (`as680`) and small user ids are looked up
//! in direct-address arrays, other ids in hash maps. The common Henry line takes a
//! word-at-a-time fast path. Line numbers are only counted when an error needs one.
//!
//! Where things are: [`RatingsTable`] in `table.rs` (its aggregates in `stats.rs`, its
//! DataFrames in `frame.rs`); the formats and their detection in `format.rs`; which files a
//! source names in `source.rs`; the reader in `read.rs`, over `csv/` (the chunked parse: the
//! Henry fast path, general rows, fields) and `parquet.rs`; a file read in pieces (its bytes,
//! some of its lines, a batch of its rows: what a Spark task holds) in `pieces.rs`; id
//! interning in `intern.rs` and the merge of parsed chunks in `chunk.rs`; repeated (user,
//! title) pairs in `duplicates.rs`; the Henry-shaped generator in [`synth`].

mod chunk;
mod csv;
mod duplicates;
mod format;
mod frame;
mod intern;
pub mod movielens;
mod parquet;
mod pieces;
mod read;
mod source;
mod stats;
pub mod synth;
mod table;
#[cfg(test)]
mod tests;
mod train_test;

pub use duplicates::{refuse_repeat_at_positions, DuplicatePolicy, Repeat, DUPLICATE_POLICIES};
pub use format::{detect_format_of_bytes, RatingsFormat};
pub use frame::{title_ids_as_text, user_ids_as_integers};
pub use movielens::{read_movielens_split, read_udata, MOVIELENS_SPLITS};
pub use pieces::{read_rating_frame, read_rating_lines, read_ratings_bytes};
pub use read::{
    read_ratings, read_ratings_source, read_ratings_sources, read_ratings_sources_with,
    read_ratings_with,
};
pub use source::resolve_source;
pub(crate) use stats::count_indexes;
pub use table::{RatingsTable, TitleStat, UnknownTitles};
pub use train_test::TrainTest;
