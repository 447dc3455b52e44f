//! The office's rules with their numbers: defaults from the reference, replaceable by configuration.

use zhiban_model::rules::calendar::HolidayCalendar;
use zhiban_model::rules::deadlines::{InstructionClocks, ReportingDeadlines};
use zhiban_model::rules::grade::GradeThresholds;
use zhiban_model::rules::roster::OfficeHours;

#[derive(Debug, Clone)]
pub struct DutyRules {
    pub thresholds: GradeThresholds,
    pub deadlines: ReportingDeadlines,
    pub instruction_clocks: InstructionClocks,
    pub calendar: HolidayCalendar,
    pub office_hours: OfficeHours,
}

impl Default for DutyRules {
    fn default() -> Self {
        Self {
            thresholds: GradeThresholds::default(),
            deadlines: ReportingDeadlines::default(),
            instruction_clocks: InstructionClocks::default(),
            calendar: HolidayCalendar::shipped(),
            office_hours: OfficeHours::default(),
        }
    }
}
