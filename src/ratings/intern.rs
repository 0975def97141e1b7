//! Dense indexes for user and title ids, in order of first appearance: catalog-shaped title
//! ids and small user ids through direct-address arrays, other ids through fast hash maps.

use super::table::RatingsTable;
use crate::catalog::Platform;
use crate::util::hash::FxHashMap;
use crate::util::swar::plain_number_in_word;

/// The id letters of the catalog's platforms, in [`Platform::ALL`] order (the one definition).
const CATALOG_PLATFORMS: [u8; Platform::ALL.len()] = {
    let mut letters = [0u8; Platform::ALL.len()];
    let mut i = 0;
    while i < letters.len() {
        letters[i] = Platform::ALL[i].letter() as u8;
        i += 1;
    }
    letters
};
const CATALOG_NUMBERS: u32 = 100_000;
/// Catalog title ids (`as680`, `ds12`, `hs1003`, `ns8807`: platform letter, `s`, a number of
/// at most 5 digits without leading zeros) are by far the most common shape; each maps to a
/// distinct small integer, so interning it is an array lookup instead of hashing a string.
/// Any other shape (MovieLens item ids, `as0680`, ...) goes through the hash maps.
pub(super) const CATALOG_KEYS: usize = CATALOG_PLATFORMS.len() * CATALOG_NUMBERS as usize;

/// The position of a platform letter in [`CATALOG_PLATFORMS`].
#[inline(always)]
fn platform_index(letter: u8) -> Option<u32> {
    CATALOG_PLATFORMS
        .iter()
        .position(|&platform| platform == letter)
        .map(|index| index as u32)
}

/// The catalog key of a catalog-shaped id; `None` for every other id. The key determines the
/// id exactly (no leading zeros), see [`catalog_id`].
#[inline]
pub(super) fn catalog_key(id: &[u8]) -> Option<u32> {
    let (&letter, digits) = match id {
        [letter, b's', digits @ ..] => (letter, digits),
        _ => return None,
    };
    let platform = platform_index(letter)?;
    if digits.is_empty() || digits.len() > 5 || (digits[0] == b'0' && digits.len() > 1) {
        return None;
    }
    let mut number = 0u32;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        number = number * 10 + (digit - b'0') as u32;
    }
    Some(platform * CATALOG_NUMBERS + number)
}

/// [`catalog_key`] of the `len`-byte id that `word` starts with, a word at a time (the
/// Henry fast path's).
#[inline(always)]
pub(super) fn catalog_key_in_word(word: u64, len: usize) -> Option<u32> {
    let n_digits = len.checked_sub(2)?;
    if (word >> 8) as u8 != b's' {
        return None;
    }
    let platform = platform_index(word as u8)?;
    let number = plain_number_in_word(word >> 16, n_digits)?;
    Some(platform * CATALOG_NUMBERS + number as u32)
}

/// The id text of a catalog key (the inverse of [`catalog_key`]).
fn catalog_id(key: u32) -> String {
    let letter = CATALOG_PLATFORMS[(key / CATALOG_NUMBERS) as usize] as char;
    format!("{letter}s{}", key % CATALOG_NUMBERS)
}

/// Chunk-local title codes below this are catalog keys (the same in every chunk, so the
/// parse needs no per-chunk index for them); a code `OTHER_TITLES_BASE + k` is the chunk's
/// `k`-th distinct id that is not catalog-shaped.
pub(super) const OTHER_TITLES_BASE: u32 = CATALOG_KEYS as u32;

/// A chunk-local title id: its catalog key when the id is catalog-shaped, else its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum LocalTitle {
    Catalog(u32),
    Other(String),
}

impl LocalTitle {
    pub(super) fn from_id(id: &str) -> Self {
        match catalog_key(id.as_bytes()) {
            Some(key) => LocalTitle::Catalog(key),
            None => LocalTitle::Other(id.to_string()),
        }
    }
}

/// Chunk-local title interning: catalog-shaped ids through a direct-address array, other ids
/// of up to 15 bytes packed into one integer key (a lookup is one multiply and one compare),
/// longer ones by their bytes.
pub(super) struct LocalTitles<'a> {
    /// One bit per catalog key: seen in this chunk. 50 KiB, so the bits in use stay in the
    /// nearest cache while the chunk streams through.
    catalog_seen: Vec<u64>,
    /// Other ids -> their chunk-local title code (see [`OTHER_TITLES_BASE`]).
    short: FxHashMap<u128, u32>,
    long: FxHashMap<&'a [u8], u32>,
    n_other: u32,
}

