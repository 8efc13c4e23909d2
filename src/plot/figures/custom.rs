//! A figure of any columns of the results table, as a spec asks for it:
//! `{x: shards, y: accuracy_gap, by: sisa.slices, aggregate: mean, where: {requests: 1}}`. One
//! line per combination of the `by` columns (default: the swept keys that vary, x aside), the
//! rows at each x combined with `aggregate`. A numeric x gives a numeric axis; a text x (a
//! partition, a distribution) one tick per value, in the order the table first has them.

use super::{Figure, FigureError};
use crate::plot::chart::{AxisSpec, Chart, Format, LineChart};
use crate::plot::data::{self, Aggregate};
use crate::results::record::Field;
use crate::results::{MissingColumn, Table, COLUMNS};
use crate::spec::raw::{FigureAggregate, RawCustomFigure};
use crate::spec::{yaml, ExperimentName, Invalid};

/// A checked custom figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Custom {
    /// Its file name, without extension.
    pub name: String,
    /// Its title.
    pub title: String,
    /// The column along x.
    pub x: String,
    /// The column along y.
    pub y: String,
    /// The columns that tell lines apart (`None`: the swept keys that vary, x aside).
    pub by: Option<Vec<String>>,
    /// How the rows at one point are combined.
    pub aggregate: Aggregate,
    /// Rows kept: each column's value must be one of these (as text).
    pub filter: Vec<(String, Vec<String>)>,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
}

