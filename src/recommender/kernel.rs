//! Every `unsafe` of the recommender, behind safe functions: the AVX2 and portable dot
//! products and SGD kernels (bit-identical to each other), the aligned chunks of factors, the
//! parallel counting sort that writes its output in place, and the AVX2 + FMA entry points of
//! the Bayesian sampler's statistics and chains.

use std::sync::atomic::AtomicU32;

use rayon::prelude::*;

use super::layout::TrainingRows;
use super::params::Rates;
use super::schedule::{interleaved_position, run_epochs, Schedule};
use super::triplets::Triplet;

// ---------------------------------------------------------------------------------------
// Dot products. The dot product sums chunk `k` of eight factors into accumulator `k % 4`
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
pub(super) fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
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
///
/// # Safety
/// AVX2 only.
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

/// The dot product of `a` and `b` (over the shorter one's length), by the AVX2 kernel when the
/// CPU has it: the same bits either way.
#[inline]
pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
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

/// A loop over dot products that [`with_fastest_dot`] runs with the fastest kernel this CPU
/// has, compiled (the loop included) for that CPU.
pub(super) trait DotLoop {
    /// Runs the loop, computing its dot products with `dot`.
    fn run(self, dot: impl Fn(&[f32], &[f32]) -> f32);
}

/// Runs `job` with the AVX2 dot product when the CPU has it, the portable one otherwise (the
/// same bits). The AVX2 version is one function with the loop inlined: with a call chain and a
/// CPU feature check per dot product, 1M predictions took 16-20% longer.
pub(super) fn with_fastest_dot(job: impl DotLoop) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA.
        return unsafe { with_avx2_dot(job) };
    }
    job.run(dot_portable);
}

/// [`with_fastest_dot`]'s AVX2 branch.
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn with_avx2_dot(job: impl DotLoop) {
    job.run(|a, b| {
        let n = a.len().min(b.len());
        // SAFETY: the CPU has AVX2 and FMA, and both slices hold at least `n` floats.
        unsafe { dot_avx2(a.as_ptr(), b.as_ptr(), n) }
    });
}

