//! The recommender: biased matrix factorisation trained by SGD, with Surprise's `SVD`
//! semantics, run in parallel and reproducibly.
//!
//! # Model and update rules (as Surprise's `SVD` documents them)
//!
//! A rating is predicted as `r̂ = μ + b_u + b_i + q_iᵀ p_u` (`biased = true`) or `r̂ = q_iᵀ p_u`
//! (`biased = false`), with `μ` the mean training rating. For every training rating `r`, with
//! `err = r - r̂`:
//!
//! ```text
//! b_u += lr_bu * (err - reg_bu * b_u)            (biased only)
//! b_i += lr_bi * (err - reg_bi * b_i)            (biased only)
//! p_u += lr_pu * (err * q_i - reg_pu * p_u)
//! q_i += lr_qi * (err * p_u - reg_qi * q_i)      (p_u as it was before this step)
//! ```
//!
//! Hyperparameters carry Surprise's names and defaults: `n_factors = 100`, `n_epochs = 20`,
//! `biased = true`, `init_mean = 0`, `init_std_dev = 0.1`, `lr_all = 0.005`, `reg_all = 0.02`;
//! `lr_bu, lr_bi, lr_pu, lr_qi, reg_bu, reg_bi, reg_pu, reg_qi` override the `_all` values when
//! set. Biases start at zero, factors are drawn from `N(init_mean, init_std_dev)` and stored
//! as `f32`. Predictions are clipped to the rating scale. For a user or title the training
//! data did not contain, the biased model predicts `μ` plus whichever biases are known (the
//! dot product only when both are known), the unbiased one predicts `μ`: Surprise's fallback.
//! Unlike Surprise, which flags only the unbiased case, every such fallback is flagged with
//! `was_impossible = true`, so that callers can tell a personalised prediction from a
//! fallback.
//!
//! # Parallel and reproducible: a stratified block schedule (FPSGD / libmf)
//!
//! Users and titles are each dealt into `S` groups holding nearly equal numbers of ratings
//! (in decreasing order of rating count, ties in a seeded random order), which cuts the
//! rating matrix into `S x S` blocks of similar size. `S` ([`strata_for`]) depends only on
//! the number of ratings: 4 below 2M ratings (few synchronisation points, which matter on
//! small data and busy machines), 8 below 20M, 16 above. An epoch runs `S` sub-epochs; in
//! sub-epoch `s` the blocks `(g, (g + s) mod S)` for every `g` touch pairwise disjoint users
//! and titles, so rayon runs them in parallel with no locks and no lost updates, each worker
//! always on the same user groups (their rows stay in its cache). There is no barrier between
//! sub-epochs: a block waits only until the block before it on the same title group is done
//! (see `run_epochs`), and the pool is woken once per fit (once per epoch when progress is
//! reported). Within a block the
//! ratings are visited user by user, each user's in table order, as Surprise visits its
//! trainset, with the block's two halves interleaved (`a0 b0 a1 b1 ...`): two neighbouring
//! ratings then rarely share a user or a title, and the AVX2 kernel computes such a pair side
//! by side, which gives exactly the sequential result. Every epoch visits the ratings in the
//! same order (as Surprise does). Two counting sorts put the ratings in that order (one when
//! they come user by user, as rating files usually do), reading them where they are in the
//! table. Training works on its own rows of factors and biases
//! kept group by group, each group on cache lines of its own, so two workers never write the
//! same line (interleaved groups made the cores trade lines on nearly every update: two
//! threads were 1.2x one, now 1.6-1.9x); the initial factors are drawn straight into them and
//! the model's rows are written once training ends. The rows are padded with zeros to whole
//! chunks of eight floats and aligned to 32 bytes, so the kernel needs no masked loads or
//! stores and has its loops fully unrolled for the usual factor counts; the padding stays
//! zero, so the model is the same bits. Neither the grouping, the order nor the summation of the
//! loss depends on the number of threads or on scheduling, so the same seed and data give a
//! bit-identical model on 1 or 64 threads. The SGD sequence differs from Surprise's only by
//! the blocks and the interleaving; the fixed point it converges to and its accuracy are the same
//! within noise (see the MovieLens tests).
//!
//! Beyond Surprise: [`SvdModel::recommend`], [`SvdModel::similar_titles`],
//! [`SvdModel::recommend_for_ratings`] (fold-in of a new user), [`SvdModel::partial_fit`]
//! (warm start on new ratings), and [`SvdModel::save`] / [`SvdModel::load`] (a versioned,
//! checksummed binary file carrying the id maps).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use rayon::prelude::*;

use crate::ratings::RatingsTable;
use crate::util::hash::FastHash;
pub use crate::util::rng::Rng;
use crate::{Error, Result};

/// Number of user groups (and of title groups) of the block schedule for `n_ratings`
/// ratings. Derived from the data alone, never from the thread count, so that results do not
/// depend on the machine.
pub fn strata_for(n_ratings: usize) -> usize {
    match n_ratings {
        0..2_000_000 => 4,
        2_000_000..20_000_000 => 8,
        _ => 16,
    }
}

/// Hyperparameters, with Surprise's names and defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct SvdParams {
    pub n_factors: usize,
    pub n_epochs: usize,
    pub biased: bool,
    pub init_mean: f32,
    pub init_std_dev: f32,
    pub lr_all: f32,
    pub reg_all: f32,
    pub lr_bu: Option<f32>,
    pub lr_bi: Option<f32>,
    pub lr_pu: Option<f32>,
    pub lr_qi: Option<f32>,
    pub reg_bu: Option<f32>,
    pub reg_bi: Option<f32>,
    pub reg_pu: Option<f32>,
    pub reg_qi: Option<f32>,
    /// Seed of every random choice; `None` draws one from the clock (recorded in the model).
    pub random_state: Option<u64>,
}

impl Default for SvdParams {
    fn default() -> Self {
        SvdParams {
            n_factors: 100,
            n_epochs: 20,
            biased: true,
            init_mean: 0.0,
            init_std_dev: 0.1,
            lr_all: 0.005,
            reg_all: 0.02,
            lr_bu: None,
            lr_bi: None,
            lr_pu: None,
            lr_qi: None,
            reg_bu: None,
            reg_bi: None,
            reg_pu: None,
            reg_qi: None,
            random_state: None,
        }
    }
}

/// The eight learning rates and regularisation terms after the `_all` defaults are applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rates {
    pub lr_bu: f32,
    pub lr_bi: f32,
    pub lr_pu: f32,
    pub lr_qi: f32,
    pub reg_bu: f32,
    pub reg_bi: f32,
    pub reg_pu: f32,
    pub reg_qi: f32,
}

impl SvdParams {
    /// Checks every value, naming the parameter and what is accepted.
    pub fn validate(&self) -> Result<()> {
        if self.n_factors == 0 {
            return Err(Error::invalid(
                "n_factors",
                self.n_factors,
                "an integer >= 1",
            ));
        }
        if !self.init_mean.is_finite() {
            return Err(Error::invalid(
                "init_mean",
                self.init_mean,
                "a finite number",
            ));
        }
        if !(self.init_std_dev.is_finite() && self.init_std_dev >= 0.0) {
            return Err(Error::invalid(
                "init_std_dev",
                self.init_std_dev,
                "a finite number >= 0",
            ));
        }
        let non_negative = [
            ("lr_all", Some(self.lr_all)),
            ("reg_all", Some(self.reg_all)),
            ("lr_bu", self.lr_bu),
            ("lr_bi", self.lr_bi),
            ("lr_pu", self.lr_pu),
            ("lr_qi", self.lr_qi),
            ("reg_bu", self.reg_bu),
            ("reg_bi", self.reg_bi),
            ("reg_pu", self.reg_pu),
            ("reg_qi", self.reg_qi),
        ];
        for (name, value) in non_negative {
            if let Some(value) = value {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(Error::invalid(name, value, "a finite number >= 0"));
                }
            }
        }
        Ok(())
    }

    pub fn rates(&self) -> Rates {
        Rates {
            lr_bu: self.lr_bu.unwrap_or(self.lr_all),
            lr_bi: self.lr_bi.unwrap_or(self.lr_all),
            lr_pu: self.lr_pu.unwrap_or(self.lr_all),
            lr_qi: self.lr_qi.unwrap_or(self.lr_all),
            reg_bu: self.reg_bu.unwrap_or(self.reg_all),
            reg_bi: self.reg_bi.unwrap_or(self.reg_all),
            reg_pu: self.reg_pu.unwrap_or(self.reg_all),
            reg_qi: self.reg_qi.unwrap_or(self.reg_all),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Vector kernels. The dot product sums chunk `k` of eight factors into accumulator `k % 4`
// (four independent chains hide the latency), then combines the lanes in a fixed order, so
// the result never depends on threads, and the AVX2 and portable versions agree bit for bit:
// both fuse the same multiply-adds (`f32::mul_add` rounds once, as the FMA instruction does).

#[inline(always)]
fn combine_lanes(acc: &[[f32; 8]; 4]) -> f32 {
    let lanes: [f32; 8] =
        std::array::from_fn(|l| (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]));
    let pairs = [
        lanes[0] + lanes[4],
        lanes[1] + lanes[5],
        lanes[2] + lanes[6],
        lanes[3] + lanes[7],
    ];
    (pairs[0] + pairs[2]) + (pairs[1] + pairs[3])
}

#[inline(always)]
fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let mut acc = [[0.0f32; 8]; 4];
    for (k, start) in (0..n).step_by(8).enumerate() {
        let acc = &mut acc[k % 4];
        for (l, lane) in acc.iter_mut().enumerate() {
            // The last chunk is padded with zeros, as the vector kernel's masked load does.
            let (x, y) = match start + l < n {
                true => (a[start + l], b[start + l]),
                false => (0.0, 0.0),
            };
            *lane = x.mul_add(y, *lane);
        }
    }
    combine_lanes(&acc)
}

/// The lanes below `count` (at most 8) set: the mask of a partial last chunk of factors.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn first_lanes(count: usize) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;
    let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_cmpgt_epi32(_mm256_set1_epi32(count as i32), lane)
}

/// AVX2 + FMA dot product of `n` floats at `a` and `b`, same operations as [`dot_portable`].
///
/// # Safety
/// The CPU must have AVX2 and FMA, and both pointers must be valid for `n` reads.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn dot_avx2(a: *const f32, b: *const f32, n: usize) -> f32 {
    use std::arch::x86_64::*;
    let mut acc0 = _mm256_setzero_ps();
    let mut acc1 = _mm256_setzero_ps();
    let mut acc2 = _mm256_setzero_ps();
    let mut acc3 = _mm256_setzero_ps();
    let chunks = n / 8;
    let mut k = 0;
    while k + 4 <= chunks {
        let o = 8 * k;
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a.add(o)), _mm256_loadu_ps(b.add(o)), acc0);
        acc1 = _mm256_fmadd_ps(
            _mm256_loadu_ps(a.add(o + 8)),
            _mm256_loadu_ps(b.add(o + 8)),
            acc1,
        );
        acc2 = _mm256_fmadd_ps(
            _mm256_loadu_ps(a.add(o + 16)),
            _mm256_loadu_ps(b.add(o + 16)),
            acc2,
        );
        acc3 = _mm256_fmadd_ps(
            _mm256_loadu_ps(a.add(o + 24)),
            _mm256_loadu_ps(b.add(o + 24)),
            acc3,
        );
        k += 4;
    }
    let rest = [&mut acc0, &mut acc1, &mut acc2, &mut acc3];
    let partial = n - 8 * chunks;
    let remaining = chunks - k + usize::from(partial > 0);
    for acc in rest.into_iter().take(remaining) {
        let o = 8 * k;
        let (x, y) = if k < chunks {
            (_mm256_loadu_ps(a.add(o)), _mm256_loadu_ps(b.add(o)))
        } else {
            // A partial last chunk, padded with zeros (as the portable version does).
            let mask = first_lanes(partial);
            (
                _mm256_maskload_ps(a.add(o), mask),
                _mm256_maskload_ps(b.add(o), mask),
            )
        };
        *acc = _mm256_fmadd_ps(x, y, *acc);
        k += 1;
    }
    horizontal_sum([acc0, acc1, acc2, acc3])
}

#[cfg(target_arch = "x86_64")]
fn has_avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            let n = a.len().min(b.len());
            // SAFETY: AVX2 and FMA are present and both slices hold at least `n` floats.
            return unsafe { dot_avx2(a.as_ptr(), b.as_ptr(), n) };
        }
    }
    dot_portable(a, b)
}

/// A vector's storage written from several threads at slots that never coincide.
struct DisjointSlots<T>(*mut T);
unsafe impl<T: Send> Send for DisjointSlots<T> {}
unsafe impl<T: Send> Sync for DisjointSlots<T> {}

impl<T> DisjointSlots<T> {
    /// # Safety
    /// `slot` must be inside the vector, and no other thread may access it meanwhile.
    unsafe fn write(&self, slot: usize, value: T) {
        self.0.add(slot).write(value);
    }
}

/// One training rating, in the model's dense indexes.
#[derive(Clone, Copy, Debug)]
struct Triplet {
    user: u32,
    title: u32,
    rating: f32,
}

