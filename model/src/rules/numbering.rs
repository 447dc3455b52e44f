//! Numbers people read: the report chain (首报, 续报一, 续报二, …, 终报) and the instruction ledger
//! (2027-014). Both are derived from the merged document, never stored, so every phone shows the same
//! numbers once it holds the same entries, whatever order they were written or merged in.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKind {
    First,
    FollowUp,
    Final,
}

/// What numbering needs of a report entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainEntry {
    /// The entry's id (unique, made on the phone that wrote it).
    pub id: String,
    pub kind: EntryKind,
    /// When the reporter submitted it, by the phone's clock.
    pub submitted_at: DateTime<FixedOffset>,
}

/// An entry's place in the chain as people say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainLabel {
    /// 首报. A second first report (two phones filing at once) is numbered too: 首报（二）.
    First(u32),
    /// 续报N.
    FollowUp(u32),
    /// 终报; a second one (a correction) is 终报（二）.
    Final(u32),
}

impl ChainLabel {
    pub fn to_zh(&self) -> String {
        let repeat = |n: u32| if n > 1 { format!("（{}）", chinese_number(n)) } else { String::new() };
        match self {
            ChainLabel::First(n) => format!("首报{}", repeat(*n)),
            ChainLabel::FollowUp(n) => format!("续报{}", chinese_number(*n)),
            ChainLabel::Final(n) => format!("终报{}", repeat(*n)),
        }
    }
}

/// Labels every entry: each kind counted in order of submission time, ties broken by entry id. The
/// result depends only on the set of entries, so it is the same on every phone after merging.
pub fn label_chain(entries: &[ChainEntry]) -> Vec<(String, ChainLabel)> {
    let mut ordered: Vec<&ChainEntry> = entries.iter().collect();
    ordered.sort_by(|a, b| (a.submitted_at, &a.id).cmp(&(b.submitted_at, &b.id)));
    let (mut first, mut follow, mut last) = (0, 0, 0);
    ordered
        .into_iter()
        .map(|entry| {
            let label = match entry.kind {
                EntryKind::First => {
                    first += 1;
                    ChainLabel::First(first)
                }
                EntryKind::FollowUp => {
                    follow += 1;
                    ChainLabel::FollowUp(follow)
                }
                EntryKind::Final => {
                    last += 1;
                    ChainLabel::Final(last)
                }
            };
            (entry.id.clone(), label)
        })
        .collect()
}

/// 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (up to 9999; beyond, Arabic digits).
pub fn chinese_number(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n == 0 || n > 9999 {
        return n.to_string();
    }
    if (10..20).contains(&n) {
        return format!("十{}", if n == 10 { "" } else { DIGITS[(n % 10) as usize] });
    }
    let units = [(1000, "千"), (100, "百"), (10, "十"), (1, "")];
    let mut out = String::new();
    let mut pending_zero = false;
    for (value, name) in units {
        let digit = (n / value) % 10;
        if digit == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push('零');
            pending_zero = false;
        }
        out.push_str(DIGITS[digit as usize]);
        out.push_str(name);
    }
    out
}

/// An instruction's number in the yearly ledger: `2027-014`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LedgerNumber {
    pub year: i32,
    pub seq: u32,
}

impl LedgerNumber {
    /// The next number for `year` after those already used (gaps are not refilled).
    pub fn next(year: i32, used: impl IntoIterator<Item = LedgerNumber>) -> LedgerNumber {
        let last = used.into_iter().filter(|n| n.year == year).map(|n| n.seq).max().unwrap_or(0);
        LedgerNumber { year, seq: last + 1 }
    }
}

impl fmt::Display for LedgerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:03}", self.year, self.seq)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a ledger number like 2027-014")]
pub struct BadLedgerNumber(String);

impl FromStr for LedgerNumber {
    type Err = BadLedgerNumber;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadLedgerNumber(s.to_owned());
        let (year, seq) = s.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let seq: u32 = seq.parse().map_err(|_| bad())?;
        if !(1000..=9999).contains(&year) || seq == 0 {
            return Err(bad());
        }
        Ok(LedgerNumber { year, seq })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, kind: EntryKind, at: &str) -> ChainEntry {
        ChainEntry { id: id.into(), kind, submitted_at: DateTime::parse_from_rfc3339(at).expect("time") }
    }

    #[test]
    fn chain_labels_follow_submission_time_whatever_the_merge_order() {
        let entries = vec![
            entry("f2", EntryKind::FollowUp, "2026-10-01T22:00:00+08:00"),
            entry("first", EntryKind::First, "2026-10-01T20:10:00+08:00"),
            entry("end", EntryKind::Final, "2026-10-02T09:00:00+08:00"),
            entry("f1", EntryKind::FollowUp, "2026-10-01T21:00:00+08:00"),
            // Written on another phone at the same second: the id decides, the same everywhere.
            entry("f3-b", EntryKind::FollowUp, "2026-10-01T22:00:00+08:00"),
        ];
        let expected: Vec<(String, String)> =
            [("first", "首报"), ("f1", "续报一"), ("f2", "续报二"), ("f3-b", "续报三"), ("end", "终报")]
                .iter()
                .map(|(id, label)| (id.to_string(), label.to_string()))
                .collect();
        let mut reversed = entries.clone();
        reversed.reverse();
        for order in [entries, reversed] {
            let got: Vec<(String, String)> = label_chain(&order).into_iter().map(|(id, l)| (id, l.to_zh())).collect();
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn chinese_numbers() {
        let cases = [
            (1, "一"),
            (9, "九"),
            (10, "十"),
            (11, "十一"),
            (20, "二十"),
            (21, "二十一"),
            (100, "一百"),
            (105, "一百零五"),
            (1010, "一千零一十"),
        ];
        for (n, zh) in cases {
            assert_eq!(chinese_number(n), zh, "{n}");
        }
        assert_eq!(ChainLabel::First(2).to_zh(), "首报（二）");
    }

    #[test]
    fn ledger_numbers() {
        let used: Vec<LedgerNumber> =
            ["2026-101", "2027-013", "2027-001"].iter().map(|s| s.parse().expect("n")).collect();
        let next = LedgerNumber::next(2027, used.iter().copied());
        assert_eq!(next.to_string(), "2027-014");
        assert_eq!(LedgerNumber::next(2028, used).to_string(), "2028-001");
        assert!("2027-000".parse::<LedgerNumber>().is_err());
        assert!("27-5".parse::<LedgerNumber>().is_err());
        assert!("2027/014".parse::<LedgerNumber>().is_err());
    }
}