impl<'a> LocalTitles<'a> {
    /// Reuses the buffer of `catalog_seen`, clearing it.
    pub(super) fn new(mut catalog_seen: Vec<u64>) -> Self {
        catalog_seen.clear();
        catalog_seen.resize(CATALOG_KEYS.div_ceil(64), 0);
        LocalTitles {
            catalog_seen,
            short: FxHashMap::default(),
            long: FxHashMap::default(),
            n_other: 0,
        }
    }

    /// Gives back the bit set's buffer for the next chunk.
    pub(super) fn into_buffer(self) -> Vec<u64> {
        self.catalog_seen
    }

    /// The chunk-local title code of `id` (see [`OTHER_TITLES_BASE`]), whose catalog key
    /// (`catalog_key(id)`) the caller already knows; new ids are added to `title_ids`, so
    /// that it lists the chunk's titles in order of first appearance.
    #[inline(always)]
    pub(super) fn intern(
        &mut self,
        id: &'a [u8],
        catalog_key: Option<u32>,
        title_ids: &mut Vec<LocalTitle>,
    ) -> Option<u32> {
        let Some(key) = catalog_key else {
            return self.intern_other(id, title_ids);
        };
        let word = &mut self.catalog_seen[key as usize / 64];
        let bit = 1u64 << (key % 64);
        if *word & bit == 0 {
            *word |= bit;
            title_ids.push(LocalTitle::Catalog(key));
        }
        Some(key)
    }

    /// Interns an id that is not catalog-shaped.
    #[inline(never)]
    fn intern_other(&mut self, id: &'a [u8], title_ids: &mut Vec<LocalTitle>) -> Option<u32> {
        let next = OTHER_TITLES_BASE + self.n_other;
        let index = match packed_short_id(id) {
            Some(key) => *self.short.entry(key).or_insert(next),
            None => *self.long.entry(id).or_insert(next),
        };
        if index == next {
            let text = std::str::from_utf8(id).ok()?;
            title_ids.push(LocalTitle::Other(text.to_string()));
            self.n_other += 1;
        }
        Some(index)
    }
}

/// Largest user id given a slot in the direct-address table (64 MiB at most); larger or
/// negative ids go through a map.
const USER_SLOT_LIMIT: i64 = 1 << 24;

/// Assigns dense indexes across chunks and files, in order of first appearance.
#[derive(Default)]
pub(super) struct Interner {
    /// User id -> dense index + 1 (0: not seen yet).
    user_slots: Vec<u32>,
    other_users: FxHashMap<i64, u32>,
    /// Catalog key -> dense index + 1 (0: not seen yet); see [`catalog_key`].
    catalog_titles: Vec<u32>,
    /// Titles that are not catalog-shaped.
    other_titles: FxHashMap<String, u32>,
}

impl Interner {
    #[inline]
    pub(super) fn user(&mut self, user_ids: &mut Vec<i64>, id: i64) -> u32 {
        if (0..USER_SLOT_LIMIT).contains(&id) {
            let slot = id as usize;
            if slot >= self.user_slots.len() {
                let grown = (slot + 1)
                    .max(self.user_slots.len() * 2)
                    .min(USER_SLOT_LIMIT as usize);
                self.user_slots.resize(grown, 0);
            }
            if self.user_slots[slot] == 0 {
                user_ids.push(id);
                self.user_slots[slot] = user_ids.len() as u32;
            }
            return self.user_slots[slot] - 1;
        }
        let next = user_ids.len() as u32;
        *self.other_users.entry(id).or_insert_with(|| {
            user_ids.push(id);
            next
        })
    }

    /// The dense index of a user already interned with [`Interner::user`].
    #[inline]
    pub(super) fn known_user(&self, id: i64) -> u32 {
        if (0..USER_SLOT_LIMIT).contains(&id) {
            self.user_slots[id as usize] - 1
        } else {
            self.other_users[&id]
        }
    }

