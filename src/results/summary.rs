//! Summary over repeats: one row per sweep point and step, with the mean, standard deviation,
//! standard error and 95% confidence half-width (Student t) of every measured column.

use polars::prelude::{Column, DataFrame, PolarsResult};

use super::record::{column, COLUMNS};
use super::table::{MissingColumn, Table};

/// Mean and spread of one measure over repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Mean over the repeats that measured it (`None` if none did).
    pub mean: Option<f64>,
    /// Sample standard deviation (`None` with fewer than two values).
    pub std: Option<f64>,
    /// Standard error of the mean (`None` with fewer than two values).
    pub sem: Option<f64>,
    /// Half-width of the 95% confidence interval of the mean, Student t with n - 1 degrees of
    /// freedom: the mean is within `mean ± ci95` (`None` with fewer than two values).
    pub ci95: Option<f64>,
}

impl Stat {
    /// The statistics of `values`, ignoring missing ones.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Stat {
        let values: Vec<f64> = values.into_iter().flatten().collect();
        let n = values.len() as f64;
        let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / n);
        let std = mean.filter(|_| values.len() > 1).map(|mean| {
            let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
            (squares / (n - 1.0)).sqrt()
        });
        let sem = std.map(|std| std / n.sqrt());
        Stat {
            mean,
            std,
            sem,
            ci95: sem.map(|sem| sem * t_975(values.len() - 1)),
        }
    }
}

