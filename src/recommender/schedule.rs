//! The block schedule of training (FPSGD): users and titles dealt into groups, the ratings
//! put in visiting order block by block, and the epochs run on all cores without barriers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use rayon::prelude::*;

use super::kernel::{counting_sort_arranged, RunOrder};
use super::layout::SlotLayout;
use super::triplets::{Triplet, TripletSource};
use crate::util::rng::Rng;

/// `items` cut into the runs `starts[k]..starts[k + 1]` (`starts` ascending from 0 to at
/// most `items.len()`), as disjoint mutable slices.
pub(super) fn split_at_starts<'a, T>(mut items: &'a mut [T], starts: &[usize]) -> Vec<&'a mut [T]> {
    let mut runs = Vec::with_capacity(starts.len().saturating_sub(1));
    for window in starts.windows(2) {
        let (run, rest) = std::mem::take(&mut items).split_at_mut(window[1] - window[0]);
        runs.push(run);
        items = rest;
    }
    runs
}

/// Where the item at `rank` of a run of `len` items goes when the run's two halves are
/// interleaved: `[a0, a1, ..., b0, b1, ...]` becomes `[a0, b0, a1, b1, ...]`, the first half
/// holding the odd item out.
#[inline(always)]
pub(super) fn interleaved_position(rank: usize, len: usize) -> usize {
    let first_half = len.div_ceil(2);
    if rank < first_half {
        2 * rank
    } else {
        2 * (rank - first_half) + 1
    }
}

/// The order in which one training run visits its ratings (see the `recommender` docs): the
/// ratings in the slots of the two [`SlotLayout`]s, block after block, each block user by
/// user (each user's ratings in the given order) with its two halves interleaved.
///
/// Every rating's slots are inside the layouts: the SGD kernels rely on it, so a schedule
/// is only made from an [`Order`] made for its layouts.
pub(super) struct Schedule {
    strata: usize,
    user_layout: SlotLayout,
    title_layout: SlotLayout,
    ordered: Vec<Triplet>,
    /// Where each block starts in `ordered`, block `(g, h)` at `g * strata + h`, and its end.
    block_starts: Vec<usize>,
}

/// The ratings of a training run in visiting order ([`Schedule::order`]), for a
/// [`Schedule`] on the layouts they were ordered for.
pub(super) struct Order {
    ordered: Vec<Triplet>,
    block_starts: Vec<usize>,
    strata: usize,
    /// The slot counts of the user and the title layout.
    n_slots: (usize, usize),
}

/// The user and title layouts of a training run on ratings with these counts per user and
/// per title (see [`group_assignment`]), the groups drawn from `(seed, stream)`.
pub(super) fn grouped_layouts(
    user_counts: &[u32],
    title_counts: &[u32],
    strata: usize,
    seed: u64,
    stream: u64,
) -> (SlotLayout, SlotLayout) {
    rayon::join(
        || {
            let groups = group_assignment(user_counts, strata, Rng::for_stream(seed, &[stream, 1]));
            SlotLayout::grouped(&groups, strata)
        },
        || {
            let groups =
                group_assignment(title_counts, strata, Rng::for_stream(seed, &[stream, 2]));
            SlotLayout::grouped(&groups, strata)
        },
    )
}

impl Schedule {
    /// The schedule of the ratings in `order` on the layouts they were ordered for.
    pub(super) fn new(user_layout: SlotLayout, title_layout: SlotLayout, order: Order) -> Self {
        assert_eq!(
            order.n_slots,
            (user_layout.n_slots(), title_layout.n_slots()),
            "ratings ordered for other layouts"
        );
        Schedule {
            strata: order.strata,
            user_layout,
            title_layout,
            ordered: order.ordered,
            block_starts: order.block_starts,
        }
    }

    /// The ratings of `triplets` in slots of the layouts, in visiting order, and where each
    /// block starts (see [`Schedule`]).
    pub(super) fn order(
        triplets: TripletSource,
        user_layout: &SlotLayout,
        title_layout: &SlotLayout,
        strata: usize,
    ) -> Order {
        let grouped_by_user = triplets.grouped_by_user();
        let (ordered, block_starts) =
            Self::order_as(triplets, user_layout, title_layout, strata, grouped_by_user);
        Order {
            ordered,
            block_starts,
            strata,
            n_slots: (user_layout.n_slots(), title_layout.n_slots()),
        }
    }

