//! The directory: units and people, read on every phone so that "who do I call" works offline. Units and
//! people are maps keyed by id, so edits of different entries on different phones merge.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use super::{DocumentError, read_document};
use crate::refusal::Explain;

pub const KIND: &str = "directory";
pub const SCHEMA: i64 = 1;

/// The three duty categories the city puts units in (一级/二级/三级值班单位).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Reconcile, Hydrate)]
pub enum DutyCategory {
    #[autosurgeon(rename = "1")]
    One,
    #[autosurgeon(rename = "2")]
    Two,
    #[autosurgeon(rename = "3")]
    Three,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Reconcile, Hydrate)]
pub enum Rank {
    /// The unit's principal leader (主要负责人).
    #[autosurgeon(rename = "principal")]
    Principal,
    /// 处级.
    #[autosurgeon(rename = "division")]
    Division,
    /// 科级 and below.
    #[autosurgeon(rename = "section")]
    Section,
}

impl Rank {
    pub fn label_zh(self) -> &'static str {
        match self {
            Rank::Principal => "主要负责人",
            Rank::Division => "处级",
            Rank::Section => "科级及以下",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Reconcile, Hydrate)]
pub enum Role {
    #[autosurgeon(rename = "desk")]
    Desk,
    #[autosurgeon(rename = "leader")]
    Leader,
    #[autosurgeon(rename = "unit_officer")]
    UnitOfficer,
    #[autosurgeon(rename = "field")]
    Field,
    #[autosurgeon(rename = "admin")]
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Desk, Role::Leader, Role::UnitOfficer, Role::Field, Role::Admin];

    /// The role's name in documents, accounts and the API.
    pub fn code(self) -> &'static str {
        match self {
            Role::Desk => "desk",
            Role::Leader => "leader",
            Role::UnitOfficer => "unit_officer",
            Role::Field => "field",
            Role::Admin => "admin",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Unit {
    pub name: String,
    /// The parent unit's id; `None` for the city itself.
    pub parent: Option<String>,
    pub category: DutyCategory,
    /// The duty phone that must always be answered.
    pub duty_phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Person {
    pub name: String,
    pub unit: String,
    pub rank: Rank,
    pub phone: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Directory {
    #[autosurgeon(rename = "type")]
    pub kind: String,
    pub schema: i64,
    pub units: BTreeMap<String, Unit>,
    pub people: BTreeMap<String, Person>,
}

impl Default for Directory {
    fn default() -> Self {
        Self { kind: KIND.to_owned(), schema: SCHEMA, units: BTreeMap::new(), people: BTreeMap::new() }
    }
}

/// Something in the directory that does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryProblem {
    #[error("unit {unit:?} names parent {parent:?}, which is not in the directory")]
    UnknownParent { unit: String, parent: String },
    #[error("unit {0:?} is its own ancestor (the parent chain loops)")]
    ParentLoop(String),
    #[error("person {person:?} belongs to unit {unit:?}, which is not in the directory")]
    UnknownUnit { person: String, unit: String },
    #[error("{what} {id:?} has no name")]
    NoName { what: Listed, id: String },
    #[error("unit {0:?} has no duty phone")]
    NoDutyPhone(String),
}

/// What the directory lists: a unit or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Listed {
    Unit,
    Person,
}

impl Listed {
    /// Its list in the directory document.
    pub fn list(self) -> &'static str {
        match self {
            Listed::Unit => "units",
            Listed::Person => "people",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Listed::Unit => "单位",
            Listed::Person => "人员",
        }
    }
}

impl std::fmt::Display for Listed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Listed::Unit => "unit",
            Listed::Person => "person",
        })
    }
}

impl Explain for DirectoryProblem {
    fn zh(&self) -> String {
        match self {
            DirectoryProblem::UnknownParent { unit, parent } => {
                format!("单位 {unit} 的上级单位 {parent} 不在通讯录中")
            }
            DirectoryProblem::ParentLoop(unit) => format!("单位 {unit} 的上级关系形成循环（成了自己的上级）"),
            DirectoryProblem::UnknownUnit { person, unit } => format!("人员 {person} 所属单位 {unit} 不在通讯录中"),
            DirectoryProblem::NoName { what, id } => format!("{} {id} 没有名称", what.label_zh()),
            DirectoryProblem::NoDutyPhone(unit) => format!("单位 {unit} 没有值班电话"),
        }
    }

    fn part(&self) -> Option<String> {
        Some(match self {
            DirectoryProblem::UnknownParent { unit, .. } | DirectoryProblem::ParentLoop(unit) => {
                format!("units/{unit}/parent")
            }
            DirectoryProblem::UnknownUnit { person, .. } => format!("people/{person}/unit"),
            DirectoryProblem::NoName { what, id } => format!("{}/{id}/name", what.list()),
            DirectoryProblem::NoDutyPhone(unit) => format!("units/{unit}/duty_phone"),
        })
    }
}

impl Directory {
    /// Reads a directory document, checking its type and schema first.
    pub fn read<R: autosurgeon::ReadDoc + automerge::ReadDoc>(doc: &R) -> Result<Self, DocumentError> {
        read_document(doc, KIND, SCHEMA)
    }

    /// The city's General Duty Office, the desk: the unit at the top of the tree (the first, by id, if the
    /// directory has several tops).
    pub fn desk_unit(&self) -> Option<&str> {
        self.units.iter().find(|(_, u)| u.parent.is_none()).map(|(id, _)| id.as_str())
    }

