//! Who may change a leader's instruction. Leaders and the desk issue instructions and add recipients (a
//! leader in their own name; the desk may record an instruction a leader gave by phone) and the desk relays
//! them; the desk or the issuing leader may correct the text until it is relayed or acknowledged (then the
//! document rules keep it as it was); each recipient adds only their own acknowledgement and progress;
//! feedback comes from a recipient or the desk, and the desk closes.
//!
//! A new instruction is judged as its heading (the leader, the time and text, the incident it is on: who may
//! issue it) and then as every part of it (recipients, acknowledgements, progress, feedback, closure) added
//! to an instruction holding only that heading, by the same rules as an edit. The ledger number and the
//! server's receipt times are the server's (the document rules refuse them from anyone else).

use super::read::addressed_to;
use super::{Refusal, Viewer, appended, short};
use crate::documents::Known;
use crate::documents::directory::Role;
use crate::documents::instruction::Instruction;

/// The instruction as it is when first made, before anyone is added to it or answers it.
pub(super) fn heading_of(instruction: &Instruction) -> Instruction {
    Instruction {
        kind: instruction.kind.clone(),
        schema: instruction.schema,
        number: None,
        leader: instruction.leader.clone(),
        issued_at: instruction.issued_at.clone(),
        text: instruction.text.clone(),
        incident: instruction.incident.clone(),
        recipients: Default::default(),
        acknowledgements: Default::default(),
        progress: Vec::new(),
        feedback: None,
        closure: None,
    }
}

/// Whether `viewer` may remind the recipients of `instruction` (催办: an alert that calls them along their
/// rosters, not a change to the document): the desk, or the leader who gave it.
pub fn may_remind(viewer: &Viewer, instruction: &Instruction) -> Result<(), Refusal> {
    if viewer.has(Role::Desk) || (viewer.has(Role::Leader) && instruction.leader == viewer.person) {
        Ok(())
    } else {
        Err(Refusal::new(
            "instruction.remind",
            "only the desk or the leader who gave it reminds its recipients",
            "只有值班台或作出批示的领导可以向接收方催办",
        ))
    }
}

pub(super) fn check(
    viewer: &Viewer,
    before: Option<&Instruction>,
    after: &Instruction,
    _known: &(impl Known + ?Sized),
    refused: &mut Vec<Refusal>,
) {
    let me = viewer.person.as_str();
    let desk = viewer.has(Role::Desk);
    let issuer = desk || viewer.has(Role::Leader);
    if before.is_none() && !(desk || (viewer.has(Role::Leader) && after.leader == me)) {
        refused.push(Refusal::new(
            "instruction.create",
            "only a leader (in their own name) or the desk issues an instruction",
            "只有领导（以本人名义）或值班台可以录入领导批示",
        ));
        return;
    }
    let heading = heading_of(after);
    let before = before.unwrap_or(&heading);

    if after.text != before.text && !(desk || (viewer.has(Role::Leader) && before.leader == me)) {
        refused.push(
            Refusal::new(
                "instruction.text",
                "only the desk or the leader who gave it corrects an instruction's text",
                "只有值班台或作出批示的领导可以更正批示内容",
            )
            .at("text"),
        );
    }
    if (after.recipients != before.recipients || after.incident != before.incident) && !issuer {
        let part = if after.recipients != before.recipients { "recipients" } else { "incident" };
        refused.push(
            Refusal::new(
                "instruction.recipients",
                "only a leader or the desk changes an instruction's recipients or relays it",
                "只有领导或值班台可以更改批示的接收方或转达批示",
            )
            .at(part),
        );
    }
    // A relay is recorded in the name of whoever relayed it.
    let relayed_by_another = after.recipients.iter().find(|(id, r)| {
        let was = before.recipients.get(*id).and_then(|b| b.relayed_at.as_ref());
        r.relayed_at.is_some() && r.relayed_at.as_ref() != was && r.relayed_by.as_deref() != Some(me)
    });
    if let Some((id, _)) = relayed_by_another {
        refused.push(
            Refusal::new("instruction.relay", "an instruction is relayed in your own name", "批示须以本人名义转达")
                .at(format!("recipients/{id}/relayed_by")),
        );
    }
    for (key, ack) in &after.acknowledgements {
        if !before.acknowledgements.contains_key(key) && ack.person != me {
            refused.push(
                Refusal::new(
                    "instruction.acknowledge",
                    format!(
                        "acknowledgement {} is by {:?}; you may acknowledge only for yourself",
                        short(key),
                        ack.person
                    ),
                    format!("签收记录 {} 的签收人是 {}；你只能以本人名义签收", short(key), ack.person),
                )
                .at(format!("acknowledgements/{key}")),
            );
        }
    }
    let recipient = addressed_to(viewer, before);
    for entry in appended(&before.progress, &after.progress) {
        if entry.by != me || !(recipient || desk) {
            refused.push(
                Refusal::new(
                    "instruction.progress",
                    "progress is added by a recipient or the desk, in their own name",
                    "办理进展由接收方或值班台以本人名义报告",
                )
                .at("progress"),
            );
        }
    }
    if before.feedback.is_none()
        && let Some(feedback) = &after.feedback
        && (feedback.by != me || !(recipient || desk))
    {
        refused.push(
            Refusal::new(
                "instruction.feedback",
                "feedback is given by a recipient or the desk, in their own name",
                "综合反馈由接收方或值班台以本人名义报送",
            )
            .at("feedback"),
        );
    }
    if before.closure.is_none()
        && let Some(closure) = &after.closure
        && (closure.by != me || !desk)
    {
        refused.push(
            Refusal::new(
                "instruction.close",
                "only the desk closes an instruction, in its own name",
                "只有值班台可以以本人名义办结批示",
            )
            .at("closure"),
        );
    }
}
