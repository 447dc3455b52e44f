//! Resolving a chain to people when an alert starts: who is on duty now (the projected rosters), the
//! unit's head (the directory), the unit's people with a role (the accounts). Steps nobody fills are left
//! out, so the chain goes on to someone who can answer.

use zhiban_model::documents::directory::Rank;
use zhiban_model::rules::escalation::{Callee, EscalationChain, FrozenStep};

use super::AlertError;
use crate::accounts::Accounts;
use crate::office::Office;
use crate::projection::on_duty::on_duty;

pub(super) async fn for_unit(
    office: &Office,
    chain: &EscalationChain,
    unit: &str,
    now: i64,
) -> Result<Vec<FrozenStep>, AlertError> {
    let duty = on_duty(&office.database, unit, now).await?;
    let directory = office.directory();
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
                Callee::Role(role) => people.extend(
                    Accounts::active_viewers(&office.database)
                        .await?
                        .into_iter()
                        .filter(|v| v.unit == unit && v.has(*role))
                        .map(|v| v.person),
                ),
                Callee::Person(person) => people.push(person.clone()),
            }
        }
        people.dedup();
        if !people.is_empty() {
            frozen.push(FrozenStep { people, wait_minutes: step.wait_minutes, times: step.times });
        }
    }
    Ok(frozen)
}
