//! The generator's files: their shape, their means, their determinism, its refusals.

use super::model::{match_mean, shuffle, standard_normal, FIRST_TIMESTAMP, LAST_TIMESTAMP};
use super::*;
use crate::ratings::{read_ratings, RatingsFormat};
use crate::util::rng::{splitmix64, Rng};

fn titles(n: usize) -> Vec<SynthTitle> {
    let genres = ["drama", "comedy", "action", "kids", "documentary"];
    (0..n)
        .map(|i| SynthTitle {
            id: format!("xs{i}"),
            genres: vec![genres[i % 5].to_string(), genres[(i / 5) % 5].to_string()],
            target_mean: 3.3 + 0.42 * (i as f64 * 0.37).fract(),
        })
        .collect()
}

fn temp_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("streamrec-synth-{}-{name}", std::process::id()))
}

#[test]
fn writes_the_asked_shape_with_matching_means() {
    let titles = titles(300);
    let config = SynthConfig {
        n_ratings: 60_000,
        n_users: 2_000,
        seed: 7,
        n_files: 3,
        overwrite: false,
    };
    let dir = temp_dir("shape");
    let summary = synth(&dir, &titles, &config).unwrap();
    assert_eq!(summary.files.len(), 3);
    let table = read_ratings(&summary.files, RatingsFormat::Henry).unwrap();
    assert_eq!(table.len(), 60_000);
    assert_eq!(table.n_users(), 2_000);
    assert_eq!(summary.n_users, 2_000);
    assert_eq!(table.n_titles(), 300);
    assert!(table
        .ratings
        .iter()
        .all(|r| (r * 2.0).fract() == 0.0 && (0.5..=5.0).contains(r)));
    for (index, stat) in table.title_stats().iter().enumerate() {
        let id = &table.title_ids[index];
        let target = titles.iter().find(|t| &t.id == id).unwrap().target_mean;
        assert!(
            (stat.mean - target).abs() <= 0.02,
            "{id}: {} vs {target}",
            stat.mean
        );
    }
    let mut per_user = table.user_counts();
    per_user.sort_unstable();
    let median = per_user[per_user.len() / 2];
    let top = *per_user.last().unwrap();
    assert!(top > 5 * median, "long tail: median {median}, max {top}");
    assert!(table
        .timestamps
        .iter()
        .all(|&t| (FIRST_TIMESTAMP..=LAST_TIMESTAMP).contains(&t)));
}

#[test]
fn is_deterministic_for_a_seed() {
    let titles = titles(50);
    let config = SynthConfig {
        n_ratings: 5_000,
        n_users: 300,
        seed: 3,
        n_files: 2,
        overwrite: false,
    };
    let a = synth(&temp_dir("det_a"), &titles, &config).unwrap();
    let b = synth(&temp_dir("det_b"), &titles, &config).unwrap();
    for (x, y) in a.files.iter().zip(&b.files) {
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
    }
    let other = SynthConfig { seed: 4, ..config };
    let c = synth(&temp_dir("det_c"), &titles, &other).unwrap();
    assert_ne!(
        std::fs::read(&a.files[0]).unwrap(),
        std::fs::read(&c.files[0]).unwrap()
    );
}

#[test]
fn fewer_ratings_than_titles_rate_distinct_titles() {
    let titles = titles(100);
    let config = SynthConfig {
        n_ratings: 40,
        n_users: 1_000,
        seed: 1,
        n_files: 1,
        overwrite: false,
    };
    let summary = synth(&temp_dir("few"), &titles, &config).unwrap();
    assert_eq!((summary.n_titles, summary.max_title_count), (40, 1));
}

#[test]
fn rejects_bad_arguments() {
    let titles = titles(10);
    let dir = temp_dir("bad");
    for config in [
        SynthConfig {
            n_ratings: 0,
            ..SynthConfig::default()
        },
        SynthConfig {
            n_users: 0,
            ..SynthConfig::default()
        },
        SynthConfig {
            n_files: 0,
            ..SynthConfig::default()
        },
    ] {
        assert!(matches!(
            synth(&dir, &titles, &config),
            Err(Error::InvalidArgument { .. })
        ));
    }
    assert!(synth(&dir, &[], &SynthConfig::default()).is_err());
}

#[test]
fn match_mean_hits_the_target() {
    let latent: Vec<f64> = (0..200)
        .map(|i| 3.0 + (i as f64 * 0.731).sin() * 1.7)
        .collect();
    let half_stars = match_mean(&latent, 3.613);
    let mean = half_stars.iter().map(|&h| h as f64 / 2.0).sum::<f64>() / 200.0;
    assert!((mean - 3.613).abs() <= 0.25 / 200.0 + 1e-12, "{mean}");
}

/// The generator's own xoshiro256++ before the crate's [`Rng`] replaced it: its uniform,
/// bounded and Box-Muller draws must stay bit for bit, or the synthetic files would change.
struct HandWrittenRng {
    state: [u64; 4],
}

