//! When the office reminds people of what falls due: follow-up reports on serious incidents, feedback on
//! leaders' instructions, and rosters to file before a holiday. The server's watch raises an alert once a
//! reminder is due and ends it when the thing is done; these are the numbers and dates it goes by.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};

use super::calendar::{DayKind, HolidayCalendar};
use super::end_of_day;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRules {
    /// Incidents of grade Ⅲ and above (or sensitive) get a follow-up report at least this often until the
    /// final report (the reference: at least daily).
    pub follow_up_every: Duration,
    /// A report is reminded this long before it falls due.
    pub report_due_before: Duration,
    /// An instruction's feedback is reminded this long before it falls due, and again once it is overdue.
    pub feedback_due_before: Duration,
    /// A holiday roster is filed this many working days before the holiday's first day.
    pub roster_filing_working_days_before: u32,
    /// Units that have not filed are reminded this many days before the filing deadline.
    pub roster_filing_remind_days_before: i64,
}

impl Default for ReminderRules {
    fn default() -> Self {
        Self {
            follow_up_every: Duration::hours(24),
            report_due_before: Duration::hours(1),
            feedback_due_before: Duration::hours(24),
            roster_filing_working_days_before: 3,
            roster_filing_remind_days_before: 2,
        }
    }
}

/// A statutory holiday's run of days off, as the calendar lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub festival: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// Holidays whose first day is on or after `from`, up to `until`, in order.
pub fn holidays_between(calendar: &HolidayCalendar, from: NaiveDate, until: NaiveDate) -> Vec<Holiday> {
    let mut out: Vec<Holiday> = Vec::new();
    // Start a little early so a run that began before `from` is seen whole, then dropped.
    let mut day = from - Duration::days(10);
    while day <= until + Duration::days(10) {
        if let Some(DayKind::Holiday(festival)) = calendar.day_kind(day) {
            match out.last_mut() {
                Some(run) if run.last_day.succ_opt() == Some(day) && &run.festival == festival => run.last_day = day,
                _ => out.push(Holiday { festival: festival.clone(), first_day: day, last_day: day }),
            }
        }
        day = day.succ_opt().unwrap_or(day);
    }
    out.retain(|h| h.first_day >= from && h.first_day <= until);
    out
}

/// When a holiday's roster must be filed: the end of the Nth working day before its first day, office time.
pub fn roster_filing_deadline(
    calendar: &HolidayCalendar,
    holiday: &Holiday,
    rules: &ReminderRules,
) -> DateTime<FixedOffset> {
    let mut day = holiday.first_day;
    let mut counted = 0;
    while counted < rules.roster_filing_working_days_before {
        day = day.pred_opt().unwrap_or(day);
        if calendar.is_working_day(day).value {
            counted += 1;
        }
    }
    end_of_day(day)
}

/// When units are reminded to file a holiday's roster.
pub fn roster_filing_reminder(deadline: DateTime<FixedOffset>, rules: &ReminderRules) -> DateTime<FixedOffset> {
    deadline - Duration::days(rules.roster_filing_remind_days_before)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn national_day_2026_is_one_run_and_its_roster_is_due_three_working_days_before() {
        let calendar = HolidayCalendar::shipped();
        let holidays = holidays_between(&calendar, day("2026-09-28"), day("2026-10-31"));
        assert_eq!(holidays.len(), 1, "{holidays:?}");
        let national_day = &holidays[0];
        assert_eq!(national_day.first_day, day("2026-10-01"));
        assert!(national_day.last_day >= day("2026-10-07"));
        let rules = ReminderRules::default();
        let deadline = roster_filing_deadline(&calendar, national_day, &rules);
        // 30 Sep, 29 Sep and 28 Sep 2026 are working days (Wednesday, Tuesday, Monday).
        assert_eq!(deadline.date_naive(), day("2026-09-28"));
        assert_eq!(roster_filing_reminder(deadline, &rules).date_naive(), day("2026-09-26"));
    }

    #[test]
    fn a_holiday_already_begun_is_not_ahead() {
        let calendar = HolidayCalendar::shipped();
        let holidays = holidays_between(&calendar, day("2026-10-03"), day("2026-10-20"));
        assert!(holidays.is_empty(), "{holidays:?}");
    }
}