/// The training ratings of a table, read as [`Triplet`]s where they are, in the model's
/// indexes (through the maps from the table's indexes, when they differ): no copy of the
/// ratings is made.
#[derive(Clone, Copy)]
struct TripletSource<'a> {
    users: &'a [u32],
    titles: &'a [u32],
    ratings: &'a [f32],
    /// The model index of each of the table's user indexes; `None`: the same.
    user_map: Option<&'a [u32]>,
    title_map: Option<&'a [u32]>,
}

impl<'a> TripletSource<'a> {
    fn of(table: &'a RatingsTable) -> Self {
        TripletSource {
            users: &table.users,
            titles: &table.titles,
            ratings: &table.ratings,
            user_map: None,
            title_map: None,
        }
    }

    fn len(&self) -> usize {
        self.ratings.len()
    }

    #[inline(always)]
    fn get(&self, index: usize) -> Triplet {
        let (user, title) = (self.users[index], self.titles[index]);
        Triplet {
            user: self.user_map.map_or(user, |map| map[user as usize]),
            title: self.title_map.map_or(title, |map| map[title as usize]),
            rating: self.ratings[index],
        }
    }

    fn iter(&self) -> impl Iterator<Item = Triplet> + '_ {
        (0..self.len()).map(|index| self.get(index))
    }

    /// Whether the ratings come user by user (in increasing model index), as rating files
    /// usually do: then orders by user need no sorting.
    fn grouped_by_user(&self) -> bool {
        match self.user_map {
            None => self.users.windows(2).all(|pair| pair[0] <= pair[1]),
            Some(map) => self
                .users
                .windows(2)
                .all(|pair| map[pair[0] as usize] <= map[pair[1] as usize]),
        }
    }

    /// How many ratings each of `n_users` users and each of `n_titles` titles has here.
    fn counts(&self, n_users: usize, n_titles: usize) -> (Vec<u32>, Vec<u32>) {
        let mut user_counts = vec![0u32; n_users];
        let mut title_counts = vec![0u32; n_titles];
        for t in self.iter() {
            user_counts[t.user as usize] += 1;
            title_counts[t.title as usize] += 1;
        }
        (user_counts, title_counts)
    }
}

/// Raw parameter storage shared by the blocks of one sub-epoch. Sound because the schedule
/// gives each concurrently running block its own user group and its own title group: no two
/// threads ever touch the same row.
struct SharedParams {
    user_factors: *mut f32,
    item_factors: *mut f32,
    user_biases: *mut f32,
    item_biases: *mut f32,
    /// Floats from one factor row to the next: the factor count rounded up to whole chunks
    /// of eight (see [`PaddedRows`]).
    stride: usize,
    /// Whether the kernel should prefetch title rows: only worth its instructions when a
    /// block's title rows are too many for this core's cache.
    prefetch_title_rows: bool,
}
unsafe impl Send for SharedParams {}
unsafe impl Sync for SharedParams {}

/// Floats in one SIMD chunk of factors (an AVX2 register).
const CHUNK: usize = 8;

/// One chunk of factors, aligned as a 32-byte vector load wants it: an aligned load never
/// straddles two cache lines, and a store straddling two can stall the next load of the
/// same row (the SGD reloads a user's row right after writing it).
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Chunk([f32; CHUNK]);

/// Factor rows as training stores them: aligned, each padded with zeros to whole chunks of
/// eight, so that the kernels need neither masked loads and stores (slow on some CPUs) nor
/// a tail loop. The update rules keep the padding at exactly zero (`keep * 0 + step * 0 =
/// +0`) and zeros add nothing to a dot product, so training on padded rows gives the same
/// bits as on the rows themselves.
struct PaddedRows {
    chunks: Vec<Chunk>,
    /// Floats from one row to the next.
    stride: usize,
}

/// Rows per parallel task when copying rows in and out of [`PaddedRows`].
const ROWS_PER_TASK: usize = 1024;

impl PaddedRows {
    fn stride_for(n_factors: usize) -> usize {
        n_factors.div_ceil(CHUNK).max(1) * CHUNK
    }

    /// A padded copy of the rows of `n_factors` floats in `rows`, each row at its slot of
    /// `layout`.
    fn of(rows: &[f32], n_factors: usize, layout: &SlotLayout) -> PaddedRows {
        let mut padded = PaddedRows::zeros(layout.n_slots(), n_factors);
        let stride = padded.stride;
        layout.gather(rows, n_factors, padded.floats_mut(), stride);
        padded
    }

    /// `n_rows` rows of `n_factors` zeros.
    fn zeros(n_rows: usize, n_factors: usize) -> PaddedRows {
        let stride = Self::stride_for(n_factors);
        PaddedRows {
            chunks: vec![Chunk::default(); n_rows * stride / CHUNK],
            stride,
        }
    }

    fn floats(&self) -> &[f32] {
        // SAFETY: a `Chunk` is `repr(C)` around `[f32; CHUNK]`: no padding between floats.
        unsafe {
            std::slice::from_raw_parts(self.chunks.as_ptr().cast(), self.chunks.len() * CHUNK)
        }
    }

    fn floats_mut(&mut self) -> &mut [f32] {
        // SAFETY: as in `floats`.
        unsafe {
            std::slice::from_raw_parts_mut(
                self.chunks.as_mut_ptr().cast(),
                self.chunks.len() * CHUNK,
            )
        }
    }

    fn size_bytes(&self) -> usize {
        std::mem::size_of_val(self.chunks.as_slice())
    }

    /// Copies the trained rows back into `rows`, from their slots of `layout`.
    fn write_back(&self, rows: &mut [f32], n_factors: usize, layout: &SlotLayout) {
        layout.scatter(self.floats(), self.stride, rows, n_factors);
    }
}

/// Where training keeps each row (a user or a title) of the model: the rows of each group of
/// the block schedule side by side, in row order, each group starting on a fresh cache line.
/// Two workers then never write the same cache line (row ends, or neighbouring biases of two
/// groups, would otherwise ping-pong between their cores on every update), and a block's rows
/// are contiguous. Keeping the row order inside a group keeps the visiting order, so the
/// layout changes no result.
struct SlotLayout {
    slot_of_row: Vec<u32>,
    /// The row kept at each slot, [`SlotLayout::EMPTY`] for the padding between groups.
    row_of_slot: Vec<u32>,
    group_of_slot: Vec<u8>,
    /// Where each group's slots start, and where the last one ends.
    group_starts: Vec<usize>,
}

impl SlotLayout {
    const EMPTY: u32 = u32::MAX;
    /// Slots per cache line of `f32` biases; sixteen rows of any width also fill whole lines.
    const SLOTS_PER_LINE: usize = 64 / std::mem::size_of::<f32>();

    /// The layout of rows dealt into `n_groups` groups by `group_of_row`.
    fn grouped(group_of_row: &[u8], n_groups: usize) -> SlotLayout {
        let mut sizes = vec![0usize; n_groups];
        for &group in group_of_row {
            sizes[group as usize] += 1;
        }
        let mut group_starts = Vec::with_capacity(n_groups + 1);
        let mut group_of_slot = Vec::new();
        for (group, &size) in sizes.iter().enumerate() {
            group_starts.push(group_of_slot.len());
            let padded = size.next_multiple_of(Self::SLOTS_PER_LINE);
            group_of_slot.resize(group_of_slot.len() + padded, group as u8);
        }
        group_starts.push(group_of_slot.len());
        let mut next = group_starts[..n_groups].to_vec();
        let mut row_of_slot = vec![Self::EMPTY; group_of_slot.len()];
        let slot_of_row = group_of_row
            .iter()
            .enumerate()
            .map(|(row, &group)| {
                let slot = &mut next[group as usize];
                row_of_slot[*slot] = row as u32;
                *slot += 1;
                (*slot - 1) as u32
            })
            .collect();
        SlotLayout {
            slot_of_row,
            row_of_slot,
            group_of_slot,
            group_starts,
        }
    }

    /// Every row at its own index, all in group 0.
    #[cfg(test)]
    fn identity(n_rows: usize) -> SlotLayout {
        SlotLayout {
            slot_of_row: (0..n_rows as u32).collect(),
            row_of_slot: (0..n_rows as u32).collect(),
            group_of_slot: vec![0; n_rows],
            group_starts: vec![0, n_rows],
        }
    }

    fn n_slots(&self) -> usize {
        self.row_of_slot.len()
    }

    /// The slots of `group`.
    fn group_slots(&self, group: usize) -> std::ops::Range<usize> {
        self.group_starts[group]..self.group_starts[group + 1]
    }

    fn slot(&self, row: u32) -> u32 {
        self.slot_of_row[row as usize]
    }

    fn group(&self, slot: u32) -> usize {
        self.group_of_slot[slot as usize] as usize
    }

    /// Copies each row of `width` values in `rows` to its slot in `slots` (`stride` values
    /// per slot, `stride >= width`; the rest of each slot is left as it is).
    fn gather(&self, rows: &[f32], width: usize, slots: &mut [f32], stride: usize) {
        if width == 0 {
            return;
        }
        slots
            .par_chunks_mut(stride * ROWS_PER_TASK)
            .enumerate()
            .for_each(|(task, to)| {
                let first = task * ROWS_PER_TASK;
                for (slot, to) in to.chunks_mut(stride).enumerate() {
                    let row = self.row_of_slot[first + slot];
                    if row != Self::EMPTY {
                        let row = row as usize;
                        to[..width].copy_from_slice(&rows[row * width..(row + 1) * width]);
                    }
                }
            });
    }

    /// The inverse of [`SlotLayout::gather`]: copies each row back from its slot.
    fn scatter(&self, slots: &[f32], stride: usize, rows: &mut [f32], width: usize) {
        if width == 0 {
            return;
        }
        rows.par_chunks_mut(width * ROWS_PER_TASK)
            .enumerate()
            .for_each(|(task, to)| {
                let first = task * ROWS_PER_TASK;
                for (row, to) in to.chunks_mut(width).enumerate() {
                    let slot = self.slot_of_row[first + row] as usize;
                    to.copy_from_slice(&slots[slot * stride..slot * stride + width]);
                }
            });
    }
}

/// One SGD pass over a block; returns the sum of squared errors seen before each update.
/// Uses AVX2 and FMA when the CPU has them: the arithmetic is the same operation by operation
/// (the same fused multiply-adds, fixed summation order), so the results are bit-identical
/// either way. The factor update `p += lr (err q - reg p)` is evaluated as
/// `(lr err) q + (1 - lr reg) p` with one rounding for the multiply-add (the same rule, two
/// operations per factor instead of five).
///
/// # Safety
/// No other thread may access the rows of the users and titles of `block` meanwhile, and
/// `shared.stride` must be a multiple of [`CHUNK`].
unsafe fn sgd_block(
    block: &[Triplet],
    shared: &SharedParams,
    global_mean: f32,
    biased: bool,
    rates: &Rates,
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // The common factor counts get a kernel with the chunk count built in: fully
            // unrolled loops, about half the instructions of the general one.
            let run = match shared.stride / CHUNK {
                1 => sgd_block_avx2::<1>,
                2 => sgd_block_avx2::<2>,
                4 => sgd_block_avx2::<4>,
                8 => sgd_block_avx2::<8>,
                13 => sgd_block_avx2::<13>,
                16 => sgd_block_avx2::<16>,
                _ => sgd_block_avx2::<0>,
            };
            return run(block, shared, global_mean, biased, rates);
        }
    }
    sgd_block_portable(block, shared, global_mean, biased, rates)
}

/// Above this size of one block's title rows (half a typical per-core L2 cache) the AVX2
/// kernel prefetches them.
const PREFETCH_ABOVE_BYTES: usize = 256 << 10;

/// How many ratings ahead the AVX2 kernel prefetches title rows.
#[cfg(target_arch = "x86_64")]
const PREFETCH_DISTANCE: usize = 4;

/// The constants of one SGD pass, in the form the AVX2 kernel uses them. `CHUNKS` is the
/// number of eight-float chunks per row when known at compile time, 0 otherwise.
#[cfg(target_arch = "x86_64")]
struct AvxStep<const CHUNKS: usize> {
    stride: usize,
    global_mean: f32,
    biased: bool,
    keep_p: f32,
    keep_q: f32,
}

#[cfg(target_arch = "x86_64")]
impl<const CHUNKS: usize> AvxStep<CHUNKS> {
    #[inline(always)]
    fn chunks(&self) -> usize {
        if CHUNKS > 0 {
            CHUNKS
        } else {
            self.stride / CHUNK
        }
    }

    /// The prediction error of `triplet` with the current parameters: the dot product sums
    /// chunk `k` into accumulator `k % 4`, as [`dot_portable`] does.
    ///
    /// # Safety
    /// AVX2 only; the rows of `triplet` must be valid and not written concurrently.
    #[inline(always)]
    unsafe fn error(&self, triplet: &Triplet, shared: &SharedParams) -> f32 {
        use std::arch::x86_64::*;
        let pu = shared.user_factors.add(triplet.user as usize * self.stride);
        let qi = shared
            .item_factors
            .add(triplet.title as usize * self.stride);
        let chunks = self.chunks();
        let product = |k: usize, acc: __m256| {
            _mm256_fmadd_ps(
                _mm256_loadu_ps(pu.add(CHUNK * k)),
                _mm256_loadu_ps(qi.add(CHUNK * k)),
                acc,
            )
        };
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut k = 0;
        while k + 4 <= chunks {
            acc[0] = product(k, acc[0]);
            acc[1] = product(k + 1, acc[1]);
            acc[2] = product(k + 2, acc[2]);
            acc[3] = product(k + 3, acc[3]);
            k += 4;
        }
        for (lane, acc) in acc.iter_mut().enumerate().take(chunks - k) {
            *acc = product(k + lane, *acc);
        }
        let mut estimate = horizontal_sum(acc);
        if self.biased {
            estimate += self.global_mean
                + *shared.user_biases.add(triplet.user as usize)
                + *shared.item_biases.add(triplet.title as usize);
        }
        triplet.rating - estimate
    }

