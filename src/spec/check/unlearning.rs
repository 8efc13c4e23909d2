//! Checks of the `unlearning` section: the request distribution and its options, the processing
//! mode, the request counts, and the dataset column a distribution reads.

use super::values::{at_least, non_negative, positive, reject, reject_option};
use super::Checked;
use crate::spec::error::Invalid;
use crate::spec::raw::RawUnlearning;
use crate::spec::settings::{
    DataSource, DatasetSettings, Distribution, DistributionKind, FileFormat, Grouping, LabelColumn,
    Mode, ModeKind, UnlearningSettings,
};

fn distribution(raw: &RawUnlearning) -> Checked<Distribution> {
    let kind = raw.distribution.unwrap_or(DistributionKind::Uniform);
    let only = |key: &str, given: bool, wanted: DistributionKind, name: &str| {
        reject_option(
            key,
            given && kind != wanted,
            &format!("`distribution: {name}`"),
        )
    };
    only(
        "unlearning.rate",
        raw.rate.is_some(),
        DistributionKind::Exponential,
        "exponential",
    )?;
    only(
        "unlearning.shape",
        raw.shape.is_some(),
        DistributionKind::Pareto,
        "pareto",
    )?;
    only(
        "unlearning.class_weights",
        raw.class_weights.is_some(),
        DistributionKind::Class,
        "class",
    )?;
    only(
        "unlearning.group_size",
        raw.group_size.is_some(),
        DistributionKind::Groups,
        "groups",
    )?;
    reject_option(
        "unlearning.column",
        raw.column.is_some()
            && !matches!(kind, DistributionKind::Groups | DistributionKind::Column),
        "`distribution: groups` or `distribution: column`",
    )?;
    Ok(match kind {
        DistributionKind::Uniform => Distribution::Uniform,
        DistributionKind::Exponential => Distribution::Exponential {
            rate: positive("unlearning.rate", raw.rate.unwrap_or(10.0))?,
        },
        DistributionKind::Pareto => {
            let shape = raw.shape.unwrap_or(1.16);
            if !(shape.is_finite() && shape > 1.0) {
                return Err(Invalid::new(
                    "unlearning.shape",
                    format!(
                        "must be a number > 1, got {shape} (at 1 or below the likeliest point \
                         would take all of the request probability)"
                    ),
                ));
            }
            Distribution::Pareto { shape }
        }
        DistributionKind::Class => {
            let Some(weights) = raw.class_weights.as_ref().filter(|w| !w.is_empty()) else {
                return Err(Invalid::new(
                    "unlearning.class_weights",
                    "`distribution: class` needs the classes requests come from, with weights, \
                     e.g. class_weights: {3: 0.7, 5: 0.3}",
                ));
            };
            let mut checked = Vec::new();
            for (class, &weight) in weights {
                let key = format!("unlearning.class_weights.{}", class.0);
                checked.push((class.0.clone(), non_negative(&key, weight)?));
            }
            if checked.iter().all(|(_, w)| *w == 0.0) {
                return Err(Invalid::new(
                    "unlearning.class_weights",
                    "every weight is 0",
                ));
            }
            Distribution::Class { weights: checked }
        }
        DistributionKind::Groups => Distribution::Groups {
            groups: grouping(raw)?,
        },
        DistributionKind::Column => {
            let Some(column) = raw.column.clone() else {
                return Err(Invalid::new(
                    "unlearning.column",
                    "`distribution: column` needs the dataset column that holds each point's \
                     request weight, e.g. column: propensity",
                ));
            };
            Distribution::Column { column }
        }
    })
}

