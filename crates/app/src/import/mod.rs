//! Importing existing records from files: a prosecutor's or court's cases and reparation
//! orders ([`cases`]), and an asset agency's register ([`assets`]).
//!
//! Every row is checked first and every problem reported with its row number and column; a
//! file with any invalid row imports nothing. Valid files are written in one transaction with
//! one audit entry.

mod assets;
mod case_rows;
mod cases;

use std::collections::HashMap;

use redress_domain::cases::parse_date;
use redress_domain::FieldError;
use time::Date;

use crate::AppError;

pub use assets::{AssetImport, ASSET_COLUMNS};
pub use case_rows::COLUMNS;

/// The most rows one import takes.
pub const ROWS_MAX: usize = 100_000;

/// One problem: the row (1 = first data row after the header) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, {}: {}", self.row, self.column, self.reason)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub cases: usize,
    pub victims_linked: usize,
    pub judgments: usize,
    pub orders: usize,
}

#[derive(Debug)]
pub enum ImportError {
    /// The file is invalid; nothing was written.
    Invalid(Vec<RowError>),
    Failed(AppError),
}

impl From<AppError> for ImportError {
    fn from(error: AppError) -> Self {
        ImportError::Failed(error)
    }
}

impl From<crate::store::StoreError> for ImportError {
    fn from(error: crate::store::StoreError) -> Self {
        ImportError::Failed(error.into())
    }
}

/// The problems of the file as a whole: too many rows (refused at once) or none.
fn file_problems(rows: &[HashMap<String, String>]) -> Result<Vec<RowError>, ImportError> {
    if rows.len() > ROWS_MAX {
        return Err(ImportError::Invalid(vec![RowError {
            row: 0,
            column: "file".into(),
            reason: format!("has more than {ROWS_MAX} rows; split it"),
        }]));
    }
    let mut problems = Vec::new();
    if rows.is_empty() {
        problems.push(RowError { row: 0, column: "file".into(), reason: "has no data rows".into() });
    }
    Ok(problems)
}

/// `Err` with every problem, in row order, when there is any.
fn refuse_if_any(mut problems: Vec<RowError>) -> Result<(), ImportError> {
    if problems.is_empty() {
        return Ok(());
    }
    problems.sort_by_key(|p| p.row);
    Err(ImportError::Invalid(problems))
}

/// Reads one row's cells, noting each problem under the row and column.
struct RowReader<'a> {
    row: usize,
    values: &'a HashMap<String, String>,
    problems: &'a mut Vec<RowError>,
    today: Date,
}

impl<'a> RowReader<'a> {
    fn new(
        row: usize,
        values: &'a HashMap<String, String>,
        problems: &'a mut Vec<RowError>,
        today: Date,
    ) -> Self {
        RowReader { row, values, problems, today }
    }

    /// A cell's trimmed text; `None` when absent or blank.
    fn get(&self, column: &str) -> Option<&'a str> {
        self.values.get(column).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn fail(&mut self, column: &str, reason: impl Into<String>) {
        self.problems.push(RowError { row: self.row, column: column.to_string(), reason: reason.into() });
    }

    /// The value, or `None` with the error noted.
    fn check<T>(&mut self, column: &str, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.fail(column, error.reason);
                None
            }
        }
    }

    /// A cell that must be there, parsed.
    fn required<T>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&'a str) -> Result<T, FieldError>,
    ) -> Option<T> {
        let result = self.get(column).ok_or_else(|| FieldError::new(column, "is required")).and_then(parse);
        self.check(column, result)
    }

    /// A cell that may be blank, parsed when it is not.
    fn optional<T>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&'a str) -> Result<T, FieldError>,
    ) -> Option<T> {
        let value = self.get(column)?;
        let result = parse(value);
        self.check(column, result)
    }

    /// A date that is not in the future, if the cell is there (not yet checked off).
    fn past_date(&self, column: &str) -> Option<Result<Date, FieldError>> {
        let today = self.today;
        self.get(column).map(|v| {
            parse_date(column, v).and_then(|date| {
                if date > today {
                    Err(FieldError::new(column, "must not be in the future"))
                } else {
                    Ok(date)
                }
            })
        })
    }

    /// Notes every column the file may not have.
    fn unknown_columns(&mut self, allowed: &[&str]) {
        let unknown: Vec<String> =
            self.values.keys().filter(|c| !allowed.contains(&c.as_str())).cloned().collect();
        for column in unknown {
            self.fail(&column, format!("unknown column; expected some of {}", allowed.join(", ")));
        }
    }
}
