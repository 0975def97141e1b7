//! Similar titles: a content index of the catalog's fields blended with the model's title
//! factors (issue 17).
//!
//! The factors alone say which titles the same users rate alike, which is little for a model
//! trained on few ratings (its neighbours share 0.05 of their genres, as random pairs do); the
//! catalog's genres, cast, director, country, description and type say what a title is. The
//! answer blends both, with a weight from 1 (content only) to 0 (factors only).
//!
//! - `text`: tokenisers for list fields and descriptions (stop words, light stemming).
//! - `tfidf`: per-field TF-IDF vectors, weighted and L2-normalised (the exact formula there),
//!   over the genres normalised across platforms ([`crate::catalog::normalise_listed_in`]).
//! - `content`: the [`ContentIndex`]: the vectors and their inverted index (one title's cosine
//!   with every title in one pass), built in a model's title order from the catalog.
//! - `blend`: the blended score and [`similar_titles_blend`], over any model's title vectors
//!   ([`Recommender::title_vector`](crate::recommender::Recommender::title_vector)): the SVD's
//!   factors, the Bayesian SVD++'s serving vectors.

mod blend;
mod content;
mod text;
mod tfidf;

#[cfg(test)]
mod tests;

pub use blend::{
    blend_score, check_weight, similar_titles_blend, Neighbour, SimilarTitles, DEFAULT_WEIGHT,
    WEIGHT_ACCEPTED,
};
pub use content::ContentIndex;
pub use text::{description_words, list_token, list_tokens, STOP_WORDS};
pub use tfidf::{build_vectors, Field, FieldWeights, SparseVectors, TitleFields, Vocabulary};
