//! The content index: TF-IDF vectors of the titles ([`super::tfidf`]) and their inverted index,
//! which gives one title's cosine with every title in one pass.
//!
//! A query for title `i` adds `x_i[t] · x_j[t]` into an accumulator of `N` floats for every
//! term `t` of `i` and every title `j` holding `t`. Rare terms scatter through their postings
//! list; the few very common terms (document frequency >= `N / 8`: the type, platform, decade,
//! the big genres) are also kept as dense columns and added with a vectorised
//! `acc += x_i[t] · column_t`, which is cheaper than scattering thousands of postings. Nothing
//! is precomputed per pair, so building the index is tokenising, counting and one transpose:
//! a fraction of a second for the 22,998 bundled titles (no per-title neighbour lists).

use std::cmp::Ordering;

use super::tfidf::{build_vectors, Field, FieldWeights, SparseVectors, TitleFields, Vocabulary};
use crate::catalog::CatalogTable;
use crate::util::hash::FxHashMap;

/// A term is also stored densely when its document frequency is at least `N / DENSE_FRACTION`.
const DENSE_FRACTION: usize = 8;

/// Column-major copy of the vectors: for each term, the titles holding it and their values;
/// the most common terms also as dense columns of `N` values.
#[derive(Clone, Debug, Default)]
struct Postings {
    offsets: Vec<usize>,
    titles: Vec<u32>,
    values: Vec<f32>,
    /// For each term, its dense column's index, or `u32::MAX`.
    dense_of: Vec<u32>,
    /// The dense columns, `N` values each, back to back.
    dense: Vec<f32>,
    n_titles: usize,
}

impl Postings {
    fn build(vectors: &SparseVectors, n_terms: usize) -> Postings {
        let n = vectors.len();
        let mut offsets = vec![0usize; n_terms + 1];
        for &t in &vectors.terms {
            offsets[t as usize + 1] += 1;
        }
        let mut dense_of = vec![u32::MAX; n_terms];
        let mut n_dense = 0u32;
        for (t, dense) in dense_of.iter_mut().enumerate() {
            if n > 0 && offsets[t + 1] * DENSE_FRACTION >= n {
                *dense = n_dense;
                n_dense += 1;
            }
            offsets[t + 1] += offsets[t];
        }
        let mut next = offsets.clone();
        let mut titles = vec![0u32; vectors.terms.len()];
        let mut values = vec![0.0f32; vectors.terms.len()];
        let mut dense = vec![0.0f32; n_dense as usize * n];
        for i in 0..n {
            let (terms, vals) = vectors.row(i);
            for (&t, &v) in terms.iter().zip(vals) {
                let slot = &mut next[t as usize];
                titles[*slot] = i as u32;
                values[*slot] = v;
                *slot += 1;
                let d = dense_of[t as usize];
                if d != u32::MAX {
                    dense[d as usize * n + i] = v;
                }
            }
        }
        Postings {
            offsets,
            titles,
            values,
            dense_of,
            dense,
            n_titles: n,
        }
    }

    /// `acc[j] += w · x_j[t]` for every title `j` holding term `t`.
    fn add_term(&self, t: u32, w: f32, acc: &mut [f32]) {
        let d = self.dense_of[t as usize];
        if d != u32::MAX {
            let n = self.n_titles;
            let column = &self.dense[d as usize * n..(d as usize + 1) * n];
            for (a, &x) in acc.iter_mut().zip(column) {
                *a += w * x;
            }
        } else {
            let range = self.offsets[t as usize]..self.offsets[t as usize + 1];
            for (&j, &wj) in self.titles[range.clone()].iter().zip(&self.values[range]) {
                acc[j as usize] += w * wj;
            }
        }
    }
}

/// The TF-IDF vectors of a list of titles and their inverted index. Titles are the indices
/// `0..len()` of the list it was built from; a title with no field at all (for instance one
/// the catalog lacks) has the zero vector and no content similarity with anything.
#[derive(Clone, Debug, Default)]
pub struct ContentIndex {
    vectors: SparseVectors,
    vocabulary: Vocabulary,
    postings: Postings,
    weights: FieldWeights,
}

