//! The desk's assessment record (考核记录) for a year: what it records about units by hand, beside what the
//! data shows by itself: a report adopted into a publication (采用, by the level that adopted it), a report
//! judged non-standard (报送不规范), a criticism (通报批评). Items are keyed by id and never rewritten, so each
//! point of a unit's score can name the item that caused it. Only the desk writes it; leaders read it.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use super::{DocumentError, Known, read_document};
use crate::DocumentId;
use crate::refusal::Explain;

pub const KIND: &str = "assessment";
pub const SCHEMA: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub enum ItemKind {
    /// 采用: the unit's report was taken into a publication.
    #[autosurgeon(rename = "adoption")]
    Adoption,
    /// 报送不规范: a report missing its elements, or not in the required form.
    #[autosurgeon(rename = "non_standard_report")]
    NonStandardReport,
    /// 通报批评.
    #[autosurgeon(rename = "criticism")]
    Criticism,
}

impl ItemKind {
    pub const ALL: [ItemKind; 3] = [ItemKind::Adoption, ItemKind::NonStandardReport, ItemKind::Criticism];

    pub fn code(self) -> &'static str {
        match self {
            ItemKind::Adoption => "adoption",
            ItemKind::NonStandardReport => "non_standard_report",
            ItemKind::Criticism => "criticism",
        }
    }

    pub fn parse(code: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ItemKind::Adoption => "信息采用",
            ItemKind::NonStandardReport => "报送不规范",
            ItemKind::Criticism => "通报批评",
        }
    }
}

/// Who adopted a report: the city's own publications, the province's, or the State Council's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub enum AdoptionLevel {
    #[autosurgeon(rename = "city")]
    City,
    #[autosurgeon(rename = "province")]
    Province,
    #[autosurgeon(rename = "national")]
    National,
}

impl AdoptionLevel {
    pub const ALL: [AdoptionLevel; 3] = [AdoptionLevel::City, AdoptionLevel::Province, AdoptionLevel::National];

