//! The block schedule and the row layouts: the visiting order, the counting sort, the
//! interleaving, the slots, and the lists of rated titles.

use super::taste_table;
use crate::recommender::kernel::counting_sort_generated;
use crate::recommender::layout::{sort_unique_titles, PaddedRows, SlotLayout};
use crate::recommender::schedule::{grouped_layouts, interleaved_position, Schedule};
use crate::recommender::triplets::TripletSource;
use crate::util::rng::Rng;

#[test]
fn ratings_grouped_by_user_skip_the_user_sort_for_the_same_order() {
    let table = taste_table(6);
    let triplets = TripletSource::of(&table);
    assert!(triplets.grouped_by_user());
    let (user_counts, title_counts) = triplets.counts(table.user_ids.len(), table.title_ids.len());
    let (user_layout, title_layout) = grouped_layouts(&user_counts, &title_counts, 4, 6, 1);
    let order = |grouped_by_user| {
        let (ordered, starts) =
            Schedule::order_as(triplets, &user_layout, &title_layout, 4, grouped_by_user);
        let ordered: Vec<_> = ordered
            .iter()
            .map(|t| (t.user, t.title, t.rating.to_bits()))
            .collect();
        (ordered, starts)
    };
    assert_eq!(order(true), order(false));
    let mut shuffled = table.clone();
    shuffled.users.swap(0, 100);
    assert!(!TripletSource::of(&shuffled).grouped_by_user());
}

#[test]
fn counting_sort_is_the_stable_sort_whatever_the_threads() {
    let mut rng = Rng::new(4);
    // Several chunks of the parallel sort; keys repeat, so stability shows.
    let items: Vec<(u32, u32)> = (0..300_000)
        .map(|position| (rng.below(1000) as u32, position))
        .collect();
    let mut expected = items.clone();
    expected.sort_by_key(|&(key, _)| key);
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (sorted, starts) = pool.install(|| {
            counting_sort_generated(items.len(), |i| items[i], 1000, |&(key, _)| key as usize)
        });
        assert_eq!(sorted, expected, "{threads} threads");
        assert_eq!(starts.len(), 1001);
        assert_eq!(starts[1000], items.len());
        let key_7 = &sorted[starts[7]..starts[8]];
        assert!(!key_7.is_empty() && key_7.iter().all(|&(key, _)| key == 7));
    }
}

#[test]
fn interleaving_is_one_to_one_and_alternates_the_halves() {
    for len in 0..40usize {
        let mut out = vec![usize::MAX; len];
        for rank in 0..len {
            out[interleaved_position(rank, len)] = rank;
        }
        let mut sorted = out.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            (0..len).collect::<Vec<_>>(),
            "len {len}: not a permutation"
        );
        // Even positions take the first half (the longer one), odd positions the second,
        // each half in its order.
        let first_half = len.div_ceil(2);
        for (position, &rank) in out.iter().enumerate() {
            let expected = if position % 2 == 0 {
                position / 2
            } else {
                first_half + position / 2
            };
            assert_eq!(rank, expected, "len {len}: {out:?}");
        }
    }
}

#[test]
fn slot_layout_keeps_groups_apart_on_their_own_cache_lines_and_round_trips() {
    let mut rng = Rng::new(3);
    let groups: Vec<u8> = (0..100).map(|_| rng.below(4) as u8).collect();
    let layout = SlotLayout::grouped(&groups, 4);
    let mut group_starts = vec![];
    for slot in 0..layout.n_slots() as u32 {
        if slot == 0 || layout.group(slot) != layout.group(slot - 1) {
            group_starts.push(slot as usize);
        }
    }
    assert_eq!(group_starts.len(), 4);
    assert!(group_starts.iter().all(|start| start % 16 == 0));
    for (group, &start) in group_starts.iter().enumerate() {
        assert_eq!(layout.group_slots(group).start, start);
    }
    assert_eq!(layout.group_slots(3).end, layout.n_slots());
    for (row, &group) in groups.iter().enumerate() {
        let slot = layout.slot(row as u32);
        assert_eq!(layout.group(slot), group as usize);
        assert_eq!(layout.row_of_slot[slot as usize], row as u32);
    }
    // Rows keep their order inside a group.
    for pair in (0..100u32).collect::<Vec<_>>().windows(2) {
        if groups[pair[0] as usize] == groups[pair[1] as usize] {
            assert!(layout.slot(pair[0]) < layout.slot(pair[1]));
        }
    }
    let width = 3;
    let rows: Vec<f32> = (0..100 * width).map(|v| v as f32).collect();
    let padded = PaddedRows::of(&rows, width, &layout);
    let mut back = vec![0.0; rows.len()];
    padded.write_back(&mut back, width, &layout);
    assert_eq!(back, rows);
}

#[test]
fn rated_titles_come_sorted_and_unique_by_marks_or_by_sorting() {
    let mut rng = Rng::new(8);
    for n_titles in [1usize, 64, 200, 1682] {
        let mut marks = vec![0u64; n_titles.div_ceil(64)];
        // Short lists take the comparison sort, long ones the marks; repeats in both.
        for len in [0usize, 1, 2, 5, 40, 300, 2000] {
            let mut list: Vec<u32> = (0..len).map(|_| rng.below(n_titles) as u32).collect();
            let mut expected = list.clone();
            expected.sort_unstable();
            expected.dedup();
            let kept = sort_unique_titles(&mut list, &mut marks);
            assert_eq!(
                &list[..kept],
                &expected[..],
                "{n_titles} titles, {len} rated"
            );
            assert!(marks.iter().all(|&word| word == 0), "marks left set");
        }
    }
}
