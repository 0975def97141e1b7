//! The seedable random generator of the crate: rand_xoshiro's xoshiro256++, its state seeded
//! through splitmix64 from a `u64`, with normal draws by rand_distr's ziggurat.
//!
//! The seeding is the crate's own (four splitmix64 outputs of the seed, and [`Rng::for_stream`]
//! to derive independent streams), so a seed gives the same stream on every platform and
//! thread count, and the same as the hand-written generator it replaced.

use rand_core::{Rng as _, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// splitmix64: the standard way to expand one `u64` into well-mixed state words.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small, fast, seedable generator, enough for shuffles, initial factors and Gibbs draws.
/// It implements `rand_core`'s `TryRng`, so rand_distr's distributions can draw from it.
#[derive(Clone, Debug)]
pub struct Rng(Xoshiro256PlusPlus);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut state = seed;
        let mut bytes = [0u8; 32];
        for word in bytes.chunks_exact_mut(8) {
            word.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        Rng(Xoshiro256PlusPlus::from_seed(bytes))
    }

    /// A generator for one stream of a seed (an epoch, a block...), independent of the others.
    pub fn for_stream(seed: u64, stream: &[u64]) -> Self {
        let mut state = seed;
        let mut mixed = splitmix64(&mut state);
        for &part in stream {
            state ^= part.wrapping_mul(0xD6E8_FEB8_6659_FD93);
            mixed ^= splitmix64(&mut state);
        }
        Rng::new(mixed)
    }

    /// A seed from the clock, for `random_state=None`.
    pub fn clock_seed() -> u64 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let mut state = nanos;
        splitmix64(&mut state)
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..bound` (Lemire's multiply-shift; the tiny bias is irrelevant here).
    #[inline]
    pub fn below(&mut self, bound: usize) -> usize {
        ((self.next_u64() as u128 * bound as u128) >> 64) as usize
    }

    /// A draw from `N(mean, std_dev)`, by rand_distr's ziggurat (a table lookup and a
    /// multiply for almost every draw, where the polar method needs a logarithm and a root).
    #[inline]
    pub fn normal(&mut self, mean: f64, std_dev: f64) -> f64 {
        let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, self);
        mean + std_dev * z
    }

    /// A draw from `Gamma(shape, scale)` (rand_distr's Marsaglia-Tsang).
    pub fn gamma(&mut self, shape: f64, scale: f64) -> f64 {
        let gamma = rand_distr::Gamma::new(shape, scale).expect("positive shape and scale");
        rand_distr::Distribution::sample(&gamma, self)
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

impl rand_core::TryRng for Rng {
    type Error = std::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.next_u64() >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference xoshiro256++ step, as the crate had it before rand_xoshiro: the streams
    /// (and with them every seeded model and synthetic file) must not change.
    fn reference_stream(seed: u64, n: usize) -> Vec<u64> {
        let mut state = seed;
        let mut s = [0u64; 4];
        for word in &mut s {
            *word = splitmix64(&mut state);
        }
        (0..n)
            .map(|_| {
                let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
                let t = s[1] << 17;
                s[2] ^= s[0];
                s[3] ^= s[1];
                s[1] ^= s[2];
                s[0] ^= s[3];
                s[2] ^= t;
                s[3] = s[3].rotate_left(45);
                result
            })
            .collect()
    }

    #[test]
    fn the_stream_is_the_hand_written_one() {
        for seed in [0, 1, 42, u64::MAX] {
            let mut rng = Rng::new(seed);
            let ours: Vec<u64> = (0..64).map(|_| rng.next_u64()).collect();
            assert_eq!(ours, reference_stream(seed, 64));
        }
    }
}
