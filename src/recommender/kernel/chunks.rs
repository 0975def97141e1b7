//! Chunks of factors.

use std::sync::atomic::AtomicU32;
/// Floats in one SIMD chunk of factors (an AVX2 register).
pub(in crate::recommender) const CHUNK: usize = 8;

/// One chunk of factors, aligned as a 32-byte vector load wants it: an aligned load never
/// straddles two cache lines, and a store straddling two can stall the next load of the
/// same row (the SGD reloads a user's row right after writing it).
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
pub(in crate::recommender) struct Chunk([f32; CHUNK]);

/// The floats of `chunks`, in order.
pub(in crate::recommender) fn floats(chunks: &[Chunk]) -> &[f32] {
    // SAFETY: a `Chunk` is `repr(C)` around `[f32; CHUNK]`: no padding between floats.
    unsafe { std::slice::from_raw_parts(chunks.as_ptr().cast(), chunks.len() * CHUNK) }
}

/// The floats of `chunks`, in order, to write.
pub(in crate::recommender) fn floats_mut(chunks: &mut [Chunk]) -> &mut [f32] {
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
pub(in crate::recommender) fn as_atomic_bits(values: &mut [f32]) -> &[AtomicU32] {
    // SAFETY: same size, alignment and valid bit patterns (checked above); the exclusive
    // borrow of `values` ends with the atomics' lifetime, so nothing else reads them meanwhile.
    unsafe { std::slice::from_raw_parts(values.as_mut_ptr().cast::<AtomicU32>(), values.len()) }
}
