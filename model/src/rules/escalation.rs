//! Escalation chains: who is called, in order, when an alert goes unacknowledged. Each step calls some
//! people, waits, calls them again up to a number of times, then goes on to the next step. There is one
//! chain per kind of alert (`ChainFor`), each replaceable in the rules file; the defaults follow a duty
//! room's ranks: the deputy officer on duty, then the main officer, then the leader on duty, then the unit's
//! head.

use crate::documents::directory::Role;

/// Who a step calls. A chain runs for one recipient of an alert: a unit, or a person (whose own unit then
/// stands for "the unit").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callee {
    /// The deputy officer on duty now (值班副班).
    Deputy,
    /// The main officer on duty now (值班主班).
    Main,
    /// The leader on duty now (带班领导).
    Leader,
    /// The unit's principal leader (主要负责人) in the directory.
    UnitHead,
    /// Everyone of the unit holding this role.
    Role(Role),
    /// A named person.
    Person(String),
    /// The person the alert is addressed to (a chain for a person recipient).
    Recipient,
}

impl Callee {
    /// Reads a callee as the rules file writes it: `deputy`, `main`, `leader`, `unit_head`, `recipient`,
    /// `role:desk`, `person:<id>`.
    pub fn parse(text: &str) -> Result<Callee, String> {
        Ok(match text {
            "deputy" => Callee::Deputy,
            "main" => Callee::Main,
            "leader" => Callee::Leader,
            "unit_head" => Callee::UnitHead,
            "recipient" => Callee::Recipient,
            _ => match text.split_once(':') {
                Some(("role", code)) => Callee::Role(Role::parse(code).ok_or_else(|| {
                    let known: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
                    format!("{code:?} is not a role (known: {})", known.join(", "))
                })?),
                Some(("person", id)) if !id.is_empty() => Callee::Person(id.to_owned()),
                _ => {
                    return Err(format!(
                        "{text:?} is not a callee (deputy, main, leader, unit_head, recipient, role:CODE, person:ID)"
                    ));
                }
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationStep {
    pub notify: Vec<Callee>,
    /// Minutes between calls, and before the next step.
    pub wait_minutes: i64,
    /// How many times this step calls (at least once).
    pub times: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationChain {
    pub steps: Vec<EscalationStep>,
}

fn step(notify: &[Callee], wait_minutes: i64, times: u32) -> EscalationStep {
    EscalationStep { notify: notify.to_vec(), wait_minutes, times }
}

impl Default for EscalationChain {
    /// A unit's duty room, rank by rank.
    fn default() -> Self {
        Self {
            steps: vec![
                step(&[Callee::Deputy], 3, 2),
                step(&[Callee::Main], 3, 2),
                step(&[Callee::Leader], 5, 2),
                step(&[Callee::UnitHead], 10, 1),
            ],
        }
    }
}

/// What an alert's recipient is, which picks its chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChainFor {
    /// A unit addressed by a leader's instruction.
    Instruction,
    /// A person addressed directly: by an instruction, or as the leader on duty for a serious incident.
    Person,
    /// The desk, for a new or upgraded incident of grade Ⅲ or higher, or sensitive.
    SeriousIncident,
    /// The responsible unit, for a report about to fall due.
    ReportDue,
    /// A handling unit, for an instruction's feedback due soon or overdue.
    FeedbackDue,
    /// A unit that has not filed its roster for a coming holiday.
    RosterFiling,
    /// The desk, for an early warning: a region sees far more incidents of one kind than it usually does.
    EarlyWarning,
}

impl ChainFor {
    pub const ALL: [ChainFor; 7] = [
        ChainFor::Instruction,
        ChainFor::Person,
        ChainFor::SeriousIncident,
        ChainFor::ReportDue,
        ChainFor::FeedbackDue,
        ChainFor::RosterFiling,
        ChainFor::EarlyWarning,
    ];

    /// The chain's name in the rules file.
    pub fn code(self) -> &'static str {
        match self {
            ChainFor::Instruction => "instruction",
            ChainFor::Person => "person",
            ChainFor::SeriousIncident => "serious_incident",
            ChainFor::ReportDue => "report_due",
            ChainFor::FeedbackDue => "feedback_due",
            ChainFor::RosterFiling => "roster_filing",
            ChainFor::EarlyWarning => "early_warning",
        }
    }

    pub fn parse(code: &str) -> Option<ChainFor> {
        ChainFor::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// The office's chains, one per `ChainFor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationChains {
    pub instruction: EscalationChain,
    pub person: EscalationChain,
    pub serious_incident: EscalationChain,
    pub report_due: EscalationChain,
    pub feedback_due: EscalationChain,
    pub roster_filing: EscalationChain,
    pub early_warning: EscalationChain,
}

impl Default for EscalationChains {
    fn default() -> Self {
        use Callee::*;
        let chain = |steps: Vec<EscalationStep>| EscalationChain { steps };
        Self {
            instruction: EscalationChain::default(),
            person: chain(vec![step(&[Recipient], 3, 3)]),
            // The desk's officers on duty at once; then every desk officer; then the office's head.
            serious_incident: chain(vec![
                step(&[Main, Deputy], 3, 2),
                step(&[Role(crate::documents::directory::Role::Desk)], 3, 1),
                step(&[UnitHead], 10, 1),
            ]),
            report_due: chain(vec![step(&[Main, Deputy], 5, 2), step(&[Leader], 10, 1)]),
            feedback_due: chain(vec![step(&[Main, Deputy], 30, 2), step(&[Leader], 60, 1), step(&[UnitHead], 60, 1)]),
            roster_filing: chain(vec![
                step(&[Role(crate::documents::directory::Role::UnitOfficer)], 120, 2),
                step(&[UnitHead], 240, 1),
            ]),
            // A trend, not an emergency in progress: the desk's officers on duty, then every desk officer, then
            // the office's head, with more time between than for a serious incident.
            early_warning: chain(vec![
                step(&[Main, Deputy], 10, 2),
                step(&[Role(crate::documents::directory::Role::Desk)], 10, 1),
                step(&[UnitHead], 30, 1),
            ]),
        }
    }
}

impl EscalationChains {
    pub fn get(&self, which: ChainFor) -> &EscalationChain {
        match which {
            ChainFor::Instruction => &self.instruction,
            ChainFor::Person => &self.person,
            ChainFor::SeriousIncident => &self.serious_incident,
            ChainFor::ReportDue => &self.report_due,
            ChainFor::FeedbackDue => &self.feedback_due,
            ChainFor::RosterFiling => &self.roster_filing,
            ChainFor::EarlyWarning => &self.early_warning,
        }
    }

    pub fn set(&mut self, which: ChainFor, chain: EscalationChain) {
        let slot = match which {
            ChainFor::Instruction => &mut self.instruction,
            ChainFor::Person => &mut self.person,
            ChainFor::SeriousIncident => &mut self.serious_incident,
            ChainFor::ReportDue => &mut self.report_due,
            ChainFor::FeedbackDue => &mut self.feedback_due,
            ChainFor::RosterFiling => &mut self.roster_filing,
            ChainFor::EarlyWarning => &mut self.early_warning,
        };
        *slot = chain;
    }
}

/// One step with its callees resolved to people when the alert started: a roster edit later does not change
/// who is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenStep {
    pub people: Vec<String>,
    pub wait_minutes: i64,
    pub times: u32,
}

/// Where an escalation stands after a call: the next call's step and round, or the end of the chain.
pub fn next(chain: &[FrozenStep], step: usize, round: u32) -> Option<(usize, u32)> {
    let current = chain.get(step)?;
    if round + 1 < current.times.max(1) {
        Some((step, round + 1))
    } else if step + 1 < chain.len() {
        Some((step + 1, 0))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_calls_each_step_its_times_then_moves_on_and_ends() {
        let chain = vec![
            FrozenStep { people: vec!["zhao".into()], wait_minutes: 3, times: 2 },
            FrozenStep { people: vec!["wang".into()], wait_minutes: 3, times: 1 },
        ];
        assert_eq!(next(&chain, 0, 0), Some((0, 1)));
        assert_eq!(next(&chain, 0, 1), Some((1, 0)));
        assert_eq!(next(&chain, 1, 0), None);
        assert_eq!(next(&chain, 5, 0), None);
    }

    #[test]
    fn callees_read_as_the_rules_file_writes_them() {
        assert_eq!(Callee::parse("leader"), Ok(Callee::Leader));
        assert_eq!(Callee::parse("role:unit_officer"), Ok(Callee::Role(Role::UnitOfficer)));
        assert_eq!(Callee::parse("person:p_zhao"), Ok(Callee::Person("p_zhao".into())));
        assert!(Callee::parse("role:mayor").expect_err("no such role").contains("not a role"));
        assert!(Callee::parse("boss").expect_err("no such callee").contains("not a callee"));
        assert!(Callee::parse("person:").is_err());
        for which in ChainFor::ALL {
            assert_eq!(ChainFor::parse(which.code()), Some(which));
        }
    }
}