impl ContentIndex {
    /// Builds the vectors (tokenised in parallel on rayon's pool) and the inverted index.
    pub fn build(titles: &[TitleFields], weights: &FieldWeights) -> ContentIndex {
        let (vectors, vocabulary) = build_vectors(titles, weights);
        let postings = Postings::build(&vectors, vocabulary.len());
        ContentIndex {
            vectors,
            vocabulary,
            postings,
            weights: *weights,
        }
    }

    /// The index of the titles `ids`, in that order (a model's title order), with their fields
    /// from `table`; an id the table lacks gets the zero vector. Returns the index and how
    /// many ids the table lacks.
    pub fn for_ids(
        ids: &[String],
        table: &CatalogTable,
        weights: &FieldWeights,
    ) -> (ContentIndex, usize) {
        let position: FxHashMap<&str, usize> = table
            .titles
            .iter()
            .enumerate()
            .map(|(p, title)| (title.id.as_str(), p))
            .collect();
        let mut missing = 0;
        let fields: Vec<TitleFields> = ids
            .iter()
            .map(|id| match position.get(id.as_str()) {
                Some(&p) => TitleFields::from(&table.titles[p]),
                None => {
                    missing += 1;
                    TitleFields::default()
                }
            })
            .collect();
        (ContentIndex::build(&fields, weights), missing)
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    pub fn weights(&self) -> &FieldWeights {
        &self.weights
    }

    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// Whether title `i` has any content (a title the catalog lacks has none).
    pub fn has_content(&self, i: usize) -> bool {
        !self.vectors.row(i).0.is_empty()
    }

    /// Rough heap size in bytes: vectors, postings and dense columns.
    pub fn memory_bytes(&self) -> usize {
        let v = &self.vectors;
        let p = &self.postings;
        (v.offsets.len() + p.offsets.len()) * 8
            + (v.terms.len() + v.values.len() + p.titles.len() + p.values.len()) * 4
            + (p.dense_of.len() + p.dense.len()) * 4
    }

    /// Writes the content cosine of `i` with every title into `acc` (`len()` floats), each in
    /// `[0, 1]`; `i`'s own entry is 0.
    pub fn similarities_into(&self, i: usize, acc: &mut [f32]) {
        assert_eq!(acc.len(), self.len(), "one accumulator slot per title");
        acc.fill(0.0);
        let (terms, values) = self.vectors.row(i);
        for (&t, &w) in terms.iter().zip(values) {
            self.postings.add_term(t, w, acc);
        }
        acc[i] = 0.0;
        // Unit vectors: rounding alone can take a cosine a hair outside [0, 1].
        for a in acc.iter_mut() {
            *a = a.clamp(0.0, 1.0);
        }
    }

    /// The content cosine of `i` with every title (see [`ContentIndex::similarities_into`]).
    pub fn similarities(&self, i: usize) -> Vec<f32> {
        let mut acc = vec![0.0; self.len()];
        self.similarities_into(i, &mut acc);
        acc
    }

    /// The content cosine of titles `i` and `j`, in `[0, 1]` (a merge of two short rows).
    pub fn similarity(&self, i: usize, j: usize) -> f32 {
        self.vectors.dot(i, j).clamp(0.0, 1.0)
    }

    /// What `i` and `j` share: `(field, term, contribution to the cosine)`, largest first.
    /// The contributions add up to [`ContentIndex::similarity`].
    pub fn explain(&self, i: usize, j: usize) -> Vec<(Field, &str, f32)> {
        let (ta, va) = self.vectors.row(i);
        let (tb, vb) = self.vectors.row(j);
        let mut shared = Vec::new();
        let (mut a, mut b) = (0, 0);
        while a < ta.len() && b < tb.len() {
            match ta[a].cmp(&tb[b]) {
                Ordering::Less => a += 1,
                Ordering::Greater => b += 1,
                Ordering::Equal => {
                    let t = ta[a] as usize;
                    shared.push((
                        self.vocabulary.fields[t],
                        self.vocabulary.names[t].as_str(),
                        va[a] * vb[b],
                    ));
                    a += 1;
                    b += 1;
                }
            }
        }
        shared.sort_by(|x, y| y.2.total_cmp(&x.2));
        shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::read_catalog_dir;

    fn title<'a>(genres: &'a str, cast: &'a str, description: &'a str) -> TitleFields<'a> {
        TitleFields {
            listed_in: Some(genres),
            cast: Some(cast),
            description: Some(description),
            kind: Some("movie"),
            ..Default::default()
        }
    }

