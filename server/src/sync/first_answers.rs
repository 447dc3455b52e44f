//! A sync message is a pure function of the document and the peer's sync state. When many phones ask for
//! the same document from nothing (a thousand recipients fetching a new instruction, every phone fetching
//! the directory), their states are equal, and so are the answers: the first is kept and given to the
//! others, where Automerge would save and compress the whole document once per phone.

use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use automerge::{Automerge, ChangeHash};

/// The last first answer worked out for a document.
#[derive(Default)]
pub struct FirstAnswers {
    last: Option<Remembered>,
}

struct Remembered {
    /// The document as it was.
    heads: Vec<ChangeHash>,
    /// The peer's state before the answer, and after it.
    before: SyncState,
    after: SyncState,
    message: Option<SyncMessage>,
}

impl FirstAnswers {
    /// What Automerge's `generate_sync_message` would answer, and the state it would leave.
    pub fn generate(&mut self, doc: &Automerge, state: &mut SyncState) -> Option<SyncMessage> {
        // Only first answers: a peer answered before carries the hashes sent to it, which differ from peer to
        // peer, and copying them to compare would cost more than it saves.
        if state.have_responded {
            return doc.generate_sync_message(state);
        }
        let heads = doc.get_heads();
        if let Some(remembered) = &self.last
            && remembered.heads == heads
            && remembered.before == *state
        {
            state.clone_from(&remembered.after);
            return remembered.message.clone();
        }
        let before = state.clone();
        let message = doc.generate_sync_message(state);
        self.last = Some(Remembered { heads, before, after: state.clone(), message: message.clone() });
        message
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;

    use super::*;

    fn document() -> Automerge {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        for i in 0..50 {
            tx.put(automerge::ROOT, format!("k{i}"), i as i64).expect("put");
        }
        tx.commit();
        doc
    }

    /// A peer that has nothing asks: the state after its request, as the server holds it.
    fn asking(doc: &mut Automerge) -> SyncState {
        let phone = Automerge::new();
        let mut phone_state = SyncState::new();
        let request = phone.generate_sync_message(&mut phone_state).expect("a request");
        let mut state = SyncState::new();
        doc.receive_sync_message(&mut state, request).expect("receive");
        state
    }

    #[test]
    fn a_remembered_answer_is_what_automerge_answers() {
        let mut doc = document();
        let mut answers = FirstAnswers::default();
        let (mut first, mut second, mut plain) = (asking(&mut doc), asking(&mut doc), asking(&mut doc));
        let a = answers.generate(&doc, &mut first).expect("an answer");
        let b = answers.generate(&doc, &mut second).expect("an answer");
        let c = doc.generate_sync_message(&mut plain).expect("an answer");
        assert_eq!(a.clone().encode(), c.clone().encode());
        assert_eq!(b.encode(), c.encode());
        assert_eq!(second, plain, "the state is left as Automerge leaves it");
    }

    #[test]
    fn a_changed_document_is_answered_afresh() {
        let mut doc = document();
        let mut answers = FirstAnswers::default();
        let mut first = asking(&mut doc);
        answers.generate(&doc, &mut first);
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "later", 1).expect("put");
        tx.commit();
        let (mut second, mut plain) = (asking(&mut doc), asking(&mut doc));
        let b = answers.generate(&doc, &mut second).expect("an answer");
        let c = doc.generate_sync_message(&mut plain).expect("an answer");
        assert_eq!(b.encode(), c.encode());
    }
}