    /// Every problem, in a stable order; empty when the directory holds together.
    pub fn problems(&self) -> Vec<DirectoryProblem> {
        let mut problems = Vec::new();
        for (id, unit) in &self.units {
            if unit.name.trim().is_empty() {
                problems.push(DirectoryProblem::NoName { what: Listed::Unit, id: id.clone() });
            }
            if unit.duty_phone.trim().is_empty() {
                problems.push(DirectoryProblem::NoDutyPhone(id.clone()));
            }
            if let Some(parent) = &unit.parent
                && !self.units.contains_key(parent)
            {
                problems.push(DirectoryProblem::UnknownParent { unit: id.clone(), parent: parent.clone() });
            }
            // Walk up at most as many steps as there are units; more means a loop.
            let mut current = unit.parent.as_deref();
            for _ in 0..self.units.len() {
                match current {
                    Some(p) if p == id => {
                        problems.push(DirectoryProblem::ParentLoop(id.clone()));
                        break;
                    }
                    Some(p) => current = self.units.get(p).and_then(|u| u.parent.as_deref()),
                    None => break,
                }
            }
        }
        for (id, person) in &self.people {
            if person.name.trim().is_empty() {
                problems.push(DirectoryProblem::NoName { what: Listed::Person, id: id.clone() });
            }
            if !self.units.contains_key(&person.unit) {
                problems.push(DirectoryProblem::UnknownUnit { person: id.clone(), unit: person.unit.clone() });
            }
        }
        problems
    }

    /// The people of a unit, by name.
    pub fn people_of<'a>(&'a self, unit: &'a str) -> impl Iterator<Item = (&'a String, &'a Person)> + 'a {
        self.people.iter().filter(move |(_, p)| p.unit == unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::AutoCommit;

    fn city() -> Directory {
        let mut d = Directory::default();
        let unit = |name: &str, parent: Option<&str>, category, phone: &str| Unit {
            name: name.into(),
            parent: parent.map(Into::into),
            category,
            duty_phone: phone.into(),
        };
        d.units.insert("city".into(), unit("市政府总值班室", None, DutyCategory::One, "0000-12345"));
        d.units.insert("east".into(), unit("东城区", Some("city"), DutyCategory::One, "0000-23456"));
        d.units.insert("water".into(), unit("市水务局", Some("city"), DutyCategory::Two, "0000-34567"));
        d.people.insert(
            "zhang".into(),
            Person {
                name: "张三".into(),
                unit: "east".into(),
                rank: Rank::Section,
                phone: "138-0000-0001".into(),
                roles: vec![Role::UnitOfficer],
            },
        );
        d
    }

    #[test]
    fn round_trips_through_automerge() {
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile(&mut doc, city()).expect("reconcile");
        assert_eq!(Directory::read(&doc), Ok(city()));
        // Enums are stored as the words other clients read.
        let json = crate::json::to_json(&doc);
        assert_eq!(json["type"], "directory");
        assert_eq!(json["units"]["water"]["category"], "2");
        assert_eq!(json["people"]["zhang"]["roles"][0], "unit_officer");
    }

    #[test]
    fn edits_of_different_entries_on_two_phones_merge() {
        let mut a = AutoCommit::new();
        autosurgeon::reconcile(&mut a, city()).expect("reconcile");
        let mut b = a.fork();
        let mut on_a = Directory::read(&a).expect("read");
        on_a.units.get_mut("east").expect("east").duty_phone = "0000-99999".into();
        autosurgeon::reconcile(&mut a, &on_a).expect("a edits");
        let mut on_b = Directory::read(&b).expect("read");
        on_b.people.get_mut("zhang").expect("zhang").phone = "139-0000-0002".into();
        autosurgeon::reconcile(&mut b, &on_b).expect("b edits");
        a.merge(&mut b).expect("merge");
        let merged = Directory::read(&a).expect("read");
        assert_eq!(merged.units["east"].duty_phone, "0000-99999");
        assert_eq!(merged.people["zhang"].phone, "139-0000-0002");
    }

    #[test]
    fn refuses_other_types_and_newer_schemas() {
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile(&mut doc, city()).expect("reconcile");
        autosurgeon::reconcile_prop(&mut doc, automerge::ROOT, "schema", 2i64).expect("bump");
        assert!(matches!(Directory::read(&doc), Err(DocumentError::SchemaTooNew { found: 2, known: 1, .. })));
        autosurgeon::reconcile_prop(&mut doc, automerge::ROOT, "type", "roster").expect("retype");
        let err = Directory::read(&doc).expect_err("wrong type");
        assert_eq!(err.to_string(), "this document is a \"roster\", not a \"directory\"");
        assert!(matches!(Directory::read(&AutoCommit::new()), Err(DocumentError::WrongType { .. })));
    }

    #[test]
    fn problems_are_named() {
        let mut d = city();
        assert_eq!(d.problems(), vec![]);
        d.units.get_mut("water").expect("water").parent = Some("nowhere".into());
        d.units.get_mut("city").expect("city").parent = Some("east".into());
        d.people.get_mut("zhang").expect("zhang").unit = "gone".into();
        d.units.get_mut("east").expect("east").duty_phone = " ".into();
        let problems: Vec<String> = d.problems().iter().map(ToString::to_string).collect();
        assert!(problems.contains(&"unit \"water\" names parent \"nowhere\", which is not in the directory".into()));
        assert!(problems.contains(&"unit \"city\" is its own ancestor (the parent chain loops)".into()));
        assert!(problems.contains(&"person \"zhang\" belongs to unit \"gone\", which is not in the directory".into()));
        assert!(problems.contains(&"unit \"east\" has no duty phone".into()));
        assert_eq!(d.people_of("gone").count(), 1);
    }
}
