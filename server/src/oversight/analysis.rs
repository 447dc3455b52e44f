//! The desk's situation picture (态势研判) read from the `incidents` projection: each incident becomes an
//! [`Occurrence`] (its category from the office's taxonomy, its region the unit just below the directory's
//! top, its time when it occurred, or else when it was received, its coordinates), and the pure analysis of
//! `zhiban_model::rules::analysis` turns those into early warnings, frequencies, trends and compound risks,
//! here with the category and region names beside the codes, ready for the API, the CLI and the watch.
//!
//! Every function reads the incidents of its time range with one query, and only those.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::time::format_instant;
use zhiban_model::rules::analysis::{
    self, CompoundRisk, EarlyWarning, Occurrence, Taxonomy, compound_risks, counts_by_window, early_warnings,
};
use zhiban_model::rules::office_time_zone;

use crate::db;
use crate::office::Office;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Most windows a trend may have: a chart, not a table of every hour.
pub const MAX_TREND_WINDOWS: i64 = 1000;

/// An incident as the analysis read it, with its title for the desk.
#[derive(Debug, Clone)]
struct Read {
    occurrence: Occurrence,
    title: String,
}

/// The region an incident of `unit` counts in: the unit's ancestor just below the directory's top (a
/// district, a county, a city department); the top unit (the desk) and a unit the directory does not know
/// count as themselves.
pub fn region_of(directory: &Directory, unit: &str) -> String {
    let mut current = unit;
    // At most as many steps as there are units: a parent chain that loops stops where it started.
    for _ in 0..=directory.units.len() {
        let Some(parent) = directory.units.get(current).and_then(|u| u.parent.as_deref()) else {
            return current.to_owned();
        };
        match directory.units.get(parent) {
            Some(above) if above.parent.is_some() => current = parent,
            // The parent is the top, or unknown (so the top as far as anyone can tell).
            _ => return current.to_owned(),
        }
    }
    unit.to_owned()
}

/// A unit's name, or its id when the directory does not know it.
pub fn unit_name(directory: &Directory, unit: &str) -> String {
    directory
        .units
        .get(unit)
        .map(|u| u.name.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| unit.to_owned())
}

fn instant(millis: i64) -> Option<DateTime<FixedOffset>> {
    DateTime::from_timestamp_millis(millis).map(|t| t.with_timezone(&office_time_zone()))
}

/// The instant as the API writes times: RFC 3339 in the office's zone.
fn text(t: DateTime<FixedOffset>) -> String {
    format_instant(t)
}

fn url(document: &str) -> String {
    format!("automerge:{document}")
}

/// Incidents with `from ≤ at < to` (unix ms), in time order, where `at` is when the incident occurred, or when
/// it was received if the reports do not say. One query; an incident cannot occur after it was received (the
/// document rules refuse that), so the index on `received_at` bounds it.
async fn read(office: &Office, from: i64, to: i64) -> Result<Vec<Read>, sqlx::Error> {
    let rows = db::incidents::happened_between(&office.database, from, to).await?;
    let directory = office.directory();
    let taxonomy = &office.rules.taxonomy;
    let mut regions: HashMap<String, String> = HashMap::new();
    Ok(rows
        .into_iter()
        .filter_map(|incident| {
            let category = taxonomy
                .classify(incident.nature.as_deref(), &incident.title)
                .map(|c| c.code.clone())
                .unwrap_or_else(|| analysis::UNCLASSIFIED.to_owned());
            let at = instant(incident.happened_at())?;
            let region = regions.entry(incident.unit_id).or_insert_with_key(|unit| region_of(&directory, unit)).clone();
            let occurrence = Occurrence {
                incident: incident.document_id,
                category,
                region,
                at,
                latitude: incident.latitude,
                longitude: incident.longitude,
            };
            Some(Read { occurrence, title: incident.title })
        })
        .collect())
}

/// The incidents with `from ≤ at < to` (unix ms) as the analysis sees them, in time order.
pub async fn occurrences(office: &Office, from_ms: i64, to_ms: i64) -> Result<Vec<Occurrence>, sqlx::Error> {
    Ok(read(office, from_ms, to_ms).await?.into_iter().map(|r| r.occurrence).collect())
}

/// A code with the name the desk reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

/// One incident behind a result.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IncidentRef {
    /// `automerge:…`
    pub document: String,
    pub title: String,
    pub category: String,
    pub region: String,
    /// When it occurred (or was received, if the reports do not say).
    pub at: String,
}

