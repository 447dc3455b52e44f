//! The office's rules with their numbers: defaults from the reference, replaceable by configuration.

use zhiban_model::rules::calendar::HolidayCalendar;
use zhiban_model::rules::deadlines::{InstructionClocks, ReportingDeadlines};
use zhiban_model::rules::escalation::EscalationChains;
use zhiban_model::rules::grade::GradeThresholds;
use zhiban_model::rules::reminders::ReminderRules;
use zhiban_model::rules::roster::OfficeHours;

#[derive(Debug, Clone)]
pub struct DutyRules {
    pub thresholds: GradeThresholds,
    pub deadlines: ReportingDeadlines,
    pub instruction_clocks: InstructionClocks,
    pub calendar: HolidayCalendar,
    pub office_hours: OfficeHours,
    /// Who is called, in order, for each kind of alert.
    pub escalation: EscalationChains,
    /// When deadlines are reminded.
    pub reminders: ReminderRules,
}

impl Default for DutyRules {
    fn default() -> Self {
        Self {
            thresholds: GradeThresholds::default(),
            deadlines: ReportingDeadlines::default(),
            instruction_clocks: InstructionClocks::default(),
            calendar: HolidayCalendar::shipped(),
            office_hours: OfficeHours::default(),
            escalation: EscalationChains::default(),
            reminders: ReminderRules::default(),
        }
    }
}