    /// [`Schedule::order`], told whether `triplets` come user by user
    /// ([`TripletSource::grouped_by_user`]), which saves the sort by user.
    pub(super) fn order_as(
        triplets: TripletSource,
        user_layout: &SlotLayout,
        title_layout: &SlotLayout,
        strata: usize,
        grouped_by_user: bool,
    ) -> (Vec<Triplet>, Vec<usize>) {
        // A counting sort by block, then within each block (all in parallel) one by user slot,
        // stable both: block after block, user by user, each user's ratings in table order.
        // Two small key spaces keep the counters in cache, where one key per (block, user)
        // would make every count a cache miss on large data. Ratings that come user by user
        // (slots keep the rows' order within a group) are in user order within each block
        // after the first sort already.
        let block_of =
            |t: &Triplet| user_layout.group(t.user) * strata + title_layout.group(t.title);
        let (by_block, block_starts) = counting_sort_arranged(
            triplets.len(),
            |index| {
                let t = triplets.get(index);
                Triplet {
                    user: user_layout.slot(t.user),
                    title: title_layout.slot(t.title),
                    rating: t.rating,
                }
            },
            strata * strata,
            block_of,
            if grouped_by_user {
                RunOrder::Interleaved
            } else {
                RunOrder::Stable
            },
        );
        if grouped_by_user {
            return (by_block, block_starts);
        }
        // Each block is sorted in place, from a copy of its ratings.
        let mut ordered = by_block;
        split_at_starts(&mut ordered, &block_starts)
            .into_par_iter()
            .enumerate()
            .for_each_init(Vec::new, |by_block, (block, out)| {
                by_block.clear();
                by_block.extend_from_slice(out);
                let ratings = &by_block[..];
                let users = user_layout.group_slots(block / strata);
                let mut next = vec![0usize; users.len() + 1];
                for t in ratings {
                    next[t.user as usize - users.start + 1] += 1;
                }
                for k in 0..users.len() {
                    next[k + 1] += next[k];
                }
                for &t in ratings {
                    let position = &mut next[t.user as usize - users.start];
                    out[interleaved_position(*position, ratings.len())] = t;
                    *position += 1;
                }
            });
        (ordered, block_starts)
    }

    pub(super) fn strata(&self) -> usize {
        self.strata
    }

    pub(super) fn user_layout(&self) -> &SlotLayout {
        &self.user_layout
    }

    pub(super) fn title_layout(&self) -> &SlotLayout {
        &self.title_layout
    }

    /// The layouts, the ratings dropped.
    pub(super) fn into_layouts(self) -> (SlotLayout, SlotLayout) {
        (self.user_layout, self.title_layout)
    }

    pub(super) fn n_ratings(&self) -> usize {
        self.ordered.len()
    }

    /// The ratings of user group `g` and title group `h`.
    fn block(&self, g: usize, h: usize) -> &[Triplet] {
        let block = g * self.strata + h;
        &self.ordered[self.block_starts[block]..self.block_starts[block + 1]]
    }
}

/// A counter on a cache line of its own, so that workers waiting on one do not slow the
/// writes to its neighbours.
#[repr(align(64))]
#[derive(Default)]
struct PaddedCounter(AtomicUsize);

/// How many blocks each title group has been through in one pass of [`run_epochs`], and a
/// way for a worker to wait for a count: spinning a little (the block it waits for is usually
/// about to end), then asleep, so that a worker waiting for a busy or descheduled one (other
/// fits in the pool, other processes) leaves it the core.
struct BlockProgress {
    done: Vec<PaddedCounter>,
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

impl BlockProgress {
    /// About 20 microseconds of spinning before sleeping.
    const SPINS: u32 = 1 << 10;