    fn sample() -> Vec<TitleFields<'static>> {
        vec![
            title(
                "tv horror, tv mysteries",
                "winona ryder",
                "a boy vanishes in a small town",
            ),
            title("horror, mystery", "someone", "a small town hides a monster"),
            title("comedies", "winona ryder", "a wedding goes wrong"),
            title("comedy", "another", "a wedding planner falls in love"),
            title("documentaries", "nobody", "the history of baking"),
        ]
    }

    #[test]
    fn one_row_of_similarities_is_every_pairwise_cosine() {
        let index = ContentIndex::build(&sample(), &FieldWeights::default());
        for i in 0..index.len() {
            let row = index.similarities(i);
            assert_eq!(row[i], 0.0);
            for (j, &s) in row.iter().enumerate().filter(|&(j, _)| j != i) {
                assert!((s - index.similarity(i, j)).abs() < 1e-6, "{i} {j}");
            }
        }
        // The horror pair matches across the platforms' names, the comedies too.
        let best = |i: usize| {
            let row = index.similarities(i);
            (0..row.len())
                .max_by(|&a, &b| row[a].total_cmp(&row[b]))
                .unwrap()
        };
        assert_eq!(best(0), 1);
        assert_eq!(best(2), 3);
    }

    #[test]
    fn sparse_and_dense_terms_agree_with_the_pairwise_merge() {
        // 60 titles: genres and types common (dense columns), cast names rare (postings).
        let genres = [
            "dramas",
            "comedies",
            "tv horror",
            "documentaries",
            "horror, tv mysteries",
        ];
        let casts: Vec<String> = (0..60)
            .map(|i| format!("actor {}, actor {}", i % 17, i % 23))
            .collect();
        let descriptions: Vec<String> = (0..60)
            .map(|i| format!("word{} word{} town", i % 7, i % 11))
            .collect();
        let titles: Vec<TitleFields> = (0..60)
            .map(|i| TitleFields {
                listed_in: Some(genres[i % genres.len()]),
                cast: Some(&casts[i]),
                description: Some(&descriptions[i]),
                kind: Some(if i % 3 == 0 { "tv show" } else { "movie" }),
                release_year: Some(1990 + i as i32),
                platform: Some(["netflix", "hulu"][i % 2]),
                ..Default::default()
            })
            .collect();
        let index = ContentIndex::build(&titles, &FieldWeights::default());
        let dense = index
            .postings
            .dense_of
            .iter()
            .filter(|&&d| d != u32::MAX)
            .count();
        assert!(
            dense > 0 && dense < index.vocabulary().len(),
            "{dense} dense terms"
        );
        for i in 0..titles.len() {
            let row = index.similarities(i);
            for (j, &s) in row.iter().enumerate().filter(|&(j, _)| j != i) {
                assert!((s - index.similarity(i, j)).abs() < 1e-5, "{i} {j}");
            }
        }
    }

    #[test]
    fn explain_adds_up_to_the_cosine() {
        let index = ContentIndex::build(&sample(), &FieldWeights::default());
        let parts = index.explain(0, 1);
        let total: f32 = parts.iter().map(|p| p.2).sum();
        assert!((total - index.similarity(0, 1)).abs() < 1e-5);
        assert!(parts.iter().any(|p| p.0 == Field::Genre && p.1 == "horror"));
        assert!(index.explain(0, 4).iter().all(|p| p.0 == Field::Kind));
    }

    #[test]
    fn ids_the_table_lacks_get_no_content() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/streamrec/data");
        let table = read_catalog_dir(&dir).unwrap();
        let ids: Vec<String> = ["ns1", "zz9", "as1"].map(String::from).to_vec();
        let (index, missing) = ContentIndex::for_ids(&ids, &table, &FieldWeights::default());
        assert_eq!((index.len(), missing), (3, 1));
        assert!(index.has_content(0) && !index.has_content(1) && index.has_content(2));
        assert_eq!(index.similarities(0)[1], 0.0);
        assert!(index.similarity(0, 2) > 0.0);
    }
}
