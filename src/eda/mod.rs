//! Exploratory data analysis over every rating: aggregations in parallel (rayon) over the
//! typed table, results as small polars DataFrames ready to plot.
//!
//! Quantiles interpolate linearly between order statistics (numpy's default), standard
//! deviations are sample ones (`ddof = 1`, polars' default).

mod by_catalog;
mod fold;
mod profile;
mod ratings;

pub use by_catalog::{rating_stats_by, rating_stats_by_frame, GROUPINGS};
pub use profile::{profile, profile_ratings, ColumnProfile};
pub use ratings::{
    rating_count_quantiles, rating_histogram, ratings_per_month, ratings_per_title,
    ratings_per_user,
};

#[cfg(test)]
mod tests;
