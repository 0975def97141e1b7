//! Where training keeps the rows of factors and biases (padded, aligned, group by group on
//! cache lines of their own), and the per-user lists of rated titles.

use rayon::prelude::*;

use super::kernel::{self, Chunk, CHUNK};
use super::schedule::split_at_starts;
use super::triplets::TripletSource;

/// Factor rows as training stores them: aligned, each padded with zeros to whole chunks of
/// eight, so that the kernels need neither masked loads and stores (slow on some CPUs) nor
/// a tail loop. The update rules keep the padding at exactly zero (`keep * 0 + step * 0 =
/// +0`) and zeros add nothing to a dot product, so training on padded rows gives the same
/// bits as on the rows themselves.
pub(super) struct PaddedRows {
    chunks: Vec<Chunk>,
    /// Floats from one row to the next.
    pub(super) stride: usize,
}

/// Rows per parallel task when copying rows in and out of [`PaddedRows`].
const ROWS_PER_TASK: usize = 1024;

impl PaddedRows {
    fn stride_for(n_factors: usize) -> usize {
        n_factors.div_ceil(CHUNK).max(1) * CHUNK
    }

    /// A padded copy of the rows of `n_factors` floats in `rows`, each row at its slot of
    /// `layout`.
    pub(super) fn of(rows: &[f32], n_factors: usize, layout: &SlotLayout) -> PaddedRows {
        let mut padded = PaddedRows::zeros(layout.n_slots(), n_factors);
        let stride = padded.stride;
        layout.gather(rows, n_factors, padded.floats_mut(), stride);
        padded
    }

    /// `n_rows` rows of `n_factors` zeros.
    pub(super) fn zeros(n_rows: usize, n_factors: usize) -> PaddedRows {
        let stride = Self::stride_for(n_factors);
        PaddedRows {
            chunks: vec![Chunk::default(); n_rows * stride / CHUNK],
            stride,
        }
    }

    pub(super) fn floats(&self) -> &[f32] {
        kernel::floats(&self.chunks)
    }

    pub(super) fn floats_mut(&mut self) -> &mut [f32] {
        kernel::floats_mut(&mut self.chunks)
    }

    pub(super) fn n_rows(&self) -> usize {
        self.chunks.len() * CHUNK / self.stride
    }

    pub(super) fn size_bytes(&self) -> usize {
        std::mem::size_of_val(self.chunks.as_slice())
    }

    /// Copies the trained rows back into `rows`, from their slots of `layout`.
    pub(super) fn write_back(&self, rows: &mut [f32], n_factors: usize, layout: &SlotLayout) {
        layout.scatter(self.floats(), self.stride, rows, n_factors);
    }
}

/// Everything one training run updates, each row at its slot of the run's layouts.
pub(super) struct TrainingRows {
    pub(super) user_factors: PaddedRows,
    pub(super) item_factors: PaddedRows,
    pub(super) user_biases: Vec<f32>,
    pub(super) item_biases: Vec<f32>,
}

/// Where training keeps each row (a user or a title) of the model: the rows of each group of
/// the block schedule side by side, in row order, each group starting on a fresh cache line.
/// Two workers then never write the same cache line (row ends, or neighbouring biases of two
/// groups, would otherwise ping-pong between their cores on every update), and a block's rows
/// are contiguous. Keeping the row order inside a group keeps the visiting order, so the
/// layout changes no result.
pub(super) struct SlotLayout {
    slot_of_row: Vec<u32>,
    /// The row kept at each slot, [`SlotLayout::EMPTY`] for the padding between groups.
    pub(super) row_of_slot: Vec<u32>,
    group_of_slot: Vec<u8>,
    /// Where each group's slots start, and where the last one ends.
    group_starts: Vec<usize>,
}

impl SlotLayout {
    const EMPTY: u32 = u32::MAX;
    /// Slots per cache line of `f32` biases; sixteen rows of any width also fill whole lines.
    const SLOTS_PER_LINE: usize = 64 / std::mem::size_of::<f32>();

    /// The layout of rows dealt into `n_groups` groups by `group_of_row`.
    pub(super) fn grouped(group_of_row: &[u8], n_groups: usize) -> SlotLayout {
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
    pub(super) fn identity(n_rows: usize) -> SlotLayout {
        SlotLayout {
            slot_of_row: (0..n_rows as u32).collect(),
            row_of_slot: (0..n_rows as u32).collect(),
            group_of_slot: vec![0; n_rows],
            group_starts: vec![0, n_rows],
        }
    }

    pub(super) fn n_slots(&self) -> usize {
        self.row_of_slot.len()
    }

    /// The slots of `group`.
    pub(super) fn group_slots(&self, group: usize) -> std::ops::Range<usize> {
        self.group_starts[group]..self.group_starts[group + 1]
    }

    pub(super) fn slot(&self, row: u32) -> u32 {
        self.slot_of_row[row as usize]
    }

    pub(super) fn group(&self, slot: u32) -> usize {
        self.group_of_slot[slot as usize] as usize
    }

    /// Copies each row of `width` values in `rows` to its slot in `slots` (`stride` values
    /// per slot, `stride >= width`; the rest of each slot is left as it is).
    pub(super) fn gather(&self, rows: &[f32], width: usize, slots: &mut [f32], stride: usize) {
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
    pub(super) fn scatter(&self, slots: &[f32], stride: usize, rows: &mut [f32], width: usize) {
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

/// The per-user sorted lists of rated titles (offsets, titles) of `n_users` users, from the
/// existing ones plus the titles of `new`: a counting sort into place, then each user's list
/// sorted and deduplicated in parallel.
pub(super) fn rated_lists(
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
pub(super) fn sort_unique_titles(list: &mut [u32], marks: &mut [u64]) -> usize {
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
