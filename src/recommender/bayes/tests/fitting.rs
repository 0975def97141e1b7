//! The sampler: what it learns, its reproducibility, progress, and its errors.

use super::*;

#[test]
fn learns_the_synthetic_model() {
    let s = synth(120, 80, 0.3, 1);
    let m = fit_s(&quick(false), &s);
    let pred = m.predict_many(&s.users, &s.titles, None);
    let rmse_truth = (pred
        .iter()
        .zip(&s.truth)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / pred.len() as f64)
        .sqrt();
    // Noise is 0.5: predictions must be far closer to the noiseless means than that.
    assert!(rmse_truth < 0.3, "rmse to the truth {rmse_truth}");
}

fn same_model(a: &BayesModel, b: &BayesModel) {
    assert_eq!(a.global.to_bits(), b.global.to_bits());
    for (x, y) in a.blocks.iter().zip(&b.blocks) {
        assert!(x
            .bias
            .iter()
            .zip(&y.bias)
            .all(|(p, q)| p.to_bits() == q.to_bits()));
        assert_eq!(x.vecs, y.vecs);
        assert_eq!(x.prior_vec, y.prior_vec);
    }
}

#[test]
fn same_seed_same_model_on_any_thread_count() {
    let s = synth(150, 90, 0.25, 2);
    for time in [false, true] {
        let p = BayesParams {
            n_samples: 8,
            burn_in: 2,
            ..quick(time)
        };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| fit_s(&p, &s))
        };
        let one = run(1);
        let two = run(2);
        let three = run(3);
        same_model(&one, &two);
        same_model(&one, &three);
        // and another seed gives another model
        let other = fit_s(
            &BayesParams {
                seed: Some(18),
                ..p.clone()
            },
            &s,
        );
        assert_ne!(other.global.to_bits(), one.global.to_bits());
    }
}

/// `fit` on `s` without its days, reporting to `progress`.
fn fit_without_days(
    p: &BayesParams,
    s: &Synth,
    progress: &mut dyn FnMut(usize, f64) -> bool,
) -> BayesModel {
    fit(
        p, &s.users, &s.titles, &s.ratings, None, s.n_users, s.n_titles, progress,
    )
    .unwrap()
}

#[test]
fn progress_reports_and_stops() {
    let s = synth(60, 40, 0.3, 3);
    let p = quick(false);
    let mut seen = Vec::new();
    let m = fit_without_days(&p, &s, &mut |i, rmse| {
        seen.push((i, rmse));
        i < 14
    });
    assert_eq!(seen.len(), 15);
    assert!(seen
        .iter()
        .all(|(_, r)| r.is_finite() && *r > 0.0 && *r < 2.0));
    // 10 burn-in sweeps, stopped after sweep 14: 5 kept samples, 5 stored.
    assert_eq!(m.n_kept, 5);
    assert_eq!(m.n_stored, 5);
    // With thinning (every 8th of 40 due): stopped after one kept sample, it is stored.
    let p8 = BayesParams {
        n_stored: Some(5),
        ..p.clone()
    };
    let m = fit_without_days(&p8, &s, &mut |i, _| i < 10);
    assert_eq!((m.n_kept, m.n_stored, m.dim), (1, 1, 4));
    let full = fit_without_days(&p8, &s, &mut |_, _| true);
    assert_eq!((full.n_kept, full.n_stored), (40, 5));
    // Stopped during burn-in: the last sample alone.
    let m = fit_without_days(&p, &s, &mut |_, _| false);
    assert_eq!(m.n_kept, 1);
    assert!(m.predict(0, 0, None).is_finite());
}

#[test]
fn watch_is_the_exact_average_and_matches_the_model() {
    let s = synth(80, 50, 0.3, 4);
    let p = quick(false);
    let (m, w) = fit_watch(
        &p,
        &s.users,
        &s.titles,
        &s.ratings,
        None,
        s.n_users,
        s.n_titles,
        &mut |_, _| true,
        Some(Watch {
            users: &s.users,
            titles: &s.titles,
            days: None,
        }),
    )
    .unwrap();
    let pred = m.predict_many(&s.users, &s.titles, None);
    for (a, b) in pred.iter().zip(&w) {
        assert!((a - b).abs() < 1e-4, "{a} {b}");
    }
}

#[test]
fn error_paths() {
    let s = synth(20, 10, 0.5, 8);
    // The parameter a failing fit names.
    let fails = |p: &BayesParams,
                 (users, titles, ratings): (&[u32], &[u32], &[f32]),
                 (n_users, n_titles): (usize, usize)| {
        let no = &mut |_: usize, _: f64| true;
        fit(p, users, titles, ratings, None, n_users, n_titles, no).unwrap_err()
    };
    let data = (&s.users[..], &s.titles[..], &s.ratings[..]);
    let sizes = (20, 10);
    assert_eq!(name(&fails(&quick(true), data, sizes)), "timestamps");
    let short = (&s.users[..], &s.titles[..], &s.ratings[1..]);
    assert_eq!(name(&fails(&quick(false), short, sizes)), "ratings");
    assert_eq!(name(&fails(&quick(false), data, (5, 10))), "user index");
    assert_eq!(name(&fails(&quick(false), data, (20, 3))), "title index");
    let empty: (&[u32], &[u32], &[f32]) = (&[], &[], &[]);
    assert_eq!(name(&fails(&quick(false), empty, sizes)), "ratings");
    let mut bad = s.ratings.clone();
    bad[0] = f32::NAN;
    let nan = (&s.users[..], &s.titles[..], &bad[..]);
    assert_eq!(name(&fails(&quick(false), nan, sizes)), "rating");
    let no_samples = BayesParams {
        n_samples: 0,
        ..quick(false)
    };
    assert_eq!(name(&fails(&no_samples, data, sizes)), "n_samples");
    let negative_nu = BayesParams {
        noise_nu: Some(-1.0),
        ..quick(false)
    };
    let e = fails(&negative_nu, data, sizes);
    assert_eq!(name(&e), "noise_nu");
    assert!(e.to_string().starts_with("invalid noise_nu"), "{e}");
    let t = TimeConfig {
        day_widths: vec![],
        user_day_widths: vec![],
    };
    let e = BayesParams {
        time: true,
        time_config: t,
        ..Default::default()
    }
    .validate()
    .unwrap_err();
    assert_eq!(name(&e), "time_config");
}

#[test]
fn time_needs_timestamps() {
    let s = synth(20, 10, 0.5, 9);
    let mut table = table_of(&s);
    table.timestamps.iter_mut().for_each(|t| *t = 0);
    let e = BayesSvdppModel::fit(&table, &quick(true), None).unwrap_err();
    assert_eq!(name(&e), "timestamps");
    assert!(BayesSvdppModel::fit(&table, &quick(false), None).is_ok());
}
