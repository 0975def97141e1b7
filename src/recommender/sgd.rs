//! Training: [`SvdModel::fit`] and the warm start [`SvdModel::partial_fit`], both running the
//! block-parallel SGD of the `recommender` docs on rows drawn or copied into the schedule's
//! slots.

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::kernel;
use super::layout::{rated_lists, PaddedRows, SlotLayout, TrainingRows};
use super::model::{EpochReport, Progress, SvdModel};
use super::params::{strata_for, SvdParams};
use super::schedule::{grouped_layouts, Schedule};
use super::triplets::TripletSource;
use crate::ratings::RatingsTable;
use crate::util::rng::Rng;
use crate::{Error, Result};

fn validate_table(table: &RatingsTable) -> Result<()> {
    if table.is_empty() {
        return Err(Error::invalid(
            "ratings",
            "an empty table",
            "at least one rating",
        ));
    }
    let n = table.len();
    if table.users.len() != n || table.titles.len() != n {
        return Err(Error::invalid(
            "ratings",
            format!(
                "{} users, {} titles, {} ratings",
                table.users.len(),
                table.titles.len(),
                n
            ),
            "columns of equal length",
        ));
    }
    let (low, high) = table.scale;
    if !(low.is_finite() && high.is_finite() && low < high) {
        return Err(Error::invalid(
            "scale",
            format!("({low}, {high})"),
            "(lowest, highest) with lowest < highest",
        ));
    }
    let n_users = table.user_ids.len() as u32;
    let n_titles = table.title_ids.len() as u32;
    for (row, ((&user, &title), &rating)) in table
        .users
        .iter()
        .zip(&table.titles)
        .zip(&table.ratings)
        .enumerate()
    {
        if user >= n_users || title >= n_titles {
            return Err(Error::invalid(
                "ratings",
                format!("row {row}: user index {user}, title index {title}"),
                format!("indexes below {n_users} users and {n_titles} titles"),
            ));
        }
        if !rating.is_finite() {
            return Err(Error::invalid(
                "rating",
                format!("row {row}: {rating}"),
                "a finite number",
            ));
        }
    }
    Ok(())
}

impl SvdModel {
    /// Trains a model on `table` (every rating of it). Users and titles present in the id maps
    /// but without a rating stay unknown to the model (predictions fall back), which is how a
    /// train/test split sharing one set of id maps behaves like Surprise's trainset.
    pub fn fit(
        table: &RatingsTable,
        params: &SvdParams,
        progress: Option<Progress>,
    ) -> Result<SvdModel> {
        params.validate()?;
        validate_table(table)?;
        let seed = params.random_state.unwrap_or_else(Rng::clock_seed);
        let n_factors = params.n_factors;
        let n_users = table.user_ids.len();
        let n_titles = table.title_ids.len();

        let global_mean =
            (table.ratings.iter().map(|&r| r as f64).sum::<f64>() / table.len() as f64) as f32;
        let triplets = TripletSource::of(table);
        let (user_counts, item_counts) = triplets.counts(n_users, n_titles);
        // The layouts come first: the order of the ratings, the initial factors (drawn
        // straight into the rows training works on, at the layouts' slots) and the lists of
        // rated titles are then built side by side.
        let strata = strata_for(table.len());
        let (user_layout, title_layout) =
            grouped_layouts(&user_counts, &item_counts, strata, seed, 1);
        let (order, ((user_rows, item_rows), (rated_offsets, rated_titles))) = rayon::join(
            || Schedule::order(triplets, &user_layout, &title_layout, strata),
            || {
                rayon::join(
                    || {
                        rayon::join(
                            || initial_rows(seed, 1, n_users, params, &user_layout),
                            || initial_rows(seed, 2, n_titles, params, &title_layout),
                        )
                    },
                    || rated_lists(&[], &[], triplets, n_users, n_titles),
                )
            },
        );
        let schedule = Schedule::new(user_layout, title_layout, order);
        let mut model = SvdModel {
            params: params.clone(),
            seed,
            n_factors,
            global_mean,
            scale: table.scale,
            user_biases: vec![0.0; n_users],
            item_biases: vec![0.0; n_titles],
            user_factors: Vec::new(),
            item_factors: Vec::new(),
            user_counts,
            item_counts,
            user_ids: table.user_ids.clone(),
            title_ids: table.title_ids.clone(),
            user_index: table.user_index.clone(),
            title_index: table.title_index.clone(),
            rated_offsets,
            rated_titles,
            loss_history: Vec::new(),
            generation: 0,
            item_norms: Vec::new(),
        };
        model.run_sgd(schedule, user_rows, item_rows, params.n_epochs, progress)?;
        Ok(model)
    }

