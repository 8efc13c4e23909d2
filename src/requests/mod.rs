//! Deletion requests: who asks to be forgotten.
//!
//! A [`RequestModel`] holds the request units (single training points, or groups of points that
//! one request deletes together) and a weight per unit. Requests arrive without replacement, each
//! picking a remaining unit with probability proportional to its weight. Drawing an exponential
//! clock per unit (rate = weight) and sorting gives exactly that order, in one pass and seeded.
//! The same clocks give each unit's probability of being among the first K requests, which the
//! analytic cost model and distribution-aware sharding use.

pub mod schedule;

pub use schedule::{Schedule, Start, Step};

use rand::seq::SliceRandom;
use rand::{Rng as _, SeedableRng};

use crate::data::{Dataset, PointId};
use crate::seed::Rng;
use crate::spec::{Distribution, Grouping, Invalid, LabelColumn};

/// Request units and their weights for one trial's training points.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestModel {
    /// The points each unit deletes.
    units: Vec<Vec<PointId>>,
    /// Each unit's weight; units of weight 0 are never requested.
    weights: Vec<f64>,
}

impl RequestModel {
    /// The model of `distribution` over the training points `train` of `data`; `rng` draws the
    /// random ranking (exponential, Pareto) or grouping (groups).
    pub fn new(
        distribution: &Distribution,
        data: &Dataset,
        train: &[PointId],
        rng: &mut Rng,
    ) -> Result<Self, Invalid> {
        let single = |weights: Vec<f64>| RequestModel {
            units: train.iter().map(|&p| vec![p]).collect(),
            weights,
        };
        let n = train.len() as f64;
        // A weight per rank: the mass a density over relative ranks [0, 1) puts on the rank's
        // cell, from its cumulative function, so the shares of the top ranks come out exact.
        let ranked = |cumulative: &dyn Fn(f64) -> f64, rng: &mut Rng| {
            let mut ranks: Vec<usize> = (0..train.len()).collect();
            ranks.shuffle(rng);
            let cell =
                |rank: usize| cumulative((rank + 1) as f64 / n) - cumulative(rank as f64 / n);
            single(ranks.iter().map(|&rank| cell(rank)).collect())
        };
        Ok(match distribution {
            Distribution::Uniform => single(vec![1.0; train.len()]),
            Distribution::Exponential { rate } => ranked(&|r| -(-rate * r).exp(), rng),
            Distribution::Pareto { shape } => ranked(&|r| r.powf(1.0 - 1.0 / shape), rng),
            Distribution::Class { weights } => single(class_weights(weights, data, train)?),
            Distribution::Groups {
                groups: Grouping::Random { mean_size },
            } => random_groups(train, *mean_size, rng),
            Distribution::Groups {
                groups: Grouping::Column { column },
            } => column_groups(attribute(data, column)?, train),
            Distribution::Column { column } => {
                single(column_weights(attribute(data, column)?, column, train)?)
            }
        })
    }

    /// Checks that `distribution` can draw from `data`: its classes exist, its request column
    /// holds weights. Lets a bad spec fail before any trial runs.
    pub fn check(distribution: &Distribution, data: &Dataset) -> Result<(), Invalid> {
        match distribution {
            Distribution::Class { .. } | Distribution::Column { .. } => {
                let rng = &mut Rng::seed_from_u64(0);
                RequestModel::new(distribution, data, &data.ids(), rng).map(drop)
            }
            _ => Ok(()),
        }
    }

    /// Units that can be requested (weight above 0).
    pub fn requestable(&self) -> usize {
        self.weights.iter().filter(|&&w| w > 0.0).count()
    }

    /// The points unit `unit` deletes.
    pub fn points(&self, unit: usize) -> &[PointId] {
        &self.units[unit]
    }

    /// Every unit with its weight.
    pub fn units(&self) -> impl Iterator<Item = (&[PointId], f64)> {
        self.units
            .iter()
            .map(Vec::as_slice)
            .zip(self.weights.iter().copied())
    }

