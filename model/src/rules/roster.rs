//! Roster validation by duty category. A roster that leaves an hour uncovered, lacks a main or deputy
//! officer, overlaps itself, or puts the wrong rank on a holiday's first day is invalid, and each problem
//! names the slot and the reason, in English for logs and in Chinese for the duty officer.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};

use super::calendar::{DayKind, HolidayCalendar};
use crate::documents::directory::{Directory, DutyCategory, Rank};
use crate::refusal::Explain;

/// One slot of officers: a main and a deputy (双人双岗), on post or on phone duty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    /// Its key in the roster document's `shifts`.
    pub id: String,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub main: Option<String>,
    pub deputy: Option<String>,
    /// On post in the duty room; false is phone duty, allowed for category 3 outside office hours.
    pub on_post: bool,
}

/// A period with a leader on duty (带班领导), usually a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderDuty {
    /// Its key in the roster document's `leaders`.
    pub id: String,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub leader: Option<String>,
}

/// A unit's roster for a period, in the office's local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub category: DutyCategory,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub shifts: Vec<Shift>,
    pub leaders: Vec<LeaderDuty>,
}

/// Office hours on working days, when category 3 must be on post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for OfficeHours {
    fn default() -> Self {
        Self {
            start: NaiveTime::from_hms_opt(8, 30, 0).expect("valid"),
            end: NaiveTime::from_hms_opt(17, 30, 0).expect("valid"),
        }
    }
}

/// Which slot a problem is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// Shift number `index` (from 0, in time order), its id in the roster document and its times.
    Shift { index: usize, id: String, start: NaiveDateTime, end: NaiveDateTime },
    /// A leader-on-duty period.
    Leader { index: usize, id: String, start: NaiveDateTime, end: NaiveDateTime },
    /// A stretch of time no slot covers.
    Time { start: NaiveDateTime, end: NaiveDateTime },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterProblem {
    /// Nobody is on duty from `start` to `end`.
    OfficersGap {
        start: NaiveDateTime,
        end: NaiveDateTime,
    },
    /// No leader on duty from `start` to `end` (categories 1 and 2).
    LeaderGap {
        start: NaiveDateTime,
        end: NaiveDateTime,
    },
    Overlap {
        first: Slot,
        second: Slot,
    },
    NoMain(Slot),
    NoDeputy(Slot),
    SameMainAndDeputy(Slot, String),
    /// Phone duty where the category requires being on post.
    NotOnPost(Slot),
    UnknownPerson(Slot, String),
    /// A holiday's first day without the unit's principal leader as leader on duty.
    NotPrincipalOnHolidayFirstDay {
        slot: Slot,
        date: NaiveDate,
        festival: String,
        leader: String,
        rank: Rank,
    },
    EndsBeforeStart(Slot),
}

