//! Incident grades (Ⅰ particularly serious … Ⅳ ordinary) suggested from the figures by State Council Decree
//! 493's thresholds: bounds inclusive, the highest grade any column reaches wins. The suggestion is only
//! that: the desk confirms or overrides it with a reason (kept in the incident document).

use std::fmt;

/// Ordered from most to least serious: `Grade::I < Grade::IV`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grade {
    /// 特别重大, particularly serious.
    I,
    /// 重大, serious.
    II,
    /// 较大, relatively serious.
    III,
    /// 一般, ordinary.
    IV,
}

impl Grade {
    /// The grade as the office writes it: Ⅰ级 (特别重大) …
    pub fn label_zh(self) -> &'static str {
        match self {
            Grade::I => "Ⅰ级（特别重大）",
            Grade::II => "Ⅱ级（重大）",
            Grade::III => "Ⅲ级（较大）",
            Grade::IV => "Ⅳ级（一般）",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Grade::I => "Ⅰ",
            Grade::II => "Ⅱ",
            Grade::III => "Ⅲ",
            Grade::IV => "Ⅳ",
        })
    }
}

/// The figures a grade is judged on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub deaths: u32,
    /// Serious injuries, acute poisoning included.
    pub serious_injuries: u32,
    /// Direct economic loss in yuan.
    pub direct_loss_cny: u64,
}

/// The lower bound (inclusive) of each grade in one column, for Ⅰ, Ⅱ and Ⅲ; below Ⅲ's bound is Ⅳ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnBounds<T> {
    pub grade_i: T,
    pub grade_ii: T,
    pub grade_iii: T,
}

impl<T: PartialOrd> ColumnBounds<T> {
    fn grade(&self, value: T) -> Grade {
        if value >= self.grade_i {
            Grade::I
        } else if value >= self.grade_ii {
            Grade::II
        } else if value >= self.grade_iii {
            Grade::III
        } else {
            Grade::IV
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GradeThresholds {
    pub deaths: ColumnBounds<u32>,
    pub serious_injuries: ColumnBounds<u32>,
    pub direct_loss_cny: ColumnBounds<u64>,
}

impl Default for GradeThresholds {
    /// Decree 493 (production-safety accidents).
    fn default() -> Self {
        Self {
            deaths: ColumnBounds { grade_i: 30, grade_ii: 10, grade_iii: 3 },
            serious_injuries: ColumnBounds { grade_i: 100, grade_ii: 50, grade_iii: 10 },
            direct_loss_cny: ColumnBounds { grade_i: 100_000_000, grade_ii: 50_000_000, grade_iii: 10_000_000 },
        }
    }
}

/// What the rules suggest for an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GradeSuggestion {
    pub grade: Grade,
    /// Sensitive time, place, person or nature: reported whatever the grade, with Ⅲ's deadlines at least.
    pub sensitive: bool,
}

impl GradeThresholds {
    /// The most serious grade any column reaches.
    pub fn suggest(&self, figures: &Figures, sensitive: bool) -> GradeSuggestion {
        let grade = self
            .deaths
            .grade(figures.deaths)
            .min(self.serious_injuries.grade(figures.serious_injuries))
            .min(self.direct_loss_cny.grade(figures.direct_loss_cny));
        GradeSuggestion { grade, sensitive }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggest(deaths: u32, serious_injuries: u32, direct_loss_cny: u64) -> Grade {
        GradeThresholds::default().suggest(&Figures { deaths, serious_injuries, direct_loss_cny }, false).grade
    }

    #[test]
    fn decree_493_bounds_are_inclusive_and_the_highest_column_wins() {
        let cases = [
            // deaths
            (0, 0, 0, Grade::IV),
            (2, 0, 0, Grade::IV),
            (3, 0, 0, Grade::III),
            (9, 0, 0, Grade::III),
            (10, 0, 0, Grade::II),
            (29, 0, 0, Grade::II),
            (30, 0, 0, Grade::I),
            // serious injuries
            (0, 9, 0, Grade::IV),
            (0, 10, 0, Grade::III),
            (0, 49, 0, Grade::III),
            (0, 50, 0, Grade::II),
            (0, 99, 0, Grade::II),
            (0, 100, 0, Grade::I),
            // direct loss
            (0, 0, 9_999_999, Grade::IV),
            (0, 0, 10_000_000, Grade::III),
            (0, 0, 49_999_999, Grade::III),
            (0, 0, 50_000_000, Grade::II),
            (0, 0, 99_999_999, Grade::II),
            (0, 0, 100_000_000, Grade::I),
            // the highest grade reached by any column wins
            (2, 50, 0, Grade::II),
            (3, 9, 100_000_000, Grade::I),
            (31, 0, 0, Grade::I),
        ];
        for (deaths, injuries, loss, expected) in cases {
            assert_eq!(suggest(deaths, injuries, loss), expected, "deaths {deaths}, injuries {injuries}, loss {loss}");
        }
    }

    #[test]
    fn the_sensitive_flag_travels_with_the_suggestion() {
        let s = GradeThresholds::default().suggest(&Figures::default(), true);
        assert_eq!(s, GradeSuggestion { grade: Grade::IV, sensitive: true });
    }

    #[test]
    fn grades_order_from_most_serious() {
        assert!(Grade::I < Grade::II && Grade::III < Grade::IV);
        assert_eq!(Grade::III.label_zh(), "Ⅲ级（较大）");
    }
}
