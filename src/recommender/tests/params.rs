//! Hyperparameters: Surprise's defaults, and invalid values refused by name.

use super::{params, taste_table};
use crate::ratings::RatingsTable;
use crate::recommender::{SvdModel, SvdParams};
use crate::Error;

#[test]
fn defaults_are_surprises() {
    let p = SvdParams::default();
    assert_eq!((p.n_factors, p.n_epochs, p.biased), (100, 20, true));
    assert_eq!(
        (p.init_mean, p.init_std_dev, p.lr_all, p.reg_all),
        (0.0, 0.1, 0.005, 0.02)
    );
    let rates = SvdParams {
        lr_qi: Some(0.5),
        reg_bu: Some(0.7),
        ..p
    }
    .rates();
    assert_eq!(
        (rates.lr_qi, rates.lr_pu, rates.reg_bu, rates.reg_bi),
        (0.5, 0.005, 0.7, 0.02)
    );
}

#[test]
fn invalid_parameters_are_named() {
    let table = taste_table(1);
    let cases = [
        (
            SvdParams {
                n_factors: 0,
                ..Default::default()
            },
            "n_factors",
        ),
        (
            SvdParams {
                lr_all: -1.0,
                ..Default::default()
            },
            "lr_all",
        ),
        (
            SvdParams {
                reg_qi: Some(f32::NAN),
                ..Default::default()
            },
            "reg_qi",
        ),
        (
            SvdParams {
                init_std_dev: -0.1,
                ..Default::default()
            },
            "init_std_dev",
        ),
    ];
    for (p, name) in cases {
        match SvdModel::fit(&table, &p, None) {
            Err(Error::InvalidArgument { name: found, .. }) => assert_eq!(found, name),
            other => panic!("expected an error on {name}, got {other:?}"),
        }
    }
    let empty = RatingsTable {
        scale: (1.0, 5.0),
        ..Default::default()
    };
    assert!(matches!(
        SvdModel::fit(&empty, &params(0), None),
        Err(Error::InvalidArgument { .. })
    ));
}