    /// Requestable units in the order their requests arrive.
    pub fn arrival_order(&self, rng: &mut Rng) -> Vec<usize> {
        let mut clocks: Vec<(f64, usize)> = self
            .weights
            .iter()
            .enumerate()
            .filter(|(_, &w)| w > 0.0)
            .map(|(unit, &w)| {
                let uniform: f64 = 1.0 - rng.gen::<f64>();
                (-uniform.ln() / w, unit)
            })
            .collect();
        clocks.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        clocks.into_iter().map(|(_, unit)| unit).collect()
    }

    /// The points deleted by the first `count` requests of a fresh arrival order, sorted.
    pub fn draw(&self, count: usize, rng: &mut Rng) -> Vec<PointId> {
        let mut points: Vec<PointId> = self
            .arrival_order(rng)
            .into_iter()
            .take(count)
            .flat_map(|unit| self.units[unit].iter().copied())
            .collect();
        points.sort_unstable();
        points
    }

    /// For each unit, the probability that it is among the first `count` requests.
    pub fn inclusion(&self, count: usize) -> Vec<f64> {
        let process = self.expected_process(&[count]);
        process.survival[0].iter().map(|s| 1.0 - s).collect()
    }

    /// The request process in expectation ("mean field"): before draw j the units left weigh
    /// W_j = sum of w_v s_v(j), and a unit survives the draw with probability 1 - w_v / W_j, so
    /// s_v(j + 1) = s_v(j) (1 - w_v / W_j). Exact for equal weights (W_j = N - j). Keeps W_j for
    /// every draw up to the last checkpoint, and every unit's survival at each checkpoint.
    pub fn expected_process(&self, checkpoints: &[usize]) -> ExpectedProcess {
        let last = checkpoints.iter().copied().max().unwrap_or(0);
        let mut survival = vec![1.0; self.weights.len()];
        let mut remaining_weight = Vec::with_capacity(last);
        let mut kept = vec![Vec::new(); checkpoints.len()];
        for draw in 0..=last {
            for (slot, &checkpoint) in checkpoints.iter().enumerate() {
                if checkpoint == draw {
                    kept[slot] = survival.clone();
                }
            }
            if draw == last {
                break;
            }
            let total: f64 = self.weights.iter().zip(&survival).map(|(w, s)| w * s).sum();
            remaining_weight.push(total);
            if total > 0.0 {
                for (s, &w) in survival.iter_mut().zip(&self.weights) {
                    *s *= (1.0 - w / total).max(0.0);
                }
            }
        }
        ExpectedProcess {
            weights: self.weights.clone(),
            remaining_weight,
            survival: kept,
        }
    }
}

/// The expected course of the request process (see [`RequestModel::expected_process`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedProcess {
    /// Each unit's weight.
    pub weights: Vec<f64>,
    /// W_j: the expected weight of the units left before draw j.
    pub remaining_weight: Vec<f64>,
    /// For each checkpoint asked for, each unit's probability of not having been drawn yet.
    pub survival: Vec<Vec<f64>>,
}

/// Per point: its class's weight shared equally among the class's training points.
fn class_weights(
    weights: &[(String, f64)],
    data: &Dataset,
    train: &[PointId],
) -> Result<Vec<f64>, Invalid> {
    let mut per_class = vec![0.0; data.n_classes()];
    for (name, weight) in weights {
        let Some(class) = data.classes.iter().position(|c| c == name) else {
            return Err(Invalid::new(
                format!("unlearning.class_weights.{name}"),
                format!(
                    "the dataset has no class `{name}`; its classes are {}",
                    data.classes.join(", ")
                ),
            ));
        };
        per_class[class] = *weight;
    }
    let mut counts = vec![0usize; data.n_classes()];
    train
        .iter()
        .for_each(|&p| counts[data.label(p).index()] += 1);
    Ok(train
        .iter()
        .map(|&p| {
            // Every point counts towards its own class, so no count is 0 here.
            let class = data.label(p).index();
            per_class[class] / counts[class] as f64
        })
        .collect())
}

