//! One parsed piece of a ratings file (raw user ids, chunk-local title codes) and its merge
//! into the table, in order, with dense indexes.

use super::intern::{Interner, LocalTitle};
use super::table::RatingsTable;
use crate::util::swar::extend_in_pieces;

/// One chunk's rows: raw user ids, chunk-local title codes.
#[derive(Default)]
pub(super) struct ChunkColumns {
    pub(super) user_ids: Vec<i64>,
    /// Chunk-local title codes, see [`OTHER_TITLES_BASE`](super::intern::OTHER_TITLES_BASE).
    pub(super) titles: Vec<u32>,
    pub(super) ratings: Vec<f32>,
    pub(super) timestamps: Vec<i64>,
    /// The chunk's distinct titles in order of first appearance.
    pub(super) title_ids: Vec<LocalTitle>,
    /// The buffer of [`LocalTitles`](super::intern::LocalTitles)'s bit set, kept with the
    /// pooled columns.
    pub(super) catalog_seen: Vec<u64>,
}

/// Appends parsed chunks in order. Dense indexes are assigned serially, in order of first
/// appearance (cheap: each chunk's distinct titles and one array probe per user id); then
/// every chunk's rows are remapped and copied into its own slice of the columns in parallel.
pub(super) fn append_chunks(
    table: &mut RatingsTable,
    interner: &mut Interner,
    chunks: &[ChunkColumns],
) {
    // Per chunk, the dense indexes of its titles that are not catalog-shaped.
    let title_remaps: Vec<Vec<u32>> = chunks
        .iter()
        .map(|chunk| {
            for &id in &chunk.user_ids {
                interner.user(&mut table.user_ids, id);
            }
            let mut other_titles = Vec::new();
            for id in &chunk.title_ids {
                let index = interner.title(&mut table.title_ids, id);
                if let LocalTitle::Other(_) = id {
                    other_titles.push(index);
                }
            }
            other_titles
        })
        .collect();
    let new_rows: usize = chunks.iter().map(|c| c.user_ids.len()).sum();
    // A no-op once the first file's estimate has reserved room for all files.
    table.reserve_rows(new_rows);
    let interner = &*interner;
    let mut users = Vec::with_capacity(chunks.len());
    let mut titles = Vec::with_capacity(chunks.len());
    let mut ratings = Vec::with_capacity(chunks.len());
    let mut timestamps = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        let n = chunk.user_ids.len();
        // The columns of the table must stay of one length.
        assert!(chunk.titles.len() == n && chunk.ratings.len() == n && chunk.timestamps.len() == n);
        users.push(&chunk.user_ids[..]);
        titles.push(&chunk.titles[..]);
        ratings.push(&chunk.ratings[..]);
        timestamps.push(&chunk.timestamps[..]);
    }
    extend_in_pieces(&mut table.users, &users, |_, &id| interner.known_user(id));
    extend_in_pieces(&mut table.titles, &titles, |chunk, &code| {
        interner.known_title(code, &title_remaps[chunk])
    });
    extend_in_pieces(&mut table.ratings, &ratings, |_, &rating| rating);
    extend_in_pieces(&mut table.timestamps, &timestamps, |_, &timestamp| {
        timestamp
    });
}