impl Custom {
    /// Checks `raw`, written at key `at` (`figures[2]`), against the columns a table of a spec
    /// sweeping the `swept` columns has: every column it names must exist, and y must hold
    /// numbers.
    pub fn check(raw: &RawCustomFigure, at: &str, swept: &[String]) -> Result<Custom, Invalid> {
        let mut known: Vec<&str> = COLUMNS.iter().map(|c| c.name.as_str()).collect();
        known.extend(swept.iter().map(String::as_str));
        let exists = |key: String, name: &str| -> Result<String, Invalid> {
            if known.contains(&name) {
                return Ok(name.to_owned());
            }
            let missing = MissingColumn {
                name: name.to_owned(),
                closest: yaml::closest(name, &known).map(str::to_owned),
            };
            Err(Invalid::new(key, missing.to_string()))
        };
        let x = exists(format!("{at}.x"), &raw.x)?;
        let y = exists(format!("{at}.y"), &raw.y)?;
        let text = COLUMNS
            .iter()
            .any(|c| c.name.as_str() == y && matches!(c.field, Field::Text(_)));
        if text {
            return Err(Invalid::new(
                format!("{at}.y"),
                format!("`{y}` holds text; y needs a column of numbers, such as `accuracy_gap`"),
            ));
        }
        let by = raw
            .by
            .as_ref()
            .map(|columns| {
                columns
                    .0
                    .iter()
                    .map(|name| exists(format!("{at}.by"), name))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let filter = raw
            .filter
            .iter()
            .flatten()
            .map(|(column, values)| {
                let column = exists(format!("{at}.where.{column}"), column)?;
                Ok((column, values.0.iter().map(yaml::compact).collect()))
            })
            .collect::<Result<Vec<_>, Invalid>>()?;
        let by_suffix: String = by
            .iter()
            .flatten()
            .map(|column| format!("-by-{column}"))
            .collect();
        let name = raw
            .name
            .clone()
            .unwrap_or_else(|| format!("{y}-vs-{x}{by_suffix}"));
        ExperimentName::new(&name)
            .map_err(|message| Invalid::new(format!("{at}.name"), message))?;
        let by_title = match &by {
            Some(columns) if !columns.is_empty() => {
                let names: Vec<&str> = columns.iter().map(|c| data::short_name(c)).collect();
                format!(", by {}", names.join(" and "))
            }
            _ => String::new(),
        };
        Ok(Custom {
            name,
            title: raw.title.clone().unwrap_or(format!("{y} vs {x}{by_title}")),
            x,
            y,
            by,
            aggregate: match raw.aggregate.unwrap_or(FigureAggregate::Mean) {
                FigureAggregate::Mean => Aggregate::Mean,
                FigureAggregate::Median => Aggregate::Median,
                FigureAggregate::Min => Aggregate::Min,
                FigureAggregate::Max => Aggregate::Max,
            },
            filter,
            log_x: raw.log_x.unwrap_or(false),
            log_y: raw.log_y.unwrap_or(false),
        })
    }

    /// The rows the `where` filter keeps.
    fn rows(&self, table: &Table) -> Result<Vec<usize>, MissingColumn> {
        let columns: Vec<(Vec<String>, &Vec<String>)> = self
            .filter
            .iter()
            .map(|(column, allowed)| Ok((table.texts(column)?, allowed)))
            .collect::<Result<_, MissingColumn>>()?;
        Ok((0..table.height())
            .filter(|&row| {
                columns
                    .iter()
                    .all(|(values, allowed)| allowed.contains(&values[row]))
            })
            .collect())
    }
}

/// How values of a column are written, from its name.
fn format_of(column: &str) -> Format {
    if column.contains("accuracy_gap") {
        Format::PercentagePoints
    } else if column.contains("accuracy") {
        Format::Percent
    } else if column.contains("speedup") {
        Format::Times
    } else {
        Format::Plain
    }
}

impl Figure for Custom {
    fn applies(&self, _table: &Table) -> bool {
        true
    }

    fn build(&self, table: &Table) -> Result<Chart, FigureError> {
        let rows = self.rows(table)?;
        if rows.is_empty() {
            return Err(FigureError::Unfit("no row matches its `where`".to_owned()));
        }
        let numbers = table.numbers(&self.x)?;
        let numeric = rows.iter().all(|&row| numbers[row].is_some());
        let (xs, categories) = if numeric {
            (numbers, None)
        } else {
            let texts = table.texts(&self.x)?;
            let mut categories: Vec<String> = Vec::new();
            for &row in &rows {
                if !categories.contains(&texts[row]) {
                    categories.push(texts[row].clone());
                }
            }
            let positions = texts
                .iter()
                .map(|text| categories.iter().position(|c| c == text).map(|p| p as f64))
                .collect();
            (positions, Some(categories))
        };
        let ys = table.numbers(&self.y)?;
        if rows.iter().all(|&row| ys[row].is_none()) {
            return Err(FigureError::Unfit(format!("`{}` holds no numbers", self.y)));
        }
        let by = match &self.by {
            Some(columns) => columns.clone(),
            None => data::varying_keys(table, &[self.x.as_str()]),
        };
        let grouped = data::series_with(table, &rows, &xs, &ys, &by, self.aggregate)?;
        let (series, encoding) = data::encoded_series(grouped);
        let x = AxisSpec {
            categories,
            ..AxisSpec::numeric(&self.x, self.log_x, format_of(&self.x))
        };
        let y = AxisSpec::numeric(&self.y, self.log_y, format_of(&self.y));
        let legend = if by.is_empty() {
            Vec::new()
        } else {
            encoding.legend()
        };
        let bars = self.aggregate == Aggregate::Mean;
        Ok(Chart::Line(LineChart::new(
            self.title.clone(),
            &x,
            &y,
            series,
            legend,
            data::caption(table, bars)?,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(x: &str, y: &str) -> RawCustomFigure {
        RawCustomFigure {
            x: x.to_owned(),
            y: y.to_owned(),
            by: None,
            aggregate: None,
            filter: None,
            title: None,
            name: None,
            log_x: None,
            log_y: None,
        }
    }

    #[test]
    fn columns_are_checked_with_a_suggestion() {
        let swept = vec!["sisa.slices".to_owned()];
        let error = Custom::check(&raw("shards", "acuracy_gap"), "figures[1]", &swept).unwrap_err();
        assert_eq!(error.key, "figures[1].y");
        assert!(error.message.contains("`acuracy_gap`"), "{}", error.message);
        assert!(
            error.message.contains("did you mean `accuracy_gap`"),
            "{}",
            error.message
        );
        let error = Custom::check(&raw("shards", "model"), "figures[0]", &swept).unwrap_err();
        assert!(error.message.contains("holds text"), "{}", error.message);
        let figure = Custom::check(
            &RawCustomFigure {
                by: Some(crate::spec::raw::Columns(vec!["sisa.slices".to_owned()])),
                ..raw("shards", "accuracy_gap")
            },
            "figures[0]",
            &swept,
        )
        .unwrap();
        assert_eq!(figure.name, "accuracy_gap-vs-shards-by-sisa.slices");
        assert_eq!(figure.title, "accuracy_gap vs shards, by R");
    }
}