/// Names for codes: categories from the taxonomy, regions from the directory.
struct Names<'a> {
    taxonomy: &'a Taxonomy,
    directory: &'a Directory,
}

impl Names<'_> {
    fn category(&self, code: &str) -> String {
        self.taxonomy.label_zh(code)
    }

    fn region(&self, unit: &str) -> String {
        unit_name(self.directory, unit)
    }

    fn named_category(&self, code: &str) -> Named {
        Named { code: code.to_owned(), name: self.category(code) }
    }

    fn named_region(&self, unit: &str) -> Named {
        Named { code: unit.to_owned(), name: self.region(unit) }
    }
}

fn refs<'a>(ids: impl IntoIterator<Item = &'a String>, read: &[Read]) -> Vec<IncidentRef> {
    let by_id: HashMap<&str, &Read> = read.iter().map(|r| (r.occurrence.incident.as_str(), r)).collect();
    ids.into_iter()
        .filter_map(|id| by_id.get(id.as_str()))
        .map(|r| IncidentRef {
            document: url(&r.occurrence.incident),
            title: r.title.clone(),
            category: r.occurrence.category.clone(),
            region: r.occurrence.region.clone(),
            at: text(r.occurrence.at),
        })
        .collect()
}

/// One early warning with names and its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Warning {
    pub category: String,
    /// 地质灾害, 未分类, …
    pub category_name: String,
    /// The region's unit id.
    pub region: String,
    pub region_name: String,
    /// The window counted: after its start, up to and including its end.
    pub window_start: String,
    pub window_end: String,
    pub count: u64,
    /// Incidents in each baseline window, oldest first.
    pub baseline_counts: Vec<u64>,
    pub baseline_mean: f64,
    /// The expected count per window the probability was computed with (the mean, or the floor).
    pub lambda: f64,
    /// P(count or more | lambda), Poisson.
    pub probability: f64,
    pub probability_below: f64,
    /// The incidents in the window, in time order.
    pub incidents: Vec<IncidentRef>,
    /// 近7天 东城区 地质灾害 4 起；前12个周期平均 0.25 起/周期；按泊松分布……
    pub explanation_zh: String,
    /// The same in English (with codes).
    pub explanation_en: String,
}

/// The early warnings at one moment, with the rules they were judged by.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WarningReport {
    /// The end of the window counted.
    pub at: String,
    pub window_days: i64,
    pub baseline_windows: u32,
    pub probability_below: f64,
    pub min_count: u64,
    /// Rarest first.
    pub warnings: Vec<Warning>,
}

/// The early warnings for the window of the office's rules ending at `at` (unix ms): reads the incidents of
/// that window and of the baseline windows before it, nothing older.
pub async fn warnings(office: &Office, at: i64) -> Result<WarningReport, sqlx::Error> {
    let rules = office.rules.early_warning;
    let window_ms = rules.window_days.max(0).saturating_mul(DAY_MS);
    let span = window_ms.saturating_mul(i64::from(rules.baseline_windows) + 1);
    // The analysis counts (start, end]; read [start + 1 ms, end + 1 ms).
    let read = read(office, at.saturating_sub(span).saturating_add(1), at.saturating_add(1)).await?;
    let end = instant(at).unwrap_or_else(|| instant(0).expect("the epoch is a time"));
    let occurrences: Vec<Occurrence> = read.iter().map(|r| r.occurrence.clone()).collect();
    let directory = office.directory();
    let names = Names { taxonomy: &office.rules.taxonomy, directory: &directory };
    let warnings = early_warnings(&occurrences, end, &rules).into_iter().map(|w| warning(&w, &names, &read)).collect();
    Ok(WarningReport {
        at: text(end),
        window_days: rules.window_days,
        baseline_windows: rules.baseline_windows,
        probability_below: rules.probability_below,
        min_count: rules.min_count,
        warnings,
    })
}

fn warning(w: &EarlyWarning, names: &Names, read: &[Read]) -> Warning {
    let (category_name, region_name) = (names.category(&w.category), names.region(&w.region));
    Warning {
        explanation_zh: w.explain_zh_named(&category_name, &region_name),
        explanation_en: w.explain(),
        category: w.category.clone(),
        category_name,
        region: w.region.clone(),
        region_name,
        window_start: text(w.window_start),
        window_end: text(w.window_end),
        count: w.count,
        baseline_counts: w.baseline_counts.clone(),
        baseline_mean: w.baseline_mean,
        lambda: w.lambda,
        probability: w.probability,
        probability_below: w.probability_below,
        incidents: refs(&w.incidents, read),
    }
}

