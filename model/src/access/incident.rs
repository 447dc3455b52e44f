//! Who may change an incident. Reporters add report entries and attachments to the incidents they may
//! report on; the desk moves the lifecycle, confirms the grade, corrects figures, judges timeliness, assigns
//! reporters, and sets the title, unit and sensitivity. Submitted entries are never edited (the document
//! rules refuse that for everyone).
//!
//! A new incident is judged as its heading (title, unit, time received, sensitivity: who may file for that
//! unit) and then as every part of it added to an incident holding only that heading, by the same rules as
//! an edit: an incident cannot be born with records nobody could have added to it.

use super::{Refusal, Viewer, appended, short};
use crate::documents::Known;
use crate::documents::directory::Role;
use crate::documents::incident::{Incident, Stage};

/// The incident as it is when first made, before any record is added: its heading only.
pub(super) fn heading_of(incident: &Incident) -> Incident {
    Incident {
        kind: incident.kind.clone(),
        schema: incident.schema,
        title: incident.title.clone(),
        unit: incident.unit.clone(),
        received_at: incident.received_at.clone(),
        sensitive: incident.sensitive,
        entries: Default::default(),
        lifecycle: Vec::new(),
        grade_confirmations: Vec::new(),
        figures: Vec::new(),
        attachments: Default::default(),
        judgements: Vec::new(),
        assignees: Default::default(),
    }
}

/// Whether `viewer` may add reports to `incident`: the desk; a unit officer over its reporting unit; a
/// field reporter who filed it or was assigned to it (or, filing it, of its reporting unit).
fn may_report(viewer: &Viewer, incident: &Incident, known: &(impl Known + ?Sized), new: bool) -> bool {
    if viewer.has(Role::Desk) || viewer.oversees(&incident.unit, known) {
        return true;
    }
    viewer.has(Role::Field)
        && (incident.assignees.contains_key(&viewer.person)
            || (new && known.is_within(&incident.unit, &viewer.unit))
            || (!new && incident.filed_by(&viewer.person)))
}

pub(super) fn check(
    viewer: &Viewer,
    before: Option<&Incident>,
    after: &Incident,
    known: &(impl Known + ?Sized),
    refused: &mut Vec<Refusal>,
) {
    let new = before.is_none();
    if new && !may_report(viewer, after, known, true) {
        refused.push(
            Refusal::new(
                "incident.create",
                format!(
                    "you cannot file reports for unit {:?}; reports are filed by its own staff or the desk",
                    after.unit
                ),
                format!("你不能为单位 {} 报送信息；信息由该单位人员或值班台报送", after.unit),
            )
            .at("unit"),
        );
        return;
    }
    let heading = heading_of(after);
    let before = before.unwrap_or(&heading);
    let me = viewer.person.as_str();
    let desk = viewer.has(Role::Desk);

    let added_entries: Vec<_> = after.entries.iter().filter(|(id, _)| !before.entries.contains_key(*id)).collect();
    if !added_entries.is_empty() && !new && !may_report(viewer, before, known, false) {
        refused.push(
            Refusal::new(
                "incident.report",
                "you may add reports only to incidents you filed or were assigned to, or of units you oversee",
                "你只能为本人报送过的、被派往的或所辖单位的事件报送续报、终报",
            )
            .at("entries"),
        );
    }
    for (id, entry) in &added_entries {
        if entry.reporter.person != me && entry.recorded_by.as_deref() != Some(me) {
            refused.push(
                Refusal::new(
                    "incident.report.author",
                    format!(
                        "report {} names {:?} as reporter; you may submit only your own reports",
                        short(id),
                        entry.reporter.person
                    ),
                    format!("报告 {} 的报送人是 {}；你只能以本人名义报送", short(id), entry.reporter.person),
                )
                .at(format!("entries/{id}/reporter/person")),
            );
        }
    }
    let added_attachments: Vec<_> =
        after.attachments.iter().filter(|(sha, _)| !before.attachments.contains_key(*sha)).collect();
    if !added_attachments.is_empty() && !may_report(viewer, before, known, new) {
        refused.push(
            Refusal::new(
                "incident.attachment",
                "you may attach files only to incidents you report on",
                "你只能为本人可以报送信息的事件添加附件",
            )
            .at("attachments"),
        );
    }
    for (sha, attachment) in &added_attachments {
        if attachment.added_by != me {
            refused.push(
                Refusal::new(
                    "incident.attachment.author",
                    format!("attachment {} is marked as added by {:?}, not by you", short(sha), attachment.added_by),
                    format!("附件 {} 标注的添加人是 {}，不是你本人", short(sha), attachment.added_by),
                )
                .at(format!("attachments/{sha}/added_by")),
            );
        }
    }

    // Figures follow a new report (set by its reporter) or are corrected by the desk.
    for record in appended(&before.figures, &after.figures) {
        let from_new_entry = record.from_entry.as_deref().is_some_and(|e| {
            added_entries.iter().any(|(id, entry)| id.as_str() == e && entry.reporter.person == record.set_by)
        });
        if !(from_new_entry || (desk && record.set_by == me)) {
            refused.push(
                Refusal::new(
                    "incident.figures",
                    "only the desk corrects the figures, in its own name",
                    "只有值班台可以以本人名义更正伤亡和损失数字",
                )
                .at("figures"),
            );
        }
    }

    // The desk's steps, each in the desk officer's own name. A new incident starts with its `received` step,
    // recorded by whoever files it.
    for step in appended(&before.lifecycle, &after.lifecycle) {
        let opening = new && step.stage == Stage::Received && step.by == me;
        if !(opening || (desk && step.by == me)) {
            refused.push(
                Refusal::new(
                    "incident.lifecycle",
                    "only the desk moves an incident on, in its own name",
                    "只有值班台可以以本人名义推进事件办理环节",
                )
                .at("lifecycle"),
            );
        }
    }
    if appended(&before.grade_confirmations, &after.grade_confirmations).iter().any(|c| !(desk && c.by == me)) {
        refused.push(
            Refusal::new(
                "incident.grade",
                "only the desk confirms the grade, in its own name",
                "只有值班台可以以本人名义研判定级",
            )
            .at("grade_confirmations"),
        );
    }
    if appended(&before.judgements, &after.judgements).iter().any(|j| !(desk && j.by == me)) {
        refused.push(
            Refusal::new(
                "incident.judgement",
                "only the desk judges timeliness and accuracy, in its own name",
                "只有值班台可以以本人名义认定迟报、漏报、瞒报、谎报",
            )
            .at("judgements"),
        );
    }
    let assigned_now =
        after.assignees.iter().filter(|(person, a)| before.assignees.get(*person) != Some(*a)).any(|(_, a)| a.by != me);
    if after.assignees != before.assignees && (!desk || assigned_now) {
        refused.push(
            Refusal::new(
                "incident.assign",
                "only the desk assigns reporters to an incident, in its own name",
                "只有值班台可以以本人名义为事件派员",
            )
            .at("assignees"),
        );
    }
    let heading_changed: Vec<&str> = [
        ("title", after.title != before.title),
        ("unit", after.unit != before.unit),
        ("sensitive", after.sensitive != before.sensitive),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect();
    if !heading_changed.is_empty() && !desk {
        let refusal = Refusal::new(
            "incident.heading",
            "only the desk changes an incident's title, unit or sensitivity",
            "只有值班台可以修改事件的标题、报送单位或敏感标记",
        );
        // Beside the one field changed; about the heading as a whole when several were.
        refused.push(match heading_changed.as_slice() {
            [field] => refusal.at(*field),
            _ => refusal,
        });
    }
}