fn grouping(raw: &RawUnlearning) -> Checked<Grouping> {
    if let Some(column) = raw.column.clone() {
        reject(
            "unlearning.group_size",
            raw.group_size.is_some(),
            "does not apply with `column`: the column's values make the groups",
        )?;
        return Ok(Grouping::Column { column });
    }
    let mean_size = raw.group_size.unwrap_or(5.0);
    if !(mean_size.is_finite() && mean_size >= 1.0) {
        return Err(Invalid::new(
            "unlearning.group_size",
            format!("must be a number >= 1, got {mean_size}"),
        ));
    }
    Ok(Grouping::Random { mean_size })
}

/// Has the dataset read the column the request distribution names, apart from the features;
/// only tables have named or numbered columns.
pub(super) fn request_column(
    dataset: &mut DatasetSettings,
    unlearning: &UnlearningSettings,
) -> Checked<()> {
    let Some(column) = unlearning.distribution.column() else {
        return Ok(());
    };
    let key = "unlearning.column";
    let DataSource::File(file) = &mut dataset.source else {
        return Err(Invalid::new(
            key,
            "reads a dataset column, but synthetic datasets have none; read a table \
             (csv, tsv, parquet) with `dataset.path`",
        ));
    };
    let (label, header) = match &file.format {
        FileFormat::Delimited {
            label,
            header,
            column_names,
            ..
        } => (label, *header || column_names.is_some()),
        FileFormat::Parquet { label } => (label, true),
        _ => {
            return Err(Invalid::new(
                key,
                "reads a dataset column, but only tables (csv, tsv, parquet) have columns \
                 apart from the features",
            ))
        }
    };
    if label == column {
        return Err(Invalid::new(
            key,
            "is the label column; to draw requests by class use `distribution: class`",
        ));
    }
    if let (LabelColumn::Name(name), false) = (column, header) {
        return Err(Invalid::new(
            key,
            format!(
                "names a column (`{name}`), but the file has no header row; set \
                 `dataset.header: true` or `dataset.column_names`, or give a column index from 0"
            ),
        ));
    }
    file.attributes = vec![column.clone()];
    Ok(())
}

fn mode(raw: &RawUnlearning) -> Checked<Mode> {
    let kind = raw.mode.unwrap_or(ModeKind::Batch);
    if kind != ModeKind::Stream {
        reject_option(
            "unlearning.batch_size",
            raw.batch_size.is_some(),
            "`mode: stream`",
        )?;
    }
    Ok(match kind {
        ModeKind::Batch => Mode::Batch,
        ModeKind::Sequential => Mode::Sequential,
        ModeKind::Stream => {
            let Some(batch_size) = raw.batch_size else {
                return Err(Invalid::new(
                    "unlearning.batch_size",
                    "`mode: stream` needs the number of requests per batch, e.g. batch_size: 10",
                ));
            };
            Mode::Stream {
                batch_size: at_least("unlearning.batch_size", batch_size, 1)?,
            }
        }
    })
}

pub(super) fn unlearning(raw: RawUnlearning) -> Checked<UnlearningSettings> {
    let requests = raw.requests.clone().unwrap_or_else(|| vec![1]);
    if requests.is_empty() {
        return Err(Invalid::new(
            "unlearning.requests",
            "the list is empty; give at least one request count, e.g. [1, 10]",
        ));
    }
    let mode = mode(&raw)?;
    let cumulative = mode.batch_size().is_some();
    for (index, &count) in requests.iter().enumerate() {
        let key = format!("unlearning.requests[{index}]");
        at_least(&key, count, 1)?;
        if cumulative && index > 0 && count <= requests[index - 1] {
            return Err(Invalid::new(
                key,
                format!(
                    "in `mode: {}` the counts are cumulative and must increase, got {count} after {}",
                    mode.name(),
                    requests[index - 1]
                ),
            ));
        }
        if let Some(batch) = mode.batch_size().filter(|&b| count % b != 0) {
            return Err(Invalid::new(
                key,
                format!("{count} is not a multiple of the batch size {batch}"),
            ));
        }
    }
    Ok(UnlearningSettings {
        distribution: distribution(&raw)?,
        mode,
        requests,
    })
}