    /// Runs `n_epochs` of the block-parallel SGD in the order of `schedule` (see the module
    /// docs) on the factor rows `user_rows` and `item_rows` (in the schedule's slots), then
    /// stores them as the model's factors. Stops with [`Error::Diverged`] at the first epoch
    /// whose training RMSE is not finite, or after the last one if a parameter is not
    /// finite; the model's factors and biases are then left as they were.
    fn run_sgd(
        &mut self,
        schedule: Schedule,
        user_rows: PaddedRows,
        item_rows: PaddedRows,
        n_epochs: usize,
        mut progress: Option<Progress>,
    ) -> Result<()> {
        let (strata, n_ratings) = (schedule.strata(), schedule.n_ratings());
        let history_before = self.loss_history.len();
        let (user_layout, title_layout) = (schedule.user_layout(), schedule.title_layout());
        let rates = self.params.rates();
        let (n_factors, global_mean, biased) =
            (self.n_factors, self.global_mean, self.params.biased);
        let mut user_biases = vec![0.0f32; user_layout.n_slots()];
        user_layout.gather(&self.user_biases, 1, &mut user_biases, 1);
        let mut item_biases = vec![0.0f32; title_layout.n_slots()];
        title_layout.gather(&self.item_biases, 1, &mut item_biases, 1);
        let mut rows = TrainingRows {
            user_factors: user_rows,
            item_factors: item_rows,
            user_biases,
            item_biases,
        };
        // Without a callback, all epochs run in one pass of the pool; with one, an epoch per
        // pass, and the callback runs on this thread in between.
        let epochs_per_pass = if progress.is_some() {
            1
        } else {
            n_epochs.max(1)
        };
        let mut first_epoch = 0;
        'passes: while first_epoch < n_epochs {
            let epochs = first_epoch..(first_epoch + epochs_per_pass).min(n_epochs);
            let block_errors = kernel::sgd_epochs(
                &schedule,
                epochs.len(),
                &mut rows,
                global_mean,
                biased,
                &rates,
            );
            for (epoch, errors) in epochs.zip(block_errors.chunks(strata * strata)) {
                // Summed shift by shift, group by group: the same order on any thread count.
                let squared_error: f64 = errors.chunks(strata).map(|s| s.iter().sum::<f64>()).sum();
                let train_rmse = (squared_error / n_ratings.max(1) as f64).sqrt();
                if !train_rmse.is_finite() {
                    // The epochs after it were skipped (see `run_epochs`).
                    let what = format!("train RMSE {}", number_text(train_rmse));
                    return Err(self.params.divergence(epoch + 1, what));
                }
                self.loss_history.push(train_rmse);
                if let Some(callback) = progress.as_mut() {
                    let report = EpochReport {
                        epoch: epoch + 1,
                        n_epochs,
                        train_rmse,
                    };
                    if !callback(report) {
                        break 'passes;
                    }
                }
            }
            first_epoch += epochs_per_pass;
        }
        // An update of the last epoch can overflow after its error was counted.
        let finite = |values: &[f32]| values.par_iter().all(|v| v.is_finite());
        for (values, name) in [
            (rows.user_factors.floats(), "user factors"),
            (rows.item_factors.floats(), "title factors"),
            (&rows.user_biases[..], "user biases"),
            (&rows.item_biases[..], "title biases"),
        ] {
            if !finite(values) {
                let what = format!("{name} not finite");
                let epochs_run = self.loss_history.len() - history_before;
                return Err(self.params.divergence(epochs_run.max(1), what));
            }
        }
        let (user_layout, title_layout) = schedule.into_layouts();
        self.user_factors
            .resize(self.user_ids.len() * n_factors, 0.0);
        self.item_factors
            .resize(self.title_ids.len() * n_factors, 0.0);
        rayon::join(
            || {
                rows.user_factors
                    .write_back(&mut self.user_factors, n_factors, &user_layout)
            },
            || {
                rows.item_factors
                    .write_back(&mut self.item_factors, n_factors, &title_layout)
            },
        );
        user_layout.scatter(&rows.user_biases, 1, &mut self.user_biases, 1);
        title_layout.scatter(&rows.item_biases, 1, &mut self.item_biases, 1);
        self.item_norms.clear();
        Ok(())
    }

    /// Warm start: continues training on `new_ratings` only, for `n_epochs` (default: the
    /// model's `n_epochs`). Users and titles the model has not seen get ids appended and fresh
    /// factors drawn from `N(init_mean, init_std_dev)` (biases 0); `μ` stays the one of the
    /// first fit, so that known users' predictions keep their meaning. Returns the training
    /// RMSE of the last epoch. On an error (training diverged: [`Error::Diverged`]) the model
    /// is left as it was before the call.
    pub fn partial_fit(
        &mut self,
        new_ratings: &RatingsTable,
        n_epochs: Option<usize>,
        progress: Option<Progress>,
    ) -> Result<f64> {
        validate_table(new_ratings)?;
        let (low, high) = self.scale;
        if let Some((row, r)) = new_ratings
            .ratings
            .iter()
            .enumerate()
            .find(|(_, &r)| r < low || r > high)
        {
            return Err(Error::invalid(
                "rating",
                format!("row {row}: {r}"),
                format!("a rating within the model's scale {low}..{high}"),
            ));
        }
        let (users_before, titles_before) = (self.user_ids.len(), self.title_ids.len());
        let history_before = self.loss_history.len();
        self.generation += 1;
        let mut rng = Rng::for_stream(self.seed, &[self.generation as u64 + 1, 0]);
        let (mean, std) = (
            self.params.init_mean as f64,
            self.params.init_std_dev as f64,
        );
        let k = self.n_factors;
        let user_map: Vec<u32> = new_ratings
            .user_ids
            .iter()
            .map(|&id| {
                *self.user_index.entry(id).or_insert_with(|| {
                    self.user_ids.push(id);
                    self.user_biases.push(0.0);
                    self.user_counts.push(0);
                    self.user_factors
                        .extend((0..k).map(|_| rng.normal(mean, std) as f32));
                    (self.user_ids.len() - 1) as u32
                })
            })
            .collect();
        let title_map: Vec<u32> = new_ratings
            .title_ids
            .iter()
            .map(|id| {
                if let Some(&t) = self.title_index.get(id) {
                    return t;
                }
                self.title_ids.push(id.clone());
                self.item_biases.push(0.0);
                self.item_counts.push(0);
                self.item_factors
                    .extend((0..k).map(|_| rng.normal(mean, std) as f32));
                let t = (self.title_ids.len() - 1) as u32;
                self.title_index.insert(id.clone(), t);
                t
            })
            .collect();
        let triplets = TripletSource::of(new_ratings).through(&user_map, &title_map);
        let (n_users, n_titles) = (self.user_ids.len(), self.title_ids.len());
        let (user_counts, title_counts) = triplets.counts(n_users, n_titles);
        for (total, new) in self.user_counts.iter_mut().zip(&user_counts) {
            *total += new;
        }
        for (total, new) in self.item_counts.iter_mut().zip(&title_counts) {
            *total += new;
        }
        let stream = self.generation as u64 + 1;
        let strata = strata_for(triplets.len());
        let (user_layout, title_layout) =
            grouped_layouts(&user_counts, &title_counts, strata, self.seed, stream);
        let (order, (rated_offsets, rated_titles)) = rayon::join(
            || Schedule::order(triplets, &user_layout, &title_layout, strata),
            || {
                rated_lists(
                    &self.rated_offsets,
                    &self.rated_titles,
                    triplets,
                    n_users,
                    n_titles,
                )
            },
        );
        let schedule = Schedule::new(user_layout, title_layout, order);
        let (user_rows, item_rows) = rayon::join(
            || PaddedRows::of(&self.user_factors, k, schedule.user_layout()),
            || PaddedRows::of(&self.item_factors, k, schedule.title_layout()),
        );
        let n_epochs = n_epochs.unwrap_or(self.params.n_epochs);
        if let Err(error) = self.run_sgd(schedule, user_rows, item_rows, n_epochs, progress) {
            // The factors and biases were not written back: undo the rest.
            for id in self.user_ids.drain(users_before..) {
                self.user_index.remove(&id);
            }
            for id in self.title_ids.drain(titles_before..) {
                self.title_index.remove(&id);
            }
            self.user_biases.truncate(users_before);
            self.item_biases.truncate(titles_before);
            self.user_factors.truncate(users_before * k);
            self.item_factors.truncate(titles_before * k);
            self.user_counts.truncate(users_before);
            self.item_counts.truncate(titles_before);
            for (total, new) in self.user_counts.iter_mut().zip(&user_counts) {
                *total -= new;
            }
            for (total, new) in self.item_counts.iter_mut().zip(&title_counts) {
                *total -= new;
            }
            self.loss_history.truncate(history_before);
            self.generation -= 1;
            return Err(error);
        }
        (self.rated_offsets, self.rated_titles) = (rated_offsets, rated_titles);
        Ok(self.loss_history.last().copied().unwrap_or(f64::NAN))
    }
}

