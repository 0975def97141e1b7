//! The parallel counting sort.

use rayon::prelude::*;

use crate::recommender::schedule::interleaved_position;
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
pub(in crate::recommender) fn counting_sort_generated<T: Copy + Send + Sync>(
    n_items: usize,
    item: impl Fn(usize) -> T + Sync,
    n_keys: usize,
    key: impl Fn(&T) -> usize + Sync,
) -> (Vec<T>, Vec<usize>) {
    counting_sort_arranged(n_items, item, n_keys, key, RunOrder::Stable)
}

/// How a counting sort lays out each key's run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(in crate::recommender) enum RunOrder {
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
pub(in crate::recommender) fn counting_sort_arranged<T: Copy + Send + Sync>(
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
