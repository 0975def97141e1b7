//! Word-at-a-time (SWAR) fast paths: eight bytes tested per step where a byte loop would test
//! one. Each is kept only because a benchmark showed its gain, noted beside it.
//!
//! A text's byte `k` is bits `8k..8k + 8` of the little-endian word. The functions below came
//! in together with the word-at-a-time Henry line (commit ebf4437, "ratings: faster Henry CSV
//! ingest"): with the catalog-key arrays of that commit and the parallel merge of e983e20, the
//! benchmark's read of 11,024,289 ratings in 8 files went from 1.10 s to 0.71 s on 2 cores
//! (bench/results/ratings.md, the runs of a769b47 and 6f604ad). No function here was measured
//! on its own; the gain of each is that of the fast path it makes up.
//!
//! This file also holds [`extend_in_pieces`], the crate's one `unsafe` block outside the SIMD
//! kernels (a `Vec`'s length set after threads filled its spare capacity).

use std::mem::MaybeUninit;

use rayon::prelude::*;

/// `0x01` in every byte: multiplying a byte by it repeats the byte in every lane.
pub const EACH_BYTE: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte: where the flag functions below mark a byte.
pub const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
/// `10^k` for the up to eight digits of one word.
pub const POWERS_OF_TEN: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The 8 bytes at `position` as a word, or `None` within 8 bytes of the end.
/// Gain: part of the Henry fast path (see the module notes); not measured separately.
#[inline(always)]
pub fn word_at(bytes: &[u8], position: usize) -> Option<u64> {
    let word = bytes.get(position..position.checked_add(8)?)?;
    Some(u64::from_le_bytes(word.try_into().ok()?))
}

/// How many of the bytes of a word come before the first one `flags` marks (8: none marked).
/// `flags` has the high bit of marked bytes set; only its lowest marked byte needs to be exact.
/// Gain: part of the Henry fast path (see the module notes); not measured separately.
#[inline(always)]
pub fn bytes_before_flag(flags: u64) -> usize {
    (flags & HIGH_BITS).trailing_zeros() as usize / 8
}

/// Marks the bytes that are not ASCII digits. A digit byte never carries nor borrows, and
/// carries and borrows only travel towards later bytes, so the first marked byte is exact.
/// Gain: part of the Henry fast path (see the module notes); not measured separately.
#[inline(always)]
pub fn non_digit_flags(word: u64) -> u64 {
    // Above '9': adding 0x46 reaches 0x80. Below '0': subtracting 0x30 wraps past 0x80.
    word.wrapping_add(0x46 * EACH_BYTE) | word.wrapping_sub(0x30 * EACH_BYTE)
}

/// Marks the bytes equal to `byte` (exact up to the first marked byte, see above).
/// Gain: part of the Henry fast path (see the module notes); not measured separately.
#[inline(always)]
pub fn equal_flags(word: u64, byte: u8) -> u64 {
    let zero_where_equal = word ^ (byte as u64 * EACH_BYTE);
    zero_where_equal.wrapping_sub(EACH_BYTE) & !zero_where_equal
}

/// The value of the first `n` (1..=8) bytes of `word`, all ASCII digits.
/// Gain: part of the Henry fast path (see the module notes); not measured separately.
#[inline(always)]
pub fn digits_value(word: u64, n: usize) -> u64 {
    debug_assert!((1..=8).contains(&n));
    // Digit values with the first digit in the lowest byte; the shift drops the bytes after
    // the digits and puts zeros (leading zeros) in front. Then pairs, quads and the two
    // halves are combined with three multiplications (Lemire's eight-digit parse).
    let digits = word.wrapping_sub(0x30 * EACH_BYTE) << (8 * (8 - n));
    let pairs = digits.wrapping_mul(10).wrapping_add(digits >> 8);
    let low = (pairs & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32));
    let high = ((pairs >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32));
    low.wrapping_add(high) >> 32
}

