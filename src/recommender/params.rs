//! The hyperparameters of the SVD model (Surprise's names and defaults), their validation, and
//! the number of groups of the block schedule.

use crate::{Error, Result};

/// Number of user groups (and of title groups) of the block schedule for `n_ratings`
/// ratings. Derived from the data alone, never from the thread count, so that results do not
/// depend on the machine.
pub fn strata_for(n_ratings: usize) -> usize {
    match n_ratings {
        0..2_000_000 => 4,
        2_000_000..20_000_000 => 8,
        _ => 16,
    }
}

/// Hyperparameters, with Surprise's names and defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct SvdParams {
    pub n_factors: usize,
    pub n_epochs: usize,
    pub biased: bool,
    pub init_mean: f32,
    pub init_std_dev: f32,
    pub lr_all: f32,
    pub reg_all: f32,
    pub lr_bu: Option<f32>,
    pub lr_bi: Option<f32>,
    pub lr_pu: Option<f32>,
    pub lr_qi: Option<f32>,
    pub reg_bu: Option<f32>,
    pub reg_bi: Option<f32>,
    pub reg_pu: Option<f32>,
    pub reg_qi: Option<f32>,
    /// Seed of every random choice; `None` draws one from the clock (recorded in the model).
    pub random_state: Option<u64>,
}

impl Default for SvdParams {
    fn default() -> Self {
        SvdParams {
            n_factors: 100,
            n_epochs: 20,
            biased: true,
            init_mean: 0.0,
            init_std_dev: 0.1,
            lr_all: 0.005,
            reg_all: 0.02,
            lr_bu: None,
            lr_bi: None,
            lr_pu: None,
            lr_qi: None,
            reg_bu: None,
            reg_bi: None,
            reg_pu: None,
            reg_qi: None,
            random_state: None,
        }
    }
}

/// The eight learning rates and regularisation terms after the `_all` defaults are applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rates {
    pub lr_bu: f32,
    pub lr_bi: f32,
    pub lr_pu: f32,
    pub lr_qi: f32,
    pub reg_bu: f32,
    pub reg_bi: f32,
    pub reg_pu: f32,
    pub reg_qi: f32,
}

impl SvdParams {
    /// Checks every value, naming the parameter and what is accepted.
    pub fn validate(&self) -> Result<()> {
        if self.n_factors == 0 {
            return Err(Error::invalid(
                "n_factors",
                self.n_factors,
                "an integer >= 1",
            ));
        }
        if !self.init_mean.is_finite() {
            return Err(Error::invalid(
                "init_mean",
                self.init_mean,
                "a finite number",
            ));
        }
        if !(self.init_std_dev.is_finite() && self.init_std_dev >= 0.0) {
            return Err(Error::invalid(
                "init_std_dev",
                self.init_std_dev,
                "a finite number >= 0",
            ));
        }
        let non_negative = [
            ("lr_all", Some(self.lr_all)),
            ("reg_all", Some(self.reg_all)),
            ("lr_bu", self.lr_bu),
            ("lr_bi", self.lr_bi),
            ("lr_pu", self.lr_pu),
            ("lr_qi", self.lr_qi),
            ("reg_bu", self.reg_bu),
            ("reg_bi", self.reg_bi),
            ("reg_pu", self.reg_pu),
            ("reg_qi", self.reg_qi),
        ];
        for (name, value) in non_negative {
            if let Some(value) = value {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(Error::invalid(name, value, "a finite number >= 0"));
                }
            }
        }
        Ok(())
    }

    /// The error for training that diverged at `epoch` (1-based; `what` says how): names the
    /// learning rates in use and suggests lower ones.
    pub fn divergence(&self, epoch: usize, what: String) -> Error {
        const DEFAULT_LR: f32 = 0.005;
        let mut rates = vec![format!("lr_all={}", self.lr_all)];
        for (name, value) in [
            ("lr_bu", self.lr_bu),
            ("lr_bi", self.lr_bi),
            ("lr_pu", self.lr_pu),
            ("lr_qi", self.lr_qi),
        ] {
            if let Some(value) = value {
                rates.push(format!("{name}={value}"));
            }
        }
        let r = self.rates();
        let highest = [r.lr_bu, r.lr_bi, r.lr_pu, r.lr_qi]
            .into_iter()
            .fold(0.0f32, f32::max);
        let mut advice = if highest > DEFAULT_LR {
            format!("lower the learning rate, e.g. {DEFAULT_LR} (the default)")
        } else {
            format!("lower the learning rate, e.g. {}", highest / 10.0)
        };
        // A factor shrinks by (1 - lr * reg) each step: above 2 it grows in alternating sign.
        let highest_reg = [r.reg_bu, r.reg_bi, r.reg_pu, r.reg_qi]
            .into_iter()
            .fold(0.0f32, f32::max);
        if highest * highest_reg > 1.0 {
            advice.push_str(&format!(
                ", or the regularisation (reg_all={}: learning rate x regularisation must stay \
                 below 1)",
                self.reg_all
            ));
        }
        Error::Diverged {
            epoch,
            what,
            rates: rates.join(", "),
            advice,
        }
    }

    pub fn rates(&self) -> Rates {
        Rates {
            lr_bu: self.lr_bu.unwrap_or(self.lr_all),
            lr_bi: self.lr_bi.unwrap_or(self.lr_all),
            lr_pu: self.lr_pu.unwrap_or(self.lr_all),
            lr_qi: self.lr_qi.unwrap_or(self.lr_all),
            reg_bu: self.reg_bu.unwrap_or(self.reg_all),
            reg_bi: self.reg_bi.unwrap_or(self.reg_all),
            reg_pu: self.reg_pu.unwrap_or(self.reg_all),
            reg_qi: self.reg_qi.unwrap_or(self.reg_all),
        }
    }
}
