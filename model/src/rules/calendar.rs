//! Working days on the statutory calendar: holidays and make-up workdays (调休) come from a file the office
//! can replace each November when the State Council publishes the next year; outside the years it lists,
//! the weekend rule applies and the answer is marked provisional.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};

/// The calendar shipped with Zhiban (2024–2026).
pub const SHIPPED_CALENDAR: &str = include_str!("../../../data/calendar/cn-statutory-holidays.csv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    /// A statutory holiday, with the festival's name.
    Holiday(String),
    /// A weekend day worked in exchange for a holiday, with the festival's name.
    MakeUpWorkday(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar line {line}: {reason}")]
    BadLine { line: usize, reason: String },
    #[error("calendar lists {date} twice (lines {first} and {second})")]
    Duplicate { date: NaiveDate, first: usize, second: usize },
    #[error("calendar is empty; it needs the header `date,kind,festival` and one line per day")]
    Empty,
}

/// An answer that may rest on the weekend rule alone, for a year the calendar does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reckoned<T> {
    pub value: T,
    /// True when a year involved is not in the loaded calendar.
    pub provisional: bool,
}

#[derive(Debug, Clone, Default)]
pub struct HolidayCalendar {
    days: BTreeMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
}

impl HolidayCalendar {
    /// The shipped calendar.
    pub fn shipped() -> Self {
        Self::from_csv(SHIPPED_CALENDAR).expect("the shipped calendar is valid (tested)")
    }

    /// Reads `date,kind,festival` lines (kind `holiday` or `workday`); a year counts as loaded once any
    /// of its days is listed.
    pub fn from_csv(text: &str) -> Result<Self, CalendarError> {
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty());
        let Some((_, header)) = lines.next() else { return Err(CalendarError::Empty) };
        if header.replace(' ', "") != "date,kind,festival" {
            return Err(CalendarError::BadLine {
                line: 1,
                reason: format!("the header must be `date,kind,festival`, found `{header}`"),
            });
        }
        let mut calendar = Self::default();
        let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (line, text) in lines {
            let bad = |reason: String| CalendarError::BadLine { line, reason };
            let mut fields = text.splitn(3, ',').map(str::trim);
            let (Some(date), Some(kind), Some(festival)) = (fields.next(), fields.next(), fields.next()) else {
                return Err(bad(format!("expected `date,kind,festival`, found `{text}`")));
            };
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| bad(format!("`{date}` is not a date like 2026-10-01")))?;
            let kind = match kind {
                "holiday" => DayKind::Holiday(festival.to_owned()),
                "workday" => DayKind::MakeUpWorkday(festival.to_owned()),
                other => return Err(bad(format!("kind `{other}` is neither `holiday` nor `workday`"))),
            };
            if let Some(first) = seen.insert(date, line) {
                return Err(CalendarError::Duplicate { date, first, second: line });
            }
            calendar.years.insert(date.year());
            calendar.days.insert(date, kind);
        }
        Ok(calendar)
    }

    /// This calendar with every year `newer` lists taken from `newer` instead: how the office loads the
    /// next year's list (or a corrected one) over the shipped calendar without a new release.
    pub fn with_years_from(mut self, newer: HolidayCalendar) -> Self {
        self.days.retain(|date, _| !newer.years.contains(&date.year()));
        self.years.extend(newer.years.iter().copied());
        self.days.extend(newer.days);
        self
    }

    pub fn loaded_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn day_kind(&self, date: NaiveDate) -> Option<&DayKind> {
        self.days.get(&date)
    }

    /// Whether `date` is a working day: a listed holiday is not, a listed make-up workday is, and any
    /// other day is one unless it is a Saturday or Sunday.
    pub fn is_working_day(&self, date: NaiveDate) -> Reckoned<bool> {
        let value = match self.days.get(&date) {
            Some(DayKind::Holiday(_)) => false,
            Some(DayKind::MakeUpWorkday(_)) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        };
        Reckoned { value, provisional: !self.years.contains(&date.year()) }
    }

    /// The `n`th working day after `start` (not counting `start` itself).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Reckoned<NaiveDate> {
        let mut date = start;
        let mut counted = 0;
        let mut provisional = false;
        while counted < n {
            date = date.succ_opt().unwrap_or(date);
            let working = self.is_working_day(date);
            provisional |= working.provisional;
            if working.value {
                counted += 1;
            }
        }
        Reckoned { value: date, provisional }
    }
}