/// The value of the first `n` (1..=5) bytes of `word` when they are ASCII digits without a
/// leading zero (a lone `0` is fine): the number part of an id such as `as680`.
/// Gain: part of the Henry fast path (see the module notes); not measured separately.
#[inline(always)]
pub fn plain_number_in_word(word: u64, n: usize) -> Option<u64> {
    if !(1..=5).contains(&n) {
        return None;
    }
    let all_digits = bytes_before_flag(non_digit_flags(word)) >= n;
    let leading_zero = n > 1 && word as u8 == b'0';
    if !all_digits || leading_zero {
        return None;
    }
    Some(digits_value(word, n))
}

/// Parses 1 to 16 plain digits at `position` that `terminator` follows; returns the value and
/// the position after the terminator. `None` for anything else, or near the end of `bytes`.
/// Gain: part of the Henry fast path (see the module notes); not measured separately.
#[inline(always)]
pub fn swar_number(bytes: &[u8], position: usize, terminator: u8) -> Option<(i64, usize)> {
    let word = word_at(bytes, position)?;
    let n = bytes_before_flag(non_digit_flags(word));
    if n == 0 {
        return None;
    }
    if n < 8 {
        if (word >> (8 * n)) as u8 != terminator {
            return None;
        }
        return Some((digits_value(word, n) as i64, position + n + 1));
    }
    let next = word_at(bytes, position + 8)?;
    let m = bytes_before_flag(non_digit_flags(next));
    if m == 8 || (next >> (8 * m)) as u8 != terminator {
        return None;
    }
    let value = if m == 0 {
        digits_value(word, 8)
    } else {
        digits_value(word, 8) * POWERS_OF_TEN[m] + digits_value(next, m)
    };
    Some((value as i64, position + 8 + m + 1))
}

/// Appends to `column` one element per item of `pieces`, in order, each piece mapped by
/// `map(piece_index, item)` on its own thread. The elements are written straight into the
/// column's spare capacity: zero-filling it first would be one more pass over the memory, and
/// a serial one that takes every page fault. Part of e983e20 ("columns filled in parallel"),
/// measured only together with the Henry fast path (see the module notes).
pub fn extend_in_pieces<S, T>(
    column: &mut Vec<T>,
    pieces: &[&[S]],
    map: impl Fn(usize, &S) -> T + Sync,
) where
    S: Sync,
    T: Send,
{
    let additional: usize = pieces.iter().map(|piece| piece.len()).sum();
    column.reserve(additional);
    let mut spare: &mut [MaybeUninit<T>] = &mut column.spare_capacity_mut()[..additional];
    let mut slots = Vec::with_capacity(pieces.len());
    for piece in pieces {
        let (head, rest) = std::mem::take(&mut spare).split_at_mut(piece.len());
        slots.push(head);
        spare = rest;
    }
    slots
        .into_par_iter()
        .zip(pieces)
        .enumerate()
        .for_each(|(index, (slots, piece))| {
            for (slot, item) in slots.iter_mut().zip(piece.iter()) {
                slot.write(map(index, item));
            }
        });
    let length = column.len() + additional;
    // SAFETY: the slots partition the first `additional` spare elements, each slot list is as
    // long as its piece (split above), and every slot was written by the loop (a panic in
    // `map` would have unwound out of `for_each` before this point).
    unsafe { column.set_len(length) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_at_a_time_digits() {
        for text in [
            "7", "42", "123", "1234", "12345", "123456", "1234567", "12345678",
        ] {
            let word = word_at(format!("{text},,,,,,,,").as_bytes(), 0).unwrap();
            let n = bytes_before_flag(non_digit_flags(word));
            assert_eq!(n, text.len());
            assert_eq!(digits_value(word, n), text.parse::<u64>().unwrap());
        }
        for byte in 0..=255u8 {
            let word = u64::from_le_bytes([b'1', byte, b'2', b'3', b'4', b'5', b'6', b'7']);
            let expected = if byte.is_ascii_digit() { 8 } else { 1 };
            assert_eq!(bytes_before_flag(non_digit_flags(word)), expected, "{byte}");
        }
    }

    #[test]
    fn pieces_are_appended_in_order() {
        let mut column = vec![7u64];
        let pieces: [&[u32]; 3] = [&[1, 2], &[], &[3, 4, 5]];
        extend_in_pieces(&mut column, &pieces, |index, &item| {
            index as u64 * 100 + item as u64
        });
        assert_eq!(column, [7, 1, 2, 203, 204, 205]);
    }
}
