//! The desk's publications, generated from the data: the holiday daily report (节假日每日值班信息专报), the
//! monthly duty digest (值班要情), the quarterly duty bulletin (值班通报) and the yearly figures. Each is a
//! printable A4 HTML page in Chinese, with SVG charts where a chart says more than a table, and the CSV of
//! the rows behind it. `zhiban-server report …` writes them; `GET /api/v1/reports/…` serves them.

pub mod charts;
pub mod daily;
pub mod monthly;
pub(crate) mod page;
pub mod quarterly;
mod sheet;
pub mod yearly;

use chrono::{Datelike, NaiveDate};

use crate::office::Office;

/// Which publication, for which period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    Daily(NaiveDate),
    Monthly { year: i32, month: u32 },
    Quarterly { year: i32, quarter: u32 },
    Yearly(i32),
}

#[derive(Debug, thiserror::Error)]
pub enum PublicationError {
    #[error("{0}")]
    BadPeriod(String),
    #[error("the database did not answer: {0}")]
    Database(#[from] sqlx::Error),
}

/// A generated publication: its title, the printable page, and the rows behind it as CSV.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub title: String,
    pub html: String,
    pub csv: String,
}

/// Told of each step of a long generation: (step, of steps, what).
pub type Progress<'a> = &'a (dyn Fn(usize, usize, &str) + Send + Sync);

impl Publication {
    /// `daily 2026-10-01`, `monthly 2026-10`, `quarterly 2026-Q4`, `yearly 2026`.
    pub fn parse(kind: &str, period: &str) -> Result<Self, PublicationError> {
        let bad =
            |example: &str| PublicationError::BadPeriod(format!("{kind} {period:?}: give the period like {example}"));
        let period = period.trim();
        match kind {
            "daily" => {
                NaiveDate::parse_from_str(period, "%Y-%m-%d").map(Publication::Daily).map_err(|_| bad("2026-10-01"))
            }
            "monthly" => {
                let day = NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").map_err(|_| bad("2026-10"))?;
                Ok(Publication::Monthly { year: day.year(), month: day.month() })
            }
            "quarterly" => {
                let (year, quarter) = period.split_once(['-', ' ']).ok_or_else(|| bad("2026-Q4"))?;
                let quarter = quarter.trim_start_matches(['Q', 'q']).parse::<u32>().map_err(|_| bad("2026-Q4"))?;
                let year = year.parse::<i32>().map_err(|_| bad("2026-Q4"))?;
                if !(1..=4).contains(&quarter) || !(1900..=9999).contains(&year) {
                    return Err(bad("2026-Q4"));
                }
                Ok(Publication::Quarterly { year, quarter })
            }
            "yearly" => match period.parse::<i32>() {
                Ok(year) if (1900..=9999).contains(&year) => Ok(Publication::Yearly(year)),
                _ => Err(bad("2026")),
            },
            other => Err(PublicationError::BadPeriod(format!(
                "{other:?} is not a publication: daily, monthly, quarterly or yearly"
            ))),
        }
    }

    /// A name for files: `daily-2026-10-01`.
    pub fn file_stem(&self) -> String {
        match self {
            Publication::Daily(day) => format!("daily-{day}"),
            Publication::Monthly { year, month } => format!("monthly-{year}-{month:02}"),
            Publication::Quarterly { year, quarter } => format!("quarterly-{year}-Q{quarter}"),
            Publication::Yearly(year) => format!("yearly-{year}"),
        }
    }
}

/// Generates a publication from what the database holds now (`now`: unix ms, for what is still running).
pub async fn generate(
    office: &Office,
    publication: Publication,
    now: i64,
    progress: Progress<'_>,
) -> Result<Rendered, PublicationError> {
    match publication {
        Publication::Daily(day) => daily::generate(office, day, progress).await,
        Publication::Monthly { year, month } => monthly::generate(office, year, month, progress).await,
        Publication::Quarterly { year, quarter } => quarterly::generate(office, year, quarter, now, progress).await,
        Publication::Yearly(year) => yearly::generate(office, year, progress).await,
    }
}

/// The first instant of `day` (unix ms, office time).
pub(crate) fn day_start(day: NaiveDate) -> i64 {
    zhiban_model::rules::start_of_day(day).timestamp_millis()
}

/// The first day of a month; `month` 13 is January of the next year.
pub(crate) fn month_start(year: i32, month: u32) -> Result<NaiveDate, PublicationError> {
    let (year, month) = if month > 12 { (year + 1, month - 12) } else { (year, month) };
    NaiveDate::from_ymd_opt(year, month, 1)
        .ok_or_else(|| PublicationError::BadPeriod(format!("{year}-{month:02} is not a month")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_the_office_writes_them() {
        assert_eq!(
            Publication::parse("daily", "2026-10-01").expect("day"),
            Publication::Daily(NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"))
        );
        assert_eq!(
            Publication::parse("monthly", "2026-10").expect("m"),
            Publication::Monthly { year: 2026, month: 10 }
        );
        assert_eq!(
            Publication::parse("quarterly", "2026-Q4").expect("q"),
            Publication::Quarterly { year: 2026, quarter: 4 }
        );
        assert_eq!(Publication::parse("yearly", "2026").expect("y"), Publication::Yearly(2026));
        let e = Publication::parse("quarterly", "2026-Q5").expect_err("no fifth quarter").to_string();
        assert!(e.contains("2026-Q4"), "{e}");
        assert!(Publication::parse("weekly", "2026-40").is_err());
    }
}
