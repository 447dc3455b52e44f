//! Reporting deadlines per grade, counted from the time the unit received the information (接报时间), and
//! the instruction clocks: relay within minutes, feedback within working days.

use chrono::{DateTime, Duration, FixedOffset};

use super::calendar::{HolidayCalendar, Reckoned};
use super::grade::{Grade, GradeSuggestion};
use super::{end_of_day, office_time_zone};

/// How long after receipt the verbal (phone) and the written report are due, per grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportingRule {
    /// `None`: no verbal report required.
    pub verbal: Option<Duration>,
    pub written: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportingDeadlines {
    pub grade_i: ReportingRule,
    pub grade_ii: ReportingRule,
    pub grade_iii: ReportingRule,
    pub grade_iv: ReportingRule,
}

impl Default for ReportingDeadlines {
    /// The reference defaults: Ⅰ/Ⅱ 15 min verbal, 30 min written; Ⅲ 30 and 60 min; Ⅳ written within 6 h.
    fn default() -> Self {
        let both = |verbal, written| ReportingRule {
            verbal: Some(Duration::minutes(verbal)),
            written: Duration::minutes(written),
        };
        Self {
            grade_i: both(15, 30),
            grade_ii: both(15, 30),
            grade_iii: both(30, 60),
            grade_iv: ReportingRule { verbal: None, written: Duration::hours(6) },
        }
    }
}

/// When an incident's reports are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportsDue {
    pub verbal_by: Option<DateTime<FixedOffset>>,
    pub written_by: DateTime<FixedOffset>,
}

impl ReportingDeadlines {
    pub fn rule(&self, grade: Grade) -> ReportingRule {
        match grade {
            Grade::I => self.grade_i,
            Grade::II => self.grade_ii,
            Grade::III => self.grade_iii,
            Grade::IV => self.grade_iv,
        }
    }

    /// A sensitive incident is held to Ⅲ's deadlines at least.
    pub fn effective_rule(&self, suggestion: GradeSuggestion) -> ReportingRule {
        let own = self.rule(suggestion.grade);
        if !suggestion.sensitive {
            return own;
        }
        let floor = self.rule(Grade::III);
        ReportingRule {
            verbal: match (own.verbal, floor.verbal) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            written: own.written.min(floor.written),
        }
    }

    pub fn due(&self, suggestion: GradeSuggestion, received_at: DateTime<FixedOffset>) -> ReportsDue {
        let rule = self.effective_rule(suggestion);
        ReportsDue { verbal_by: rule.verbal.map(|d| received_at + d), written_by: received_at + rule.written }
    }
}

/// How late a report was: `None` when on time (at the deadline counts as on time).
pub fn lateness(due: DateTime<FixedOffset>, reported_at: DateTime<FixedOffset>) -> Option<Duration> {
    (reported_at > due).then(|| reported_at - due)
}

/// The clocks on a leader's instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstructionClocks {
    /// The desk relays the instruction to every recipient within this.
    pub relay_within: Duration,
    /// Comprehensive feedback goes back to the leader within this many working days.
    pub feedback_working_days: u32,
}

impl Default for InstructionClocks {
    fn default() -> Self {
        Self { relay_within: Duration::minutes(5), feedback_working_days: 3 }
    }
}

impl InstructionClocks {
    pub fn relay_by(&self, issued_at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        issued_at + self.relay_within
    }

    /// Feedback is due by the end of the Nth working day after the day of issue, in the office's time zone.
    pub fn feedback_by(
        &self,
        issued_at: DateTime<FixedOffset>,
        calendar: &HolidayCalendar,
    ) -> Reckoned<DateTime<FixedOffset>> {
        let zone = office_time_zone();
        let issued_day = issued_at.with_timezone(&zone).date_naive();
        let day = calendar.add_working_days(issued_day, self.feedback_working_days);
        Reckoned { value: end_of_day(day.value), provisional: day.provisional }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    fn suggestion(grade: Grade, sensitive: bool) -> GradeSuggestion {
        GradeSuggestion { grade, sensitive }
    }

    #[test]
    fn deadlines_per_grade_from_the_time_received() {
        let rules = ReportingDeadlines::default();
        let received = at("2026-10-01T20:00:00+08:00");
        let cases = [
            (Grade::I, false, Some("2026-10-01T20:15:00+08:00"), "2026-10-01T20:30:00+08:00"),
            (Grade::II, false, Some("2026-10-01T20:15:00+08:00"), "2026-10-01T20:30:00+08:00"),
            (Grade::III, false, Some("2026-10-01T20:30:00+08:00"), "2026-10-01T21:00:00+08:00"),
            (Grade::IV, false, None, "2026-10-02T02:00:00+08:00"),
            // Sensitive: Ⅲ at least.
            (Grade::IV, true, Some("2026-10-01T20:30:00+08:00"), "2026-10-01T21:00:00+08:00"),
            (Grade::I, true, Some("2026-10-01T20:15:00+08:00"), "2026-10-01T20:30:00+08:00"),
        ];
        for (grade, sensitive, verbal, written) in cases {
            let due = rules.due(suggestion(grade, sensitive), received);
            assert_eq!(due.verbal_by, verbal.map(at), "{grade} sensitive={sensitive} verbal");
            assert_eq!(due.written_by, at(written), "{grade} sensitive={sensitive} written");
        }
    }

    #[test]
    fn lateness_counts_past_the_deadline_only() {
        let due = at("2026-10-01T21:00:00+08:00");
        assert_eq!(lateness(due, at("2026-10-01T20:59:00+08:00")), None);
        assert_eq!(lateness(due, due), None);
        assert_eq!(lateness(due, at("2026-10-01T21:25:00+08:00")), Some(Duration::minutes(25)));
    }

    #[test]
    fn instruction_clocks() {
        let clocks = InstructionClocks::default();
        let calendar = HolidayCalendar::shipped();
        let issued = at("2026-09-30T09:10:00+08:00");
        assert_eq!(clocks.relay_by(issued), at("2026-09-30T09:15:00+08:00"));
        // 1–7 October are holidays, 10 October a make-up workday.
        let feedback = clocks.feedback_by(issued, &calendar);
        assert_eq!(feedback, Reckoned { value: at("2026-10-10T23:59:59+08:00"), provisional: false });
        // Issued late in the evening UTC is already the next day in Shanghai.
        let feedback = clocks.feedback_by(at("2026-02-12T17:30:00+00:00"), &calendar);
        assert_eq!(feedback.value, at("2026-02-25T23:59:59+08:00"));
    }
}