/// Hints the CPU to load `row` into its cache.
#[inline(always)]
pub(super) fn prefetch(row: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        for line in row.chunks(16) {
            // SAFETY: a prefetch never faults, and the address is inside `row`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr() as *const i8) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

// ---------------------------------------------------------------------------------------
// Chunks of factors.

/// Floats in one SIMD chunk of factors (an AVX2 register).
pub(super) const CHUNK: usize = 8;

/// One chunk of factors, aligned as a 32-byte vector load wants it: an aligned load never
/// straddles two cache lines, and a store straddling two can stall the next load of the
/// same row (the SGD reloads a user's row right after writing it).
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
pub(super) struct Chunk([f32; CHUNK]);

/// The floats of `chunks`, in order.
pub(super) fn floats(chunks: &[Chunk]) -> &[f32] {
    // SAFETY: a `Chunk` is `repr(C)` around `[f32; CHUNK]`: no padding between floats.
    unsafe { std::slice::from_raw_parts(chunks.as_ptr().cast(), chunks.len() * CHUNK) }
}

/// The floats of `chunks`, in order, to write.
pub(super) fn floats_mut(chunks: &mut [Chunk]) -> &mut [f32] {
    // SAFETY: as in `floats`; the borrow of `chunks` is exclusive.
    unsafe { std::slice::from_raw_parts_mut(chunks.as_mut_ptr().cast(), chunks.len() * CHUNK) }
}

// A float and an `AtomicU32` agree in size and alignment, and any bits are valid for both.
const _: () = assert!(
    std::mem::size_of::<f32>() == std::mem::size_of::<AtomicU32>()
        && std::mem::align_of::<f32>() == std::mem::align_of::<AtomicU32>()
);

/// `values` as atomics holding their bits, so that threads can write floats at positions
/// computed on the fly (a scatter) without `unsafe` in the caller: a relaxed store is a plain
/// store on x86 and ARM, so this costs nothing, and two stores to one position are no data
/// race.
pub(super) fn as_atomic_bits(values: &mut [f32]) -> &[AtomicU32] {
    // SAFETY: same size, alignment and valid bit patterns (checked above); the exclusive
    // borrow of `values` ends with the atomics' lifetime, so nothing else reads them meanwhile.
    unsafe { std::slice::from_raw_parts(values.as_mut_ptr().cast::<AtomicU32>(), values.len()) }
}

// ---------------------------------------------------------------------------------------
// SGD over the blocks of the schedule.

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
pub(super) fn sgd_epochs(
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

/// One pass over `block` on `rows` by the AVX2 kernel (when the CPU has it, as in training)
/// or by the portable one: for the tests that compare the two.
#[cfg(test)]
pub(super) fn sgd_block_alone(
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

// ---------------------------------------------------------------------------------------
// The parallel counting sort.

/// A vector's storage written from several threads at slots that never coincide.
struct DisjointSlots<T>(*mut T);
// SAFETY: the slots are written by one thread each (see `DisjointSlots::write`).
unsafe impl<T: Send> Send for DisjointSlots<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for DisjointSlots<T> {}

impl<T> DisjointSlots<T> {
    /// # Safety
    /// `slot` must be inside the vector, and no other thread may access it meanwhile.
    unsafe fn write(&self, slot: usize, value: T) {
        self.0.add(slot).write(value);
    }
}
/// The items `item(0), item(1), ... item(n_items - 1)` (made on the fly, twice each, instead of
/// read from a slice that would have to be built first) stably sorted by `key` (below
/// `n_keys`), and where each key's run starts (`n_keys + 1` positions): a counting sort,
/// linear in the number of items and run on all cores. Each chunk of the input counts its
/// keys, then writes its items to the positions reserved for it (for every key, chunk after
/// chunk), so the result is the one stable order whatever the number of chunks or threads.
pub(super) fn counting_sort_generated<T: Copy + Send + Sync>(
    n_items: usize,
    item: impl Fn(usize) -> T + Sync,
    n_keys: usize,
    key: impl Fn(&T) -> usize + Sync,
) -> (Vec<T>, Vec<usize>) {
    counting_sort_arranged(n_items, item, n_keys, key, RunOrder::Stable)
}

/// How a counting sort lays out each key's run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum RunOrder {
    /// The items in their input order: a stable sort.
    Stable,
    /// The stable run's two halves interleaved, by [`interleaved_position`].
    Interleaved,
}

impl RunOrder {
    /// Where the item at `rank` of a stable run of `len` items goes: a permutation of
    /// `0..len`, which the counting sort's soundness rests on.
    #[inline(always)]
    fn position(self, rank: usize, len: usize) -> usize {
        match self {
            RunOrder::Stable => rank,
            RunOrder::Interleaved => interleaved_position(rank, len),
        }
    }
}

/// [`counting_sort_generated`], with each key's run laid out by `order`, in the same pass.
pub(super) fn counting_sort_arranged<T: Copy + Send + Sync>(
    n_items: usize,
    item: impl Fn(usize) -> T + Sync,
    n_keys: usize,
    key: impl Fn(&T) -> usize + Sync,
    order: RunOrder,
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
    (0..n_chunks).into_par_iter().for_each(|chunk| {
        let mut next = chunk_next[chunk].clone();
        // The positions reserved for this chunk end where the next chunk's start.
        let end = chunk_next
            .get(chunk + 1)
            .map_or(&starts[1..], Vec::as_slice);
        for index in chunks(chunk) {
            let value = item(index);
            let key = key(&value);
            let (start, len) = (starts[key], starts[key + 1] - starts[key]);
            let position = &mut next[key];
            assert!(*position < end[key], "a key changed between the two passes");
            // SAFETY: each chunk writes only the positions reserved for it (checked just
            // above), each once (`position` only grows), laid out by a permutation of its
            // key's run: all below `n_items`, and no two threads write the same one.
            unsafe { slots.write(start + order.position(*position - start, len), value) };
            *position += 1;
        }
    });
    // SAFETY: the chunks wrote every position below `n_items` exactly once: each wrote at most
    // its reserved count for every key (checked as it went), and all of them wrote `n_items`
    // items, the sum of the reserved counts.
    unsafe { sorted.set_len(n_items) };
    (sorted, starts)
}

// The Bayesian sampler's implicit-feature chains (`bayes::chains`): scalar code whose
// multiply-adds are `f64::mul_add`, compiled for the FMA instructions when the CPU has them.

/// A loop that [`with_fused_multiply_add`] runs compiled for AVX2 + FMA when it can.
pub(super) trait FusedLoop {
    fn run(self);
}

/// Runs `job` compiled with AVX2 + FMA when the CPU has them, else as portable code.
/// `f64::mul_add` rounds once either way (in software without FMA), so the bits are the same
/// on every CPU; only the speed differs. Against separate multiplies and adds in portable
/// code, in alternating A/B runs: the chains 12-15% less time (MovieLens 100K u1, 8 sweeps on
/// the 11M ratings), whole fits 0-8% less.
pub(super) fn with_fused_multiply_add(job: impl FusedLoop) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA.
        return unsafe { fused_avx2(job) };
    }
    job.run();
}

/// [`with_fused_multiply_add`]'s AVX2 + FMA branch.
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fused_avx2(job: impl FusedLoop) {
    job.run();
}

// The Bayesian sampler's statistics pass (`bayes::stats`): its Gram products, with the one
// `unsafe` (the AVX2 + FMA entry point) kept here with the crate's other kernels.

/// `M += C Cᵀ` (upper triangle; C: `kk x n` row-major), `ρ += C r`, returns `rᵀ r`: with AVX2 + FMA when the CPU
/// has them (checked once), else the portable code. Both sum in the same fixed order per
/// lane, so the result does not depend on the thread count (it may differ in the last bits
/// between the two code paths, i.e. between CPUs).
pub(super) fn gram(
    cols: &[f64],
    n: usize,
    kk: usize,
    rv: &[f64],
    m: &mut [f64],
    rho: &mut [f64],
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static AVX2: OnceLock<bool> = OnceLock::new();
        if *AVX2.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
        {
            // SAFETY: the CPU supports AVX2 and FMA (checked above).
            return unsafe { gram_avx2(cols, n, kk, rv, m, rho) };
        }
    }
    gram_body(cols, n, kk, rv, m, rho)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gram_avx2(
    cols: &[f64],
    n: usize,
    kk: usize,
    rv: &[f64],
    m: &mut [f64],
    rho: &mut [f64],
) -> f64 {
    gram_body(cols, n, kk, rv, m, rho)
}

#[inline(always)]
fn gram_body(cols: &[f64], n: usize, kk: usize, rv: &[f64], m: &mut [f64], rho: &mut [f64]) -> f64 {
    for a in 0..kk {
        let ca = &cols[a * n..(a + 1) * n];
        for b in a..kk {
            m[a * kk + b] += dot_f64(ca, &cols[b * n..(b + 1) * n]);
        }
        rho[a] += dot_f64(ca, rv);
    }
    dot_f64(rv, rv)
}

/// Dot product with eight independent partial sums (vectorizes on any x86-64).
#[inline(always)]
fn dot_f64(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, z) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * z[l];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, z) in ra.iter().zip(rb) {
        s += x * z;
    }
    s
}