fn hm(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn zh_time(t: &NaiveDateTime) -> String {
    format!("{}月{}日{}", t.month(), t.day(), t.format("%H:%M"))
}

impl Slot {
    fn en(&self) -> String {
        match self {
            Slot::Shift { index, start, end, .. } => format!("shift {} ({} – {})", index + 1, hm(start), hm(end)),
            Slot::Leader { index, start, end, .. } => {
                format!("leader period {} ({} – {})", index + 1, hm(start), hm(end))
            }
            Slot::Time { start, end } => format!("{} – {}", hm(start), hm(end)),
        }
    }

    fn zh(&self) -> String {
        match self {
            Slot::Shift { index, start, end, .. } => {
                format!("第{}班（{}至{}）", index + 1, zh_time(start), zh_time(end))
            }
            Slot::Leader { index, start, end, .. } => {
                format!("第{}个带班时段（{}至{}）", index + 1, zh_time(start), zh_time(end))
            }
            Slot::Time { start, end } => format!("{}至{}", zh_time(start), zh_time(end)),
        }
    }

    /// Its record in the roster document (`shifts/s2`, `leaders/l1`); none for a stretch of time.
    pub fn record(&self) -> Option<String> {
        match self {
            Slot::Shift { id, .. } => Some(format!("shifts/{id}")),
            Slot::Leader { id, .. } => Some(format!("leaders/{id}")),
            Slot::Time { .. } => None,
        }
    }

    /// `field` of its record in the roster document.
    fn field(&self, field: &str) -> Option<String> {
        self.record().map(|record| format!("{record}/{field}"))
    }
}

impl std::fmt::Display for RosterProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RosterProblem::OfficersGap { start, end } => {
                write!(f, "nobody is on duty from {} to {}", hm(start), hm(end))
            }
            RosterProblem::LeaderGap { start, end } => write!(f, "no leader on duty from {} to {}", hm(start), hm(end)),
            RosterProblem::Overlap { first, second } => write!(f, "{} overlaps {}", first.en(), second.en()),
            RosterProblem::NoMain(slot) => write!(f, "{}: no main officer", slot.en()),
            RosterProblem::NoDeputy(slot) => write!(f, "{}: no deputy officer", slot.en()),
            RosterProblem::SameMainAndDeputy(slot, who) => {
                write!(f, "{}: {who} is both main and deputy; two people must hold two posts", slot.en())
            }
            RosterProblem::NotOnPost(slot) => {
                write!(f, "{}: phone duty where this unit's category requires officers on post", slot.en())
            }
            RosterProblem::UnknownPerson(slot, who) => write!(f, "{}: {who} is not in the directory", slot.en()),
            RosterProblem::NotPrincipalOnHolidayFirstDay { slot, date, festival, leader, .. } => write!(
                f,
                "{}: {date} is the first day of {festival}; the leader on duty must be the unit's principal leader, not {leader}",
                slot.en()
            ),
            RosterProblem::EndsBeforeStart(slot) => write!(f, "{}: ends before it starts", slot.en()),
        }
    }
}

impl RosterProblem {
    /// The problem as a duty officer reads it.
    pub fn to_zh(&self) -> String {
        match self {
            RosterProblem::OfficersGap { start, end } => format!("{}至{}无人值班", zh_time(start), zh_time(end)),
            RosterProblem::LeaderGap { start, end } => format!("{}至{}无带班领导", zh_time(start), zh_time(end)),
            RosterProblem::Overlap { first, second } => format!("{}与{}时间重叠", first.zh(), second.zh()),
            RosterProblem::NoMain(slot) => format!("{}缺主班", slot.zh()),
            RosterProblem::NoDeputy(slot) => format!("{}缺副班", slot.zh()),
            RosterProblem::SameMainAndDeputy(slot, who) => {
                format!("{}：{who}同时担任主班和副班，应双人双岗", slot.zh())
            }
            RosterProblem::NotOnPost(slot) => format!("{}：本单位值班类别要求在岗值守，不得电话值班", slot.zh()),
            RosterProblem::UnknownPerson(slot, who) => format!("{}：{who}不在通讯录中", slot.zh()),
            RosterProblem::NotPrincipalOnHolidayFirstDay { slot, date, festival, leader, rank } => format!(
                "{}：{}月{}日为{}假期第一天，应由单位主要负责人带班，{leader}为{}",
                slot.zh(),
                date.month(),
                date.day(),
                festival_zh(festival),
                rank.label_zh()
            ),
            RosterProblem::EndsBeforeStart(slot) => format!("{}结束时间早于开始时间", slot.zh()),
        }
    }
}

impl Explain for RosterProblem {
    fn zh(&self) -> String {
        self.to_zh()
    }

    fn part(&self) -> Option<String> {
        match self {
            // A stretch nobody covers is no one record's.
            RosterProblem::OfficersGap { .. } | RosterProblem::LeaderGap { .. } => None,
            RosterProblem::Overlap { second, .. } => second.field("start"),
            RosterProblem::NoMain(slot) => slot.field("main"),
            RosterProblem::NoDeputy(slot) | RosterProblem::SameMainAndDeputy(slot, _) => slot.field("deputy"),
            RosterProblem::NotOnPost(slot) => slot.field("on_post"),
            RosterProblem::UnknownPerson(slot, _) => match slot {
                Slot::Leader { .. } => slot.field("leader"),
                // The main or the deputy: the shift says which.
                _ => slot.record(),
            },
            RosterProblem::NotPrincipalOnHolidayFirstDay { slot, .. } => slot.field("leader"),
            RosterProblem::EndsBeforeStart(slot) => slot.field("end"),
        }
    }
}