/// The spec key that names a request column.
const COLUMN_KEY: &str = "unlearning.column";

/// The values of the request column `column`, one per point of `data`.
fn attribute<'a>(data: &'a Dataset, column: &LabelColumn) -> Result<&'a [String], Invalid> {
    data.attribute(&column.reference()).ok_or_else(|| {
        Invalid::new(
            COLUMN_KEY,
            format!(
                "dataset `{}` was read without column `{}`",
                data.name,
                column.reference()
            ),
        )
    })
}

/// Per point: its value in the request column, a finite number >= 0.
fn column_weights(
    values: &[String],
    column: &LabelColumn,
    train: &[PointId],
) -> Result<Vec<f64>, Invalid> {
    let weights = train
        .iter()
        .map(|&point| {
            let text = values[point.index()].trim();
            match text.parse::<f64>() {
                Ok(weight) if weight.is_finite() && weight >= 0.0 => Ok(weight),
                _ => Err(Invalid::new(
                    COLUMN_KEY,
                    format!(
                        "column `{}` must hold request weights (numbers >= 0), but point {} \
                         has `{text}`",
                        column.reference(),
                        point.index()
                    ),
                )),
            }
        })
        .collect::<Result<Vec<f64>, Invalid>>()?;
    if weights.iter().all(|&w| w == 0.0) {
        return Err(Invalid::new(
            COLUMN_KEY,
            format!(
                "column `{}` gives every training point weight 0: no point would be requested",
                column.reference()
            ),
        ));
    }
    Ok(weights)
}

/// Training points grouped by their value in the request column, in order of each group's
/// first point; groups are drawn uniformly.
fn column_groups(values: &[String], train: &[PointId]) -> RequestModel {
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut units: Vec<Vec<PointId>> = Vec::new();
    for &point in train {
        let unit = *index
            .entry(values[point.index()].as_str())
            .or_insert_with(|| {
                units.push(Vec::new());
                units.len() - 1
            });
        units[unit].push(point);
    }
    units.iter_mut().for_each(|unit| unit.sort_unstable());
    let weights = vec![1.0; units.len()];
    RequestModel { units, weights }
}