    fn new(n_groups: usize) -> Self {
        BlockProgress {
            done: (0..n_groups).map(|_| PaddedCounter::default()).collect(),
            sleepers: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// Returns once group `group` has been through `count` blocks.
    fn wait_for(&self, group: usize, count: usize) {
        let done = &self.done[group].0;
        for _ in 0..Self::SPINS {
            if done.load(Ordering::Acquire) >= count {
                return;
            }
            std::hint::spin_loop();
        }
        // Registered before the last look under the lock: a worker that counts a block after
        // that look sees the sleeper and wakes it (both sides sequentially consistent).
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        while done.load(Ordering::SeqCst) < count {
            guard = self.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        drop(guard);
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
    }

    /// Counts one more block for group `group`, waking any sleeping worker.
    fn finish_block(&self, group: usize) {
        self.done[group].0.fetch_add(1, Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.wake.notify_all();
        }
    }
}

/// Runs `n_epochs` epochs of `schedule`, calling `run_block` on each block, and returns
/// each block's result, epoch after epoch, shift after shift, user group after user group.
///
/// Worker `w` of the pool always takes the user groups `w, w + T, ...` (their rows stay in
/// its core's cache) and walks its blocks in schedule order. Block `(g, h)` of step `t`
/// (`t` counting the sub-epochs of all epochs) waits only until title group `h` has been
/// through the `t` blocks before it, one per step: no barrier between sub-epochs, so a
/// worker ahead of the other starts its next block as soon as that block's titles are free,
/// and the pool is woken once for all the epochs. Every user group and every title group
/// still sees its blocks in schedule order, each block run by one thread at a time: the
/// same updates in the same order as with a barrier, so the same bits. The waits cannot
/// form a cycle (each is on a block of an earlier step), and every worker's part of a
/// pass is queued in each worker in the same order, so passes from several callers (or
/// nested in the pool, as in cross-validation) cannot deadlock.
///
/// A block whose result is not finite (training diverged) ends the run after its epoch: the
/// blocks of later epochs are skipped (their result `NaN`), those of that epoch and earlier
/// still run, so which epoch is the first to fail does not depend on the timing.
pub(super) fn run_epochs(
    schedule: &Schedule,
    n_epochs: usize,
    run_block: impl Fn(&[Triplet]) -> f64 + Sync,
) -> Vec<f64> {
    let strata = schedule.strata;
    let progress = BlockProgress::new(strata);
    let first_failed_epoch = AtomicUsize::new(usize::MAX);
    // Each worker keeps the results of its blocks with their slots, (step, group).
    let results = rayon::broadcast(|worker| {
        let mut results = Vec::new();
        for step in 0..n_epochs * strata {
            let shift = step % strata;
            let epoch = step / strata;
            for group in (worker.index()..strata).step_by(worker.num_threads()) {
                let titles = (group + shift) % strata;
                progress.wait_for(titles, step);
                let error = if epoch > first_failed_epoch.load(Ordering::Relaxed) {
                    f64::NAN
                } else {
                    let error = run_block(schedule.block(group, titles));
                    if !error.is_finite() {
                        first_failed_epoch.fetch_min(epoch, Ordering::Relaxed);
                    }
                    error
                };
                progress.finish_block(titles);
                results.push((step * strata + group, error));
            }
        }
        results
    });
    let mut block_errors = vec![0.0f64; n_epochs * strata * strata];
    for (slot, error) in results.into_iter().flatten() {
        block_errors[slot] = error;
    }
    block_errors
}

/// Deals rows (users or titles) into `strata` groups holding nearly equal numbers of
/// ratings, so that the blocks running side by side take about as long: rows in decreasing
/// order of `counts` (ties in a seeded random order) go round in a snake, 0..S then S..0.
pub(super) fn group_assignment(counts: &[u32], strata: usize, mut rng: Rng) -> Vec<u8> {
    let mut order: Vec<u32> = (0..counts.len() as u32).collect();
    rng.shuffle(&mut order);
    order.sort_by_key(|&row| std::cmp::Reverse(counts[row as usize]));
    let mut group = vec![0u8; counts.len()];
    for (position, &row) in order.iter().enumerate() {
        let lap = position / strata;
        let seat = position % strata;
        group[row as usize] = if lap.is_multiple_of(2) {
            seat
        } else {
            strata - 1 - seat
        } as u8;
    }
    group
}