/// How many incidents of one category one region had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FrequencyRow {
    pub category: String,
    pub category_name: String,
    pub region: String,
    pub region_name: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FrequencyReport {
    /// From (inclusive) to (exclusive).
    pub from: String,
    pub to: String,
    /// Incidents in the range.
    pub total: u64,
    /// Most frequent first, then by category and region.
    pub rows: Vec<FrequencyRow>,
}

/// Counts per category and region of the incidents with `from ≤ at < to` (unix ms).
pub async fn frequency(office: &Office, from: i64, to: i64) -> Result<FrequencyReport, sqlx::Error> {
    let occurrences = occurrences(office, from, to).await?;
    let directory = office.directory();
    let names = Names { taxonomy: &office.rules.taxonomy, directory: &directory };
    let rows = analysis::frequency(&occurrences)
        .into_iter()
        .map(|f| FrequencyRow {
            category_name: names.category(&f.category),
            region_name: names.region(&f.region),
            category: f.category,
            region: f.region,
            count: f.count,
        })
        .collect();
    Ok(FrequencyReport { from: time_text(from), to: time_text(to), total: occurrences.len() as u64, rows })
}

fn time_text(millis: i64) -> String {
    instant(millis).map(text).unwrap_or_else(|| millis.to_string())
}

/// One window of a trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TrendWindow {
    /// Inclusive.
    pub start: String,
    /// Exclusive.
    pub end: String,
    pub total: u64,
    /// Per category code (every category of the trend, 0 where none).
    pub counts: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TrendReport {
    pub from: String,
    pub to: String,
    pub window_days: i64,
    /// The categories seen, with their names: the series of the chart.
    pub categories: Vec<Named>,
    pub windows: Vec<TrendWindow>,
}

/// Why a trend's range cannot be charted, in words for the caller; `None` when it can.
pub fn trend_range_problem(from: i64, to: i64, window_days: i64) -> Option<String> {
    if window_days <= 0 {
        return Some(format!("window_days={window_days}: give a positive number of days"));
    }
    if from >= to {
        return Some("from must be before to".into());
    }
    let (span, step) = (to.saturating_sub(from), window_days.saturating_mul(DAY_MS));
    let windows = span / step + i64::from(span % step != 0);
    (windows > MAX_TREND_WINDOWS)
        .then(|| format!("{windows} windows of {window_days} days: at most {MAX_TREND_WINDOWS}; take longer windows"))
}

/// Counts per category in consecutive windows of `window_days` from `from` (unix ms), the last cut short at
/// `to`. Check the range with [`trend_range_problem`] first; a bad one gives no windows.
pub async fn trend(office: &Office, from: i64, to: i64, window_days: i64) -> Result<TrendReport, sqlx::Error> {
    let occurrences = occurrences(office, from, to).await?;
    let directory = office.directory();
    let names = Names { taxonomy: &office.rules.taxonomy, directory: &directory };
    let windows = match (instant(from), instant(to)) {
        (Some(start), Some(end)) if trend_range_problem(from, to, window_days).is_none() => {
            counts_by_window(&occurrences, start, end, window_days)
        }
        _ => Vec::new(),
    };
    let categories =
        windows.first().map(|w| w.by_category.keys().map(|c| names.named_category(c)).collect()).unwrap_or_default();
    let windows = windows
        .into_iter()
        .map(|w| TrendWindow {
            start: text(w.start),
            end: text(w.end),
            total: w.by_category.values().sum(),
            counts: w.by_category,
        })
        .collect();
    Ok(TrendReport { from: time_text(from), to: time_text(to), window_days, categories, windows })
}

/// Incidents of different categories close in time and place, to handle as one situation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CompoundRiskView {
    pub first_at: String,
    pub last_at: String,
    pub categories: Vec<Named>,
    pub regions: Vec<Named>,
    /// In time order.
    pub incidents: Vec<IncidentRef>,
    pub explanation_zh: String,
    pub explanation_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CompoundReport {
    pub from: String,
    pub to: String,
    /// The rules: at most this far apart in place (when both have coordinates) …
    pub distance_km: f64,
    /// … and in time.
    pub hours: i64,
    /// Earliest first.
    pub risks: Vec<CompoundRiskView>,
}

