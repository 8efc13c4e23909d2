//! A figure of any columns of the results table, as a spec asks for it:
//! `{x: shards, y: accuracy_gap, by: sisa.slices, aggregate: mean, where: {requests: 1}}`. One
//! line per combination of the `by` columns (default: the swept keys that vary, x aside), the
//! rows at each x combined with `aggregate`. A numeric x gives a numeric axis (logarithmic when
//! its values are a few geometric counts, unless `log_x` says); a text x (a partition, a
//! distribution) one tick per value, in the order the table first has them. Axes are titled with
//! the columns' readable names.

use super::{Figure, FigureError};
use crate::plot::axis::{AxisSpec, Format, Scale};
use crate::plot::chart::{Chart, LineChart};
use crate::plot::data::{self, Aggregate};
use crate::results::record::Field;
use crate::results::{MissingColumn, Table, COLUMNS};
use crate::spec::raw::{ErrorBars, FigureAggregate, RawFigureEntry};
use crate::spec::{yaml, ExperimentName, Invalid};

/// A checked custom figure.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Custom {
    /// Its file name, without extension.
    pub(crate) name: String,
    /// Its own title (options may give another).
    pub(crate) title: String,
    /// The column along x.
    pub(crate) x: String,
    /// The column along y.
    pub(crate) y: String,
    /// The columns that tell lines apart (`None`: the swept keys that vary, x aside).
    pub(crate) by: Option<Vec<String>>,
    /// How the rows at one point are combined.
    pub(crate) aggregate: Aggregate,
    /// Rows kept: each column's value must be one of these (as text).
    pub(crate) filter: Vec<(String, Vec<String>)>,
    /// The x axis's scale.
    pub(crate) x_scale: Scale,
    /// The y axis's scale.
    pub(crate) y_scale: Scale,
}

/// The columns a table of a spec will have, to check the names a custom figure gives.
struct Known<'a> {
    names: Vec<&'a str>,
}