impl HandWrittenRng {
    fn new(seed: u64) -> Self {
        let mut s = seed;
        HandWrittenRng {
            state: [
                splitmix64(&mut s),
                splitmix64(&mut s),
                splitmix64(&mut s),
                splitmix64(&mut s),
            ],
        }
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[test]
fn draws_are_those_of_the_hand_written_generator() {
    for seed in [0, 3, 7, 42, u64::MAX] {
        let mut old = HandWrittenRng::new(seed);
        let mut new = Rng::new(seed);
        for k in 1..=300u64 {
            assert_eq!(old.uniform().to_bits(), new.next_f64().to_bits());
            assert_eq!(old.below(k * 977) as usize, new.below((k * 977) as usize));
            assert_eq!(old.normal().to_bits(), standard_normal(&mut new).to_bits());
        }
        let mut expected: Vec<u32> = (0..500).collect();
        let mut old = HandWrittenRng::new(seed);
        for i in (1..expected.len()).rev() {
            let j = old.below(i as u64 + 1) as usize;
            expected.swap(i, j);
        }
        let mut shuffled: Vec<u32> = (0..500).collect();
        shuffle(&mut shuffled, seed);
        assert_eq!(shuffled, expected);
    }
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn sized(n_ratings: u64, n_files: u32, overwrite: bool) -> SynthConfig {
    SynthConfig {
        n_ratings,
        n_users: 500,
        seed: 5,
        n_files,
        overwrite,
    }
}

#[test]
fn a_folder_that_is_not_empty_is_refused_and_left_alone() {
    let titles = titles(200);
    let dir = fresh_dir("refused");
    synth(&dir, &titles, &sized(8_000, 4, false)).unwrap();
    let before: Vec<Vec<u8>> = (1..=4)
        .map(|k| std::fs::read(dir.join(format!("{k}.csv"))).unwrap())
        .collect();
    let error = synth(&dir, &titles, &sized(2_000, 2, false)).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::Io { .. }), "{message}");
    assert!(message.contains("not empty"), "{message}");
    assert!(message.contains("1.csv, 2.csv, 3.csv, 4.csv"), "{message}");
    assert!(message.contains("overwrite"), "{message}");
    let after: Vec<Vec<u8>> = (1..=4)
        .map(|k| std::fs::read(dir.join(format!("{k}.csv"))).unwrap())
        .collect();
    assert_eq!(before, after);
    // A file where the folder should be is refused too, and kept.
    let file = dir.join("1.csv");
    let error = synth(&file, &titles, &sized(2_000, 2, true)).unwrap_err();
    assert!(error.to_string().contains("not a folder"), "{error}");
    assert_eq!(std::fs::read(&file).unwrap(), before[0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn overwrite_replaces_the_whole_set_atomically() {
    let titles = titles(200);
    let dir = fresh_dir("overwrite");
    synth(&dir, &titles, &sized(8_000, 4, false)).unwrap();
    std::fs::write(dir.join("README.txt"), b"notes").unwrap();
    // A temporary file a killed run left behind goes with the old set.
    std::fs::write(dir.join(".3.csv.tmp-1-0"), b"userId,rat").unwrap();
    let old_first = std::fs::read(dir.join("1.csv")).unwrap();
    std::fs::hard_link(dir.join("1.csv"), dir.join("old-first.link")).unwrap();

    let summary = synth(&dir, &titles, &sized(2_000, 2, true)).unwrap();
    assert_eq!(summary.files, [dir.join("1.csv"), dir.join("2.csv")]);
    assert_eq!(
        names_in(&dir),
        ["1.csv", "2.csv", "README.txt", "old-first.link"]
    );
    // Replaced by a rename, not rewritten in place: the other link keeps the old bytes.
    assert_eq!(
        std::fs::read(dir.join("old-first.link")).unwrap(),
        old_first
    );
    std::fs::remove_file(dir.join("old-first.link")).unwrap();
    let table = crate::ratings::read_ratings_source(&dir, RatingsFormat::Henry).unwrap();
    assert_eq!(table.len(), 2_000);

    // A .csv file synth did not write is refused even with overwrite: reading the folder
    // would mix it with the new ratings.
    std::fs::write(dir.join("mine.csv"), b"userId,rating,timestamp,movieId\n").unwrap();
    let error = synth(&dir, &titles, &sized(1_000, 1, true)).unwrap_err();
    assert!(error.to_string().contains("mine.csv"), "{error}");
    assert_eq!(names_in(&dir), ["1.csv", "2.csv", "README.txt", "mine.csv"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn files_are_capped_so_that_none_is_empty() {
    let titles = titles(200);
    for (n_ratings, n_files) in [(100u64, 1_000u32), (5, 50), (3_000, 1_000)] {
        let dir = fresh_dir(&format!("cap-{n_ratings}"));
        let summary = synth(&dir, &titles, &sized(n_ratings, n_files, false)).unwrap();
        assert!(summary.files.len() as u64 <= n_ratings.min(n_files as u64));
        assert_eq!(names_in(&dir).len(), summary.files.len());
        for file in &summary.files {
            let lines = std::fs::read_to_string(file).unwrap().lines().count();
            assert!(lines >= 2, "{}: {lines} lines", file.display());
        }
        let table = read_ratings(&summary.files, RatingsFormat::Henry).unwrap();
        assert_eq!(table.len() as u64, n_ratings);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
