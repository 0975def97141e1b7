//! Exploratory data analysis over every rating: aggregations in parallel (rayon) over the
//! typed table, results as small polars DataFrames ready to plot.
//!
//! `partial` holds the per-batch sums an engine that spreads the ratings over many tasks
//! (Spark) combines; `rating_count_quantiles_from_frequencies` and `rating_stats_from_sums`
//! finish its combined sums with the definitions of the single-machine analyses.
//!
//! Quantiles interpolate linearly between order statistics (numpy's default), standard
//! deviations are sample ones (`ddof = 1`, polars' default).

mod by_catalog;
mod fold;
mod partial;
mod profile;
mod ratings;

pub use by_catalog::{
    catalog_keys, rating_stats_by, rating_stats_by_frame, rating_stats_from_sums, GROUPINGS,
};
pub use partial::{partial_moments, PARTIAL_KEYS};
pub use profile::{profile, profile_ratings, ColumnProfile};
pub use ratings::{
    rating_count_quantiles, rating_count_quantiles_from_frequencies, rating_histogram,
    ratings_per_month, ratings_per_title, ratings_per_user,
};

#[cfg(test)]
mod tests;