fn festival_zh(festival: &str) -> &str {
    match festival {
        "New Year's Day" => "元旦",
        "Spring Festival" => "春节",
        "Tomb-sweeping Day" => "清明节",
        "Labour Day" => "劳动节",
        "Dragon Boat Festival" => "端午节",
        "Mid-autumn Festival" => "中秋节",
        "National Day" => "国庆节",
        other => other,
    }
}

/// Every problem with `roster`, in time order; empty when it is valid.
pub fn validate_roster(
    roster: &Roster,
    directory: &Directory,
    calendar: &HolidayCalendar,
    office_hours: OfficeHours,
) -> Vec<RosterProblem> {
    let directory = &directory.people;
    let mut problems = Vec::new();

    let mut shifts: Vec<&Shift> = roster.shifts.iter().collect();
    shifts.sort_by_key(|s| (s.start, s.end));
    let shift_slot = |i: usize, s: &Shift| Slot::Shift { index: i, id: s.id.clone(), start: s.start, end: s.end };
    coverage(
        shifts.iter().enumerate().map(|(i, s)| (shift_slot(i, s), s.start, s.end)),
        roster.start,
        roster.end,
        |start, end| RosterProblem::OfficersGap { start, end },
        &mut problems,
    );
    for (i, shift) in shifts.iter().enumerate() {
        let slot = shift_slot(i, shift);
        match &shift.main {
            None => problems.push(RosterProblem::NoMain(slot.clone())),
            Some(who) if !directory.contains_key(who.as_str()) => {
                problems.push(RosterProblem::UnknownPerson(slot.clone(), who.clone()))
            }
            Some(_) => {}
        }
        match &shift.deputy {
            None => problems.push(RosterProblem::NoDeputy(slot.clone())),
            Some(who) if !directory.contains_key(who.as_str()) => {
                problems.push(RosterProblem::UnknownPerson(slot.clone(), who.clone()))
            }
            Some(_) => {}
        }
        if let (Some(main), Some(deputy)) = (&shift.main, &shift.deputy)
            && main == deputy
        {
            let name = directory.get(main.as_str()).map(|p| p.name.clone()).unwrap_or_else(|| main.clone());
            problems.push(RosterProblem::SameMainAndDeputy(slot.clone(), name));
        }
        let must_be_on_post = match roster.category {
            DutyCategory::One | DutyCategory::Two => true,
            DutyCategory::Three => touches_office_hours(shift, calendar, office_hours),
        };
        if must_be_on_post && !shift.on_post {
            problems.push(RosterProblem::NotOnPost(slot));
        }
    }

    let mut leaders: Vec<&LeaderDuty> = roster.leaders.iter().collect();
    leaders.sort_by_key(|l| (l.start, l.end));
    let leader_slot =
        |i: usize, l: &LeaderDuty| Slot::Leader { index: i, id: l.id.clone(), start: l.start, end: l.end };
    if roster.category != DutyCategory::Three {
        coverage(
            leaders.iter().enumerate().map(|(i, l)| (leader_slot(i, l), l.start, l.end)),
            roster.start,
            roster.end,
            |start, end| RosterProblem::LeaderGap { start, end },
            &mut problems,
        );
    }
    for (i, duty) in leaders.iter().enumerate() {
        let slot = leader_slot(i, duty);
        let Some(who) = &duty.leader else {
            problems.push(RosterProblem::LeaderGap { start: duty.start, end: duty.end });
            continue;
        };
        let Some(person) = directory.get(who.as_str()) else {
            problems.push(RosterProblem::UnknownPerson(slot, who.clone()));
            continue;
        };
        // Every holiday's first day this leader period touches needs the principal leader.
        let mut day = duty.start.date();
        while day.and_time(NaiveTime::MIN) < duty.end {
            if let Some(festival) = first_day_of_holiday(calendar, day)
                && person.rank != Rank::Principal
            {
                problems.push(RosterProblem::NotPrincipalOnHolidayFirstDay {
                    slot: slot.clone(),
                    date: day,
                    festival,
                    leader: person.name.clone(),
                    rank: person.rank,
                });
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
    }
    problems
}

/// Reports gaps in [from, to) and overlaps between consecutive slots (already in time order).
fn coverage(
    slots: impl Iterator<Item = (Slot, NaiveDateTime, NaiveDateTime)>,
    from: NaiveDateTime,
    to: NaiveDateTime,
    gap: impl Fn(NaiveDateTime, NaiveDateTime) -> RosterProblem,
    problems: &mut Vec<RosterProblem>,
) {
    let mut covered_until = from;
    let mut previous: Option<Slot> = None;
    for (slot, start, end) in slots {
        if end <= start {
            problems.push(RosterProblem::EndsBeforeStart(slot));
            continue;
        }
        if start > covered_until {
            problems.push(gap(covered_until, start));
        } else if start < covered_until
            && let Some(previous) = &previous
        {
            problems.push(RosterProblem::Overlap { first: previous.clone(), second: slot.clone() });
        }
        covered_until = covered_until.max(end);
        previous = Some(slot);
    }
    if covered_until < to {
        problems.push(gap(covered_until, to));
    }
}

/// The festival whose holiday starts on `day`, if one does.
fn first_day_of_holiday(calendar: &HolidayCalendar, day: NaiveDate) -> Option<String> {
    let Some(DayKind::Holiday(festival)) = calendar.day_kind(day) else { return None };
    let previous_is_same_holiday = day
        .pred_opt()
        .and_then(|p| calendar.day_kind(p).cloned())
        .is_some_and(|k| k == DayKind::Holiday(festival.clone()));
    (!previous_is_same_holiday).then(|| festival.clone())
}

fn touches_office_hours(shift: &Shift, calendar: &HolidayCalendar, hours: OfficeHours) -> bool {
    let mut day = shift.start.date();
    while day.and_time(NaiveTime::MIN) < shift.end {
        if calendar.is_working_day(day).value {
            let open = day.and_time(hours.start);
            let close = day.and_time(hours.end);
            if shift.start < close && shift.end > open {
                return true;
            }
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::directory::Person;

    fn t(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time")
    }

    fn people() -> Directory {
        let mut directory = Directory::default();
        for (id, name, rank) in [
            ("chief", "王局长", Rank::Principal),
            ("deputy-chief", "李处长", Rank::Division),
            ("a", "张三", Rank::Section),
            ("b", "李四", Rank::Section),
            ("c", "赵六", Rank::Section),
            ("d", "钱七", Rank::Section),
        ] {
            let person = Person { name: name.into(), unit: "water".into(), rank, phone: String::new(), roles: vec![] };
            directory.people.insert(id.into(), person);
        }
        directory
    }

    fn shift(start: &str, end: &str, main: Option<&str>, deputy: Option<&str>, on_post: bool) -> Shift {
        Shift {
            id: format!("s{start}"),
            start: t(start),
            end: t(end),
            main: main.map(Into::into),
            deputy: deputy.map(Into::into),
            on_post,
        }
    }

    fn leader(start: &str, end: &str, who: &str) -> LeaderDuty {
        LeaderDuty { id: format!("l{start}"), start: t(start), end: t(end), leader: Some(who.into()) }
    }

    /// 30 September 08:00 to 2 October 08:00, across the first day of National Day.
    fn valid(category: DutyCategory) -> Roster {
        Roster {
            category,
            start: t("2026-09-30 08:00"),
            end: t("2026-10-02 08:00"),
            shifts: vec![
                shift("2026-09-30 08:00", "2026-10-01 08:00", Some("a"), Some("b"), true),
                shift("2026-10-01 08:00", "2026-10-02 08:00", Some("c"), Some("d"), true),
            ],
            leaders: vec![
                leader("2026-09-30 08:00", "2026-10-01 00:00", "deputy-chief"),
                leader("2026-10-01 00:00", "2026-10-02 08:00", "chief"),
            ],
        }
    }

    fn check(roster: &Roster) -> Vec<RosterProblem> {
        validate_roster(roster, &people(), &HolidayCalendar::shipped(), OfficeHours::default())
    }

    #[test]
    fn a_complete_roster_is_valid_in_every_category() {
        for category in [DutyCategory::One, DutyCategory::Two, DutyCategory::Three] {
            assert_eq!(check(&valid(category)), vec![], "{category:?}");
        }
    }

    #[test]
    fn each_problem_names_the_slot_and_the_reason() {
        type Edit = fn(&mut Roster);
        let cases: Vec<(&str, Edit, &str, &str)> = vec![
            (
                "gap",
                |r| r.shifts[1].start = t("2026-10-01 12:00"),
                "nobody is on duty from 2026-10-01 08:00 to 2026-10-01 12:00",
                "10月1日08:00至10月1日12:00无人值班",
            ),
            (
                "missing deputy",
                |r| r.shifts[1].deputy = None,
                "shift 2 (2026-10-01 08:00 – 2026-10-02 08:00): no deputy officer",
                "第2班（10月1日08:00至10月2日08:00）缺副班",
            ),
            (
                "missing main",
                |r| r.shifts[0].main = None,
                "shift 1 (2026-09-30 08:00 – 2026-10-01 08:00): no main officer",
                "第1班（9月30日08:00至10月1日08:00）缺主班",
            ),
            (
                "overlap",
                |r| r.shifts[1].start = t("2026-10-01 06:00"),
                "shift 1 (2026-09-30 08:00 – 2026-10-01 08:00) overlaps shift 2 (2026-10-01 06:00 – 2026-10-02 08:00)",
                "第1班（9月30日08:00至10月1日08:00）与第2班（10月1日06:00至10月2日08:00）时间重叠",
            ),
            (
                "same person twice",
                |r| r.shifts[0].deputy = Some("a".into()),
                "shift 1 (2026-09-30 08:00 – 2026-10-01 08:00): 张三 is both main and deputy",
                "张三同时担任主班和副班",
            ),
            (
                "wrong rank on the first day of a holiday",
                |r| r.leaders[1].leader = Some("deputy-chief".into()),
                "2026-10-01 is the first day of National Day; the leader on duty must be the unit's principal leader, not 李处长",
                "10月1日为国庆节假期第一天，应由单位主要负责人带班，李处长为处级",
            ),
            (
                "unknown person",
                |r| r.shifts[0].main = Some("ghost".into()),
                "ghost is not in the directory",
                "ghost不在通讯录中",
            ),
            (
                "no leader for a stretch",
                |r| r.leaders[0].end = t("2026-09-30 20:00"),
                "no leader on duty from 2026-09-30 20:00 to 2026-10-01 00:00",
                "9月30日20:00至10月1日00:00无带班领导",
            ),
            (
                "phone duty in category 1",
                |r| r.shifts[1].on_post = false,
                "phone duty where this unit's category requires officers on post",
                "不得电话值班",
            ),
        ];
        for (name, edit, english, chinese) in cases {
            let mut roster = valid(DutyCategory::One);
            edit(&mut roster);
            let problems = check(&roster);
            assert_eq!(problems.len(), 1, "{name}: {problems:?}");
            assert!(problems[0].to_string().contains(english), "{name}: {}", problems[0]);
            assert!(problems[0].to_zh().contains(chinese), "{name}: {}", problems[0].to_zh());
        }
    }

    #[test]
    fn category_three_may_keep_phone_duty_outside_office_hours_only() {
        let mut roster = valid(DutyCategory::Three);
        roster.leaders.clear();
        // Night of 30 September and the whole holiday on the phone: allowed.
        roster.shifts = vec![
            shift("2026-09-30 08:00", "2026-09-30 18:00", Some("a"), Some("b"), true),
            shift("2026-09-30 18:00", "2026-10-02 08:00", Some("c"), Some("d"), false),
        ];
        assert_eq!(check(&roster), vec![]);
        // Phone duty across 30 September's office hours (a working day): not allowed.
        roster.shifts = vec![
            shift("2026-09-30 08:00", "2026-09-30 18:00", Some("a"), Some("b"), false),
            shift("2026-09-30 18:00", "2026-10-02 08:00", Some("c"), Some("d"), false),
        ];
        let problems = check(&roster);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(matches!(&problems[0], RosterProblem::NotOnPost(Slot::Shift { index: 0, .. })));
    }
}
