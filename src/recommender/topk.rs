//! Top-n answers: recommendations for a known user (and the ranking every top-n answer uses,
//! similar titles included), ranked in parallel ranges of titles with ties to the lower index.

use rayon::prelude::*;

use super::kernel::dot;
use super::model::SvdModel;
use crate::Result;

impl SvdModel {
    /// The `n` known titles with the highest score, excluding `excluded` (sorted), best first;
    /// ties go to the lower index so the answer is deterministic. Ranges of titles are ranked
    /// in parallel and their best merged: the same answer as one pass, whatever the threads.
    pub(super) fn top_titles(
        &self,
        n: usize,
        excluded: &[u32],
        score: impl Fn(u32) -> f32 + Sync,
    ) -> Vec<(u32, f32)> {
        // Enough titles per task that the work outweighs handing it to another core.
        const TITLES_PER_TASK: usize = 4096;
        let n_titles = self.n_titles();
        if n == 0 || n_titles <= TITLES_PER_TASK {
            return self.top_titles_in(0..n_titles, n, excluded, &score);
        }
        let mut best: Vec<(u32, f32)> = (0..n_titles.div_ceil(TITLES_PER_TASK))
            .into_par_iter()
            .flat_map_iter(|task| {
                let titles = task * TITLES_PER_TASK..((task + 1) * TITLES_PER_TASK).min(n_titles);
                let first_excluded = excluded.partition_point(|&e| (e as usize) < titles.start);
                self.top_titles_in(titles, n, &excluded[first_excluded..], &score)
            })
            .collect();
        best.sort_unstable_by(Self::best_first);
        best.truncate(n);
        best
    }

    /// Higher scores first, ties to the lower index.
    fn best_first(a: &(u32, f32), b: &(u32, f32)) -> std::cmp::Ordering {
        b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
    }

    /// [`SvdModel::top_titles`] among the titles of `titles`, in one pass; `excluded` sorted
    /// (entries below the range are skipped).
    pub(super) fn top_titles_in(
        &self,
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
        let order = Self::best_first;
        // Beyond `SMALL_TOP` answers, sorted insertion would cost more than a selection.
        const SMALL_TOP: usize = 64;
        let mut best: Vec<(u32, f32)> = Vec::with_capacity(n.min(titles.len()) + 1);
        let mut next_excluded = excluded.iter().copied().peekable();
        for t in titles.start as u32..titles.end as u32 {
            while next_excluded.next_if(|&e| e < t).is_some() {}
            if next_excluded.next_if_eq(&t).is_some() || !self.knows_title(t) {
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
            let position = best.partition_point(|kept| order(kept, &candidate).is_lt());
            best.insert(position, candidate);
        }
        if n > SMALL_TOP {
            if best.len() > n {
                best.select_nth_unstable_by(n - 1, order);
                best.truncate(n);
            }
            best.sort_unstable_by(order);
        }
        best
    }

    /// The top-`n` titles for a known user, with their (clipped) predicted ratings. Titles are
    /// ranked by the unclipped estimate, so titles predicted above the scale stay ordered.
    pub fn recommend(
        &self,
        user_id: i64,
        n: usize,
        exclude_rated: bool,
    ) -> Result<Vec<(String, f32)>> {
        Ok(self.clipped(self.recommend_unclipped(user_id, n, exclude_rated)?))
    }

    /// [`SvdModel::recommend`] with the unclipped estimates the titles are ranked by: for a
    /// heavy user the clipped ratings of the whole top 10 can all read the top of the scale.
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
        let top = self.top_titles(n, excluded, |t| self.raw_estimate(user, t));
        Ok(top
            .into_iter()
            .map(|(t, s)| (self.title_ids[t as usize].clone(), s))
            .collect())
    }

    /// Estimates clipped to the rating scale.
    pub(super) fn clipped(&self, ranked: Vec<(String, f32)>) -> Vec<(String, f32)> {
        ranked
            .into_iter()
            .map(|(title_id, estimate)| (title_id, self.clip(estimate)))
            .collect()
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

    /// Precomputes what [`SvdModel::similar_titles`] needs (done lazily otherwise).
    pub fn prepare(&mut self) {
        self.ensure_item_norms();
    }
}