    /// The dense index of a chunk-local title code whose titles are interned; `other_titles`
    /// holds the dense indexes of the chunk's ids that are not catalog-shaped.
    #[inline]
    pub(super) fn known_title(&self, code: u32, other_titles: &[u32]) -> u32 {
        match code.checked_sub(OTHER_TITLES_BASE) {
            None => self.catalog_titles[code as usize] - 1,
            Some(other) => other_titles[other as usize],
        }
    }

    pub(super) fn title(&mut self, title_ids: &mut Vec<String>, id: &LocalTitle) -> u32 {
        match id {
            LocalTitle::Catalog(key) => {
                if self.catalog_titles.is_empty() {
                    self.catalog_titles.resize(CATALOG_KEYS, 0);
                }
                let slot = &mut self.catalog_titles[*key as usize];
                if *slot == 0 {
                    title_ids.push(catalog_id(*key));
                    *slot = title_ids.len() as u32;
                }
                *slot - 1
            }
            LocalTitle::Other(id) => {
                if let Some(&index) = self.other_titles.get(id) {
                    return index;
                }
                let next = title_ids.len() as u32;
                title_ids.push(id.clone());
                self.other_titles.insert(id.clone(), next);
                next
            }
        }
    }

    /// Fills the table's id -> index maps, once all rows are in.
    pub(super) fn finish(self, table: &mut RatingsTable) {
        table.user_index = table
            .user_ids
            .iter()
            .enumerate()
            .map(|(index, &id)| (id, index as u32))
            .collect();
        table.title_index = table
            .title_ids
            .iter()
            .enumerate()
            .map(|(index, id)| (id.clone(), index as u32))
            .collect();
    }
}

/// Ids spanning at most this many values per id (plus a constant) are interned through an
/// array indexed by `id - min` instead of a hash map.
const DENSE_ID_SPAN_PER_ID: i64 = 4;

/// Dense indexes for integer ids, in order of first appearance, and the distinct ids. Ids
/// in a compact range (MovieLens', the generator's) go through an array, others through a
/// fast hash map.
pub(super) fn intern_integers(ids: &[i64]) -> (Vec<u32>, Vec<i64>) {
    let mut distinct: Vec<i64> = Vec::new();
    let (Some(&low), Some(&high)) = (ids.iter().min(), ids.iter().max()) else {
        return (Vec::new(), distinct);
    };
    let span = (high as i128 - low as i128) as u128;
    if span <= (DENSE_ID_SPAN_PER_ID * ids.len() as i64 + 1024) as u128 {
        let mut slots = vec![u32::MAX; span as usize + 1];
        let dense = ids
            .iter()
            .map(|&id| {
                let slot = &mut slots[(id - low) as usize];
                if *slot == u32::MAX {
                    *slot = distinct.len() as u32;
                    distinct.push(id);
                }
                *slot
            })
            .collect();
        return (dense, distinct);
    }
    let mut lookup: FxHashMap<i64, u32> = FxHashMap::default();
    let dense = ids
        .iter()
        .map(|&id| {
            let next = distinct.len() as u32;
            *lookup.entry(id).or_insert_with(|| {
                distinct.push(id);
                next
            })
        })
        .collect();
    (dense, distinct)
}

/// An id of fewer than 16 bytes packed into one integer (its bytes, then its length), so
/// that a lookup compares one number instead of calling a string comparison.
fn packed_short_id(id: &[u8]) -> Option<u128> {
    if id.len() >= 16 {
        return None;
    }
    let mut key = [0u8; 16];
    key[..id.len()].copy_from_slice(id);
    key[15] = id.len() as u8;
    Some(u128::from_le_bytes(key))
}

