//! Who may change a leader's instruction. Leaders and the desk issue instructions and add recipients (a
//! leader in their own name; the desk may record an instruction a leader gave by phone) and the desk relays
//! them; the desk or the issuing leader may correct the text until it is relayed or acknowledged (then the
//! document rules keep it as it was); each recipient adds only their own acknowledgement and progress;
//! feedback comes from a recipient or the desk, and the desk closes.

use super::read::addressed_to;
use super::{Refusal, Viewer, appended};
use crate::documents::Known;
use crate::documents::directory::Role;
use crate::documents::instruction::Instruction;

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
    let Some(before) = before else {
        if !(desk || (viewer.has(Role::Leader) && after.leader == me)) {
            refused.push(Refusal::new(
                "instruction.create",
                "only a leader (in their own name) or the desk issues an instruction",
            ));
        }
        for (key, ack) in &after.acknowledgements {
            if ack.person != me {
                refused.push(Refusal::new("instruction.acknowledge", format!("acknowledgement {key} is not yours")));
            }
        }
        return;
    };

    if after.text != before.text && !(desk || (viewer.has(Role::Leader) && before.leader == me)) {
        refused.push(Refusal::new(
            "instruction.text",
            "only the desk or the leader who gave it corrects an instruction's text",
        ));
    }
    if (after.recipients != before.recipients || after.incident != before.incident) && !issuer {
        refused.push(Refusal::new(
            "instruction.recipients",
            "only a leader or the desk changes an instruction's recipients or relays it",
        ));
    }
    for (key, ack) in &after.acknowledgements {
        if !before.acknowledgements.contains_key(key) && ack.person != me {
            refused.push(Refusal::new(
                "instruction.acknowledge",
                format!("acknowledgement {key} is by {:?}; you may acknowledge only for yourself", ack.person),
            ));
        }
    }
    let recipient = addressed_to(viewer, before);
    for entry in appended(&before.progress, &after.progress) {
        if entry.by != me || !(recipient || desk) {
            refused.push(Refusal::new(
                "instruction.progress",
                "progress is added by a recipient or the desk, in their own name",
            ));
        }
    }
    if before.feedback.is_none()
        && let Some(feedback) = &after.feedback
        && (feedback.by != me || !(recipient || desk))
    {
        refused.push(Refusal::new(
            "instruction.feedback",
            "feedback is given by a recipient or the desk, in their own name",
        ));
    }
    if before.closure.is_none()
        && let Some(closure) = &after.closure
        && (closure.by != me || !desk)
    {
        refused.push(Refusal::new("instruction.close", "only the desk closes an instruction, in its own name"));
    }
}
