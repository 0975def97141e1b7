//! The kernels: AVX2 and portable versions agree bit for bit.

use crate::recommender::kernel::{dot, dot_portable, sgd_block_alone};
use crate::recommender::layout::{PaddedRows, SlotLayout, TrainingRows};
use crate::recommender::triplets::Triplet;
use crate::recommender::SvdParams;
use crate::util::rng::Rng;

#[test]
fn vector_and_portable_kernels_train_bit_identical_parameters() {
    // Neighbouring ratings that share a user or a title (taken one after the other by the
    // AVX2 kernel) and ones that share neither (taken side by side), factor counts with and
    // without a tail of fewer than eight.
    let mut rng = Rng::new(11);
    let block: Vec<Triplet> = (0..400)
        .map(|_| Triplet {
            user: rng.below(6) as u32,
            title: rng.below(9) as u32,
            rating: 1.0 + rng.below(9) as f32 / 2.0,
        })
        .collect();
    let rates = SvdParams::default().rates();
    for n_factors in [3, 8, 100, 150] {
        let initial = |n_rows: usize, rng: &mut Rng| -> Vec<f32> {
            (0..n_rows * n_factors)
                .map(|_| rng.normal(0.0, 0.1) as f32)
                .collect()
        };
        let mut rng = Rng::new(n_factors as u64);
        let (users, items) = (initial(6, &mut rng), initial(9, &mut rng));
        let run = |vector: bool| {
            let (user_layout, title_layout) = (SlotLayout::identity(6), SlotLayout::identity(9));
            let mut rows = TrainingRows {
                user_factors: PaddedRows::of(&users, n_factors, &user_layout),
                item_factors: PaddedRows::of(&items, n_factors, &title_layout),
                user_biases: vec![0.0f32; 6],
                item_biases: vec![0.0f32; 9],
            };
            let loss = sgd_block_alone(&block, &mut rows, 3.0, true, &rates, vector);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let (mut users_after, mut items_after) = (users.clone(), items.clone());
            rows.user_factors
                .write_back(&mut users_after, n_factors, &user_layout);
            rows.item_factors
                .write_back(&mut items_after, n_factors, &title_layout);
            let (pu, qi) = (users_after, items_after);
            let (bu, bi) = (&rows.user_biases, &rows.item_biases);
            (loss.to_bits(), bits(&pu), bits(&qi), bits(bu), bits(bi))
        };
        assert_eq!(run(true), run(false), "n_factors = {n_factors}");
    }
}

#[test]
fn vector_dot_products_agree_bit_for_bit_with_the_portable_ones() {
    let mut rng = Rng::new(5);
    for n in 0..=103 {
        let a: Vec<f32> = (0..n).map(|_| rng.normal(0.0, 1.0) as f32).collect();
        let b: Vec<f32> = (0..n).map(|_| rng.normal(0.0, 1.0) as f32).collect();
        let plain: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
        assert_eq!(
            dot(&a, &b).to_bits(),
            dot_portable(&a, &b).to_bits(),
            "n = {n}"
        );
        assert!((dot(&a, &b) as f64 - plain).abs() < 1e-4, "n = {n}");
    }
}
