//! Small helpers shared by every stage: integer arguments checked against their range, atomic
//! file writes, hashing, random numbers, dates and the benchmarked word-at-a-time (SWAR) fast
//! paths. Nothing here knows about catalogs, ratings or models.

pub mod args;
pub mod date;
pub mod fs;
pub mod hash;
pub mod rng;
pub mod swar;