/// `nan`, `inf` or the number, as Python prints them (the message reaches Python users).
fn number_text(value: f64) -> String {
    if value.is_nan() {
        "nan".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        value.to_string()
    }
}

/// Initial factors for `n_rows` rows, `N(init_mean, init_std_dev)`, each row at its slot of
/// `layout`: drawn in parallel by chunks of rows, each from its own stream of
/// `(seed, side, chunk)`, so the values do not depend on the number of threads.
fn initial_rows(
    seed: u64,
    side: u64,
    n_rows: usize,
    params: &SvdParams,
    layout: &SlotLayout,
) -> PaddedRows {
    const ROWS_PER_CHUNK: usize = 1024;
    let (mean, std) = (params.init_mean as f64, params.init_std_dev as f64);
    let n_factors = params.n_factors;
    let mut rows = PaddedRows::zeros(layout.n_slots(), n_factors);
    let stride = rows.stride;
    let slots = kernel::as_atomic_bits(rows.floats_mut());
    (0..n_rows.div_ceil(ROWS_PER_CHUNK))
        .into_par_iter()
        .for_each(|chunk| {
            let mut rng = Rng::for_stream(seed, &[0, side, chunk as u64]);
            for row in chunk * ROWS_PER_CHUNK..((chunk + 1) * ROWS_PER_CHUNK).min(n_rows) {
                let first = layout.slot(row as u32) as usize * stride;
                for factor in 0..n_factors {
                    let value = rng.normal(mean, std) as f32;
                    slots[first + factor].store(value.to_bits(), Ordering::Relaxed);
                }
            }
        });
    rows
}
