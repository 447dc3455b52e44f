//! Who may change a roster. A unit's officers (or the desk, taking one down by phone) draw it up and edit it
//! while it is a draft or returned, then the officers file it; the desk accepts or returns it. Shift swaps
//! and handover notes are the record of duty being done and are added by the unit's officers at any time,
//! in their own name.
//!
//! A new roster is judged as its heading (unit and period: who may draw up a roster for that unit) and then
//! as its shifts, leaders, swaps, notes and filing steps added to a roster holding only that heading, by
//! the same rules as an edit.

use super::{Refusal, Viewer, appended};
use crate::documents::Known;
use crate::documents::directory::Role;
use crate::documents::roster::{FilingStatus, RosterDocument};

/// The roster as it is when first drawn up: its unit and period, nothing on it yet.
pub(super) fn heading_of(roster: &RosterDocument) -> RosterDocument {
    RosterDocument {
        kind: roster.kind.clone(),
        schema: roster.schema,
        unit: roster.unit.clone(),
        period_start: roster.period_start.clone(),
        period_end: roster.period_end.clone(),
        shifts: Default::default(),
        leaders: Default::default(),
        swaps: Vec::new(),
        handover_notes: Vec::new(),
        filing: Vec::new(),
    }
}

pub(super) fn check(
    viewer: &Viewer,
    before: Option<&RosterDocument>,
    after: &RosterDocument,
    known: &(impl Known + ?Sized),
    refused: &mut Vec<Refusal>,
) {
    let me = viewer.person.as_str();
    let desk = viewer.has(Role::Desk);
    let officer = viewer.oversees(&after.unit, known);
    if before.is_none() && !(officer || desk) {
        refused.push(
            Refusal::new(
                "roster.create",
                format!("only the officers of unit {:?} (or the desk) draw up its roster", after.unit),
                format!("单位 {} 的排班表只能由本单位值班人员（或值班台）编制", after.unit),
            )
            .at("unit"),
        );
        return;
    }
    let heading = heading_of(after);
    let before = before.unwrap_or(&heading);
    if after.unit != before.unit {
        refused.push(
            Refusal::new(
                "roster.unit",
                "a roster's unit does not change; draw up a new roster instead",
                "排班表的单位不能更改；请另行编制排班表",
            )
            .at("unit"),
        );
    }
    let contents_changed = after.period_start != before.period_start
        || after.period_end != before.period_end
        || after.shifts != before.shifts
        || after.leaders != before.leaders;
    if contents_changed {
        if !(officer || desk) {
            refused.push(Refusal::new(
                "roster.edit",
                format!("only the officers of unit {:?} (or the desk) edit its roster", before.unit),
                format!("单位 {} 的排班表只能由本单位值班人员（或值班台）修改", before.unit),
            ));
        } else if !matches!(before.filing_status(), FilingStatus::Draft | FilingStatus::Returned) {
            refused.push(Refusal::new(
                "roster.edit.filed",
                "the roster is filed or accepted; it can be edited again only after the desk returns it (record changes on duty as swaps)",
                "排班表已报备或已被接收；须经值班台退回后才能再修改（值班中的变动请登记为换班）",
            ));
        }
    }
    let records_ok = appended(&before.swaps, &after.swaps).iter().all(|s| s.by == me)
        && appended(&before.handover_notes, &after.handover_notes).iter().all(|n| n.by == me);
    let records_changed = after.swaps != before.swaps || after.handover_notes != before.handover_notes;
    if records_changed && !(officer && records_ok) {
        let part = if after.swaps != before.swaps { "swaps" } else { "handover_notes" };
        refused.push(
            Refusal::new(
                "roster.records",
                "shift swaps and handover notes are added by the unit's officers, in their own name",
                "换班记录和交接班记录由本单位值班人员以本人名义登记",
            )
            .at(part),
        );
    }
    for step in appended(&before.filing, &after.filing) {
        let allowed = step.by == me
            && match step.status {
                FilingStatus::Draft | FilingStatus::Filed => officer,
                FilingStatus::Accepted | FilingStatus::Returned => desk,
            };
        if !allowed {
            refused.push(
                Refusal::new(
                    "roster.filing",
                    "the unit's officers file their roster and the desk accepts or returns it, each in their own name",
                    "排班表由本单位值班人员报备、由值班台接收或退回，均须以本人名义",
                )
                .at("filing"),
            );
        }
    }
}
