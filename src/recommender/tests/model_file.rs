//! The model file: a round trip, and refusals of damaged or foreign files.

use super::{params, taste_table};
use crate::recommender::{Recommender, SvdModel};
use crate::Error;

#[test]
fn save_and_load_round_trip_and_refuse_damage() {
    let dir = std::env::temp_dir().join(format!("streamrec-svd-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.srsvd");
    let model = SvdModel::fit(&taste_table(7), &params(9), None).unwrap();
    model.save(&path).unwrap();
    let loaded = SvdModel::load(&path).unwrap();
    assert_eq!(loaded.params, model.params);
    assert_eq!(loaded.item_factors, model.item_factors);
    assert_eq!(loaded.user_ids, model.user_ids);
    assert_eq!(loaded.title_ids, model.title_ids);
    assert_eq!(loaded.loss_history, model.loss_history);
    assert_eq!(
        loaded.recommend(0, 5, true).unwrap(),
        model.recommend(0, 5, true).unwrap()
    );

    let bytes = std::fs::read(&path).unwrap();
    let write_and_load = |name: &str, data: &[u8]| {
        let damaged = dir.join(name);
        std::fs::write(&damaged, data).unwrap();
        match SvdModel::load(&damaged) {
            Err(Error::Model { message, .. }) => message,
            other => panic!("{name}: expected a refusal, got {:?}", other.map(|_| ())),
        }
    };
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x40;
    assert!(write_and_load("flipped", &flipped).contains("checksum"));
    assert!(write_and_load("truncated", &bytes[..bytes.len() - 100]).contains("truncated"));
    let mut other_version = bytes.clone();
    other_version[8] = 2;
    assert!(write_and_load("version", &other_version).contains("version 2"));
    assert!(
        write_and_load("other", b"userId,rating\n1,2\n3,4,5,6,7,8,9").contains("not a streamrec")
    );
    assert!(matches!(
        SvdModel::load(dir.join("missing")),
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A save replaces the old file whole, through a temporary file renamed over it: another
/// hard link to the old file keeps the old bytes (a write in place would change them too),
/// a failed save keeps the old file, and no temporary file is left behind.
#[test]
fn save_replaces_the_old_file_atomically() {
    let dir = std::env::temp_dir().join(format!("streamrec-svd-atomic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.svd");
    let old = SvdModel::fit(&taste_table(7), &params(1), None).unwrap();
    old.save(&path).unwrap();
    let old_bytes = std::fs::read(&path).unwrap();
    std::fs::hard_link(&path, dir.join("previous.svd")).unwrap();

    let new = SvdModel::fit(&taste_table(8), &params(2), None).unwrap();
    new.save(&path).unwrap();
    assert_eq!(std::fs::read(dir.join("previous.svd")).unwrap(), old_bytes);
    assert_eq!(
        SvdModel::load(&path).unwrap().item_factors,
        new.item_factors
    );

    // Saving where a folder stands fails after the temporary file is written: the folder
    // and the other files stay as they were.
    std::fs::create_dir(dir.join("folder.svd")).unwrap();
    assert!(matches!(
        new.save(dir.join("folder.svd")),
        Err(Error::Io { .. })
    ));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["folder.svd", "model.svd", "previous.svd"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
