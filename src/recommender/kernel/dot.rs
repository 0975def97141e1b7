//! Dot products. The dot product sums chunk `k` of eight factors into accumulator `k % 4`
//! (four independent chains hide the latency), then combines the lanes in a fixed order, so
//! the result never depends on threads, and the AVX2 and portable versions agree bit for bit:
//! both fuse the same multiply-adds (`f32::mul_add` rounds once, as the FMA instruction does).

#[cfg(target_arch = "x86_64")]
use super::has_avx2_fma;

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
pub(in crate::recommender) fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
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

/// The dot product of `a` and `b` (over the shorter one's length), by the AVX2 kernel when the
/// CPU has it: the same bits either way.
#[inline]
pub(in crate::recommender) fn dot(a: &[f32], b: &[f32]) -> f32 {
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
pub(in crate::recommender) trait DotLoop {
    /// Runs the loop, computing its dot products with `dot`.
    fn run(self, dot: impl Fn(&[f32], &[f32]) -> f32);
}

/// Runs `job` with the AVX2 dot product when the CPU has it, the portable one otherwise (the
/// same bits). The AVX2 version is one function with the loop inlined: with a call chain and a
/// CPU feature check per dot product, 1M predictions took 16-20% longer.
pub(in crate::recommender) fn with_fastest_dot(job: impl DotLoop) {
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
pub(in crate::recommender) fn prefetch(row: &[f32]) {
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

/// The sum of four accumulators' lanes, in the order of [`combine_lanes`].
///
/// # Safety
/// AVX2 only.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) unsafe fn horizontal_sum(acc: [std::arch::x86_64::__m256; 4]) -> f32 {
    use std::arch::x86_64::*;
    let lanes = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    let pairs = _mm_add_ps(
        _mm256_castps256_ps128(lanes),
        _mm256_extractf128_ps(lanes, 1),
    );
    let halves = _mm_add_ps(pairs, _mm_movehl_ps(pairs, pairs));
    _mm_cvtss_f32(_mm_add_ss(halves, _mm_shuffle_ps(halves, halves, 1)))
}