/// Dense indexes for text ids, in order of first appearance, and the distinct ids.
/// Catalog-shaped ids go through an array indexed by their catalog key, other short ids
/// through a map keyed by [`packed_short_id`], the rest through a string map (an id's shape
/// decides which, so never two of them).
pub(super) fn intern_texts<'a>(
    ids: impl Iterator<Item = &'a str>,
    count: usize,
) -> (Vec<u32>, Vec<String>) {
    let mut catalog_slots: Vec<u32> = Vec::new();
    let mut short: FxHashMap<u128, u32> = FxHashMap::default();
    let mut long: FxHashMap<&str, u32> = FxHashMap::default();
    let mut distinct: Vec<String> = Vec::new();
    let mut dense = Vec::with_capacity(count);
    dense.extend(ids.map(|id| {
        let next = distinct.len() as u32;
        let index = if let Some(key) = catalog_key(id.as_bytes()) {
            if catalog_slots.is_empty() {
                catalog_slots = vec![u32::MAX; CATALOG_KEYS];
            }
            let slot = &mut catalog_slots[key as usize];
            if *slot == u32::MAX {
                *slot = next;
            }
            *slot
        } else if let Some(key) = packed_short_id(id.as_bytes()) {
            *short.entry(key).or_insert(next)
        } else {
            *long.entry(id).or_insert(next)
        };
        if index == next {
            distinct.push(id.to_string());
        }
        index
    }));
    (dense, distinct)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratings::tests::write_temp;
    use crate::ratings::{read_ratings, RatingsFormat};
    use crate::util::swar::word_at;

    #[test]
    fn interning_numbers_ids_in_order_of_first_appearance_whatever_the_path() {
        // A compact range (array path) and a sparse one (hash path) number alike.
        for scale in [1i64, 1_000_000_007] {
            let ids: Vec<i64> = [5, 3, 5, 9, 3, 1, 9, -2]
                .iter()
                .map(|id| id * scale)
                .collect();
            let (dense, distinct) = intern_integers(&ids);
            assert_eq!(dense, [0, 1, 0, 2, 1, 3, 2, 4], "scale {scale}");
            assert_eq!(distinct, [5, 3, 9, 1, -2].map(|id| id * scale));
        }
        assert_eq!(intern_integers(&[]), (vec![], vec![]));
        assert_eq!(
            intern_integers(&[i64::MIN, i64::MAX, i64::MIN]).0,
            [0, 1, 0]
        );
        // Catalog-shaped, short and long text ids, and ids that differ only in length.
        let long = "a title id that is longer than sixteen bytes";
        let texts = [
            "ns12", "242", long, "242", "ns12", "24", "2420", long, "ns120",
        ];
        let (dense, distinct) = intern_texts(texts.into_iter(), texts.len());
        assert_eq!(dense, [0, 1, 2, 1, 0, 3, 4, 2, 5]);
        assert_eq!(distinct, ["ns12", "242", long, "24", "2420", "ns120"]);
    }

    #[test]
    fn catalog_keys_name_exactly_the_catalog_shaped_ids() {
        for id in [
            "as0", "as680", "ds12", "hs1003", "ns8807", "ns99999", "as10000",
        ] {
            let key = catalog_key(id.as_bytes()).unwrap();
            assert!((key as usize) < CATALOG_KEYS);
            assert_eq!(catalog_id(key), id);
        }
        for id in [
            "", "a", "as", "as0680", "as00", "as100000", "bs1", "As1", "at1", "as1a", "as-1",
            "as 1", "242", "ns8807 ",
        ] {
            assert_eq!(catalog_key(id.as_bytes()), None, "{id:?}");
        }
        for id in [
            "as0", "as680", "ns99999", "as0680", "as00", "as100000", "bs1", "as1a", "as", "a", "x",
        ] {
            let padded = format!("{id},,,,,,,,");
            let word = word_at(padded.as_bytes(), 0).unwrap();
            assert_eq!(
                catalog_key_in_word(word, id.len()),
                catalog_key(id.as_bytes()),
                "{id:?}"
            );
        }
        // Mixed shapes keep their order of first appearance.
        let table = RatingsTable::from_ids(
            &[1, 1, 1, 1],
            &["as0680", "as680", "x", "as680"],
            vec![1.0; 4],
            vec![0; 4],
            (0.5, 5.0),
        );
        let path = write_temp(
            "mixed_ids.csv",
            "userId,rating,timestamp,movieId\n1,1.0,0,as0680\n1,1.0,0,as680\n1,1.0,0,x\n1,1.0,0,as680\n",
        );
        let read = read_ratings(&[path], RatingsFormat::Henry).unwrap();
        assert_eq!(read.title_ids, table.title_ids);
        assert_eq!(read.titles, table.titles);
        assert_eq!(read.title_index, table.title_index);
    }
}
