//! Home documents: the server writes them; their person adds receipts for alerts, and nothing else.

use super::{Refusal, Viewer};
use crate::documents::home::Home;

pub(super) fn check(viewer: &Viewer, before: &Home, after: &Home, refused: &mut Vec<Refusal>) {
    if before.person != viewer.person {
        refused.push(Refusal::new(
            "home.server",
            "a home document is written only by the server and its person",
            "个人主页文档只能由服务器和本人写入",
        ));
        return;
    }
    let without_receipts = |h: &Home| Home { acknowledged: Default::default(), ..h.clone() };
    if without_receipts(before) != without_receipts(after) {
        refused.push(Refusal::new(
            "home.server",
            "only the server lists documents in a home; its person only acknowledges alerts",
            "个人主页中的文档由服务器列出；本人只能签收提醒",
        ));
    }
    let rewritten = before.acknowledged.iter().find(|(id, receipt)| after.acknowledged.get(*id) != Some(*receipt));
    if let Some((alert, _)) = rewritten {
        refused.push(
            Refusal::new(
                "home.acknowledged",
                "an alert's receipt cannot be changed or taken back",
                "提醒一经签收，不能更改或撤回",
            )
            .at(format!("acknowledged/{alert}")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::directory::Role;
    use crate::documents::home::AlertReceipt;

    fn viewer(person: &str) -> Viewer {
        Viewer { person: person.into(), unit: "east".into(), roles: vec![Role::Leader] }
    }

    fn receipt() -> AlertReceipt {
        AlertReceipt { at: "2026-11-28T21:00:00+08:00".into(), device: "phone-1".into() }
    }

    fn judged(person: &str, before: &Home, after: &Home) -> Vec<String> {
        let mut refused = Vec::new();
        check(&viewer(person), before, after, &mut refused);
        refused.into_iter().map(|r| r.rule).collect()
    }

    #[test]
    fn its_person_acknowledges_alerts_and_nothing_else() {
        let before = Home::new("zhao");
        let mut acked = before.clone();
        acked.acknowledged.insert("al_1".into(), receipt());
        assert!(judged("zhao", &before, &acked).is_empty());
        assert_eq!(judged("wang", &before, &acked), vec!["home.server"], "someone else's home");

        let mut listed = acked.clone();
        listed.documents.insert("doc".into(), crate::documents::home::HomeEntry { kind: "incident".into() });
        assert_eq!(judged("zhao", &acked, &listed), vec!["home.server"]);

        let mut taken_back = acked.clone();
        taken_back.acknowledged.clear();
        assert_eq!(judged("zhao", &acked, &taken_back), vec!["home.acknowledged"]);
        let mut refused = Vec::new();
        check(&viewer("zhao"), &acked, &taken_back, &mut refused);
        assert_eq!(refused[0].part.as_deref(), Some("acknowledged/al_1"), "the receipt taken back");
    }
}
