//! Drawing the duty rooms the desk spot-checks (抽查): for every day and session of a holiday, a few units
//! picked at random, the ones with past findings more often, so a unit that was found wanting is checked
//! again sooner, and no unit can count on not being called. Pure: the caller brings the randomness (seeded
//! in tests and when a plan must be reproduced).

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::documents::spot_check::Session;

/// How many units are checked per session, and how strongly past findings draw a unit. Units with past
/// findings are drawn more often: weight = 1 + weight_per_finding × past findings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpotCheckRules {
    /// Units checked in each session (morning, afternoon, evening) of each day.
    pub per_session: usize,
    /// What each past finding adds to a unit's weight (a unit with none weighs 1).
    pub weight_per_finding: f64,
}

impl Default for SpotCheckRules {
    fn default() -> Self {
        Self { per_session: 3, weight_per_finding: 2.0 }
    }
}

impl SpotCheckRules {
    /// A unit's weight in the draw; never below a sliver above zero, so a unit is always drawable and a
    /// negative `weight_per_finding` in a rules file cannot break the draw.
    pub fn weight(&self, past_findings: u32) -> f64 {
        let weight = 1.0 + self.weight_per_finding * f64::from(past_findings);
        if weight.is_finite() && weight > f64::EPSILON { weight } else { f64::EPSILON }
    }
}

/// One check the draw planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCheck {
    pub unit: String,
    pub date: NaiveDate,
    pub session: Session,
}

/// For every day × session (in the order given), `rules.per_session` distinct units (all of them when
/// there are fewer), by weighted sampling without replacement (Efraimidis–Spirakis: each unit gets the key
/// u^(1/w) for a uniform u, the largest keys are drawn). `units` are (unit id, past findings); a unit
/// listed twice counts once, with its first count. Within a session the checks come in draw order.
pub fn draw(
    units: &[(String, u32)],
    days: &[NaiveDate],
    sessions: &[Session],
    rules: &SpotCheckRules,
    rng: &mut impl rand::Rng,
) -> Vec<PlannedCheck> {
    let mut seen = BTreeSet::new();
    let pool: Vec<(&str, f64)> = units
        .iter()
        .filter(|(unit, _)| seen.insert(unit.as_str()))
        .map(|(unit, findings)| (unit.as_str(), rules.weight(*findings)))
        .collect();
    let take = rules.per_session.min(pool.len());
    let mut out = Vec::with_capacity(days.len() * sessions.len() * take);
    for &date in days {
        for &session in sessions {
            // ln(u)/w orders units as u^(1/w) does, without underflow for large weights.
            let mut keyed: Vec<(f64, usize)> = pool
                .iter()
                .enumerate()
                .map(|(i, (_, weight))| {
                    let u: f64 = rng.random();
                    // u is in [0, 1); ln(0) is −∞, the smallest key, which sorts fine.
                    (u.ln() / weight, i)
                })
                .collect();
            keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            out.extend(keyed.into_iter().take(take).map(|(_, i)| PlannedCheck {
                unit: pool[i].0.to_owned(),
                date,
                session,
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn days(n: i64) -> Vec<NaiveDate> {
        let first = NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
        (0..n).map(|i| first + chrono::Duration::days(i)).collect()
    }

    fn units(n: usize) -> Vec<(String, u32)> {
        (0..n).map(|i| (format!("unit-{i:02}"), 0)).collect()
    }

    #[test]
    fn the_same_seed_draws_the_same_plan() {
        let rules = SpotCheckRules::default();
        let a = draw(&units(12), &days(7), &Session::ALL, &rules, &mut StdRng::seed_from_u64(7));
        let b = draw(&units(12), &days(7), &Session::ALL, &rules, &mut StdRng::seed_from_u64(7));
        let c = draw(&units(12), &days(7), &Session::ALL, &rules, &mut StdRng::seed_from_u64(8));
        assert_eq!(a.len(), 7 * 3 * 3);
        assert_eq!(a, b);
        assert_ne!(a, c, "another seed, another plan");
    }

    #[test]
    fn never_the_same_unit_twice_in_one_session() {
        let mut pool = units(5);
        pool.push(("unit-00".into(), 9));
        let rules = SpotCheckRules { per_session: 4, ..SpotCheckRules::default() };
        let plan = draw(&pool, &days(30), &Session::ALL, &rules, &mut StdRng::seed_from_u64(1));
        let mut sessions: BTreeMap<(NaiveDate, Session), Vec<&str>> = BTreeMap::new();
        for check in &plan {
            sessions.entry((check.date, check.session)).or_default().push(&check.unit);
        }
        assert_eq!(sessions.len(), 90);
        for (key, drawn) in sessions {
            let distinct: BTreeSet<&&str> = drawn.iter().collect();
            assert_eq!(distinct.len(), 4, "{key:?}: {drawn:?}");
        }
    }

    #[test]
    fn a_unit_with_past_findings_is_drawn_clearly_more_often() {
        let mut pool = units(20);
        pool[0].1 = 3; // weight 1 + 2 × 3 = 7
        let rules = SpotCheckRules::default();
        assert_eq!(rules.weight(3), 7.0);
        // 67 days × 3 sessions: 201 sessions.
        let plan = draw(&pool, &days(67), &Session::ALL, &rules, &mut StdRng::seed_from_u64(2026));
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for check in &plan {
            *counts.entry(check.unit.as_str()).or_default() += 1;
        }
        let heavy = counts.get("unit-00").copied().unwrap_or(0) as f64;
        let light: Vec<f64> =
            pool[1..].iter().map(|(u, _)| counts.get(u.as_str()).copied().unwrap_or(0) as f64).collect();
        let light_mean = light.iter().sum::<f64>() / light.len() as f64;
        assert!(heavy / light_mean > 3.0, "drawn {heavy} times against {light_mean} on average");
        assert!(light.iter().all(|&n| n < heavy), "{counts:?}");
    }

    #[test]
    fn more_per_session_than_units_checks_every_unit_once() {
        let pool = units(3);
        let rules = SpotCheckRules { per_session: 10, ..SpotCheckRules::default() };
        let plan = draw(&pool, &days(2), &[Session::Evening], &rules, &mut StdRng::seed_from_u64(3));
        assert_eq!(plan.len(), 2 * 3);
        for day in days(2) {
            let mut drawn: Vec<&str> = plan.iter().filter(|c| c.date == day).map(|c| c.unit.as_str()).collect();
            drawn.sort_unstable();
            assert_eq!(drawn, vec!["unit-00", "unit-01", "unit-02"]);
            assert!(plan.iter().all(|c| c.session == Session::Evening));
        }
    }

    #[test]
    fn no_units_or_no_days_draw_nothing() {
        let rules = SpotCheckRules::default();
        assert!(draw(&[], &days(3), &Session::ALL, &rules, &mut StdRng::seed_from_u64(4)).is_empty());
        assert!(draw(&units(3), &[], &Session::ALL, &rules, &mut StdRng::seed_from_u64(4)).is_empty());
    }
}
