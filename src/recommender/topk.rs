//! Top-n answers: the ranking every top-n answer of every model uses (recommendations, new
//! users, similar titles), in parallel ranges of titles with ties to the lower index; and the
//! SVD model's recommendations for a known user.

use rayon::prelude::*;

use super::kernel::dot;
use super::model::SvdModel;
use super::Recommender;
use crate::Result;

/// The `n` titles `model` knows with the highest score, excluding `excluded` (sorted), best
/// first; ties go to the lower index so the answer is deterministic. Ranges of titles are
/// ranked in parallel and their best merged: the same answer as one pass, whatever the threads.
pub(super) fn top_titles<M: Recommender + ?Sized>(
    model: &M,
    n: usize,
    excluded: &[u32],
    score: impl Fn(u32) -> f32 + Sync,
) -> Vec<(u32, f32)> {
    // Enough titles per task that the work outweighs handing it to another core.
    const TITLES_PER_TASK: usize = 4096;
    let n_titles = model.n_titles();
    if n == 0 || n_titles <= TITLES_PER_TASK {
        return top_titles_in(model, 0..n_titles, n, excluded, &score);
    }
    let mut best: Vec<(u32, f32)> = (0..n_titles.div_ceil(TITLES_PER_TASK))
        .into_par_iter()
        .flat_map_iter(|task| {
            let titles = task * TITLES_PER_TASK..((task + 1) * TITLES_PER_TASK).min(n_titles);
            let first_excluded = excluded.partition_point(|&e| (e as usize) < titles.start);
            top_titles_in(model, titles, n, &excluded[first_excluded..], &score)
        })
        .collect();
    best.sort_unstable_by(best_first);
    best.truncate(n);
    best
}

/// Higher scores first, ties to the lower index.
fn best_first(a: &(u32, f32), b: &(u32, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// [`top_titles`] among the titles of `titles`, in one pass on this thread; `excluded` sorted
/// (entries below the range are skipped).
pub(super) fn top_titles_in<M: Recommender + ?Sized>(
    model: &M,
    titles: std::ops::Range<usize>,
    n: usize,
    excluded: &[u32],
    score: impl Fn(u32) -> f32,
) -> Vec<(u32, f32)> {
    if n == 0 {
        return Vec::new();
    }
    // One pass in index order; the sorted exclusion list is walked alongside (no search).
    // The best `n` so far stay in a small sorted buffer: as indexes grow, a newcomer that
    // only ties the worst kept score loses (ties go to the lower index), so it must beat it.
    // Beyond `SMALL_TOP` answers, sorted insertion would cost more than a selection.
    const SMALL_TOP: usize = 64;
    let mut best: Vec<(u32, f32)> = Vec::with_capacity(n.min(titles.len()) + 1);
    let mut next_excluded = excluded.iter().copied().peekable();
    for t in titles.start as u32..titles.end as u32 {
        while next_excluded.next_if(|&e| e < t).is_some() {}
        if next_excluded.next_if_eq(&t).is_some() || !model.knows_title(t) {
            continue;
        }
        let candidate = (t, score(t));
        if n > SMALL_TOP {
            best.push(candidate);
            continue;
        }
        if best.len() == n {
            match best.last() {
                Some(worst) if candidate.1.total_cmp(&worst.1).is_gt() => {
                    best.pop();
                }
                _ => continue,
            }
        }
        let position = best.partition_point(|kept| best_first(kept, &candidate).is_lt());
        best.insert(position, candidate);
    }
    if n > SMALL_TOP {
        if best.len() > n {
            best.select_nth_unstable_by(n - 1, best_first);
            best.truncate(n);
        }
        best.sort_unstable_by(best_first);
    }
    best
}

/// Ranked title indexes as `(title_id, score)` pairs.
pub(super) fn named<M: Recommender + ?Sized>(
    model: &M,
    ranked: Vec<(u32, f32)>,
) -> Vec<(String, f32)> {
    let title_ids = model.title_ids();
    ranked
        .into_iter()
        .map(|(t, score)| (title_ids[t as usize].clone(), score))
        .collect()
}

impl SvdModel {
    /// The top-`n` titles for a known user with the unclipped estimates they are ranked by
    /// ([`Recommender::recommend`] clips them).
    pub fn recommend_unclipped(
        &self,
        user_id: i64,
        n: usize,
        exclude_rated: bool,
    ) -> Result<Vec<(String, f32)>> {
        let user = self.user_of(user_id)?;
        let excluded = if exclude_rated {
            self.rated_by(user)
        } else {
            &[]
        };
        let top = top_titles(self, n, excluded, |t| self.raw_estimate(user, t));
        Ok(named(self, top))
    }

    pub(super) fn ensure_item_norms(&mut self) {
        if self.item_norms.len() != self.n_titles() {
            self.item_norms = (0..self.n_titles() as u32)
                .map(|t| {
                    let q = self.item_factor(t);
                    dot(q, q).sqrt()
                })
                .collect();
        }
    }

    /// Precomputes what [`Recommender::similar_titles`] needs (done lazily otherwise).
    pub fn prepare(&mut self) {
        self.ensure_item_norms();
    }
}