/// A festival's name in Chinese, for titles: the shipped file spells them in English; a calendar the office
/// loads may already use Chinese names, which are kept as they are.
pub fn festival_zh(festival: &str) -> &str {
    match festival {
        "New Year's Day" => "元旦",
        "Spring Festival" => "春节",
        "Tomb-sweeping Day" => "清明节",
        "Labour Day" => "劳动节",
        "Dragon Boat Festival" => "端午节",
        "Mid-autumn Festival" => "中秋节",
        "National Day" => "国庆节",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn working_days_across_holidays_and_make_up_days() {
        let calendar = HolidayCalendar::shipped();
        let cases = [
            // Saturday 14 February is a make-up workday; 15–23 February are Spring Festival holidays.
            ("2026-02-13", 3, "2026-02-25"),
            // 1–7 October are National Day holidays; Saturday 10 October is a make-up workday.
            ("2026-09-30", 3, "2026-10-10"),
            // An ordinary week: Friday + 1 is Monday.
            ("2026-03-06", 1, "2026-03-09"),
            ("2026-03-06", 0, "2026-03-06"),
            // 2024: 1 May holidays 1–5, Saturday 11 May a make-up workday.
            ("2024-04-30", 1, "2024-05-06"),
        ];
        for (start, n, expected) in cases {
            let got = calendar.add_working_days(day(start), n);
            assert_eq!(got, Reckoned { value: day(expected), provisional: false }, "{n} working days after {start}");
        }
    }

    #[test]
    fn beyond_the_loaded_years_the_weekend_rule_applies_provisionally() {
        let calendar = HolidayCalendar::shipped();
        // 2027 is not in the shipped list: Friday 1 January 2027 counts as a working day, provisionally.
        assert_eq!(calendar.is_working_day(day("2027-01-01")), Reckoned { value: true, provisional: true });
        assert_eq!(
            calendar.add_working_days(day("2026-12-31"), 2),
            Reckoned { value: day("2027-01-04"), provisional: true }
        );
        // Loading next year's list makes it firm.
        let next = HolidayCalendar::from_csv("date,kind,festival\n2027-01-01,holiday,New Year's Day\n").expect("csv");
        assert_eq!(next.is_working_day(day("2027-01-01")), Reckoned { value: false, provisional: false });
    }

    #[test]
    fn a_bad_file_names_the_line_and_the_problem() {
        let cases = [
            ("", "empty"),
            ("day,kind\n", "header"),
            ("date,kind,festival\n2026-13-01,holiday,X\n", "line 2"),
            ("date,kind,festival\n2026-10-01,vacation,X\n", "neither `holiday` nor `workday`"),
            ("date,kind,festival\n2026-10-01,holiday\n", "expected `date,kind,festival`"),
            ("date,kind,festival\n2026-10-01,holiday,A\n2026-10-01,workday,B\n", "twice (lines 2 and 3)"),
        ];
        for (text, expected) in cases {
            let error = HolidayCalendar::from_csv(text).expect_err(text).to_string();
            assert!(error.contains(expected), "{error:?} should mention {expected:?}");
        }
    }

    #[test]
    fn the_shipped_calendar_covers_2024_to_2026() {
        let calendar = HolidayCalendar::shipped();
        assert_eq!(calendar.loaded_years().collect::<Vec<_>>(), vec![2024, 2025, 2026]);
        assert_eq!(calendar.day_kind(day("2026-10-10")), Some(&DayKind::MakeUpWorkday("National Day".into())));
    }

    #[test]
    fn a_loaded_year_replaces_that_year_and_stops_being_provisional() {
        let next = HolidayCalendar::from_csv("date,kind,festival\n2027-01-01,holiday,元旦\n2026-10-08,workday,测试\n")
            .expect("valid");
        let merged = HolidayCalendar::shipped().with_years_from(next);
        let new_year = NaiveDate::from_ymd_opt(2027, 1, 1).expect("date");
        assert_eq!(merged.is_working_day(new_year), Reckoned { value: false, provisional: false });
        // 2026 now comes from the newer list alone: National Day is no longer listed there.
        let national_day = NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
        assert_eq!(merged.day_kind(national_day), None);
        let spring = NaiveDate::from_ymd_opt(2025, 1, 29).expect("date");
        assert!(matches!(merged.day_kind(spring), Some(DayKind::Holiday(_))), "other years are kept");
    }
}