/// Compound risks among the incidents with `from ≤ at < to` (unix ms).
pub async fn compound(office: &Office, from: i64, to: i64) -> Result<CompoundReport, sqlx::Error> {
    let read = read(office, from, to).await?;
    let occurrences: Vec<Occurrence> = read.iter().map(|r| r.occurrence.clone()).collect();
    let rules = office.rules.compound_risk;
    let directory = office.directory();
    let names = Names { taxonomy: &office.rules.taxonomy, directory: &directory };
    let risks = compound_risks(&occurrences, &rules).iter().map(|r| risk(r, &names, &read, &rules)).collect();
    Ok(CompoundReport {
        from: time_text(from),
        to: time_text(to),
        distance_km: rules.distance_km,
        hours: rules.hours,
        risks,
    })
}

fn risk(r: &CompoundRisk, names: &Names, read: &[Read], rules: &analysis::CompoundRules) -> CompoundRiskView {
    let categories: Vec<Named> = r.categories.iter().map(|c| names.named_category(c)).collect();
    let regions: Vec<Named> = r.regions.iter().map(|u| names.named_region(u)).collect();
    let list =
        |items: &[Named]| items.iter().map(|n| format!("{} ({})", n.name, n.code)).collect::<Vec<_>>().join(", ");
    let explanation_en = format!(
        "{} related incidents of {} categories ({}) in {} from {} to {}: each within {} hours and {} km of another \
         (or in the same region when one has no coordinates); handle them as one compound situation.",
        r.incidents.len(),
        categories.len(),
        list(&categories),
        list(&regions),
        r.first_at.format("%Y-%m-%d %H:%M"),
        r.last_at.format("%Y-%m-%d %H:%M"),
        rules.hours,
        rules.distance_km,
    );
    CompoundRiskView {
        first_at: text(r.first_at),
        last_at: text(r.last_at),
        explanation_zh: r.explain_zh_named(|c| names.category(c), |u| names.region(u)),
        explanation_en,
        categories,
        regions,
        incidents: refs(&r.incidents, read),
    }
}

/// `days` days before `millis`, for default ranges.
pub fn days_before(millis: i64, days: i64) -> i64 {
    millis.saturating_sub(Duration::days(days).num_milliseconds())
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhiban_model::documents::directory::{DutyCategory, Unit};

    fn directory() -> Directory {
        let mut d = Directory::default();
        for (id, parent) in [
            ("city", None),
            ("east", Some("city")),
            ("east-street", Some("east")),
            ("east-street-community", Some("east-street")),
            ("water", Some("city")),
            ("orphan", Some("gone")),
        ] {
            let unit = Unit {
                name: format!("{id} name"),
                parent: parent.map(Into::into),
                category: DutyCategory::One,
                duty_phone: "0".into(),
            };
            d.units.insert(id.into(), unit);
        }
        d
    }

    #[test]
    fn a_region_is_the_unit_just_below_the_top() {
        let d = directory();
        assert_eq!(region_of(&d, "city"), "city", "the desk counts as itself");
        assert_eq!(region_of(&d, "east"), "east");
        assert_eq!(region_of(&d, "east-street"), "east");
        assert_eq!(region_of(&d, "east-street-community"), "east");
        assert_eq!(region_of(&d, "water"), "water", "a city department is its own region");
        assert_eq!(region_of(&d, "nobody"), "nobody");
        assert_eq!(region_of(&d, "orphan"), "orphan", "an unknown parent is taken as the top");
        assert_eq!(unit_name(&d, "east"), "east name");
        assert_eq!(unit_name(&d, "nobody"), "nobody");
    }

    #[test]
    fn a_looping_parent_chain_ends() {
        let mut d = directory();
        for (id, parent) in [("a", "b"), ("b", "a")] {
            let unit = Unit {
                name: id.into(),
                parent: Some(parent.into()),
                category: DutyCategory::One,
                duty_phone: "0".into(),
            };
            d.units.insert(id.into(), unit);
        }
        assert_eq!(region_of(&d, "a"), "a");
    }

    #[test]
    fn trend_ranges_are_checked() {
        assert!(trend_range_problem(0, DAY_MS, 0).is_some());
        assert!(trend_range_problem(DAY_MS, 0, 7).is_some());
        assert!(trend_range_problem(0, 7 * DAY_MS * 1000, 7).is_none());
        assert!(trend_range_problem(0, 7 * DAY_MS * 1000 + 1, 7).is_some());
    }
}
