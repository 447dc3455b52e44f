//! Escalation chains: who is called, in order, when an alert goes unacknowledged. Each step calls some
//! people, waits, calls them again up to a number of times, then goes on to the next step. The default
//! follows a duty room's ranks: the deputy officer on duty, then the main officer, then the leader on duty,
//! then the unit's head.

use crate::documents::directory::Role;

/// Who a step calls, for an alert to a unit.
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

impl Default for EscalationChain {
    fn default() -> Self {
        let step = |notify, wait_minutes, times| EscalationStep { notify: vec![notify], wait_minutes, times };
        Self {
            steps: vec![
                step(Callee::Deputy, 3, 2),
                step(Callee::Main, 3, 2),
                step(Callee::Leader, 5, 2),
                step(Callee::UnitHead, 10, 1),
            ],
        }
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
}
