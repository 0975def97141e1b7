//! The training ratings as the model sees them: (user, title, rating) triplets in the model's
//! dense indexes, read in place from a ratings table.

use crate::ratings::RatingsTable;

/// One training rating, in the model's dense indexes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Triplet {
    pub(super) user: u32,
    pub(super) title: u32,
    pub(super) rating: f32,
}

/// The training ratings of a table, read as [`Triplet`]s where they are, in the model's
/// indexes (through the maps from the table's indexes, when they differ): no copy of the
/// ratings is made.
#[derive(Clone, Copy)]
pub(super) struct TripletSource<'a> {
    users: &'a [u32],
    titles: &'a [u32],
    ratings: &'a [f32],
    /// The model index of each of the table's user indexes; `None`: the same.
    user_map: Option<&'a [u32]>,
    title_map: Option<&'a [u32]>,
}

impl<'a> TripletSource<'a> {
    pub(super) fn of(table: &'a RatingsTable) -> Self {
        TripletSource {
            users: &table.users,
            titles: &table.titles,
            ratings: &table.ratings,
            user_map: None,
            title_map: None,
        }
    }

    /// Ratings given as parallel columns of dense indexes (rows of a model) and values.
    pub(super) fn of_indexes(users: &'a [u32], titles: &'a [u32], ratings: &'a [f32]) -> Self {
        TripletSource {
            users,
            titles,
            ratings,
            user_map: None,
            title_map: None,
        }
    }

    /// The same ratings, their table's user and title indexes read through `user_map` and
    /// `title_map` (the model index of each).
    pub(super) fn through(self, user_map: &'a [u32], title_map: &'a [u32]) -> Self {
        TripletSource {
            user_map: Some(user_map),
            title_map: Some(title_map),
            ..self
        }
    }

    pub(super) fn len(&self) -> usize {
        self.ratings.len()
    }

    #[inline(always)]
    pub(super) fn get(&self, index: usize) -> Triplet {
        let (user, title) = (self.users[index], self.titles[index]);
        Triplet {
            user: self.user_map.map_or(user, |map| map[user as usize]),
            title: self.title_map.map_or(title, |map| map[title as usize]),
            rating: self.ratings[index],
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = Triplet> + '_ {
        (0..self.len()).map(|index| self.get(index))
    }

    /// Whether the ratings come user by user (in increasing model index), as rating files
    /// usually do: then orders by user need no sorting.
    pub(super) fn grouped_by_user(&self) -> bool {
        match self.user_map {
            None => self.users.windows(2).all(|pair| pair[0] <= pair[1]),
            Some(map) => self
                .users
                .windows(2)
                .all(|pair| map[pair[0] as usize] <= map[pair[1] as usize]),
        }
    }

    /// How many ratings each of `n_users` users and each of `n_titles` titles has here.
    pub(super) fn counts(&self, n_users: usize, n_titles: usize) -> (Vec<u32>, Vec<u32>) {
        let mut user_counts = vec![0u32; n_users];
        let mut title_counts = vec![0u32; n_titles];
        for t in self.iter() {
            user_counts[t.user as usize] += 1;
            title_counts[t.title as usize] += 1;
        }
        (user_counts, title_counts)
    }
}
