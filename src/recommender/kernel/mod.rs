//! Every `unsafe` of the recommender, behind safe functions: the AVX2 and portable dot
//! products and SGD kernels (bit-identical to each other), the aligned chunks of factors, the
//! parallel counting sort that writes its output in place, and the AVX2 + FMA entry points of
//! the Bayesian sampler's statistics and chains.
//!
//! One file per family: [`dot`] products, [`chunks`] of factors, the [`sgd`] kernels, the
//! parallel counting [`sort`], and the Bayesian sampler's entry points ([`bayes`]).

mod bayes;
mod chunks;
mod dot;
mod sgd;
mod sort;

pub(super) use bayes::{gram, with_fused_multiply_add, FusedLoop};
pub(super) use chunks::{as_atomic_bits, floats, floats_mut, Chunk, CHUNK};
#[cfg(test)]
pub(super) use dot::dot_portable;
pub(super) use dot::{dot, prefetch, with_fastest_dot, DotLoop};
#[cfg(test)]
pub(super) use sgd::sgd_block_alone;
pub(super) use sgd::sgd_epochs;
pub(super) use sort::{counting_sort_arranged, counting_sort_generated, RunOrder};

/// Whether the CPU has AVX2 and FMA (the standard library caches the answer).
#[cfg(target_arch = "x86_64")]
fn has_avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}