    /// Applies the update rules for `triplet` with its error `err`.
    ///
    /// # Safety
    /// As for [`AvxStep::error`].
    #[inline(always)]
    unsafe fn update(&self, triplet: &Triplet, err: f32, shared: &SharedParams, rates: &Rates) {
        use std::arch::x86_64::*;
        let (user, title) = (triplet.user as usize, triplet.title as usize);
        if self.biased {
            let bu = &mut *shared.user_biases.add(user);
            *bu += rates.lr_bu * (err - rates.reg_bu * *bu);
            let bi = &mut *shared.item_biases.add(title);
            *bi += rates.lr_bi * (err - rates.reg_bi * *bi);
        }
        let pu = shared.user_factors.add(user * self.stride);
        let qi = shared.item_factors.add(title * self.stride);
        let keep_p8 = _mm256_set1_ps(self.keep_p);
        let keep_q8 = _mm256_set1_ps(self.keep_q);
        let step_p8 = _mm256_set1_ps(rates.lr_pu * err);
        let step_q8 = _mm256_set1_ps(rates.lr_qi * err);
        for k in 0..self.chunks() {
            let f = CHUNK * k;
            let p = _mm256_loadu_ps(pu.add(f));
            let q = _mm256_loadu_ps(qi.add(f));
            let new_p = _mm256_fmadd_ps(step_p8, q, _mm256_mul_ps(keep_p8, p));
            let new_q = _mm256_fmadd_ps(step_q8, p, _mm256_mul_ps(keep_q8, q));
            _mm256_storeu_ps(pu.add(f), new_p);
            _mm256_storeu_ps(qi.add(f), new_q);
        }
    }
}

/// The sum of four accumulators' lanes, in the order of [`combine_lanes`].
///
/// # Safety
/// AVX2 only.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn horizontal_sum(acc: [std::arch::x86_64::__m256; 4]) -> f32 {
    use std::arch::x86_64::*;
    let lanes = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    let pairs = _mm_add_ps(
        _mm256_castps256_ps128(lanes),
        _mm256_extractf128_ps(lanes, 1),
    );
    let halves = _mm_add_ps(pairs, _mm_movehl_ps(pairs, pairs));
    _mm_cvtss_f32(_mm_add_ss(halves, _mm_shuffle_ps(halves, halves, 1)))
}

/// The AVX2 pass over a block. Two consecutive ratings that share neither user nor title
/// do not interact, so the kernel computes both errors before applying both updates: the
/// same result as one after the other, with two independent dependency chains for the CPU
/// to overlap (a lone chain of dot product, error and update leaves most of it idle).
///
/// # Safety
/// As for [`sgd_block`]; the CPU must have AVX2 and FMA, and `CHUNKS` must be 0 or
/// `shared.stride / CHUNK`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn sgd_block_avx2<const CHUNKS: usize>(
    block: &[Triplet],
    shared: &SharedParams,
    global_mean: f32,
    biased: bool,
    rates: &Rates,
) -> f64 {
    use std::arch::x86_64::*;
    let step = AvxStep::<CHUNKS> {
        stride: shared.stride,
        global_mean,
        biased,
        keep_p: 1.0 - rates.lr_pu * rates.reg_pu,
        keep_q: 1.0 - rates.lr_qi * rates.reg_qi,
    };
    let row_bytes = shared.stride * std::mem::size_of::<f32>();
    let prefetch_title_row = |position: usize| {
        // Title rows are read at random; the users' rows are at hand (ratings come grouped
        // by user).
        if !shared.prefetch_title_rows {
            return;
        }
        if let Some(ahead) = block.get(position + PREFETCH_DISTANCE) {
            let item_row = shared
                .item_factors
                .add(ahead.title as usize * shared.stride) as *const i8;
            let mut offset = 0;
            while offset < row_bytes {
                _mm_prefetch::<_MM_HINT_T0>(item_row.add(offset));
                offset += 64;
            }
        }
    };
    let mut squared_error = 0.0f64;
    let mut position = 0;
    while position < block.len() {
        let first = &block[position];
        prefetch_title_row(position);
        match block.get(position + 1) {
            Some(second) if second.user != first.user && second.title != first.title => {
                prefetch_title_row(position + 1);
                let err_first = step.error(first, shared);
                let err_second = step.error(second, shared);
                squared_error += (err_first as f64) * (err_first as f64);
                squared_error += (err_second as f64) * (err_second as f64);
                step.update(first, err_first, shared, rates);
                step.update(second, err_second, shared, rates);
                position += 2;
            }
            _ => {
                let err = step.error(first, shared);
                squared_error += (err as f64) * (err as f64);
                step.update(first, err, shared, rates);
                position += 1;
            }
        }
    }
    squared_error
}

/// The portable pass over a block: the same operations as [`sgd_block_avx2`], one rating
/// after the other.
///
/// # Safety
/// As for [`sgd_block`].
unsafe fn sgd_block_portable(
    block: &[Triplet],
    shared: &SharedParams,
    global_mean: f32,
    biased: bool,
    rates: &Rates,
) -> f64 {
    let stride = shared.stride;
    let keep_p = 1.0 - rates.lr_pu * rates.reg_pu;
    let keep_q = 1.0 - rates.lr_qi * rates.reg_qi;
    let mut squared_error = 0.0f64;
    for triplet in block {
        let user = triplet.user as usize;
        let title = triplet.title as usize;
        let pu = std::slice::from_raw_parts_mut(shared.user_factors.add(user * stride), stride);
        let qi = std::slice::from_raw_parts_mut(shared.item_factors.add(title * stride), stride);
        let bu = &mut *shared.user_biases.add(user);
        let bi = &mut *shared.item_biases.add(title);
        let mut estimate = dot_portable(pu, qi);
        if biased {
            estimate += global_mean + *bu + *bi;
        }
        let err = triplet.rating - estimate;
        squared_error += (err as f64) * (err as f64);
        if biased {
            *bu += rates.lr_bu * (err - rates.reg_bu * *bu);
            *bi += rates.lr_bi * (err - rates.reg_bi * *bi);
        }
        let (step_p, step_q) = (rates.lr_pu * err, rates.lr_qi * err);
        for (p, q) in pu.iter_mut().zip(qi.iter_mut()) {
            let (old_p, old_q) = (*p, *q);
            *p = step_p.mul_add(old_q, keep_p * old_p);
            *q = step_q.mul_add(old_p, keep_q * old_q);
        }
    }
    squared_error
}

/// A prediction: the clipped estimate and whether it is a fallback (unknown user or title).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    pub est: f32,
    pub was_impossible: bool,
}

/// What the progress callback is told after each epoch.
#[derive(Clone, Copy, Debug)]
pub struct EpochReport {
    /// 1-based epoch number.
    pub epoch: usize,
    pub n_epochs: usize,
    /// RMSE on the training ratings, over the errors seen during the epoch's updates.
    pub train_rmse: f64,
}

/// Called after every epoch; returning `false` stops training early.
pub type Progress<'a> = &'a mut dyn FnMut(EpochReport) -> bool;

/// A trained model with the id maps of the data it was trained on.
#[derive(Clone, Debug)]
pub struct SvdModel {
    pub params: SvdParams,
    /// The seed actually used (`params.random_state`, or one drawn from the clock).
    pub seed: u64,
    pub n_factors: usize,
    pub global_mean: f32,
    pub scale: (f32, f32),
    pub user_biases: Vec<f32>,
    pub item_biases: Vec<f32>,
    /// Row-major `n_users x n_factors`.
    pub user_factors: Vec<f32>,
    /// Row-major `n_titles x n_factors`.
    pub item_factors: Vec<f32>,
    /// Training ratings per user; a user with none is unknown to the model.
    pub user_counts: Vec<u32>,
    pub item_counts: Vec<u32>,
    pub user_ids: Vec<i64>,
    pub title_ids: Vec<String>,
    pub user_index: HashMap<i64, u32, FastHash>,
    pub title_index: HashMap<String, u32, FastHash>,
    /// Titles each user rated in training (CSR: `rated_titles[rated_offsets[u]..rated_offsets[u+1]]`, sorted).
    pub rated_offsets: Vec<u64>,
    pub rated_titles: Vec<u32>,
    /// Training RMSE of every epoch run so far (fit, then any partial fits).
    pub loss_history: Vec<f64>,
    /// How many warm starts ([`SvdModel::partial_fit`]) followed the fit.
    pub generation: u32,
    item_norms: Vec<f32>,
}

/// The items `item(0), item(1), ... item(n_items - 1)` (made on the fly, twice each, instead of
/// read from a slice that would have to be built first) stably sorted by `key` (below
/// `n_keys`), and where each key's run starts (`n_keys + 1` positions): a counting sort,
/// linear in the number of items and run on all cores. Each chunk of the input counts its
/// keys, then writes its items to the positions reserved for it (for every key, chunk after
/// chunk), so the result is the one stable order whatever the number of chunks or threads.
fn counting_sort_generated<T: Copy + Send + Sync>(
    n_items: usize,
    item: impl Fn(usize) -> T + Sync,
    n_keys: usize,
    key: impl Fn(&T) -> usize + Sync,
) -> (Vec<T>, Vec<usize>) {
    counting_sort_arranged(n_items, item, n_keys, key, |rank, _| rank)
}

/// [`counting_sort_generated`], with each key's run then rearranged by `arrange`: the item
/// at `rank` of a run of `len` goes to `arrange(rank, len)` of the run (a permutation of
/// `0..len`), in the same pass.
fn counting_sort_arranged<T: Copy + Send + Sync>(
    n_items: usize,
    item: impl Fn(usize) -> T + Sync,
    n_keys: usize,
    key: impl Fn(&T) -> usize + Sync,
    arrange: impl Fn(usize, usize) -> usize + Sync,
) -> (Vec<T>, Vec<usize>) {
    // Chunks of at least `n_keys` items, so that the counters cost no more than the items;
    // about four per thread, so that uneven chunks still keep every core busy.
    let chunk_len = (n_items / (4 * rayon::current_num_threads()))
        .max(n_keys)
        .max(4096);
    let chunks = |chunk: usize| chunk * chunk_len..((chunk + 1) * chunk_len).min(n_items);
    let n_chunks = n_items.div_ceil(chunk_len);
    let mut chunk_next: Vec<Vec<usize>> = (0..n_chunks)
        .into_par_iter()
        .map(|chunk| {
            let mut counts = vec![0usize; n_keys];
            for index in chunks(chunk) {
                counts[key(&item(index))] += 1;
            }
            counts
        })
        .collect();
    // Each chunk's counts become the next free position of each of its keys.
    let mut starts = vec![0usize; n_keys + 1];
    let mut running = 0;
    for k in 0..n_keys {
        starts[k] = running;
        for next in chunk_next.iter_mut() {
            let count = next[k];
            next[k] = running;
            running += count;
        }
    }
    starts[n_keys] = running;
    if n_items == 0 {
        return (Vec::new(), starts);
    }
    let mut sorted = Vec::with_capacity(n_items);
    let slots = DisjointSlots(sorted.as_mut_ptr());
    chunk_next
        .into_par_iter()
        .enumerate()
        .for_each(|(chunk, mut next)| {
            for index in chunks(chunk) {
                let value = item(index);
                let key = key(&value);
                let (start, len) = (starts[key], starts[key + 1] - starts[key]);
                let position = &mut next[key];
                // SAFETY: each chunk writes only the positions reserved for it (a permutation
                // of its key's run), each once, all below `n_items`.
                unsafe { slots.write(start + arrange(*position - start, len), value) };
                *position += 1;
            }
        });
    // SAFETY: the chunks wrote every position below `n_items` exactly once.
    unsafe { sorted.set_len(n_items) };
    (sorted, starts)
}

/// `items` cut into the runs `starts[k]..starts[k + 1]` (`starts` ascending from 0 to at
/// most `items.len()`), as disjoint mutable slices.
fn split_at_starts<'a, T>(mut items: &'a mut [T], starts: &[usize]) -> Vec<&'a mut [T]> {
    let mut runs = Vec::with_capacity(starts.len().saturating_sub(1));
    for window in starts.windows(2) {
        let (run, rest) = std::mem::take(&mut items).split_at_mut(window[1] - window[0]);
        runs.push(run);
        items = rest;
    }
    runs
}

/// Where the item at `rank` of a run of `len` items goes when the run's two halves are
/// interleaved: `[a0, a1, ..., b0, b1, ...]` becomes `[a0, b0, a1, b1, ...]`, the first half
/// holding the odd item out.
#[inline(always)]
fn interleaved_position(rank: usize, len: usize) -> usize {
    let first_half = len.div_ceil(2);
    if rank < first_half {
        2 * rank
    } else {
        2 * (rank - first_half) + 1
    }
}

