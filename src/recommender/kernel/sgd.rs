//! SGD over the blocks of the schedule.

use super::chunks::CHUNK;
use super::dot::dot_portable;
#[cfg(target_arch = "x86_64")]
use super::dot::horizontal_sum;
#[cfg(target_arch = "x86_64")]
use super::has_avx2_fma;
use crate::recommender::layout::TrainingRows;
use crate::recommender::params::Rates;
use crate::recommender::schedule::{run_epochs, Schedule};
use crate::recommender::triplets::Triplet;

/// Raw parameter storage shared by the blocks of one sub-epoch. Sound because the schedule
/// gives each concurrently running block its own user group and its own title group: no two
/// threads ever touch the same row.
struct SharedParams {
    user_factors: *mut f32,
    item_factors: *mut f32,
    user_biases: *mut f32,
    item_biases: *mut f32,
    /// Floats from one factor row to the next: the factor count rounded up to whole chunks
    /// of eight (see [`PaddedRows`](super::layout::PaddedRows)).
    stride: usize,
    /// Whether the kernel should prefetch title rows: only worth its instructions when a
    /// block's title rows are too many for this core's cache.
    prefetch_title_rows: bool,
}
// SAFETY: the pointers are only followed by the SGD kernels, on rows that the schedule gives
// to one thread at a time (see `SharedParams`).
unsafe impl Send for SharedParams {}
// SAFETY: as for `Send`.
unsafe impl Sync for SharedParams {}

impl SharedParams {
    /// Raw views of `rows`, whose borrow the caller holds for as long as it uses them.
    fn of(rows: &mut TrainingRows, prefetch_title_rows: bool) -> SharedParams {
        assert_eq!(rows.user_factors.stride, rows.item_factors.stride);
        SharedParams {
            stride: rows.user_factors.stride,
            user_factors: rows.user_factors.floats_mut().as_mut_ptr(),
            item_factors: rows.item_factors.floats_mut().as_mut_ptr(),
            user_biases: rows.user_biases.as_mut_ptr(),
            item_biases: rows.item_biases.as_mut_ptr(),
            prefetch_title_rows,
        }
    }
}

/// Runs `n_epochs` epochs of SGD over the blocks of `schedule` on `rows` (in the schedule's
/// slots), the blocks on all cores by [`run_epochs`], and returns each block's sum of squared
/// errors in `run_epochs`' order.
pub(in crate::recommender) fn sgd_epochs(
    schedule: &Schedule,
    n_epochs: usize,
    rows: &mut TrainingRows,
    global_mean: f32,
    biased: bool,
    rates: &Rates,
) -> Vec<f64> {
    // The kernels follow the triplets' slots without bounds checks: every slot of the
    // schedule's layouts must have its row and its bias.
    let (user_slots, title_slots) = (
        schedule.user_layout().n_slots(),
        schedule.title_layout().n_slots(),
    );
    assert!(rows.user_factors.n_rows() == user_slots && rows.user_biases.len() == user_slots);
    assert!(rows.item_factors.n_rows() == title_slots && rows.item_biases.len() == title_slots);
    // Since each group has cache lines of its own, a small block's title rows come over from
    // the other core quickly enough: prefetching them was 3% slower on ml-100k with two
    // workers.
    let prefetch_title_rows =
        rows.item_factors.size_bytes() / schedule.strata() > PREFETCH_ABOVE_BYTES;
    let shared = SharedParams::of(rows, prefetch_title_rows);
    run_epochs(schedule, n_epochs, |block| {
        // SAFETY: `run_epochs` runs a block only once every block before it on the same user
        // group or title group has finished, and none of them meanwhile; the schedule's slots
        // are inside `rows` (asserted above), whose stride is whole chunks.
        unsafe { sgd_block(block, &shared, global_mean, biased, rates) }
    })
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

/// One pass over `block` on `rows` by the AVX2 kernel (when the CPU has it, as in training)
/// or by the portable one: for the tests that compare the two.
#[cfg(test)]
pub(in crate::recommender) fn sgd_block_alone(
    block: &[Triplet],
    rows: &mut TrainingRows,
    global_mean: f32,
    biased: bool,
    rates: &Rates,
    vector: bool,
) -> f64 {
    let (n_users, n_titles) = (rows.user_biases.len(), rows.item_biases.len());
    assert!(rows.user_factors.n_rows() == n_users && rows.item_factors.n_rows() == n_titles);
    assert!(block
        .iter()
        .all(|t| (t.user as usize) < n_users && (t.title as usize) < n_titles));
    let shared = SharedParams::of(rows, true);
    // SAFETY: `rows` is borrowed exclusively, and every rating's rows are inside it (asserted).
    unsafe {
        if vector {
            sgd_block(block, &shared, global_mean, biased, rates)
        } else {
            sgd_block_portable(block, &shared, global_mean, biased, rates)
        }
    }
}