/// Training points grouped at random, sizes geometric on {1, 2, ...} with mean `mean_size`.
fn random_groups(train: &[PointId], mean_size: f64, rng: &mut Rng) -> RequestModel {
    let mut order = train.to_vec();
    order.shuffle(rng);
    let stop = 1.0 / mean_size;
    let mut units = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut size = 1;
        while stop < 1.0 && rng.gen::<f64>() >= stop {
            size += 1;
        }
        let end = (start + size).min(order.len());
        let mut unit = order[start..end].to_vec();
        unit.sort_unstable();
        units.push(unit);
        start = end;
    }
    let weights = vec![1.0; units.len()];
    RequestModel { units, weights }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ClassId;
    use ndarray::Array2;

    /// `n` points in 3 classes, with a `user` column (7 users of unequal sizes) and a `weight`
    /// column (0 for one point in four, else 1 to 9).
    fn dataset(n: usize) -> Dataset {
        let labels = (0..n).map(|i| ClassId((i % 3) as u32)).collect();
        let classes = vec!["a".into(), "b".into(), "c".into()];
        let mut data = Dataset::new("t", Array2::zeros((n, 1)), labels, classes);
        let users = (0..n).map(|i| format!("u{}", (i * i) % 7)).collect();
        let weights = (0..n)
            .map(|i| {
                if i % 4 == 0 {
                    "0".into()
                } else {
                    format!("{}", 1 + i % 9)
                }
            })
            .collect();
        data.attributes = vec![("user".into(), users), ("weight".into(), weights)];
        data
    }

    fn column(name: &str) -> LabelColumn {
        LabelColumn::Name(name.into())
    }

    fn distributions() -> Vec<Distribution> {
        vec![
            Distribution::Uniform,
            Distribution::Exponential { rate: 10.0 },
            Distribution::Pareto { shape: 1.16 },
            Distribution::Class {
                weights: vec![("a".into(), 0.7), ("c".into(), 0.3)],
            },
            Distribution::Groups {
                groups: Grouping::Random { mean_size: 4.0 },
            },
            Distribution::Groups {
                groups: Grouping::Column {
                    column: column("user"),
                },
            },
            Distribution::Column {
                column: column("weight"),
            },
        ]
    }

    /// Pearson's chi-square statistic of observed counts against expected ones, pooling cells
    /// expected below 5 so the test stays valid; returns (statistic, degrees of freedom).
    fn chi_square(observed: &[f64], expected: &[f64]) -> (f64, usize) {
        let (mut statistic, mut cells) = (0.0, 0usize);
        let (mut pooled_o, mut pooled_e) = (0.0, 0.0);
        for (&o, &e) in observed.iter().zip(expected) {
            if e < 5.0 {
                pooled_o += o;
                pooled_e += e;
                continue;
            }
            statistic += (o - e).powi(2) / e;
            cells += 1;
        }
        if pooled_e > 0.0 {
            statistic += (pooled_o - pooled_e).powi(2) / pooled_e.max(1e-9);
            cells += 1;
        }
        (statistic, cells.saturating_sub(1))
    }

    #[test]
    fn empirical_request_frequencies_match_the_inclusion_probabilities() {
        let data = dataset(300);
        let train = data.ids();
        for distribution in distributions() {
            let model = RequestModel::new(&distribution, &data, &train, &mut Rng::seed_from_u64(1))
                .unwrap();
            for count in [1, 10] {
                let mut rng = Rng::seed_from_u64(2);
                let draws = 4000;
                let mut hits = vec![0.0; model.units.len()];
                for _ in 0..draws {
                    for unit in model.arrival_order(&mut rng).into_iter().take(count) {
                        hits[unit] += 1.0;
                    }
                }
                let expected: Vec<f64> = model
                    .inclusion(count)
                    .iter()
                    .map(|p| p * draws as f64)
                    .collect();
                let (statistic, freedom) = chi_square(&hits, &expected);
                // Mean of chi-square is its degrees of freedom, sd sqrt(2 df): allow 4 sd (the
                // inclusion probabilities of weighted sampling are an approximation).
                let bound = freedom as f64 + 4.0 * (2.0 * freedom as f64).sqrt() + 10.0;
                assert!(
                    statistic < bound,
                    "{distribution:?} K={count}: chi2 {statistic:.1}, df {freedom}"
                );
            }
        }
    }

    #[test]
    fn pareto_follows_the_80_20_rule_and_classes_their_weights() {
        let data = dataset(3000);
        let train = data.ids();
        let pareto = RequestModel::new(
            &Distribution::Pareto { shape: 1.16 },
            &data,
            &train,
            &mut Rng::seed_from_u64(3),
        )
        .unwrap();
        let mut weights: Vec<f64> = pareto.weights.clone();
        weights.sort_by(|a, b| b.total_cmp(a));
        let top: f64 = weights[..600].iter().sum::<f64>() / weights.iter().sum::<f64>();
        assert!((top - 0.8).abs() < 0.03, "top 20% carry {top}");
        let class = Distribution::Class {
            weights: vec![("a".into(), 0.7), ("c".into(), 0.3)],
        };
        let model = RequestModel::new(&class, &data, &train, &mut Rng::seed_from_u64(3)).unwrap();
        let share = |c: u32| -> f64 {
            train
                .iter()
                .zip(&model.weights)
                .filter(|(p, _)| data.label(**p).0 == c)
                .map(|(_, w)| w)
                .sum()
        };
        assert!((share(0) - 0.7).abs() < 1e-9 && share(1) == 0.0 && (share(2) - 0.3).abs() < 1e-9);
        let unknown = Distribution::Class {
            weights: vec![("z".into(), 1.0)],
        };
        let error =
            RequestModel::new(&unknown, &data, &train, &mut Rng::seed_from_u64(3)).unwrap_err();
        assert_eq!(error.key, "unlearning.class_weights.z");
    }

    #[test]
    fn groups_cover_the_points_once_with_the_mean_size_asked() {
        let data = dataset(4000);
        let train = data.ids();
        let model = RequestModel::new(
            &Distribution::Groups {
                groups: Grouping::Random { mean_size: 5.0 },
            },
            &data,
            &train,
            &mut Rng::seed_from_u64(4),
        )
        .unwrap();
        let mut all: Vec<PointId> = model.units.iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(all, train);
        let mean = train.len() as f64 / model.units.len() as f64;
        assert!((mean - 5.0).abs() < 0.3, "mean group size {mean}");
        let drawn = model.draw(3, &mut Rng::seed_from_u64(5));
        assert!(drawn.len() >= 3);
    }

    #[test]
    fn column_groups_are_the_users_and_column_weights_the_values() {
        let data = dataset(100);
        let train: Vec<PointId> = data.ids().into_iter().filter(|p| p.0 % 5 != 0).collect();
        let rng = &mut Rng::seed_from_u64(6);
        let by_user = Distribution::Groups {
            groups: Grouping::Column {
                column: column("user"),
            },
        };
        let model = RequestModel::new(&by_user, &data, &train, rng).unwrap();
        let users = data.attribute("user").unwrap();
        for (unit, weight) in model.units() {
            assert_eq!(weight, 1.0);
            let user = &users[unit[0].index()];
            let expected: Vec<PointId> = train
                .iter()
                .copied()
                .filter(|p| &users[p.index()] == user)
                .collect();
            assert_eq!(unit, expected, "user {user}");
        }
        let distinct: std::collections::BTreeSet<&String> =
            train.iter().map(|p| &users[p.index()]).collect();
        assert_eq!(model.units.len(), distinct.len());

        let by_weight = Distribution::Column {
            column: column("weight"),
        };
        let model = RequestModel::new(&by_weight, &data, &train, rng).unwrap();
        for (unit, weight) in model.units() {
            let expected: f64 = data.attribute("weight").unwrap()[unit[0].index()]
                .parse()
                .unwrap();
            assert_eq!(weight, expected);
        }
        assert_eq!(
            model.requestable(),
            train.iter().filter(|p| p.0 % 4 != 0).count()
        );
    }

    #[test]
    fn request_columns_must_hold_weights_and_exist() {
        let mut data = dataset(20);
        let train = data.ids();
        let rng = &mut Rng::seed_from_u64(7);
        let by_user = Distribution::Column {
            column: column("user"),
        };
        let error = RequestModel::new(&by_user, &data, &train, rng).unwrap_err();
        assert_eq!(error.key, "unlearning.column");
        assert!(
            error.message.contains("point 0 has `u0`"),
            "{}",
            error.message
        );
        data.attributes[1].1 = vec!["0".into(); 20];
        let by_weight = Distribution::Column {
            column: column("weight"),
        };
        let error = RequestModel::new(&by_weight, &data, &train, rng).unwrap_err();
        assert!(error.message.contains("weight 0"), "{}", error.message);
        let missing = Distribution::Column {
            column: column("age"),
        };
        assert!(RequestModel::new(&missing, &data, &train, rng).is_err());
    }

    #[test]
    fn uniform_draws_are_distinct_and_seeded() {
        let data = dataset(50);
        let train = data.ids();
        let model = RequestModel::new(
            &Distribution::Uniform,
            &data,
            &train,
            &mut Rng::seed_from_u64(1),
        )
        .unwrap();
        let drawn = model.draw(5, &mut Rng::seed_from_u64(9));
        let mut unique = drawn.clone();
        unique.dedup();
        assert_eq!(unique.len(), 5);
        assert_eq!(drawn, model.draw(5, &mut Rng::seed_from_u64(9)));
        assert!(model.inclusion(5).iter().all(|p| (p - 0.1).abs() < 1e-9));
    }
}
