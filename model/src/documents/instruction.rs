//! A leader's instruction (领导批示): text, leader, related incident, recipients; the desk relays it to each
//! recipient, every recipient acknowledges receipt on a phone (签收), handling units report progress, the
//! comprehensive feedback goes back to the leader, and the desk closes it (办结).
//!
//! The ledger number (2027-014) and each acknowledgement's server receipt time are written by the server,
//! where the ledger is kept and the clock is trusted; a phone that tries to write them is refused.
//! Acknowledgements are keyed by recipient and person, so two people acknowledging offline both keep theirs.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, FixedOffset};

use super::time::{format_instant, parse_instant};
use super::{DocumentError, FieldError, Known, Named, is_subsequence, read_document};
use crate::refusal::Explain;
use crate::rules::numbering::LedgerNumber;

pub const KIND: &str = "instruction";
pub const SCHEMA: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum RecipientKind {
    #[autosurgeon(rename = "unit")]
    Unit,
    #[autosurgeon(rename = "person")]
    Person,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Recipient {
    pub kind: RecipientKind,
    /// When the desk relayed it to this recipient.
    pub relayed_at: Option<String>,
    pub relayed_by: Option<String>,
}

/// Receipt acknowledged by one person for one recipient (签收).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Acknowledgement {
    pub recipient: String,
    pub person: String,
    /// The phone it was acknowledged on.
    pub device: String,
    /// By the phone's clock.
    pub acknowledged_at: String,
    /// When the server first stored it: the time that counts, since a phone's clock can be wrong.
    pub server_received_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct ProgressEntry {
    pub by: String,
    pub unit: String,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Note {
    pub by: String,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Instruction {
    #[autosurgeon(rename = "type")]
    pub kind: String,
    pub schema: i64,
    /// The ledger number, `2027-014`; assigned by the server when it first stores the instruction.
    pub number: Option<String>,
    /// The leader's person id.
    pub leader: String,
    pub issued_at: String,
    pub text: String,
    /// The incident it was written on (an `automerge:` URL), if any.
    pub incident: Option<String>,
    /// Keyed by unit id or person id.
    pub recipients: BTreeMap<String, Recipient>,
    /// Keyed by `recipient/person`.
    pub acknowledgements: BTreeMap<String, Acknowledgement>,
    pub progress: Vec<ProgressEntry>,
    /// The comprehensive feedback to the leader.
    pub feedback: Option<Note>,
    /// Closed (办结) by the desk.
    pub closure: Option<Note>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstructionStatus {
    /// Written, not yet relayed to every recipient.
    Issued,
    /// Relayed to every recipient; some have not acknowledged.
    Relayed,
    /// Every recipient acknowledged.
    Acknowledged,
    /// Feedback given, not closed.
    FedBack,
    Closed,
}

impl InstructionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstructionStatus::Issued => "issued",
            InstructionStatus::Relayed => "relayed",
            InstructionStatus::Acknowledged => "acknowledged",
            InstructionStatus::FedBack => "fed_back",
            InstructionStatus::Closed => "closed",
        }
    }
}

/// The parts of an instruction its problems name.
pub mod names {
    use super::Named;

    pub const TEXT: Named = Named::new("the instruction's text", "批示内容", Some("text"));
    pub const PROGRESS_TEXT: Named = Named::new("progress text", "办理进展内容", Some("progress"));
    pub const FEEDBACK_TEXT: Named = Named::new("feedback text", "反馈内容", Some("feedback"));
    pub const LEDGER_NUMBER: Named = Named::new("the ledger number", "台账编号", Some("number"));
    pub const SERVER_RECEIPT_TIME: Named =
        Named::new("the server receipt time", "服务器收到签收的时间", Some("acknowledgements"));
    pub const LEADER_OR_TIME: Named = Named::new("leader or time of issue", "领导或批示时间", None);
    pub const TEXT_ONCE_OUT: Named =
        Named::new("text, once relayed or acknowledged,", "内容（已转达或已签收后）", Some("text"));
    pub const ACKNOWLEDGEMENTS: Named = Named::new("acknowledgements", "签收记录", Some("acknowledgements"));
    pub const RECIPIENTS: Named = Named::new("recipients", "接收方", Some("recipients"));
    pub const RELAY_TIMES: Named = Named::new("relay times", "转达时间", Some("recipients"));
    pub const PROGRESS: Named = Named::new("progress", "办理进展", Some("progress"));
    pub const FEEDBACK: Named = Named::new("feedback", "综合反馈", Some("feedback"));
    pub const CLOSURE: Named = Named::new("closure", "办结记录", Some("closure"));
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstructionProblem {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("an instruction needs at least one recipient")]
    NoRecipients,
    #[error("recipient {0:?} is neither a unit nor a person in the directory")]
    UnknownRecipient(String),
    #[error("leader {0:?} is not a person in the directory")]
    UnknownLeader(String),
    #[error("{0} must not be empty")]
    Empty(Named),
    #[error("{0:?} is not a recipient of this instruction")]
    NotARecipient(String),
    #[error("{person:?} cannot acknowledge for {recipient:?}: only the person named, or someone of the unit named")]
    NotEntitled { recipient: String, person: String },
    #[error("acknowledgement {0:?} is filed under the wrong key; it must be recipient/person")]
    MisfiledAcknowledgement(String),
    #[error("only the server assigns {0}")]
    ServerOnly(Named),
    #[error("the {0} of an instruction cannot be changed once recorded")]
    HistoryRewritten(Named),
    #[error("the instruction is closed")]
    Closed,
    #[error("an instruction is closed only with its final feedback")]
    CloseWithoutFeedback,
    #[error("{0:?} is not a ledger number like 2027-014")]
    BadNumber(String),
}

impl Explain for InstructionProblem {
    fn zh(&self) -> String {
        match self {
            InstructionProblem::Field(e) => e.zh(),
            InstructionProblem::NoRecipients => "批示至少需要一个接收方".into(),
            InstructionProblem::UnknownRecipient(r) => {
                format!("接收方 {r} 既不是通讯录中的单位，也不是通讯录中的人员")
            }
            InstructionProblem::UnknownLeader(l) => format!("领导 {l} 不在通讯录中"),
            InstructionProblem::Empty(what) => format!("{}不能为空", what.zh),
            InstructionProblem::NotARecipient(r) => format!("{r} 不是此批示的接收方"),
            InstructionProblem::NotEntitled { recipient, person } => {
                format!("{person} 不能代 {recipient} 签收：只能由接收人本人或接收单位的人员签收")
            }
            InstructionProblem::MisfiledAcknowledgement(key) => {
                format!("签收记录 {key} 的键不对；应为“接收方/签收人”")
            }
            InstructionProblem::ServerOnly(what) => format!("{}只能由服务器填写", what.zh),
            InstructionProblem::HistoryRewritten(what) => format!("批示的{}一经记录不能更改", what.zh),
            InstructionProblem::Closed => "该批示已办结".into(),
            InstructionProblem::CloseWithoutFeedback => "须先录入综合反馈，才能办结批示".into(),
            InstructionProblem::BadNumber(n) => format!("“{n}”不是形如 2027-014 的台账编号"),
        }
    }

    fn part(&self) -> Option<String> {
        match self {
            InstructionProblem::Field(e) => e.part(),
            InstructionProblem::NoRecipients => Some("recipients".into()),
            InstructionProblem::UnknownRecipient(r) => Some(format!("recipients/{r}")),
            InstructionProblem::UnknownLeader(_) => Some("leader".into()),
            InstructionProblem::Empty(what)
            | InstructionProblem::ServerOnly(what)
            | InstructionProblem::HistoryRewritten(what) => what.part.map(Into::into),
            InstructionProblem::NotEntitled { recipient, person } => {
                Some(format!("acknowledgements/{}", acknowledgement_key(recipient, person)))
            }
            InstructionProblem::MisfiledAcknowledgement(key) => Some(format!("acknowledgements/{key}")),
            InstructionProblem::Closed => Some("closure".into()),
            InstructionProblem::CloseWithoutFeedback => Some("feedback".into()),
            InstructionProblem::BadNumber(_) => Some("number".into()),
            // Someone signing for a recipient the instruction does not have: no place in it to point at.
            InstructionProblem::NotARecipient(_) => None,
        }
    }
}

fn acknowledgement_key(recipient: &str, person: &str) -> String {
    format!("{recipient}/{person}")
}

impl Instruction {
    pub fn read<R: autosurgeon::ReadDoc + automerge::ReadDoc>(doc: &R) -> Result<Self, DocumentError> {
        read_document(doc, KIND, SCHEMA)
    }

    /// A leader's instruction as the desk records it, unnumbered until the server stores it.
    pub fn issue(
        leader: &str,
        issued_at: DateTime<FixedOffset>,
        text: &str,
        incident: Option<String>,
        recipients: &[String],
        known: &(impl Known + ?Sized),
    ) -> Result<Self, Vec<InstructionProblem>> {
        let recipients = recipients
            .iter()
            .map(|id| {
                let kind = if known.has_unit(id) { RecipientKind::Unit } else { RecipientKind::Person };
                (id.clone(), Recipient { kind, relayed_at: None, relayed_by: None })
            })
            .collect();
        let instruction = Instruction {
            kind: KIND.to_owned(),
            schema: SCHEMA,
            number: None,
            leader: leader.to_owned(),
            issued_at: format_instant(issued_at),
            text: text.trim().to_owned(),
            incident,
            recipients,
            acknowledgements: BTreeMap::new(),
            progress: Vec::new(),
            feedback: None,
            closure: None,
        };
        let problems = instruction.problems(known);
        if problems.is_empty() { Ok(instruction) } else { Err(problems) }
    }

    pub fn ledger_number(&self) -> Option<LedgerNumber> {
        self.number.as_deref().and_then(|n| n.parse().ok())
    }

    pub fn issued_at(&self) -> Result<DateTime<FixedOffset>, FieldError> {
        parse_instant("issued_at", &self.issued_at)
    }

    /// The desk relays it to every recipient not yet relayed to.
    pub fn relay(&mut self, by: &str, at: DateTime<FixedOffset>) -> Result<(), InstructionProblem> {
        self.refuse_if_closed()?;
        for recipient in self.recipients.values_mut().filter(|r| r.relayed_at.is_none()) {
            recipient.relayed_at = Some(format_instant(at));
            recipient.relayed_by = Some(by.to_owned());
        }
        Ok(())
    }

    /// `person` acknowledges receipt for `recipient` on `device`, at the phone's time.
    pub fn acknowledge(
        &mut self,
        recipient: &str,
        person: &str,
        device: &str,
        at: DateTime<FixedOffset>,
        known: &(impl Known + ?Sized),
    ) -> Result<(), InstructionProblem> {
        let Some(entry) = self.recipients.get(recipient) else {
            return Err(InstructionProblem::NotARecipient(recipient.to_owned()));
        };
        if !entitled(entry.kind, recipient, person, known) {
            return Err(InstructionProblem::NotEntitled { recipient: recipient.to_owned(), person: person.to_owned() });
        }
        let key = acknowledgement_key(recipient, person);
        // Acknowledging twice keeps the first.
        self.acknowledgements.entry(key).or_insert_with(|| Acknowledgement {
            recipient: recipient.to_owned(),
            person: person.to_owned(),
            device: device.to_owned(),
            acknowledged_at: format_instant(at),
            server_received_at: None,
        });
        Ok(())
    }

    /// The recipients `person` may acknowledge for and has not yet.
    pub fn awaiting_acknowledgement_by(&self, person: &str, known: &(impl Known + ?Sized)) -> Vec<String> {
        if self.closure.is_some() {
            return Vec::new();
        }
        self.recipients
            .iter()
            .filter(|(id, r)| entitled(r.kind, id, person, known))
            .filter(|(id, _)| !self.acknowledgements.contains_key(&acknowledgement_key(id, person)))
            .filter(|(id, _)| !self.acknowledged_by_recipient(id))
            .map(|(id, _)| id.clone())
            .collect()
    }

    pub fn acknowledged_by_recipient(&self, recipient: &str) -> bool {
        self.acknowledgements.values().any(|a| a.recipient == recipient)
    }

    pub fn add_progress(
        &mut self,
        by: &str,
        unit: &str,
        at: DateTime<FixedOffset>,
        text: &str,
    ) -> Result<(), InstructionProblem> {
        self.refuse_if_closed()?;
        if text.trim().is_empty() {
            return Err(InstructionProblem::Empty(names::PROGRESS_TEXT));
        }
        self.progress.push(ProgressEntry {
            by: by.to_owned(),
            unit: unit.to_owned(),
            at: format_instant(at),
            text: text.trim().to_owned(),
        });
        Ok(())
    }

    pub fn give_feedback(&mut self, by: &str, at: DateTime<FixedOffset>, text: &str) -> Result<(), InstructionProblem> {
        self.refuse_if_closed()?;
        if text.trim().is_empty() {
            return Err(InstructionProblem::Empty(names::FEEDBACK_TEXT));
        }
        if self.feedback.is_some() {
            return Err(InstructionProblem::HistoryRewritten(names::FEEDBACK));
        }
        self.feedback = Some(Note { by: by.to_owned(), at: format_instant(at), text: text.trim().to_owned() });
        Ok(())
    }

    pub fn close(&mut self, by: &str, at: DateTime<FixedOffset>, note: &str) -> Result<(), InstructionProblem> {
        self.refuse_if_closed()?;
        if self.feedback.is_none() {
            return Err(InstructionProblem::CloseWithoutFeedback);
        }
        self.closure = Some(Note { by: by.to_owned(), at: format_instant(at), text: note.trim().to_owned() });
        Ok(())
    }

    fn refuse_if_closed(&self) -> Result<(), InstructionProblem> {
        if self.closure.is_some() { Err(InstructionProblem::Closed) } else { Ok(()) }
    }

    pub fn status(&self) -> InstructionStatus {
        if self.closure.is_some() {
            InstructionStatus::Closed
        } else if self.feedback.is_some() {
            InstructionStatus::FedBack
        } else if self.recipients.keys().all(|r| self.acknowledged_by_recipient(r)) {
            InstructionStatus::Acknowledged
        } else if self.recipients.values().all(|r| r.relayed_at.is_some()) {
            InstructionStatus::Relayed
        } else {
            InstructionStatus::Issued
        }
    }

    /// Everything that makes this instruction invalid, in a stable order.
    pub fn problems(&self, known: &(impl Known + ?Sized)) -> Vec<InstructionProblem> {
        let mut problems = Vec::new();
        if self.text.trim().is_empty() {
            problems.push(InstructionProblem::Empty(names::TEXT));
        }
        if known.unit_of(&self.leader).is_none() {
            problems.push(InstructionProblem::UnknownLeader(self.leader.clone()));
        }
        if let Err(e) = self.issued_at() {
            problems.push(e.into());
        }
        if let Some(number) = &self.number
            && number.parse::<LedgerNumber>().is_err()
        {
            problems.push(InstructionProblem::BadNumber(number.clone()));
        }
        if self.recipients.is_empty() {
            problems.push(InstructionProblem::NoRecipients);
        }
        for (id, recipient) in &self.recipients {
            let exists = match recipient.kind {
                RecipientKind::Unit => known.has_unit(id),
                RecipientKind::Person => known.unit_of(id).is_some(),
            };
            if !exists {
                problems.push(InstructionProblem::UnknownRecipient(id.clone()));
            }
            if let Some(at) = &recipient.relayed_at
                && let Err(e) = parse_instant(&format!("recipients/{id}/relayed_at"), at)
            {
                problems.push(e.into());
            }
        }
        for (key, ack) in &self.acknowledgements {
            if key != &acknowledgement_key(&ack.recipient, &ack.person) {
                problems.push(InstructionProblem::MisfiledAcknowledgement(key.clone()));
            }
            match self.recipients.get(&ack.recipient) {
                None => problems.push(InstructionProblem::NotARecipient(ack.recipient.clone())),
                Some(r) if !entitled(r.kind, &ack.recipient, &ack.person, known) => {
                    problems.push(InstructionProblem::NotEntitled {
                        recipient: ack.recipient.clone(),
                        person: ack.person.clone(),
                    })
                }
                Some(_) => {}
            }
            if let Err(e) = parse_instant(&format!("acknowledgements/{key}/acknowledged_at"), &ack.acknowledged_at) {
                problems.push(e.into());
            }
        }
        for (i, p) in self.progress.iter().enumerate() {
            if let Err(e) = parse_instant(&format!("progress/{i}/at"), &p.at) {
                problems.push(e.into());
            }
        }
        if self.closure.is_some() && self.feedback.is_none() {
            problems.push(InstructionProblem::CloseWithoutFeedback);
        }
        problems
    }

    /// What a phone's change from `before` to `self` did that it may not: write the server's fields, or
    /// rewrite what was recorded (the text, the leader, acknowledgements, progress, feedback, closure).
    pub fn forbidden_changes_since(&self, before: &Instruction) -> Vec<InstructionProblem> {
        let mut problems = Vec::new();
        if self.number != before.number {
            problems.push(InstructionProblem::ServerOnly(names::LEDGER_NUMBER));
        }
        if self.leader != before.leader || self.issued_at != before.issued_at {
            problems.push(InstructionProblem::HistoryRewritten(names::LEADER_OR_TIME));
        }
        // The text may be corrected until someone has been relayed it or has signed for it; then it is what
        // people acted on.
        if self.text != before.text && before.is_out() {
            problems.push(InstructionProblem::HistoryRewritten(names::TEXT_ONCE_OUT));
        }
        for (key, ack) in &before.acknowledgements {
            if self.acknowledgements.get(key) != Some(ack) {
                problems.push(InstructionProblem::HistoryRewritten(names::ACKNOWLEDGEMENTS));
            }
        }
        for (key, ack) in &self.acknowledgements {
            let was = before.acknowledgements.get(key).and_then(|a| a.server_received_at.as_ref());
            if ack.server_received_at.is_some() && ack.server_received_at.as_ref() != was {
                problems.push(InstructionProblem::ServerOnly(names::SERVER_RECEIPT_TIME));
            }
        }
        for (id, recipient) in &before.recipients {
            match self.recipients.get(id) {
                None => problems.push(InstructionProblem::HistoryRewritten(names::RECIPIENTS)),
                Some(now) if before_set_and_changed(&recipient.relayed_at, &now.relayed_at) => {
                    problems.push(InstructionProblem::HistoryRewritten(names::RELAY_TIMES))
                }
                Some(_) => {}
            }
        }
        if !is_subsequence(&before.progress, &self.progress) {
            problems.push(InstructionProblem::HistoryRewritten(names::PROGRESS));
        }
        if before_set_and_changed(&before.feedback, &self.feedback) {
            problems.push(InstructionProblem::HistoryRewritten(names::FEEDBACK));
        }
        if before_set_and_changed(&before.closure, &self.closure) {
            problems.push(InstructionProblem::HistoryRewritten(names::CLOSURE));
        }
        problems
    }

    /// Whether anyone has been relayed it or has acknowledged it.
    pub fn is_out(&self) -> bool {
        !self.acknowledgements.is_empty() || self.recipients.values().any(|r| r.relayed_at.is_some())
    }

    /// Server side: the acknowledgements not yet stamped with a server receipt time.
    pub fn unstamped_acknowledgements(&self) -> Vec<String> {
        self.acknowledgements.iter().filter(|(_, a)| a.server_received_at.is_none()).map(|(k, _)| k.clone()).collect()
    }
}

fn before_set_and_changed<T: PartialEq>(before: &Option<T>, after: &Option<T>) -> bool {
    before.is_some() && before != after
}

fn entitled(kind: RecipientKind, recipient: &str, person: &str, known: &(impl Known + ?Sized)) -> bool {
    match kind {
        RecipientKind::Person => recipient == person,
        RecipientKind::Unit => known.unit_of(person) == Some(recipient),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::directory::{Directory, DutyCategory, Person, Rank, Unit};
    use automerge::AutoCommit;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    fn directory() -> Directory {
        let mut d = Directory::default();
        for id in ["city", "east", "water"] {
            d.units.insert(
                id.into(),
                Unit { name: id.into(), parent: None, category: DutyCategory::One, duty_phone: "1".into() },
            );
        }
        for (id, unit) in [("mayor", "city"), ("wang", "east"), ("zhao", "east"), ("qian", "water")] {
            d.people.insert(
                id.into(),
                Person { name: id.into(), unit: unit.into(), rank: Rank::Section, phone: "1".into(), roles: vec![] },
            );
        }
        d
    }

    fn instruction() -> Instruction {
        Instruction::issue(
            "mayor",
            at("2026-10-01T09:00:00+08:00"),
            "全力搜救，防止次生灾害",
            None,
            &["east".into(), "qian".into()],
            &directory(),
        )
        .expect("valid")
    }

    #[test]
    fn refuses_an_instruction_without_recipients_or_with_strangers() {
        let d = directory();
        let problems =
            Instruction::issue("mayor", at("2026-10-01T09:00:00+08:00"), "x", None, &[], &d).expect_err("no");
        assert_eq!(problems, vec![InstructionProblem::NoRecipients]);
        let problems = Instruction::issue("ghost", at("2026-10-01T09:00:00+08:00"), " ", None, &["nobody".into()], &d)
            .expect_err("no");
        assert_eq!(
            problems,
            vec![
                InstructionProblem::Empty(names::TEXT),
                InstructionProblem::UnknownLeader("ghost".into()),
                InstructionProblem::UnknownRecipient("nobody".into()),
            ]
        );
    }

    #[test]
    fn only_the_named_person_or_someone_of_the_named_unit_acknowledges() {
        let d = directory();
        let mut i = instruction();
        let t = at("2026-10-01T09:03:00+08:00");
        assert_eq!(
            i.acknowledge("qian", "wang", "phone-1", t, &d),
            Err(InstructionProblem::NotEntitled { recipient: "qian".into(), person: "wang".into() })
        );
        assert_eq!(i.acknowledge("water", "qian", "p", t, &d), Err(InstructionProblem::NotARecipient("water".into())));
        assert_eq!(i.awaiting_acknowledgement_by("wang", &d), vec!["east".to_string()]);
        i.acknowledge("east", "wang", "phone-1", t, &d).expect("ack");
        assert!(i.awaiting_acknowledgement_by("zhao", &d).is_empty(), "the unit has acknowledged");
        assert_eq!(i.status(), InstructionStatus::Issued);
    }

    #[test]
    fn two_people_acknowledging_offline_both_survive_the_merge() {
        let d = directory();
        let mut desk = AutoCommit::new();
        let mut issued = instruction();
        issued.relay("desk", at("2026-10-01T09:02:00+08:00")).expect("relay");
        autosurgeon::reconcile(&mut desk, &issued).expect("reconcile");
        let mut phone_a = desk.fork();
        let mut phone_b = desk.fork();
        let mut a = Instruction::read(&phone_a).expect("read");
        a.acknowledge("east", "wang", "phone-a", at("2026-10-01T09:03:00+08:00"), &d).expect("ack");
        autosurgeon::reconcile(&mut phone_a, &a).expect("a");
        let mut b = Instruction::read(&phone_b).expect("read");
        b.acknowledge("east", "zhao", "phone-b", at("2026-10-01T09:04:00+08:00"), &d).expect("ack");
        b.acknowledge("qian", "qian", "phone-b2", at("2026-10-01T09:04:30+08:00"), &d).expect("ack");
        autosurgeon::reconcile(&mut phone_b, &b).expect("b");
        desk.merge(&mut phone_a).expect("merge");
        desk.merge(&mut phone_b).expect("merge");
        let merged = Instruction::read(&desk).expect("read");
        assert_eq!(merged.acknowledgements.len(), 3);
        assert_eq!(merged.acknowledgements["east/wang"].device, "phone-a");
        assert_eq!(merged.acknowledgements["east/zhao"].acknowledged_at, "2026-10-01T09:04:00+08:00");
        assert_eq!(merged.status(), InstructionStatus::Acknowledged);
        assert!(merged.problems(&d).is_empty());
        assert!(merged.forbidden_changes_since(&issued).is_empty());
    }

    #[test]
    fn phones_may_not_write_the_servers_fields_or_rewrite_history() {
        let d = directory();
        let mut before = instruction();
        before.acknowledge("east", "wang", "p", at("2026-10-01T09:03:00+08:00"), &d).expect("ack");
        let mut after = before.clone();
        after.number = Some("2026-001".into());
        after.acknowledgements.get_mut("east/wang").expect("ack").server_received_at =
            Some("2026-10-01T09:03:01+08:00".into());
        after.text = "改".into();
        let problems = after.forbidden_changes_since(&before);
        assert!(problems.contains(&InstructionProblem::ServerOnly(names::LEDGER_NUMBER)));
        assert!(problems.contains(&InstructionProblem::ServerOnly(names::SERVER_RECEIPT_TIME)));
        assert!(problems.contains(&InstructionProblem::HistoryRewritten(names::TEXT_ONCE_OUT)));
        // Before anyone had it, the text could still be corrected.
        let mut corrected = instruction();
        corrected.text = "全力处置，注意安全".into();
        assert!(corrected.forbidden_changes_since(&instruction()).is_empty());
    }

    #[test]
    fn moves_from_issued_to_closed() {
        let d = directory();
        let mut i = instruction();
        i.relay("desk", at("2026-10-01T09:02:00+08:00")).expect("relay");
        assert_eq!(i.status(), InstructionStatus::Relayed);
        i.acknowledge("east", "zhao", "p", at("2026-10-01T09:03:00+08:00"), &d).expect("ack");
        i.acknowledge("qian", "qian", "p", at("2026-10-01T09:03:00+08:00"), &d).expect("ack");
        assert_eq!(i.status(), InstructionStatus::Acknowledged);
        i.add_progress("zhao", "east", at("2026-10-01T12:00:00+08:00"), "已转移群众120人").expect("progress");
        assert_eq!(i.close("desk", at("2026-10-02T09:00:00+08:00"), ""), Err(InstructionProblem::CloseWithoutFeedback));
        i.give_feedback("zhao", at("2026-10-02T08:00:00+08:00"), "处置完毕").expect("feedback");
        i.close("desk", at("2026-10-02T09:00:00+08:00"), "").expect("close");
        assert_eq!(i.status(), InstructionStatus::Closed);
        assert_eq!(
            i.add_progress("zhao", "east", at("2026-10-02T10:00:00+08:00"), "x"),
            Err(InstructionProblem::Closed)
        );
    }
}