/// The order in which one training run visits its ratings (see the module docs): the
/// ratings in the slots of the two [`SlotLayout`]s, block after block, each block user by
/// user (each user's ratings in the given order) with its two halves interleaved.
struct Schedule {
    strata: usize,
    user_layout: SlotLayout,
    title_layout: SlotLayout,
    ordered: Vec<Triplet>,
    /// Where each block starts in `ordered`, block `(g, h)` at `g * strata + h`, and its end.
    block_starts: Vec<usize>,
}

/// The user and title layouts of a training run on ratings with these counts per user and
/// per title (see [`group_assignment`]), the groups drawn from `(seed, stream)`.
fn grouped_layouts(
    user_counts: &[u32],
    title_counts: &[u32],
    strata: usize,
    seed: u64,
    stream: u64,
) -> (SlotLayout, SlotLayout) {
    rayon::join(
        || {
            let groups = group_assignment(user_counts, strata, Rng::for_stream(seed, &[stream, 1]));
            SlotLayout::grouped(&groups, strata)
        },
        || {
            let groups =
                group_assignment(title_counts, strata, Rng::for_stream(seed, &[stream, 2]));
            SlotLayout::grouped(&groups, strata)
        },
    )
}

impl Schedule {
    /// The ratings of `triplets` in slots of the layouts, in visiting order, and where each
    /// block starts (see [`Schedule`]).
    fn order(
        triplets: TripletSource,
        user_layout: &SlotLayout,
        title_layout: &SlotLayout,
        strata: usize,
    ) -> (Vec<Triplet>, Vec<usize>) {
        let grouped_by_user = triplets.grouped_by_user();
        Self::order_as(triplets, user_layout, title_layout, strata, grouped_by_user)
    }

    /// [`Schedule::order`], told whether `triplets` come user by user
    /// ([`TripletSource::grouped_by_user`]), which saves the sort by user.
    fn order_as(
        triplets: TripletSource,
        user_layout: &SlotLayout,
        title_layout: &SlotLayout,
        strata: usize,
        grouped_by_user: bool,
    ) -> (Vec<Triplet>, Vec<usize>) {
        // A counting sort by block, then within each block (all in parallel) one by user slot,
        // stable both: block after block, user by user, each user's ratings in table order.
        // Two small key spaces keep the counters in cache, where one key per (block, user)
        // would make every count a cache miss on large data. Ratings that come user by user
        // (slots keep the rows' order within a group) are in user order within each block
        // after the first sort already.
        let block_of =
            |t: &Triplet| user_layout.group(t.user) * strata + title_layout.group(t.title);
        let (by_block, block_starts) = counting_sort_arranged(
            triplets.len(),
            |index| {
                let t = triplets.get(index);
                Triplet {
                    user: user_layout.slot(t.user),
                    title: title_layout.slot(t.title),
                    rating: t.rating,
                }
            },
            strata * strata,
            block_of,
            |rank, len| {
                if grouped_by_user {
                    interleaved_position(rank, len)
                } else {
                    rank
                }
            },
        );
        if grouped_by_user {
            return (by_block, block_starts);
        }
        let mut ordered: Vec<Triplet> = Vec::with_capacity(by_block.len());
        split_at_starts(
            &mut ordered.spare_capacity_mut()[..by_block.len()],
            &block_starts,
        )
        .into_par_iter()
        .enumerate()
        .for_each(|(block, out)| {
            let ratings = &by_block[block_starts[block]..block_starts[block + 1]];
            let users = user_layout.group_slots(block / strata);
            let mut next = vec![0usize; users.len() + 1];
            for t in ratings {
                next[t.user as usize - users.start + 1] += 1;
            }
            for k in 0..users.len() {
                next[k + 1] += next[k];
            }
            for &t in ratings {
                let position = &mut next[t.user as usize - users.start];
                out[interleaved_position(*position, ratings.len())].write(t);
                *position += 1;
            }
        });
        // SAFETY: each block wrote every position of its part of `ordered` once (a counting
        // sort's positions, interleaved one to one), and the parts cover it.
        unsafe { ordered.set_len(by_block.len()) };
        drop(by_block);
        (ordered, block_starts)
    }

    fn n_ratings(&self) -> usize {
        self.ordered.len()
    }

    /// The ratings of user group `g` and title group `h`.
    fn block(&self, g: usize, h: usize) -> &[Triplet] {
        let block = g * self.strata + h;
        &self.ordered[self.block_starts[block]..self.block_starts[block + 1]]
    }
}

/// A counter on a cache line of its own, so that workers waiting on one do not slow the
/// writes to its neighbours.
#[repr(align(64))]
#[derive(Default)]
struct PaddedCounter(AtomicUsize);

/// How many blocks each title group has been through in one pass of [`run_epochs`], and a
/// way for a worker to wait for a count: spinning a little (the block it waits for is usually
/// about to end), then asleep, so that a worker waiting for a busy or descheduled one (other
/// fits in the pool, other processes) leaves it the core.
struct BlockProgress {
    done: Vec<PaddedCounter>,
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

impl BlockProgress {
    /// About 20 microseconds of spinning before sleeping.
    const SPINS: u32 = 1 << 10;

