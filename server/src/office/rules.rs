//! The office's rules with their numbers: defaults from the reference, replaceable by configuration.

use zhiban_model::rules::analysis::{CompoundRules, EarlyWarningRules, Taxonomy};
use zhiban_model::rules::calendar::HolidayCalendar;
use zhiban_model::rules::deadlines::{InstructionClocks, ReportingDeadlines};
use zhiban_model::rules::escalation::EscalationChains;
use zhiban_model::rules::grade::GradeThresholds;
use zhiban_model::rules::reminders::ReminderRules;
use zhiban_model::rules::roster::OfficeHours;
use zhiban_model::rules::scores::ScoreWeights;
use zhiban_model::rules::spot_checks::SpotCheckRules;

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
    /// The office's incident categories, which the analysis sorts incidents into by what reports say.
    pub taxonomy: Taxonomy,
    pub early_warning: EarlyWarningRules,
    pub compound_risk: CompoundRules,
    /// Points and deductions in the units' scores.
    pub scores: ScoreWeights,
    pub spot_checks: SpotCheckRules,
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
            taxonomy: Taxonomy::default(),
            early_warning: EarlyWarningRules::default(),
            compound_risk: CompoundRules::default(),
            scores: ScoreWeights::default(),
            spot_checks: SpotCheckRules::default(),
        }
    }
}