    pub fn code(self) -> &'static str {
        match self {
            AdoptionLevel::City => "city",
            AdoptionLevel::Province => "province",
            AdoptionLevel::National => "national",
        }
    }

    pub fn parse(code: &str) -> Option<AdoptionLevel> {
        AdoptionLevel::ALL.into_iter().find(|l| l.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AdoptionLevel::City => "市级采用",
            AdoptionLevel::Province => "省级采用",
            AdoptionLevel::National => "国家级采用",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct AssessmentItem {
    pub kind: ItemKind,
    pub unit: String,
    /// An adoption's level.
    pub level: Option<AdoptionLevel>,
    /// Where it appeared or was criticised: `《值班要情》2026年第10期`.
    pub publication: String,
    /// The incident it concerns (`automerge:` URL), and the report entry, when there is one.
    pub incident: Option<String>,
    pub entry: Option<String>,
    pub reason: String,
    pub by: String,
    /// An instant with its offset (`2026-10-09T10:00:00+08:00`).
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Assessment {
    #[autosurgeon(rename = "type")]
    pub kind: String,
    pub schema: i64,
    pub year: i64,
    pub items: BTreeMap<String, AssessmentItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssessmentProblem {
    #[error("item {item}: unit {unit:?} is not in the directory")]
    UnknownUnit { item: String, unit: String },
    #[error("item {0}: an adoption names the level that adopted it (city, province or national)")]
    AdoptionWithoutLevel(String),
    #[error("item {0}: a criticism or a non-standard report needs its reason")]
    NoReason(String),
    #[error("item {item}: {value:?} is not an automerge: URL of an incident")]
    BadIncident { item: String, value: String },
    #[error("item {item}: {at:?} is not a time like 2026-10-09T10:00:00+08:00")]
    BadTime { item: String, at: String },
    #[error("item {0} is on record and is not changed or removed; record a correction as a new item")]
    Rewritten(String),
}

impl Explain for AssessmentProblem {
    fn zh(&self) -> String {
        match self {
            AssessmentProblem::UnknownUnit { item, unit } => format!("考核事项 {item}：单位 {unit} 不在通讯录中"),
            AssessmentProblem::AdoptionWithoutLevel(item) => {
                format!("考核事项 {item}：信息采用须注明采用层级（市级、省级或国家级）")
            }
            AssessmentProblem::NoReason(item) => format!("考核事项 {item}：通报批评或报送不规范须写明理由"),
            AssessmentProblem::BadIncident { item, value } => {
                format!("考核事项 {item}：“{value}”不是事件的 automerge: 地址")
            }
            AssessmentProblem::BadTime { item, at } => {
                format!("考核事项 {item}：“{at}”不是形如 2026-10-09T10:00:00+08:00 的时间")
            }
            AssessmentProblem::Rewritten(item) => {
                format!("考核事项 {item} 已记录在案，不能更改或删除；如需更正，请另记一项")
            }
        }
    }

    fn part(&self) -> Option<String> {
        Some(match self {
            AssessmentProblem::UnknownUnit { item, .. } => format!("items/{item}/unit"),
            AssessmentProblem::AdoptionWithoutLevel(item) => format!("items/{item}/level"),
            AssessmentProblem::NoReason(item) => format!("items/{item}/reason"),
            AssessmentProblem::BadIncident { item, .. } => format!("items/{item}/incident"),
            AssessmentProblem::BadTime { item, .. } => format!("items/{item}/at"),
            AssessmentProblem::Rewritten(item) => format!("items/{item}"),
        })
    }
}

impl Assessment {
    pub fn new(year: i64) -> Self {
        Self { kind: KIND.to_owned(), schema: SCHEMA, year, items: BTreeMap::new() }
    }

    pub fn read<R: autosurgeon::ReadDoc + automerge::ReadDoc>(doc: &R) -> Result<Self, DocumentError> {
        read_document(doc, KIND, SCHEMA)
    }

    pub fn problems(&self, known: &(impl Known + ?Sized)) -> Vec<AssessmentProblem> {
        let mut out = Vec::new();
        for (id, item) in &self.items {
            if !known.has_unit(&item.unit) {
                out.push(AssessmentProblem::UnknownUnit { item: id.clone(), unit: item.unit.clone() });
            }
            match item.kind {
                ItemKind::Adoption if item.level.is_none() => {
                    out.push(AssessmentProblem::AdoptionWithoutLevel(id.clone()))
                }
                ItemKind::Criticism | ItemKind::NonStandardReport if item.reason.trim().is_empty() => {
                    out.push(AssessmentProblem::NoReason(id.clone()))
                }
                _ => {}
            }
            if let Some(url) = &item.incident
                && DocumentId::parse_url_or_id(url).is_err()
            {
                out.push(AssessmentProblem::BadIncident { item: id.clone(), value: url.clone() });
            }
            if super::time::parse_instant("at", &item.at).is_err() {
                out.push(AssessmentProblem::BadTime { item: id.clone(), at: item.at.clone() });
            }
        }
        out
    }

    pub fn forbidden_changes_since(&self, before: &Assessment) -> Vec<AssessmentProblem> {
        before
            .items
            .iter()
            .filter(|(id, item)| self.items.get(*id) != Some(item))
            .map(|(id, _)| AssessmentProblem::Rewritten(id.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::units_directory;

    #[test]
    fn items_need_their_level_or_reason_and_stay_on_record() {
        let d = units_directory(&[("east", None)]);
        let item = |kind| AssessmentItem {
            kind,
            unit: "east".into(),
            level: None,
            publication: "《值班要情》2026年第10期".into(),
            incident: None,
            entry: None,
            reason: String::new(),
            by: "desk-1".into(),
            at: "2026-10-09T10:00:00+08:00".into(),
        };
        let mut record = Assessment::new(2026);
        record.items.insert("a1".into(), item(ItemKind::Adoption));
        record.items.insert("c1".into(), item(ItemKind::Criticism));
        assert_eq!(
            record.problems(&d),
            vec![AssessmentProblem::AdoptionWithoutLevel("a1".into()), AssessmentProblem::NoReason("c1".into())]
        );
        let before = record.clone();
        record.items.get_mut("a1").expect("a1").level = Some(AdoptionLevel::Province);
        assert_eq!(record.forbidden_changes_since(&before), vec![AssessmentProblem::Rewritten("a1".into())]);
    }
}
