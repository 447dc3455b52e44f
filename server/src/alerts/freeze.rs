//! Resolving a chain to people when an alert starts: who is on duty now (the projected rosters), the
//! unit's head (the directory), the unit's people with a role (the accounts). Steps nobody fills are left
//! out, so the chain goes on to someone who can answer.

use zhiban_model::documents::directory::Rank;
use zhiban_model::rules::escalation::{Callee, EscalationChain, FrozenStep};

use super::AlertError;
use crate::accounts::Accounts;
use crate::office::Office;
use crate::projection::on_duty::on_duty;

/// The chain of one recipient: `unit` is the duty room the chain's ranks are taken from (the recipient
/// unit, or a person recipient's own unit), `person` the person addressed, if one is.
pub(super) async fn freeze(
    office: &Office,
    chain: &EscalationChain,
    unit: &str,
    person: Option<&str>,
    now: i64,
) -> Result<Vec<FrozenStep>, AlertError> {
    let duty = on_duty(&office.database, unit, now).await?;
    let directory = office.directory();
    let mut viewers = None;
    let mut frozen = Vec::new();
    for step in &chain.steps {
        let mut people: Vec<String> = Vec::new();
        for callee in &step.notify {
            match callee {
                Callee::Deputy => people.extend(duty.deputy.clone()),
                Callee::Main => people.extend(duty.main.clone()),
                Callee::Leader => people.extend(duty.leader.clone()),
                Callee::UnitHead => people.extend(
                    directory
                        .people
                        .iter()
                        .filter(|(_, p)| p.unit == unit && p.rank == Rank::Principal)
                        .map(|(id, _)| id.clone()),
                ),
                Callee::Role(role) => {
                    if viewers.is_none() {
                        viewers = Some(Accounts::active_viewers(&office.database).await?);
                    }
                    let holders = viewers.iter().flatten().filter(|v| v.unit == unit && v.has(*role));
                    people.extend(holders.map(|v| v.person.clone()))
                }
                Callee::Person(id) => people.push(id.clone()),
                Callee::Recipient => people.extend(person.map(str::to_owned)),
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        people.retain(|p| seen.insert(p.clone()));
        if !people.is_empty() {
            frozen.push(FrozenStep { people, wait_minutes: step.wait_minutes, times: step.times });
        }
    }
    Ok(frozen)
}