impl<'a> Known<'a> {
    /// The table's columns, and those of the `swept` keys.
    fn new(swept: &'a [String]) -> Known<'a> {
        let mut names: Vec<&str> = COLUMNS.iter().map(|c| c.name.as_str()).collect();
        names.extend(swept.iter().map(String::as_str));
        Known { names }
    }

    /// `name` if the table has it, else an error at `key` with the closest name.
    fn column(&self, key: String, name: &str) -> Result<String, Invalid> {
        if self.names.contains(&name) {
            return Ok(name.to_owned());
        }
        let missing = MissingColumn {
            name: name.to_owned(),
            closest: yaml::closest(name, &self.names).map(str::to_owned),
        };
        Err(Invalid::new(key, missing.to_string()))
    }
}

impl Custom {
    /// Checks `raw`, written at key `at` (`figures[2]`), against the columns a table of a spec
    /// sweeping the `swept` columns has: every column it names must exist, and y must hold
    /// numbers.
    pub(crate) fn check(
        raw: &RawFigureEntry,
        at: &str,
        swept: &[String],
    ) -> Result<Custom, Invalid> {
        let (Some(x), Some(y)) = (&raw.x, &raw.y) else {
            let missing = if raw.x.is_none() { "x" } else { "y" };
            return Err(Invalid::new(
                at,
                format!(
                    "a custom figure needs `x` and `y` (`{missing}` is missing), or `figure` to \
                     name a built-in one"
                ),
            ));
        };
        let known = Known::new(swept);
        let x = known.column(format!("{at}.x"), x)?;
        let y = known.column(format!("{at}.y"), y)?;
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
                    .map(|name| known.column(format!("{at}.by"), name))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let filter = raw
            .filter
            .iter()
            .flatten()
            .map(|(column, values)| {
                let column = known.column(format!("{at}.where.{column}"), column)?;
                Ok((column, values.0.iter().map(yaml::compact).collect()))
            })
            .collect::<Result<Vec<_>, Invalid>>()?;
        let name = file_name(raw.name.as_deref(), (&x, &y), by.as_deref())
            .map_err(|message| Invalid::new(format!("{at}.name"), message))?;
        let scale = |log: Option<bool>, unset: Scale| match log {
            Some(true) => Scale::Log,
            Some(false) => Scale::Linear,
            None => unset,
        };
        Ok(Custom {
            name,
            title: title((&x, &y), by.as_deref()),
            aggregate: match raw.aggregate.unwrap_or(FigureAggregate::Mean) {
                FigureAggregate::Mean => Aggregate::Mean,
                FigureAggregate::Median => Aggregate::Median,
                FigureAggregate::Min => Aggregate::Min,
                FigureAggregate::Max => Aggregate::Max,
            },
            x_scale: scale(raw.log_x, Scale::Auto),
            y_scale: scale(raw.log_y, Scale::Linear),
            x,
            y,
            by,
            filter,
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

/// The file name a spec gives, else `<y>-vs-<x>` then `-by-<column>` for each; checked as a
/// file name (the message says why it is not one).
fn file_name(
    given: Option<&str>,
    (x, y): (&str, &str),
    by: Option<&[String]>,
) -> Result<String, String> {
    let suffix: String = by
        .into_iter()
        .flatten()
        .map(|column| format!("-by-{column}"))
        .collect();
    let name = given.map_or_else(|| format!("{y}-vs-{x}{suffix}"), str::to_owned);
    ExperimentName::new(&name)?;
    Ok(name)
}

/// `Y vs x, by S and R`, with the columns' readable names.
fn title((x, y): (&str, &str), by: Option<&[String]>) -> String {
    let by = match by {
        Some(columns) if !columns.is_empty() => {
            let names: Vec<&str> = columns.iter().map(|c| data::short_name(c)).collect();
            format!(", by {}", names.join(" and "))
        }
        _ => String::new(),
    };
    capitalised(&format!(
        "{} vs {}{by}",
        data::readable(y),
        data::readable(x)
    ))
}

/// `text` with its first letter upper case.
fn capitalised(text: &str) -> String {
    let mut letters = text.chars();
    letters
        .next()
        .map(|first| first.to_uppercase().chain(letters).collect())
        .unwrap_or_default()
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
    fn name(&self) -> &str {
        &self.name
    }

    fn applies(&self, _table: &Table) -> bool {
        true
    }

    fn build(&self, table: &Table, bars: ErrorBars) -> Result<Chart, FigureError> {
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
        let grouped = data::series_with(table, &rows, (&xs, &ys), &by, (self.aggregate, bars))?;
        let (series, encoding) = data::encoded_series(grouped);
        let x = AxisSpec {
            categories,
            ..AxisSpec::numeric(data::readable(&self.x), self.x_scale, format_of(&self.x))
        };
        let y = AxisSpec::numeric(data::readable(&self.y), self.y_scale, format_of(&self.y));
        let legend = if by.is_empty() {
            Vec::new()
        } else {
            encoding.legend()
        };
        let notes = if self.aggregate == Aggregate::Mean {
            data::notes(table, bars)?
        } else {
            Vec::new()
        };
        let chart = LineChart::new(
            self.title.clone(),
            &x,
            &y,
            series,
            legend,
            data::caption(table)?,
        );
        Ok(Chart::Line(chart.noting(notes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(x: &str, y: &str) -> RawFigureEntry {
        RawFigureEntry {
            x: Some(x.to_owned()),
            y: Some(y.to_owned()),
            ..RawFigureEntry::default()
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
            &RawFigureEntry {
                by: Some(crate::spec::raw::Columns(vec!["sisa.slices".to_owned()])),
                ..raw("shards", "accuracy_gap")
            },
            "figures[0]",
            &swept,
        )
        .unwrap();
        assert_eq!(figure.name, "accuracy_gap-vs-shards-by-sisa.slices");
        assert_eq!(
            figure.title,
            "Accuracy lost (baseline - SISA) vs shards (S), by R"
        );
        let error = Custom::check(
            &RawFigureEntry {
                y: None,
                ..raw("shards", "")
            },
            "figures[2]",
            &swept,
        )
        .unwrap_err();
        assert_eq!(error.key, "figures[2]");
        assert!(
            error.message.contains("`y` is missing"),
            "{}",
            error.message
        );
    }
}