/// The two-sided 95% quantile of Student's t (its 0.975 quantile) for 1 to 30 degrees of freedom.
const T_975: [f64; 30] = [
    12.706204736,
    4.302652730,
    3.182446305,
    2.776445105,
    2.570581836,
    2.446911851,
    2.364624252,
    2.306004135,
    2.262157163,
    2.228138852,
    2.200985160,
    2.178812830,
    2.160368656,
    2.144786688,
    2.131449546,
    2.119905299,
    2.109815578,
    2.100922040,
    2.093024054,
    2.085963447,
    2.079613845,
    2.073873068,
    2.068657610,
    2.063898562,
    2.059538553,
    2.055529439,
    2.051830516,
    2.048407142,
    2.045229642,
    2.042272456,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom (at least 1): from the table up
/// to 30 (to nine decimals), beyond it the Cornish-Fisher expansion around the normal quantile
/// (within 1e-7 there).
pub(crate) fn t_975(df: usize) -> f64 {
    if let Some(&t) = df.checked_sub(1).and_then(|index| T_975.get(index)) {
        return t;
    }
    let (z, n) = (1.959_963_984_540_054_f64, df.max(1) as f64);
    let terms = [
        (z.powi(3) + z) / 4.0,
        (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0,
        (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0,
        (79.0 * z.powi(9) + 776.0 * z.powi(7) + 1482.0 * z.powi(5)
            - 1920.0 * z.powi(3)
            - 945.0 * z)
            / 92160.0,
    ];
    z + terms
        .iter()
        .enumerate()
        .map(|(power, term)| term / n.powi(power as i32 + 1))
        .sum::<f64>()
}

/// The rows of one sweep point at one step, across repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Row positions in the table, in table order.
    pub rows: Vec<usize>,
}

impl Group {
    /// The statistics of a numeric column over the group.
    pub fn stat(&self, table: &Table, column: impl AsRef<str>) -> Result<Stat, MissingColumn> {
        Ok(self.stat_of(&table.numbers(column)?))
    }

    /// The statistics over the group of a column already read (`values`, one per table row).
    pub fn stat_of(&self, values: &[Option<f64>]) -> Stat {
        Stat::of(self.rows.iter().map(|&row| values[row]))
    }

    /// The first row, for the columns that are equal across the group.
    pub fn first(&self) -> usize {
        self.rows[0]
    }
}

/// Groups rows by their swept values and step, in order of first appearance.
pub fn groups(table: &Table) -> Result<Vec<Group>, MissingColumn> {
    let mut keys: Vec<Vec<String>> = table
        .swept_columns()
        .iter()
        .map(|column| table.texts(column))
        .collect::<Result<_, _>>()?;
    keys.push(table.texts(column::STEP)?);
    let key_of =
        |row: usize| -> Vec<&str> { keys.iter().map(|column| column[row].as_str()).collect() };
    let mut seen: Vec<Vec<&str>> = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    for row in 0..table.height() {
        let key = key_of(row);
        match seen.iter().position(|k| *k == key) {
            Some(index) => groups[index].rows.push(row),
            None => {
                seen.push(key);
                groups.push(Group { rows: vec![row] });
            }
        }
    }
    Ok(groups)
}

/// One statistic of a [`Stat`].
type Statistic = fn(&Stat) -> Option<f64>;

/// The summary table: swept keys, configuration and step columns, `repeats`, then
/// `<measure>_mean`, `_std`, `_sem` and `_ci95` for every measure.
pub fn to_frame(table: &Table) -> PolarsResult<DataFrame> {
    let missing = |error: MissingColumn| {
        polars::prelude::PolarsError::ColumnNotFound(error.to_string().into())
    };
    let groups = groups(table).map_err(missing)?;
    let firsts: Vec<usize> = groups.iter().map(Group::first).collect();
    let mut columns = Vec::new();
    let constant = table.swept_columns().iter().cloned().chain(
        COLUMNS
            .iter()
            .filter(|spec| !spec.is_measured() && spec.role != super::record::Role::Identity)
            .map(|spec| spec.name.as_str().to_owned()),
    );
    for name in constant {
        columns.push(table.column_at(&name, &firsts).map_err(missing)?);
    }
    let repeats: Vec<u64> = groups.iter().map(|g| g.rows.len() as u64).collect();
    columns.push(Column::new("repeats".into(), repeats));
    for spec in COLUMNS.iter().filter(|spec| spec.is_measured()) {
        let values = table.numbers(spec.name).map_err(missing)?;
        let stats: Vec<Stat> = groups.iter().map(|g| g.stat_of(&values)).collect();
        let statistics: [(&str, Statistic); 4] = [
            ("mean", |s| s.mean),
            ("std", |s| s.std),
            ("sem", |s| s.sem),
            ("ci95", |s| s.ci95),
        ];
        for (suffix, statistic) in statistics {
            let values: Vec<Option<f64>> = stats.iter().map(statistic).collect();
            columns.push(Column::new(
                format!("{}_{suffix}", spec.name).into(),
                values,
            ));
        }
    }
    DataFrame::new(groups.len(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_ignore_missing_values() {
        let stat = Stat::of([Some(1.0), None, Some(3.0)]);
        assert_eq!(stat.mean, Some(2.0));
        assert!((stat.std.unwrap() - 2f64.sqrt()).abs() < 1e-12);
        assert!((stat.sem.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(Stat::of([Some(5.0)]).std, None);
        assert_eq!(Stat::of([Some(5.0)]).ci95, None);
        assert_eq!(Stat::of([None]).mean, None);
        // Two values: sem 1, t(1) = 12.706.
        assert!((stat.ci95.unwrap() - 12.706204736).abs() < 1e-9);
    }

    /// The cumulative probability of Student's t with `df` degrees of freedom at `t` > 0, by
    /// Simpson's rule over its density: a check of the table that shares nothing with it.
    fn t_cdf(t: f64, df: f64) -> f64 {
        let log_gamma_ratio = |df: f64| {
            // ln Γ((df+1)/2) - ln Γ(df/2), by the recurrence down to Γ(1/2) or Γ(1).
            let (mut a, mut b, mut sum) = ((df + 1.0) / 2.0, df / 2.0, 0.0);
            while a > 1.0 {
                a -= 1.0;
                sum += a.ln();
            }
            while b > 1.0 {
                b -= 1.0;
                sum -= b.ln();
            }
            let gamma = |x: f64| {
                if x == 0.5 {
                    std::f64::consts::PI.sqrt()
                } else {
                    1.0
                }
            };
            sum + gamma(a).ln() - gamma(b).ln()
        };
        let scale = log_gamma_ratio(df).exp() / (df * std::f64::consts::PI).sqrt();
        let density = |x: f64| scale * (1.0 + x * x / df).powf(-(df + 1.0) / 2.0);
        let steps = 200_000;
        let h = t / steps as f64;
        let inner: f64 = (1..steps)
            .map(|i| density(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
            .sum();
        0.5 + h / 3.0 * (density(0.0) + inner + density(t))
    }

    #[test]
    fn the_t_quantiles_give_a_probability_of_0_975() {
        for df in [1, 2, 3, 4, 5, 9, 10, 19, 29, 30, 31, 40, 60, 120] {
            let t = t_975(df);
            let p = t_cdf(t, df as f64);
            assert!((p - 0.975).abs() < 1e-8, "df {df}: t {t} gives {p}");
        }
        assert!(t_975(10_000) - 1.959_964 < 1e-3);
    }
}
