//! The recommender's tests, by subject; the fixtures shared by several are here.

mod answers;
mod divergence;
mod from_factors;
mod kernel;
mod model_file;
mod params;
mod schedule;
mod training;

use crate::ratings::RatingsTable;
use crate::recommender::SvdParams;
use crate::util::rng::Rng;

/// A small table with structure: two kinds of users who like two kinds of titles.
fn taste_table(seed: u64) -> RatingsTable {
    let mut rng = Rng::new(seed);
    let (mut users, mut titles, mut ratings) = (Vec::new(), Vec::new(), Vec::new());
    for user in 0..200i64 {
        for _ in 0..30 {
            let title = rng.below(100);
            let likes = (user % 2) as usize == title % 2;
            let rating = if likes {
                4.0 + rng.below(2) as f32
            } else {
                1.0 + rng.below(2) as f32
            };
            users.push(user);
            titles.push(format!("t{title}"));
            ratings.push(rating);
        }
    }
    let title_refs: Vec<&str> = titles.iter().map(String::as_str).collect();
    let n = ratings.len();
    RatingsTable::from_ids(&users, &title_refs, ratings, vec![0; n], (1.0, 5.0))
}

fn params(seed: u64) -> SvdParams {
    SvdParams {
        n_factors: 8,
        n_epochs: 30,
        lr_all: 0.01,
        random_state: Some(seed),
        ..Default::default()
    }
}