    fn new(n_groups: usize) -> Self {
        BlockProgress {
            done: (0..n_groups).map(|_| PaddedCounter::default()).collect(),
            sleepers: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// Returns once group `group` has been through `count` blocks.
    fn wait_for(&self, group: usize, count: usize) {
        let done = &self.done[group].0;
        for _ in 0..Self::SPINS {
            if done.load(Ordering::Acquire) >= count {
                return;
            }
            std::hint::spin_loop();
        }
        // Registered before the last look under the lock: a worker that counts a block after
        // that look sees the sleeper and wakes it (both sides sequentially consistent).
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        while done.load(Ordering::SeqCst) < count {
            guard = self.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        drop(guard);
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
    }

    /// Counts one more block for group `group`, waking any sleeping worker.
    fn finish_block(&self, group: usize) {
        self.done[group].0.fetch_add(1, Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.wake.notify_all();
        }
    }
}

/// Runs `n_epochs` epochs of `schedule`, calling `run_block` on each block, and returns
/// each block's result, epoch after epoch, shift after shift, user group after user group.
///
/// Worker `w` of the pool always takes the user groups `w, w + T, ...` (their rows stay in
/// its core's cache) and walks its blocks in schedule order. Block `(g, h)` of step `t`
/// (`t` counting the sub-epochs of all epochs) waits only until title group `h` has been
/// through the `t` blocks before it, one per step: no barrier between sub-epochs, so a
/// worker ahead of the other starts its next block as soon as that block's titles are free,
/// and the pool is woken once for all the epochs. Every user group and every title group
/// still sees its blocks in schedule order, each block run by one thread at a time: the
/// same updates in the same order as with a barrier, so the same bits. The waits cannot
/// form a cycle (each is on a block of an earlier step), and every worker's part of a
/// pass is queued in each worker in the same order, so passes from several callers (or
/// nested in the pool, as in cross-validation) cannot deadlock.
fn run_epochs(
    schedule: &Schedule,
    n_epochs: usize,
    run_block: impl Fn(&[Triplet]) -> f64 + Sync,
) -> Vec<f64> {
    let strata = schedule.strata;
    let progress = BlockProgress::new(strata);
    let mut block_errors = vec![0.0f64; n_epochs * strata * strata];
    let errors_out = DisjointSlots(block_errors.as_mut_ptr());
    rayon::broadcast(|worker| {
        for step in 0..n_epochs * strata {
            let shift = step % strata;
            for group in (worker.index()..strata).step_by(worker.num_threads()) {
                let titles = (group + shift) % strata;
                progress.wait_for(titles, step);
                let error = run_block(schedule.block(group, titles));
                progress.finish_block(titles);
                // SAFETY: one slot per (step, group), written by the one worker of `group`.
                unsafe { errors_out.write(step * strata + group, error) };
            }
        }
    });
    block_errors
}

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
        let ((ordered, block_starts), ((user_rows, item_rows), (rated_offsets, rated_titles))) =
            rayon::join(
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
        let schedule = Schedule {
            strata,
            user_layout,
            title_layout,
            ordered,
            block_starts,
        };
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
        model.run_sgd(schedule, user_rows, item_rows, params.n_epochs, progress);
        Ok(model)
    }

    /// Runs `n_epochs` of the block-parallel SGD in the order of `schedule` (see the module
    /// docs) on the factor rows `user_rows` and `item_rows` (in the schedule's slots), then
    /// stores them as the model's factors.
    fn run_sgd(
        &mut self,
        schedule: Schedule,
        mut user_rows: PaddedRows,
        mut item_rows: PaddedRows,
        n_epochs: usize,
        mut progress: Option<Progress>,
    ) {
        let (strata, n_ratings) = (schedule.strata, schedule.n_ratings());
        let (user_layout, title_layout) = (&schedule.user_layout, &schedule.title_layout);
        let rates = self.params.rates();
        let (n_factors, global_mean, biased) =
            (self.n_factors, self.global_mean, self.params.biased);
        let mut user_biases = vec![0.0f32; user_layout.n_slots()];
        user_layout.gather(&self.user_biases, 1, &mut user_biases, 1);
        let mut item_biases = vec![0.0f32; title_layout.n_slots()];
        title_layout.gather(&self.item_biases, 1, &mut item_biases, 1);
        let shared = SharedParams {
            user_factors: user_rows.floats_mut().as_mut_ptr(),
            item_factors: item_rows.floats_mut().as_mut_ptr(),
            user_biases: user_biases.as_mut_ptr(),
            item_biases: item_biases.as_mut_ptr(),
            stride: user_rows.stride,
            // Since each group has cache lines of its own, a small block's title rows come
            // over from the other core quickly enough: prefetching them was 3% slower on
            // ml-100k with two workers.
            prefetch_title_rows: item_rows.size_bytes() / strata > PREFETCH_ABOVE_BYTES,
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
            let block_errors = run_epochs(&schedule, epochs.len(), |block| {
                // SAFETY: `run_epochs` runs a block only once every block before it on the
                // same user group or title group has finished, and none of them meanwhile.
                unsafe { sgd_block(block, &shared, global_mean, biased, &rates) }
            });
            for (epoch, errors) in epochs.zip(block_errors.chunks(strata * strata)) {
                // Summed shift by shift, group by group: the same order on any thread count.
                let squared_error: f64 = errors.chunks(strata).map(|s| s.iter().sum::<f64>()).sum();
                let train_rmse = (squared_error / n_ratings.max(1) as f64).sqrt();
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
        let Schedule {
            user_layout,
            title_layout,
            ordered,
            ..
        } = schedule;
        drop(ordered);
        self.user_factors
            .resize(self.user_ids.len() * n_factors, 0.0);
        self.item_factors
            .resize(self.title_ids.len() * n_factors, 0.0);
        rayon::join(
            || user_rows.write_back(&mut self.user_factors, n_factors, &user_layout),
            || item_rows.write_back(&mut self.item_factors, n_factors, &title_layout),
        );
        user_layout.scatter(&user_biases, 1, &mut self.user_biases, 1);
        title_layout.scatter(&item_biases, 1, &mut self.item_biases, 1);
        self.item_norms.clear();
    }

    pub fn n_users(&self) -> usize {
        self.user_ids.len()
    }

    pub fn n_titles(&self) -> usize {
        self.title_ids.len()
    }

    #[inline]
    pub fn knows_user(&self, user: u32) -> bool {
        self.user_counts.get(user as usize).is_some_and(|&n| n > 0)
    }

    #[inline]
    pub fn knows_title(&self, title: u32) -> bool {
        self.item_counts.get(title as usize).is_some_and(|&n| n > 0)
    }

    #[inline]
    pub fn user_factor(&self, user: u32) -> &[f32] {
        let start = user as usize * self.n_factors;
        &self.user_factors[start..start + self.n_factors]
    }

    #[inline]
    pub fn item_factor(&self, title: u32) -> &[f32] {
        let start = title as usize * self.n_factors;
        &self.item_factors[start..start + self.n_factors]
    }

    #[inline]
    fn clip(&self, estimate: f32) -> f32 {
        estimate.clamp(self.scale.0, self.scale.1)
    }

    /// The unclipped estimate for a known user and title.
    #[inline]
    fn raw_estimate(&self, user: u32, title: u32) -> f32 {
        self.estimate_with(
            user,
            title,
            dot(self.user_factor(user), self.item_factor(title)),
        )
    }

    /// The unclipped estimate for a known user and title whose factors' dot product is
    /// `product`.
    #[inline(always)]
    fn estimate_with(&self, user: u32, title: u32, product: f32) -> f32 {
        if self.params.biased {
            self.global_mean
                + self.user_biases[user as usize]
                + self.item_biases[title as usize]
                + product
        } else {
            product
        }
    }

    /// Prediction by dense indexes; indexes the model does not know (out of range, or without
    /// training ratings) get Surprise's fallback.
    pub fn predict_index(&self, user: u32, title: u32) -> Prediction {
        let known_user = self.knows_user(user);
        let known_title = self.knows_title(title);
        if known_user && known_title {
            return Prediction {
                est: self.clip(self.raw_estimate(user, title)),
                was_impossible: false,
            };
        }
        let mut est = self.global_mean;
        if self.params.biased {
            if known_user {
                est += self.user_biases[user as usize];
            }
            if known_title {
                est += self.item_biases[title as usize];
            }
        }
        Prediction {
            est: self.clip(est),
            was_impossible: true,
        }
    }

    /// Prediction by original ids; unknown ids fall back (never an error, as in Surprise).
    pub fn predict(&self, user_id: i64, title_id: &str) -> Prediction {
        let user = self.user_index.get(&user_id).copied().unwrap_or(u32::MAX);
        let title = self.title_index.get(title_id).copied().unwrap_or(u32::MAX);
        self.predict_index(user, title)
    }

    /// Hints the CPU to load the factor rows of `user` and `title` (no-op when out of range).
    #[inline(always)]
    fn prefetch_rows(&self, user: u32, title: u32) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let k = self.n_factors;
            let rows = [
                self.user_factors
                    .get(user as usize * k..(user as usize + 1) * k),
                self.item_factors
                    .get(title as usize * k..(title as usize + 1) * k),
            ];
            for row in rows.into_iter().flatten() {
                for line in row.chunks(16) {
                    // SAFETY: a prefetch never faults, and the address is inside `row`.
                    unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr() as *const i8) };
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (user, title);
    }

    /// Replaces the title of each `(position, user, title)` pair with the bits of the pair's
    /// clipped estimate: the same value as [`SvdModel::predict_index`] gives.
    fn estimate_pairs(&self, pairs: &mut [(u32, u32, u32)]) {
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA.
            return unsafe { self.estimate_pairs_avx2(pairs) };
        }
        self.estimate_pairs_with(pairs, dot_portable);
    }

    /// [`SvdModel::estimate_pairs`] compiled for AVX2, so that the whole loop, the dot product
    /// included, is one function: with a call chain and a CPU feature check per pair, 1M
    /// predictions took 16-20% longer.
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn estimate_pairs_avx2(&self, pairs: &mut [(u32, u32, u32)]) {
        self.estimate_pairs_with(pairs, |a, b| {
            let n = a.len().min(b.len());
            // SAFETY: the CPU has AVX2 and FMA, and both slices hold at least `n` floats.
            unsafe { dot_avx2(a.as_ptr(), b.as_ptr(), n) }
        });
    }

    #[inline(always)]
    fn estimate_pairs_with(
        &self,
        pairs: &mut [(u32, u32, u32)],
        dot: impl Fn(&[f32], &[f32]) -> f32,
    ) {
        // Fetch the rows of a coming pair while this one is computed.
        const AHEAD: usize = 8;
        for k in 0..pairs.len() {
            if let Some(&(_, next_user, next_title)) = pairs.get(k + AHEAD) {
                self.prefetch_rows(next_user, next_title);
            }
            let (_, user, title) = pairs[k];
            let estimate = if self.knows_user(user) && self.knows_title(title) {
                let product = dot(self.user_factor(user), self.item_factor(title));
                self.clip(self.estimate_with(user, title, product))
            } else {
                self.predict_index(user, title).est
            };
            pairs[k].2 = estimate.to_bits();
        }
    }

    /// Clipped estimates for many index pairs, in parallel.
    pub fn predict_indexes(&self, users: &[u32], titles: &[u32]) -> Result<Vec<f32>> {
        if users.len() != titles.len() {
            return Err(Error::invalid(
                "titles",
                format!("{} titles for {} users", titles.len(), users.len()),
                "as many titles as users",
            ));
        }
        // Visit the pairs grouped by user (a counting sort of their positions): each user's
        // row is then read from memory once for all of that user's pairs instead of once per
        // pair, and only the title rows (a smaller table) are read at random.
        // Users are visited in runs of 32 rows (12.8 KB of factors at 100 factors): few enough
        // runs for the counters and the scatter targets to stay in cache.
        const USERS_PER_RUN_LOG2: u32 = 5;
        let n_keys = (self.n_users() >> USERS_PER_RUN_LOG2) + 2;
        let key_of = |user: u32| ((user >> USERS_PER_RUN_LOG2) as usize).min(n_keys - 1);
        // The pairs are sorted with their positions (read in order, written at random), so
        // that the computation below reads everything in order. The sort makes the pairs from
        // the inputs as it goes, and each estimate replaces its pair's title once computed:
        // fresh memory costs a page fault per page, as much as the arithmetic here.
        let (mut sorted_pairs, _) = counting_sort_generated(
            users.len(),
            |position| (position as u32, users[position], titles[position]),
            n_keys,
            |&(_, user, _)| key_of(user),
        );
        sorted_pairs
            .par_chunks_mut(4096)
            .for_each(|pairs| self.estimate_pairs(pairs));
        let mut out = vec![0.0f32; users.len()];
        let out_slots = DisjointSlots(out.as_mut_ptr());
        sorted_pairs.par_chunks(4096).for_each(|pairs| {
            for &(position, _, estimate) in pairs {
                // SAFETY: the positions are a permutation of those of `out`.
                unsafe { out_slots.write(position as usize, f32::from_bits(estimate)) };
            }
        });
        Ok(out)
    }

    /// Clipped estimates for many id pairs, in parallel.
    pub fn predict_ids<S: AsRef<str> + Sync>(
        &self,
        user_ids: &[i64],
        title_ids: &[S],
    ) -> Result<Vec<f32>> {
        if user_ids.len() != title_ids.len() {
            return Err(Error::invalid(
                "title_ids",
                format!(
                    "{} title ids for {} user ids",
                    title_ids.len(),
                    user_ids.len()
                ),
                "as many title ids as user ids",
            ));
        }
        let (users, titles) = rayon::join(
            || self.user_indexes(user_ids),
            || self.title_indexes(title_ids),
        );
        self.predict_indexes(&users, &titles)
    }

    /// The dense index of each user id, `u32::MAX` for an id the model has never seen.
    pub fn user_indexes(&self, user_ids: &[i64]) -> Vec<u32> {
        user_ids
            .par_iter()
            .map(|id| self.user_index.get(id).copied().unwrap_or(u32::MAX))
            .collect()
    }

    /// The dense index of each title id, `u32::MAX` for an id the model has never seen.
    pub fn title_indexes<S: AsRef<str> + Sync>(&self, title_ids: &[S]) -> Vec<u32> {
        title_ids
            .par_iter()
            .map(|id| {
                self.title_index
                    .get(id.as_ref())
                    .copied()
                    .unwrap_or(u32::MAX)
            })
            .collect()
    }

    fn rated_by(&self, user: u32) -> &[u32] {
        let u = user as usize;
        if u + 1 >= self.rated_offsets.len() {
            return &[];
        }
        &self.rated_titles[self.rated_offsets[u] as usize..self.rated_offsets[u + 1] as usize]
    }

    fn user_of(&self, user_id: i64) -> Result<u32> {
        match self.user_index.get(&user_id) {
            Some(&user) if self.knows_user(user) => Ok(user),
            _ => Err(Error::unknown("user", user_id.to_string())),
        }
    }

    fn title_of(&self, title_id: &str) -> Result<u32> {
        match self.title_index.get(title_id) {
            Some(&title) if self.knows_title(title) => Ok(title),
            _ => Err(Error::unknown("title", title_id)),
        }
    }

    /// The `n` known titles with the highest score, excluding `excluded` (sorted), best first;
    /// ties go to the lower index so the answer is deterministic. Ranges of titles are ranked
    /// in parallel and their best merged: the same answer as one pass, whatever the threads.
    fn top_titles(
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
    fn top_titles_in(
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
        let user = self.user_of(user_id)?;
        let excluded = if exclude_rated {
            self.rated_by(user)
        } else {
            &[]
        };
        let top = self.top_titles(n, excluded, |t| self.raw_estimate(user, t));
        Ok(top
            .into_iter()
            .map(|(t, s)| (self.title_ids[t as usize].clone(), self.clip(s)))
            .collect())
    }

    fn ensure_item_norms(&mut self) {
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

    /// The `n` titles whose factor vectors are closest to `title_id`'s by cosine similarity.
    /// Call [`SvdModel::prepare`] once beforehand for speed when `&self` is all you have.
    pub fn similar_titles(&self, title_id: &str, n: usize) -> Result<Vec<(String, f32)>> {
        let title = self.title_of(title_id)?;
        let target = self.item_factor(title);
        let target_norm = dot(target, target).sqrt();
        let norms_ready = self.item_norms.len() == self.n_titles();
        let top = self.top_titles(n, &[title], |t| {
            let q = self.item_factor(t);
            let norm = if norms_ready {
                self.item_norms[t as usize]
            } else {
                dot(q, q).sqrt()
            };
            let denominator = norm * target_norm;
            if denominator > 0.0 {
                dot(q, target) / denominator
            } else {
                0.0
            }
        });
        Ok(top
            .into_iter()
            .map(|(t, s)| (self.title_ids[t as usize].clone(), s))
            .collect())
    }

    /// Folds in a new user described by a few `(title_id, rating)` pairs, without retraining:
    /// with the titles' factors and biases fixed, `p_u` and `b_u` minimise the same
    /// regularised squared error the SGD minimises, restricted to this user,
    /// `Σ (r - μ - b_i - b_u - q_iᵀ p_u)² + n (reg_pu |p_u|² + reg_bu b_u²)`, solved exactly as
    /// a ridge regression (Cholesky of a `(k + 1) x (k + 1)` system). Returns `(p_u, b_u)`.
    pub fn fold_in(&self, ratings: &[(String, f32)]) -> Result<(Vec<f32>, f32)> {
        if ratings.is_empty() {
            return Err(Error::invalid(
                "ratings",
                "[]",
                "at least one (title_id, rating) pair",
            ));
        }
        let (low, high) = self.scale;
        let mut rows = Vec::with_capacity(ratings.len());
        for (title_id, rating) in ratings {
            if !(rating.is_finite() && *rating >= low && *rating <= high) {
                return Err(Error::invalid(
                    "rating",
                    format!("{rating} for {title_id}"),
                    format!("a rating between {low} and {high}"),
                ));
            }
            rows.push((self.title_of(title_id)?, *rating));
        }
        let k = self.n_factors;
        let biased = self.params.biased;
        let dim = if biased { k + 1 } else { k };
        let rates = self.params.rates();
        let count = rows.len() as f64;
        let mut gram = vec![0.0f64; dim * dim];
        let mut rhs = vec![0.0f64; dim];
        let mut features = vec![0.0f64; dim];
        for &(title, rating) in &rows {
            for (f, &q) in features.iter_mut().zip(self.item_factor(title)) {
                *f = q as f64;
            }
            let mut target = rating as f64;
            if biased {
                features[k] = 1.0;
                target -= (self.global_mean + self.item_biases[title as usize]) as f64;
            }
            for a in 0..dim {
                rhs[a] += features[a] * target;
                for b in 0..dim {
                    gram[a * dim + b] += features[a] * features[b];
                }
            }
        }
        for a in 0..k {
            gram[a * dim + a] += count * rates.reg_pu as f64 + 1e-9;
        }
        if biased {
            gram[k * dim + k] += count * rates.reg_bu as f64 + 1e-9;
        }
        let solution = solve_symmetric_positive(&mut gram, &rhs, dim).ok_or_else(|| {
            Error::invalid(
                "ratings",
                "a singular fold-in system",
                "ratings of titles with distinct factors",
            )
        })?;
        let factors: Vec<f32> = solution[..k].iter().map(|&x| x as f32).collect();
        let bias = if biased { solution[k] as f32 } else { 0.0 };
        Ok((factors, bias))
    }

    /// Recommendations for a new user described by a few ratings (see [`SvdModel::fold_in`]);
    /// the rated titles are excluded.
    pub fn recommend_for_ratings(
        &self,
        ratings: &[(String, f32)],
        n: usize,
    ) -> Result<Vec<(String, f32)>> {
        let (factors, bias) = self.fold_in(ratings)?;
        let mut excluded: Vec<u32> = ratings
            .iter()
            .filter_map(|(t, _)| self.title_index.get(t).copied())
            .collect();
        excluded.sort_unstable();
        let biased = self.params.biased;
        let top = self.top_titles(n, &excluded, |t| {
            let product = dot(&factors, self.item_factor(t));
            if biased {
                self.global_mean + bias + self.item_biases[t as usize] + product
            } else {
                product
            }
        });
        Ok(top
            .into_iter()
            .map(|(t, s)| (self.title_ids[t as usize].clone(), self.clip(s)))
            .collect())
    }

    /// Warm start: continues training on `new_ratings` only, for `n_epochs` (default: the
    /// model's `n_epochs`). Users and titles the model has not seen get ids appended and fresh
    /// factors drawn from `N(init_mean, init_std_dev)` (biases 0); `μ` stays the one of the
    /// first fit, so that known users' predictions keep their meaning. Returns the training
    /// RMSE of the last epoch.
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
        let triplets = TripletSource {
            user_map: Some(&user_map),
            title_map: Some(&title_map),
            ..TripletSource::of(new_ratings)
        };
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
        let ((ordered, block_starts), (rated_offsets, rated_titles)) = rayon::join(
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
        let schedule = Schedule {
            strata,
            user_layout,
            title_layout,
            ordered,
            block_starts,
        };
        (self.rated_offsets, self.rated_titles) = (rated_offsets, rated_titles);
        let (user_rows, item_rows) = rayon::join(
            || PaddedRows::of(&self.user_factors, k, &schedule.user_layout),
            || PaddedRows::of(&self.item_factors, k, &schedule.title_layout),
        );
        let n_epochs = n_epochs.unwrap_or(self.params.n_epochs);
        self.run_sgd(schedule, user_rows, item_rows, n_epochs, progress);
        Ok(self.loss_history.last().copied().unwrap_or(f64::NAN))
    }
}

/// The per-user sorted lists of rated titles (offsets, titles) of `n_users` users, from the
/// existing ones plus the titles of `new`: a counting sort into place, then each user's list
/// sorted and deduplicated in parallel.
fn rated_lists(
    old_offsets: &[u64],
    old_titles: &[u32],
    new: TripletSource,
    n_users: usize,
    n_titles: usize,
) -> (Vec<u64>, Vec<u32>) {
    let old_list = |user: usize| -> &[u32] {
        match old_offsets.get(user..user + 2) {
            Some(&[start, end]) => &old_titles[start as usize..end as usize],
            _ => &[],
        }
    };
    let mut starts = vec![0usize; n_users + 1];
    for (user, start) in starts[1..].iter_mut().enumerate() {
        *start = old_list(user).len();
    }
    for t in new.iter() {
        starts[t.user as usize + 1] += 1;
    }
    for user in 0..n_users {
        starts[user + 1] += starts[user];
    }
    let mut titles = vec![0u32; starts[n_users]];
    let mut next = starts[..n_users].to_vec();
    for (user, slot) in next.iter_mut().enumerate() {
        let old = old_list(user);
        titles[*slot..*slot + old.len()].copy_from_slice(old);
        *slot += old.len();
    }
    for t in new.iter() {
        let slot = &mut next[t.user as usize];
        titles[*slot] = t.title;
        *slot += 1;
    }
    let mut lists = split_at_starts(&mut titles, &starts);
    let kept: Vec<usize> = lists
        .par_iter_mut()
        .map_init(
            || vec![0u64; n_titles.div_ceil(64)],
            |marks, list| sort_unique_titles(list, marks),
        )
        .collect();
    drop(lists);
    let mut offsets = Vec::with_capacity(n_users + 1);
    offsets.push(0);
    let mut written = 0;
    for (user, &count) in kept.iter().enumerate() {
        titles.copy_within(starts[user]..starts[user] + count, written);
        written += count;
        offsets.push(written as u64);
    }
    titles.truncate(written);
    (offsets, titles)
}

/// Sorts `list` (title indexes) and removes repeats, keeping the result at its start, and
/// returns its length. A list long against the title count is sorted by marking its titles
/// in `marks` (one bit per title, all clear, and left clear) and reading the marks in order:
/// linear, where comparison sorting costs a logarithm more per title.
fn sort_unique_titles(list: &mut [u32], marks: &mut [u64]) -> usize {
    if list.is_empty() {
        return 0;
    }
    if marks.len() > 4 * list.len() {
        list.sort_unstable();
        let mut kept = 0;
        for position in 0..list.len() {
            if kept == 0 || list[position] != list[kept - 1] {
                list[kept] = list[position];
                kept += 1;
            }
        }
        return kept;
    }
    let (mut first_word, mut last_word) = (marks.len(), 0);
    for &title in list.iter() {
        let word = title as usize / 64;
        marks[word] |= 1 << (title % 64);
        first_word = first_word.min(word);
        last_word = last_word.max(word);
    }
    let mut kept = 0;
    for (word, marked) in marks
        .iter_mut()
        .enumerate()
        .take(last_word + 1)
        .skip(first_word)
    {
        let mut bits = std::mem::take(marked);
        while bits != 0 {
            list[kept] = (word * 64) as u32 + bits.trailing_zeros();
            kept += 1;
            bits &= bits - 1;
        }
    }
    kept
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
    let slots = DisjointSlots(rows.floats_mut().as_mut_ptr());
    (0..n_rows.div_ceil(ROWS_PER_CHUNK))
        .into_par_iter()
        .for_each(|chunk| {
            let mut rng = Rng::for_stream(seed, &[0, side, chunk as u64]);
            for row in chunk * ROWS_PER_CHUNK..((chunk + 1) * ROWS_PER_CHUNK).min(n_rows) {
                let first = layout.slot(row as u32) as usize * stride;
                for factor in 0..n_factors {
                    // SAFETY: every row has its own slot, inside `rows`.
                    unsafe { slots.write(first + factor, rng.normal(mean, std) as f32) };
                }
            }
        });
    rows
}

/// Deals rows (users or titles) into `strata` groups holding nearly equal numbers of
/// ratings, so that the blocks running side by side take about as long: rows in decreasing
/// order of `counts` (ties in a seeded random order) go round in a snake, 0..S then S..0.
fn group_assignment(counts: &[u32], strata: usize, mut rng: Rng) -> Vec<u8> {
    let mut order: Vec<u32> = (0..counts.len() as u32).collect();
    rng.shuffle(&mut order);
    order.sort_by_key(|&row| std::cmp::Reverse(counts[row as usize]));
    let mut group = vec![0u8; counts.len()];
    for (position, &row) in order.iter().enumerate() {
        let lap = position / strata;
        let seat = position % strata;
        group[row as usize] = if lap.is_multiple_of(2) {
            seat
        } else {
            strata - 1 - seat
        } as u8;
    }
    group
}

/// Solves `A x = b` for a symmetric positive definite `A` (row-major, overwritten by its
/// Cholesky factor). `None` if `A` is not positive definite.
fn solve_symmetric_positive(a: &mut [f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    for j in 0..n {
        let mut diagonal = a[j * n + j];
        for k in 0..j {
            diagonal -= a[j * n + k] * a[j * n + k];
        }
        if diagonal <= 0.0 || !diagonal.is_finite() {
            return None;
        }
        let diagonal = diagonal.sqrt();
        a[j * n + j] = diagonal;
        for i in j + 1..n {
            let mut value = a[i * n + j];
            for k in 0..j {
                value -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = value / diagonal;
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut value = b[i];
        for k in 0..i {
            value -= a[i * n + k] * y[k];
        }
        y[i] = value / a[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut value = y[i];
        for k in i + 1..n {
            value -= a[k * n + i] * x[k];
        }
        x[i] = value / a[i * n + i];
    }
    Some(x)
}

// ---------------------------------------------------------------------------------------
// Persistence: magic, format version, payload length, payload, checksum.

const MAGIC: &[u8; 8] = b"SRSVDMDL";
/// Bumped whenever the payload layout changes; other versions are refused.
pub const FORMAT_VERSION: u32 = 1;

/// FNV-1a over 64-bit little-endian words (the tail zero-padded): a fast checksum that
/// catches truncation and flipped bytes (not a defence against deliberate tampering).
pub fn checksum(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01B3;
    let mut hash = OFFSET ^ bytes.len() as u64;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for word in words {
        hash ^= u64::from_le_bytes(word.try_into().expect("8 bytes"));
        hash = hash.wrapping_mul(PRIME);
    }
    let mut last = [0u8; 8];
    last[..tail.len()].copy_from_slice(tail);
    hash ^= u64::from_le_bytes(last);
    hash.wrapping_mul(PRIME)
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f32(&mut self, v: f32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn opt_f32(&mut self, v: Option<f32>) {
        self.u8(v.is_some() as u8);
        self.f32(v.unwrap_or(0.0));
    }
    fn f32s(&mut self, values: &[f32]) {
        self.u64(values.len() as u64);
        for v in values {
            self.f32(*v);
        }
    }
    fn u32s(&mut self, values: &[u32]) {
        self.u64(values.len() as u64);
        for v in values {
            self.u32(*v);
        }
    }
    fn u64s(&mut self, values: &[u64]) {
        self.u64(values.len() as u64);
        for v in values {
            self.u64(*v);
        }
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self
            .position
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or_else(|| format!("payload ends early at byte {}", self.position))?;
        let slice = &self.bytes[self.position..end];
        self.position = end;
        Ok(slice)
    }
    fn u8(&mut self) -> std::result::Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> std::result::Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> std::result::Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn f32(&mut self) -> std::result::Result<f32, String> {
        Ok(f32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn opt_f32(&mut self) -> std::result::Result<Option<f32>, String> {
        let present = self.u8()? != 0;
        let value = self.f32()?;
        Ok(present.then_some(value))
    }
    fn len(&mut self, item_size: usize) -> std::result::Result<usize, String> {
        let n = self.u64()? as usize;
        if n.saturating_mul(item_size) > self.bytes.len() - self.position {
            return Err(format!(
                "length {n} at byte {} exceeds the payload",
                self.position
            ));
        }
        Ok(n)
    }
    fn f32s(&mut self) -> std::result::Result<Vec<f32>, String> {
        let n = self.len(4)?;
        Ok(self
            .take(n * 4)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4")))
            .collect())
    }
    fn u32s(&mut self) -> std::result::Result<Vec<u32>, String> {
        let n = self.len(4)?;
        Ok(self
            .take(n * 4)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4")))
            .collect())
    }
    fn u64s(&mut self) -> std::result::Result<Vec<u64>, String> {
        let n = self.len(8)?;
        Ok(self
            .take(n * 8)?
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8")))
            .collect())
    }
    fn string(&mut self) -> std::result::Result<String, String> {
        let n = self.len(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "an id is not UTF-8".to_string())
    }
}

impl SvdModel {
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(
            (self.user_factors.len() + self.item_factors.len() + self.rated_titles.len()) * 4
                + 1024,
        ));
        let p = &self.params;
        w.u64(p.n_factors as u64);
        w.u64(p.n_epochs as u64);
        w.u8(p.biased as u8);
        w.f32(p.init_mean);
        w.f32(p.init_std_dev);
        w.f32(p.lr_all);
        w.f32(p.reg_all);
        for v in [
            p.lr_bu, p.lr_bi, p.lr_pu, p.lr_qi, p.reg_bu, p.reg_bi, p.reg_pu, p.reg_qi,
        ] {
            w.opt_f32(v);
        }
        w.u8(p.random_state.is_some() as u8);
        w.u64(p.random_state.unwrap_or(0));
        w.u64(self.seed);
        w.f32(self.global_mean);
        w.f32(self.scale.0);
        w.f32(self.scale.1);
        w.u32(self.generation);
        w.u64s(
            &self
                .user_ids
                .iter()
                .map(|&id| id as u64)
                .collect::<Vec<_>>(),
        );
        w.u64(self.title_ids.len() as u64);
        for id in &self.title_ids {
            w.str(id);
        }
        w.f32s(&self.user_biases);
        w.f32s(&self.item_biases);
        w.f32s(&self.user_factors);
        w.f32s(&self.item_factors);
        w.u32s(&self.user_counts);
        w.u32s(&self.item_counts);
        w.u64s(&self.rated_offsets);
        w.u32s(&self.rated_titles);
        w.u64s(
            &self
                .loss_history
                .iter()
                .map(|l| l.to_bits())
                .collect::<Vec<_>>(),
        );
        w.0
    }

    fn decode(payload: &[u8]) -> std::result::Result<SvdModel, String> {
        let mut r = Reader {
            bytes: payload,
            position: 0,
        };
        let n_factors = r.u64()? as usize;
        let n_epochs = r.u64()? as usize;
        let biased = r.u8()? != 0;
        let init_mean = r.f32()?;
        let init_std_dev = r.f32()?;
        let lr_all = r.f32()?;
        let reg_all = r.f32()?;
        let mut per_parameter = [None; 8];
        for slot in per_parameter.iter_mut() {
            *slot = r.opt_f32()?;
        }
        let has_state = r.u8()? != 0;
        let state = r.u64()?;
        let [lr_bu, lr_bi, lr_pu, lr_qi, reg_bu, reg_bi, reg_pu, reg_qi] = per_parameter;
        let params = SvdParams {
            n_factors,
            n_epochs,
            biased,
            init_mean,
            init_std_dev,
            lr_all,
            reg_all,
            lr_bu,
            lr_bi,
            lr_pu,
            lr_qi,
            reg_bu,
            reg_bi,
            reg_pu,
            reg_qi,
            random_state: has_state.then_some(state),
        };
        let seed = r.u64()?;
        let global_mean = r.f32()?;
        let scale = (r.f32()?, r.f32()?);
        let generation = r.u32()?;
        let user_ids: Vec<i64> = r.u64s()?.into_iter().map(|id| id as i64).collect();
        let n_titles = r.len(8)?;
        let title_ids = (0..n_titles)
            .map(|_| r.string())
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let model = SvdModel {
            user_index: user_ids
                .iter()
                .enumerate()
                .map(|(i, &id)| (id, i as u32))
                .collect(),
            title_index: title_ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i as u32))
                .collect(),
            params,
            seed,
            n_factors,
            global_mean,
            scale,
            user_biases: r.f32s()?,
            item_biases: r.f32s()?,
            user_factors: r.f32s()?,
            item_factors: r.f32s()?,
            user_counts: r.u32s()?,
            item_counts: r.u32s()?,
            rated_offsets: r.u64s()?,
            rated_titles: r.u32s()?,
            loss_history: r.u64s()?.into_iter().map(f64::from_bits).collect(),
            user_ids,
            title_ids,
            generation,
            item_norms: Vec::new(),
        };
        let (nu, nt) = (model.user_ids.len(), model.title_ids.len());
        let consistent = model.user_biases.len() == nu
            && model.item_biases.len() == nt
            && model.user_factors.len() == nu * n_factors
            && model.item_factors.len() == nt * n_factors
            && model.user_counts.len() == nu
            && model.item_counts.len() == nt
            && model.rated_offsets.len() == nu + 1
            && model.rated_offsets.last().copied() == Some(model.rated_titles.len() as u64)
            && model.rated_titles.iter().all(|&t| (t as usize) < nt)
            && r.position == payload.len();
        if !consistent {
            return Err("inconsistent sizes in the payload".to_string());
        }
        Ok(model)
    }

    /// Writes the model: `SRSVDMDL`, format version (u32), payload length (u64), payload,
    /// checksum of the payload (u64), all little-endian.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let payload = self.encode();
        let mut bytes = Vec::with_capacity(payload.len() + 28);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&payload);
        bytes.extend_from_slice(&checksum(&payload).to_le_bytes());
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
    }

    /// Reads a model written by [`SvdModel::save`]; refuses another format version, a file
    /// that is not a model, and a truncated or damaged one.
    pub fn load(path: impl AsRef<Path>) -> Result<SvdModel> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let refuse = |message: String| Error::Model {
            path: path.to_path_buf(),
            message,
        };
        if bytes.len() < 20 || &bytes[..8] != MAGIC {
            return Err(refuse(
                "not a streamrec SVD model file (missing the SRSVDMDL header)".into(),
            ));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if version != FORMAT_VERSION {
            return Err(refuse(format!(
                "model format version {version}; this streamrec reads version {FORMAT_VERSION} (retrain or save it with a matching streamrec)"
            )));
        }
        let length = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes")) as usize;
        if bytes.len() != 20usize.saturating_add(length).saturating_add(8) {
            return Err(refuse(format!(
                "file is {} bytes, the header announces {} (truncated or damaged)",
                bytes.len(),
                length.saturating_add(28)
            )));
        }
        let payload = &bytes[20..20 + length];
        let stored = u64::from_le_bytes(bytes[20 + length..].try_into().expect("8 bytes"));
        if checksum(payload) != stored {
            return Err(refuse("checksum mismatch: the file is damaged".into()));
        }
        let mut model =
            SvdModel::decode(payload).map_err(|m| refuse(format!("damaged payload: {m}")))?;
        model.ensure_item_norms();
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn defaults_are_surprises() {
        let p = SvdParams::default();
        assert_eq!((p.n_factors, p.n_epochs, p.biased), (100, 20, true));
        assert_eq!(
            (p.init_mean, p.init_std_dev, p.lr_all, p.reg_all),
            (0.0, 0.1, 0.005, 0.02)
        );
        let rates = SvdParams {
            lr_qi: Some(0.5),
            reg_bu: Some(0.7),
            ..p
        }
        .rates();
        assert_eq!(
            (rates.lr_qi, rates.lr_pu, rates.reg_bu, rates.reg_bi),
            (0.5, 0.005, 0.7, 0.02)
        );
    }

    #[test]
    fn invalid_parameters_are_named() {
        let table = taste_table(1);
        let cases = [
            (
                SvdParams {
                    n_factors: 0,
                    ..Default::default()
                },
                "n_factors",
            ),
            (
                SvdParams {
                    lr_all: -1.0,
                    ..Default::default()
                },
                "lr_all",
            ),
            (
                SvdParams {
                    reg_qi: Some(f32::NAN),
                    ..Default::default()
                },
                "reg_qi",
            ),
            (
                SvdParams {
                    init_std_dev: -0.1,
                    ..Default::default()
                },
                "init_std_dev",
            ),
        ];
        for (p, name) in cases {
            match SvdModel::fit(&table, &p, None) {
                Err(Error::InvalidArgument { name: found, .. }) => assert_eq!(found, name),
                other => panic!("expected an error on {name}, got {other:?}"),
            }
        }
        let empty = RatingsTable {
            scale: (1.0, 5.0),
            ..Default::default()
        };
        assert!(matches!(
            SvdModel::fit(&empty, &params(0), None),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn one_sgd_step_follows_surprises_rules() {
        // One rating, one epoch: the update can be computed by hand from the initial values.
        let table = RatingsTable::from_ids(&[7], &["x"], vec![4.0], vec![0], (1.0, 5.0));
        let p = SvdParams {
            n_factors: 3,
            n_epochs: 0,
            random_state: Some(3),
            ..Default::default()
        };
        let before = SvdModel::fit(&table, &p, None).unwrap();
        let after = SvdModel::fit(&table, &SvdParams { n_epochs: 1, ..p }, None).unwrap();
        let (pu, qi) = (
            before.user_factor(0).to_vec(),
            before.item_factor(0).to_vec(),
        );
        let dot_product: f32 = pu.iter().zip(&qi).map(|(a, b)| a * b).sum();
        let err = 4.0 - (4.0 + 0.0 + 0.0 + dot_product);
        let (lr, reg) = (0.005f32, 0.02f32);
        assert!((after.user_biases[0] - lr * err).abs() < 1e-7);
        assert!((after.item_biases[0] - lr * err).abs() < 1e-7);
        for f in 0..3 {
            let expected_p = pu[f] + lr * (err * qi[f] - reg * pu[f]);
            let expected_q = qi[f] + lr * (err * pu[f] - reg * qi[f]);
            assert!((after.user_factor(0)[f] - expected_p).abs() < 1e-7);
            assert!((after.item_factor(0)[f] - expected_q).abs() < 1e-7);
        }
        assert!((after.loss_history[0] - err.abs() as f64).abs() < 1e-6);
    }

    #[test]
    fn same_seed_same_model_on_any_number_of_threads() {
        let table = taste_table(2);
        let fit_on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| SvdModel::fit(&table, &params(11), None).unwrap())
        };
        let one = fit_on(1);
        let three = fit_on(3);
        assert_eq!(one.user_factors, three.user_factors);
        assert_eq!(one.item_factors, three.item_factors);
        assert_eq!(one.user_biases, three.user_biases);
        assert_eq!(one.loss_history, three.loss_history);
        let other_seed = SvdModel::fit(&table, &params(12), None).unwrap();
        assert_ne!(one.item_factors, other_seed.item_factors);
        // With a progress callback the epochs run one pass of the pool at a time: the same.
        let mut report_all = |_: EpochReport| true;
        let with_progress = SvdModel::fit(&table, &params(11), Some(&mut report_all)).unwrap();
        assert_eq!(one.item_factors, with_progress.item_factors);
        assert_eq!(one.loss_history, with_progress.loss_history);
        // Fits nested in the pool, side by side (as cross-validation runs its folds), wait
        // for each other's blocks without a deadlock and give the same model.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let nested: Vec<SvdModel> = pool.install(|| {
            (0..4)
                .into_par_iter()
                .map(|_| SvdModel::fit(&table, &params(11), None).unwrap())
                .collect()
        });
        for model in &nested {
            assert_eq!(one.item_factors, model.item_factors);
        }
    }

    #[test]
    fn ratings_grouped_by_user_skip_the_user_sort_for_the_same_order() {
        let table = taste_table(6);
        let triplets = TripletSource::of(&table);
        assert!(triplets.grouped_by_user());
        let (user_counts, title_counts) =
            triplets.counts(table.user_ids.len(), table.title_ids.len());
        let (user_layout, title_layout) = grouped_layouts(&user_counts, &title_counts, 4, 6, 1);
        let order = |grouped_by_user| {
            let (ordered, starts) =
                Schedule::order_as(triplets, &user_layout, &title_layout, 4, grouped_by_user);
            let ordered: Vec<_> = ordered
                .iter()
                .map(|t| (t.user, t.title, t.rating.to_bits()))
                .collect();
            (ordered, starts)
        };
        assert_eq!(order(true), order(false));
        let mut shuffled = table.clone();
        shuffled.users.swap(0, 100);
        assert!(!TripletSource::of(&shuffled).grouped_by_user());
    }

    #[test]
    fn training_lowers_the_loss_and_learns_tastes() {
        let table = taste_table(3);
        let mut epochs_seen = 0;
        let mut progress = |report: EpochReport| {
            epochs_seen = report.epoch;
            true
        };
        let model = SvdModel::fit(&table, &params(5), Some(&mut progress)).unwrap();
        assert_eq!(epochs_seen, 30);
        assert!(model.loss_history.last().unwrap() < &(model.loss_history[0] * 0.6));
        // user 0 (even) likes even titles: the recommendations are mostly even titles.
        let top = model.recommend(0, 10, true).unwrap();
        let even = top
            .iter()
            .filter(|(t, _)| t[1..].parse::<u32>().unwrap() % 2 == 0)
            .count();
        assert!(even >= 8, "{top:?}");
        let rated = model.rated_by(model.user_index[&0]).to_vec();
        for (title, _) in &top {
            assert!(!rated.contains(&model.title_index[title]));
        }
        // Similar titles of an even title are mostly even.
        let similar = model.similar_titles("t2", 10).unwrap();
        assert!(similar.iter().all(|(t, _)| t != "t2"));
        let even = similar
            .iter()
            .filter(|(t, _)| t[1..].parse::<u32>().unwrap() % 2 == 0)
            .count();
        assert!(even >= 8, "{similar:?}");
        // A new user who loves odd titles gets odd recommendations.
        let liked = vec![
            ("t1".to_string(), 5.0),
            ("t3".to_string(), 5.0),
            ("t4".to_string(), 1.0),
            ("t6".to_string(), 1.0),
        ];
        let folded = model.recommend_for_ratings(&liked, 10).unwrap();
        let odd = folded
            .iter()
            .filter(|(t, _)| t[1..].parse::<u32>().unwrap() % 2 == 1)
            .count();
        assert!(odd >= 8, "{folded:?}");
        assert!(folded
            .iter()
            .all(|(t, _)| !["t1", "t3", "t4", "t6"].contains(&t.as_str())));
    }

    #[test]
    fn early_stop_from_progress() {
        let table = taste_table(3);
        let mut stop_after_two = |report: EpochReport| report.epoch < 2;
        let model = SvdModel::fit(&table, &params(5), Some(&mut stop_after_two)).unwrap();
        assert_eq!(model.loss_history.len(), 2);
    }

    #[test]
    fn counting_sort_is_the_stable_sort_whatever_the_threads() {
        let mut rng = Rng::new(4);
        // Several chunks of the parallel sort; keys repeat, so stability shows.
        let items: Vec<(u32, u32)> = (0..300_000)
            .map(|position| (rng.below(1000) as u32, position))
            .collect();
        let mut expected = items.clone();
        expected.sort_by_key(|&(key, _)| key);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let (sorted, starts) = pool.install(|| {
                counting_sort_generated(items.len(), |i| items[i], 1000, |&(key, _)| key as usize)
            });
            assert_eq!(sorted, expected, "{threads} threads");
            assert_eq!(starts.len(), 1001);
            assert_eq!(starts[1000], items.len());
            let key_7 = &sorted[starts[7]..starts[8]];
            assert!(!key_7.is_empty() && key_7.iter().all(|&(key, _)| key == 7));
        }
    }

    #[test]
    fn batch_predictions_by_index_keep_the_order_of_the_pairs() {
        let table = taste_table(4);
        let model = SvdModel::fit(&table, &params(1), None).unwrap();
        let mut rng = Rng::new(8);
        // Out-of-range indexes included: they fall back, wherever they sit in the batch.
        // More pairs than one chunk of the parallel sort.
        let users: Vec<u32> = (0..150_000)
            .map(|_| rng.below(model.n_users() + 3) as u32)
            .collect();
        let titles: Vec<u32> = (0..150_000)
            .map(|_| rng.below(model.n_titles() + 3) as u32)
            .collect();
        let batch = model.predict_indexes(&users, &titles).unwrap();
        for ((&user, &title), &estimate) in users.iter().zip(&titles).zip(&batch) {
            assert_eq!(estimate, model.predict_index(user, title).est);
        }
    }

    #[test]
    fn predictions_clip_and_fall_back_like_surprise() {
        let table = taste_table(4);
        let model = SvdModel::fit(&table, &params(1), None).unwrap();
        let known = model.predict(0, "t0");
        assert!(!known.was_impossible);
        assert!((1.0..=5.0).contains(&known.est));
        let unknown_both = model.predict(-5, "nope");
        assert!(unknown_both.was_impossible);
        assert_eq!(unknown_both.est, model.global_mean);
        let unknown_title = model.predict(0, "nope");
        let user = model.user_index[&0] as usize;
        assert_eq!(
            unknown_title.est,
            (model.global_mean + model.user_biases[user]).clamp(1.0, 5.0)
        );
        assert!(unknown_title.was_impossible);
        let batch = model.predict_ids(&[0, -5], &["t0", "nope"]).unwrap();
        assert_eq!(batch, vec![known.est, unknown_both.est]);
        // Unbiased: mean for unknown ids.
        let unbiased = SvdModel::fit(
            &table,
            &SvdParams {
                biased: false,
                ..params(1)
            },
            None,
        )
        .unwrap();
        assert_eq!(unbiased.predict(0, "nope").est, unbiased.global_mean);
        // Extreme factors clip to the scale.
        let mut extreme = model.clone();
        extreme.user_factors.iter_mut().for_each(|f| *f = 10.0);
        extreme.item_factors.iter_mut().for_each(|f| *f = 10.0);
        assert_eq!(extreme.predict(0, "t0").est, 5.0);
        assert!(matches!(
            model.predict_indexes(&[0], &[]),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn unknown_ids_are_errors_where_an_answer_needs_them() {
        let model = SvdModel::fit(&taste_table(5), &params(1), None).unwrap();
        assert!(matches!(
            model.recommend(-1, 5, true),
            Err(Error::UnknownId { kind: "user", .. })
        ));
        assert!(matches!(
            model.similar_titles("zz", 5),
            Err(Error::UnknownId { kind: "title", .. })
        ));
        assert!(matches!(
            model.recommend_for_ratings(&[("zz".into(), 3.0)], 5),
            Err(Error::UnknownId { .. })
        ));
        assert!(matches!(
            model.recommend_for_ratings(&[("t1".into(), 9.0)], 5),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            model.recommend_for_ratings(&[], 5),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(model.recommend(0, 0, true).unwrap().len(), 0);
    }

    #[test]
    fn partial_fit_adds_users_and_titles_and_keeps_learning() {
        let table = taste_table(6);
        let mut model = SvdModel::fit(&table, &params(2), None).unwrap();
        let n_titles = model.n_titles();
        let new = RatingsTable::from_ids(
            &[0, 1000, 1000, 1000],
            &["t0", "t0", "new-title", "t2"],
            vec![5.0, 5.0, 4.0, 5.0],
            vec![0; 4],
            (1.0, 5.0),
        );
        let loss = model.partial_fit(&new, Some(5), None).unwrap();
        assert!(loss.is_finite());
        assert_eq!(model.n_titles(), n_titles + 1);
        assert!(!model.predict(1000, "new-title").was_impossible);
        assert_eq!(model.loss_history.len(), 35);
        assert_eq!(model.generation, 1);
        let top = model.recommend(1000, 5, true).unwrap();
        assert!(top
            .iter()
            .all(|(t, _)| !["t0", "t2", "new-title"].contains(&t.as_str())));
        let bad = RatingsTable::from_ids(&[0], &["t0"], vec![9.0], vec![0], (1.0, 5.0));
        assert!(matches!(
            model.partial_fit(&bad, None, None),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn save_and_load_round_trip_and_refuse_damage() {
        let dir = std::env::temp_dir().join(format!("streamrec-svd-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.srsvd");
        let model = SvdModel::fit(&taste_table(7), &params(9), None).unwrap();
        model.save(&path).unwrap();
        let loaded = SvdModel::load(&path).unwrap();
        assert_eq!(loaded.params, model.params);
        assert_eq!(loaded.item_factors, model.item_factors);
        assert_eq!(loaded.user_ids, model.user_ids);
        assert_eq!(loaded.title_ids, model.title_ids);
        assert_eq!(loaded.loss_history, model.loss_history);
        assert_eq!(
            loaded.recommend(0, 5, true).unwrap(),
            model.recommend(0, 5, true).unwrap()
        );

        let bytes = std::fs::read(&path).unwrap();
        let write_and_load = |name: &str, data: &[u8]| {
            let damaged = dir.join(name);
            std::fs::write(&damaged, data).unwrap();
            match SvdModel::load(&damaged) {
                Err(Error::Model { message, .. }) => message,
                other => panic!("{name}: expected a refusal, got {:?}", other.map(|_| ())),
            }
        };
        let mut flipped = bytes.clone();
        flipped[bytes.len() / 2] ^= 0x40;
        assert!(write_and_load("flipped", &flipped).contains("checksum"));
        assert!(write_and_load("truncated", &bytes[..bytes.len() - 100]).contains("truncated"));
        let mut other_version = bytes.clone();
        other_version[8] = 2;
        assert!(write_and_load("version", &other_version).contains("version 2"));
        assert!(
            write_and_load("other", b"userId,rating\n1,2\n3,4,5,6,7,8,9")
                .contains("not a streamrec")
        );
        assert!(matches!(
            SvdModel::load(dir.join("missing")),
            Err(Error::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rng_is_deterministic_and_normal() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        assert_eq!(a.next_u64(), b.next_u64());
        let samples: Vec<f64> = (0..20000).map(|_| a.normal(1.0, 2.0)).collect();
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / samples.len() as f64;
        assert!((mean - 1.0).abs() < 0.05, "{mean}");
        assert!((var.sqrt() - 2.0).abs() < 0.05, "{var}");
    }

    #[test]
    fn rated_titles_come_sorted_and_unique_by_marks_or_by_sorting() {
        let mut rng = Rng::new(8);
        for n_titles in [1usize, 64, 200, 1682] {
            let mut marks = vec![0u64; n_titles.div_ceil(64)];
            // Short lists take the comparison sort, long ones the marks; repeats in both.
            for len in [0usize, 1, 2, 5, 40, 300, 2000] {
                let mut list: Vec<u32> = (0..len).map(|_| rng.below(n_titles) as u32).collect();
                let mut expected = list.clone();
                expected.sort_unstable();
                expected.dedup();
                let kept = sort_unique_titles(&mut list, &mut marks);
                assert_eq!(
                    &list[..kept],
                    &expected[..],
                    "{n_titles} titles, {len} rated"
                );
                assert!(marks.iter().all(|&word| word == 0), "marks left set");
            }
        }
    }

    #[test]
    fn top_titles_ranked_in_parallel_ranges_match_one_pass() {
        // More titles than one task takes, so the ranges and the merge are exercised.
        let mut rng = Rng::new(9);
        let (mut users, mut titles, mut ratings) = (Vec::new(), Vec::new(), Vec::new());
        for title in 0..10_000 {
            users.push(rng.below(40) as i64);
            titles.push(format!("t{title}"));
            ratings.push(1.0 + rng.below(5) as f32);
        }
        let title_refs: Vec<&str> = titles.iter().map(String::as_str).collect();
        let n = ratings.len();
        let table = RatingsTable::from_ids(&users, &title_refs, ratings, vec![0; n], (1.0, 5.0));
        let model = SvdModel::fit(&table, &params(3), None).unwrap();
        let user = model.user_index[&7];
        let excluded: Vec<u32> = (0..10_000).step_by(7).collect();
        let score = |t: u32| model.raw_estimate(user, t);
        for n in [1, 10, 64, 65, 500, 20_000] {
            let one_pass = model.top_titles_in(0..model.n_titles(), n, &excluded, score);
            assert_eq!(model.top_titles(n, &excluded, score), one_pass, "n = {n}");
            assert_eq!(one_pass.len(), n.min(10_000 - excluded.len()));
        }
        // Ties go to the lower index across ranges too.
        let tied = model.top_titles(3, &[0, 4096], |_| 1.0);
        assert_eq!(tied, vec![(1, 1.0), (2, 1.0), (3, 1.0)]);
        let tied = model.top_titles(2, &(0..4096).collect::<Vec<_>>(), |_| 1.0);
        assert_eq!(tied, vec![(4096, 1.0), (4097, 1.0)]);
    }

    #[test]
    fn interleaving_is_one_to_one_and_alternates_the_halves() {
        for len in 0..40usize {
            let mut out = vec![usize::MAX; len];
            for rank in 0..len {
                out[interleaved_position(rank, len)] = rank;
            }
            let mut sorted = out.clone();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..len).collect::<Vec<_>>(),
                "len {len}: not a permutation"
            );
            // Even positions take the first half (the longer one), odd positions the second,
            // each half in its order.
            let first_half = len.div_ceil(2);
            for (position, &rank) in out.iter().enumerate() {
                let expected = if position % 2 == 0 {
                    position / 2
                } else {
                    first_half + position / 2
                };
                assert_eq!(rank, expected, "len {len}: {out:?}");
            }
        }
    }

    #[test]
    fn slot_layout_keeps_groups_apart_on_their_own_cache_lines_and_round_trips() {
        let mut rng = Rng::new(3);
        let groups: Vec<u8> = (0..100).map(|_| rng.below(4) as u8).collect();
        let layout = SlotLayout::grouped(&groups, 4);
        let mut group_starts = vec![];
        for slot in 0..layout.n_slots() as u32 {
            if slot == 0 || layout.group(slot) != layout.group(slot - 1) {
                group_starts.push(slot as usize);
            }
        }
        assert_eq!(group_starts.len(), 4);
        assert!(group_starts.iter().all(|start| start % 16 == 0));
        for (group, &start) in group_starts.iter().enumerate() {
            assert_eq!(layout.group_slots(group).start, start);
        }
        assert_eq!(layout.group_slots(3).end, layout.n_slots());
        for (row, &group) in groups.iter().enumerate() {
            let slot = layout.slot(row as u32);
            assert_eq!(layout.group(slot), group as usize);
            assert_eq!(layout.row_of_slot[slot as usize], row as u32);
        }
        // Rows keep their order inside a group.
        for pair in (0..100u32).collect::<Vec<_>>().windows(2) {
            if groups[pair[0] as usize] == groups[pair[1] as usize] {
                assert!(layout.slot(pair[0]) < layout.slot(pair[1]));
            }
        }
        let width = 3;
        let rows: Vec<f32> = (0..100 * width).map(|v| v as f32).collect();
        let padded = PaddedRows::of(&rows, width, &layout);
        let mut back = vec![0.0; rows.len()];
        padded.write_back(&mut back, width, &layout);
        assert_eq!(back, rows);
    }

    #[test]
    fn vector_and_portable_kernels_train_bit_identical_parameters() {
        // Neighbouring ratings that share a user or a title (taken one after the other by the
        // AVX2 kernel) and ones that share neither (taken side by side), factor counts with and
        // without a tail of fewer than eight.
        let mut rng = Rng::new(11);
        let block: Vec<Triplet> = (0..400)
            .map(|_| Triplet {
                user: rng.below(6) as u32,
                title: rng.below(9) as u32,
                rating: 1.0 + rng.below(9) as f32 / 2.0,
            })
            .collect();
        let rates = SvdParams::default().rates();
        for n_factors in [3, 8, 100, 150] {
            let initial = |n_rows: usize, rng: &mut Rng| -> Vec<f32> {
                (0..n_rows * n_factors)
                    .map(|_| rng.normal(0.0, 0.1) as f32)
                    .collect()
            };
            let mut rng = Rng::new(n_factors as u64);
            let (users, items) = (initial(6, &mut rng), initial(9, &mut rng));
            let run = |vector: bool| {
                let (user_layout, title_layout) =
                    (SlotLayout::identity(6), SlotLayout::identity(9));
                let (mut pu, mut qi) = (
                    PaddedRows::of(&users, n_factors, &user_layout),
                    PaddedRows::of(&items, n_factors, &title_layout),
                );
                let (mut bu, mut bi) = (vec![0.0f32; 6], vec![0.0f32; 9]);
                let shared = SharedParams {
                    user_factors: pu.floats_mut().as_mut_ptr(),
                    item_factors: qi.floats_mut().as_mut_ptr(),
                    user_biases: bu.as_mut_ptr(),
                    item_biases: bi.as_mut_ptr(),
                    stride: pu.stride,
                    prefetch_title_rows: true,
                };
                let loss = unsafe {
                    if vector {
                        sgd_block(&block, &shared, 3.0, true, &rates)
                    } else {
                        sgd_block_portable(&block, &shared, 3.0, true, &rates)
                    }
                };
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                let (mut users_after, mut items_after) = (users.clone(), items.clone());
                pu.write_back(&mut users_after, n_factors, &user_layout);
                qi.write_back(&mut items_after, n_factors, &title_layout);
                let (pu, qi) = (users_after, items_after);
                (loss.to_bits(), bits(&pu), bits(&qi), bits(&bu), bits(&bi))
            };
            assert_eq!(run(true), run(false), "n_factors = {n_factors}");
        }
    }

    #[test]
    fn vector_dot_products_agree_bit_for_bit_with_the_portable_ones() {
        let mut rng = Rng::new(5);
        for n in 0..=103 {
            let a: Vec<f32> = (0..n).map(|_| rng.normal(0.0, 1.0) as f32).collect();
            let b: Vec<f32> = (0..n).map(|_| rng.normal(0.0, 1.0) as f32).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            assert_eq!(
                dot(&a, &b).to_bits(),
                dot_portable(&a, &b).to_bits(),
                "n = {n}"
            );
            assert!((dot(&a, &b) as f64 - plain).abs() < 1e-4, "n = {n}");
        }
    }

    #[test]
    fn short_and_long_recommendation_lists_agree() {
        // Short lists use a sorted buffer, long ones a selection: both rank the same way.
        let table = taste_table(4);
        let model = SvdModel::fit(&table, &params(4), None).unwrap();
        for &user_id in table.user_ids.iter().take(5) {
            for exclude in [true, false] {
                let long = model.recommend(user_id, 100_000, exclude).unwrap();
                let short = model.recommend(user_id, 10, exclude).unwrap();
                assert!(long.len() > 10);
                assert_eq!(short[..], long[..10]);
                let rated = model.rated_by(model.user_index[&user_id]);
                let expected_len = model.n_titles() - if exclude { rated.len() } else { 0 };
                assert_eq!(long.len(), expected_len);
            }
        }
    }
}
