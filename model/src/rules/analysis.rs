//! Incident analysis for the desk's situation picture (态势研判): what kind of incident a report is, how
//! often each kind happens where, early warnings when a region sees far more of one kind than it usually
//! does, and compound risks when incidents of different kinds cluster in time and place (暴雨 → 滑坡 →
//! 交通事故). Pure functions over occurrences the caller extracts from the incident documents; every number
//! is a configurable default.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, FixedOffset};
use serde::{Deserialize, Serialize};

/// The category code of an incident no category matched; shown as 未分类.
pub const UNCLASSIFIED: &str = "unclassified";

/// The four classes of public emergency in the Emergency Response Law (突发事件应对法, art. 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentClass {
    NaturalDisaster,
    AccidentDisaster,
    PublicHealth,
    SocialSafety,
}

impl IncidentClass {
    pub const ALL: [IncidentClass; 4] = [
        IncidentClass::NaturalDisaster,
        IncidentClass::AccidentDisaster,
        IncidentClass::PublicHealth,
        IncidentClass::SocialSafety,
    ];

    /// The code stored in rules files and documents.
    pub fn code(self) -> &'static str {
        match self {
            IncidentClass::NaturalDisaster => "natural_disaster",
            IncidentClass::AccidentDisaster => "accident_disaster",
            IncidentClass::PublicHealth => "public_health",
            IncidentClass::SocialSafety => "social_safety",
        }
    }

    pub fn parse(code: &str) -> Option<IncidentClass> {
        IncidentClass::ALL.into_iter().find(|c| c.code() == code.trim())
    }

    /// The class as the law names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            IncidentClass::NaturalDisaster => "自然灾害",
            IncidentClass::AccidentDisaster => "事故灾难",
            IncidentClass::PublicHealth => "公共卫生事件",
            IncidentClass::SocialSafety => "社会安全事件",
        }
    }
}

/// One category of incident the office counts separately, and the words that identify it in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentCategory {
    pub code: String,
    /// The category's name in Chinese (森林火灾); it identifies the category in a report as a keyword does.
    pub name: String,
    pub class: IncidentClass,
    pub keywords: Vec<String>,
}

/// The office's categories of incident, in priority order (an earlier category wins a tie).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Taxonomy {
    pub categories: Vec<IncidentCategory>,
}

impl Default for Taxonomy {
    /// A reference list of what a city duty office typically receives. Each office replaces it with its own
    /// in its rules file; codes are what the counts are kept under, so rename a code only with a reason.
    fn default() -> Self {
        use IncidentClass::*;
        let category = |code: &str, name: &str, class: IncidentClass, keywords: &[&str]| IncidentCategory {
            code: code.to_string(),
            name: name.to_string(),
            class,
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
        };
        Self {
            categories: vec![
                category("forest_fire", "森林火灾", NaturalDisaster, &["山火", "林火", "草原火灾", "森林草原火灾"]),
                category("flood", "洪涝灾害", NaturalDisaster, &["洪水", "内涝", "洪涝", "山洪", "溃坝", "决堤"]),
                category("geological", "地质灾害", NaturalDisaster, &["滑坡", "泥石流", "崩塌", "塌方", "地面塌陷"]),
                category(
                    "weather",
                    "气象灾害",
                    NaturalDisaster,
                    &["暴雨", "台风", "大风", "冰雹", "雷电", "暴雪", "寒潮", "高温", "大雾", "冰冻"],
                ),
                category("earthquake", "地震灾害", NaturalDisaster, &["地震"]),
                category(
                    "road_traffic",
                    "道路交通事故",
                    AccidentDisaster,
                    &["交通事故", "车祸", "侧翻", "追尾", "翻车", "撞车"],
                ),
                category("fire", "火灾", AccidentDisaster, &["起火", "失火", "着火", "爆燃"]),
                category("gas", "燃气事故", AccidentDisaster, &["燃气", "煤气", "天然气泄漏"]),
                category(
                    "production_safety",
                    "生产安全事故",
                    AccidentDisaster,
                    &["矿山", "煤矿", "危化", "危险化学品", "爆炸", "泄漏", "中毒窒息"],
                ),
                category("construction", "建筑施工事故", AccidentDisaster, &["坍塌", "高处坠落", "施工", "脚手架"]),
                category("utilities", "城市生命线事故", AccidentDisaster, &["停电", "停水", "爆管", "供水管", "管网"]),
                category("drowning", "溺水事故", AccidentDisaster, &["溺水", "落水", "溺亡"]),
                category("epidemic", "传染病疫情", PublicHealth, &["疫情", "传染病", "聚集性病例"]),
                category("animal_epidemic", "动物疫情", PublicHealth, &["禽流感", "非洲猪瘟"]),
                category("food_safety", "食品安全事件", PublicHealth, &["食物中毒", "食品安全"]),
                category("mass_incident", "群体性事件", SocialSafety, &["聚集", "群体性", "上访", "围堵", "讨薪"]),
                category("public_order", "社会治安事件", SocialSafety, &["治安", "刑事", "伤人", "持刀", "斗殴"]),
                category("public_opinion", "网络舆情", SocialSafety, &["舆情", "热搜"]),
            ],
        }
    }
}

impl Taxonomy {
    /// The category a report belongs to, from its nature field (what the reporter typed as the kind of
    /// incident) or, failing that, its title. A nature equal to a category's code picks that category (forms
    /// that offer the list store the code). Otherwise the longest name or keyword found wins, so 森林火灾
    /// beats 火灾; a tie goes to the earlier category. Matching ignores letter case. `None` is 未分类.
    pub fn classify<'a>(&'a self, nature: Option<&str>, title: &str) -> Option<&'a IncidentCategory> {
        if let Some(nature) = nature {
            let nature = nature.trim();
            if let Some(by_code) = self.categories.iter().find(|c| !c.code.is_empty() && c.code == nature) {
                return Some(by_code);
            }
            if let Some(found) = self.longest_match(nature) {
                return Some(found);
            }
        }
        self.longest_match(title)
    }

    fn longest_match(&self, text: &str) -> Option<&IncidentCategory> {
        let text = text.to_lowercase();
        if text.trim().is_empty() {
            return None;
        }
        let mut best: Option<(usize, &IncidentCategory)> = None;
        for category in &self.categories {
            for word in std::iter::once(&category.name).chain(&category.keywords) {
                let word = word.trim().to_lowercase();
                // An empty word would match every report; `problems` names it instead.
                if word.is_empty() || !text.contains(&word) {
                    continue;
                }
                let length = word.chars().count();
                if best.is_none_or(|(longest, _)| length > longest) {
                    best = Some((length, category));
                }
            }
        }
        best.map(|(_, category)| category)
    }

    /// The category with this code.
    pub fn category(&self, code: &str) -> Option<&IncidentCategory> {
        self.categories.iter().find(|c| c.code == code)
    }

    /// A category code as the desk reads it: its name, 未分类, or the code itself if the list lacks it.
    pub fn label_zh(&self, code: &str) -> String {
        match self.category(code) {
            Some(category) if !category.name.trim().is_empty() => category.name.clone(),
            _ if code == UNCLASSIFIED => "未分类".to_string(),
            _ => code.to_string(),
        }
    }

    /// What is wrong with the list, one message per fault, naming the category.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for (index, category) in self.categories.iter().enumerate() {
            let code = category.code.trim();
            if code.is_empty() {
                out.push(format!("incident category #{} ({:?}) has no code", index + 1, category.name));
                continue;
            }
            if code == UNCLASSIFIED {
                out.push(format!("incident category code {code:?} is reserved for incidents no category matches"));
            }
            if !seen.insert(code) {
                out.push(format!("incident category code {code:?} is used more than once; give each category its own"));
            }
            if category.name.trim().is_empty() {
                out.push(format!("incident category {code:?} has no name"));
            }
            if category.keywords.iter().any(|k| k.trim().is_empty()) {
                out.push(format!("incident category {code:?} has an empty keyword; remove it or fill it in"));
            }
        }
        out
    }
}

/// P(X ≥ k) for X ~ Poisson(lambda): how surprising it is to see `k` or more events when `lambda` are expected.
///
/// The smaller tail is summed term by term from the probability at its edge, computed in log space, so the
/// result keeps its relative accuracy for large `lambda` and `k` (it underflows to 0 only below ~1e-308).
/// `k = 0` gives 1; a `lambda` that is not positive gives 0 for `k ≥ 1`.
pub fn poisson_tail(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda.is_nan() || lambda <= 0.0 {
        return 0.0;
    }
    if lambda.is_infinite() {
        return 1.0;
    }
    let kf = k as f64;
    if kf > lambda {
        // Upper tail: terms fall from p(k) by lambda/(j+1) < 1 each step.
        let log_first = log_poisson_pmf(k, lambda);
        let mut sum = 0.0;
        let mut term = 1.0;
        let mut j = kf;
        while term > sum * 1e-17 {
            sum += term;
            j += 1.0;
            term *= lambda / j;
        }
        (log_first + sum.ln()).exp().min(1.0)
    } else {
        // 1 − P(X ≤ k−1); with k−1 below the mean the lower tail is at most about one half, so nothing cancels.
        let log_first = log_poisson_pmf(k - 1, lambda);
        let mut sum = 0.0;
        let mut term = 1.0;
        let mut j = kf - 1.0;
        loop {
            sum += term;
            if j <= 0.0 || term <= sum * 1e-17 {
                break;
            }
            term *= j / lambda;
            j -= 1.0;
        }
        (1.0 - (log_first + sum.ln()).exp()).clamp(0.0, 1.0)
    }
}

fn log_poisson_pmf(k: u64, lambda: f64) -> f64 {
    k as f64 * lambda.ln() - lambda - ln_factorial(k)
}

/// ln(n!): summed exactly for small n, Stirling's series (error below 1e-15 from n = 20) beyond.
fn ln_factorial(n: u64) -> f64 {
    if n < 20 {
        return (2..=n).map(|i| (i as f64).ln()).sum();
    }
    let x = n as f64;
    let x2 = x * x;
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x) - 1.0 / (360.0 * x * x2)
        + 1.0 / (1260.0 * x * x2 * x2)
}

/// One incident as the analysis sees it, extracted by the caller from the incident document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Occurrence {
    /// The incident document's id.
    pub incident: String,
    /// The category code, or [`UNCLASSIFIED`].
    pub category: String,
    /// The unit id of the region it happened in.
    pub region: String,
    pub at: DateTime<FixedOffset>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Occurrence {
    /// Coordinates that can be measured from; missing, non-finite or out-of-range ones count as absent.
    fn position(&self) -> Option<(f64, f64)> {
        match (self.latitude, self.longitude) {
            (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 => {
                Some((lat, lon))
            }
            _ => None,
        }
    }
}

/// When a burst of one category in one region is unusual enough to warn the desk.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EarlyWarningRules {
    /// The length of the window counted, and of each baseline window.
    pub window_days: i64,
    /// How many windows just before the current one give the usual rate.
    pub baseline_windows: u32,
    /// Warn when seeing this many or more by chance is less likely than this.
    pub probability_below: f64,
    /// Never warn on fewer than this many in the window, however rare the category: one or two incidents are
    /// handled as incidents, not as a trend.
    pub min_count: u64,
}

impl Default for EarlyWarningRules {
    fn default() -> Self {
        Self { window_days: 7, baseline_windows: 12, probability_below: 0.01, min_count: 3 }
    }
}

/// An unusual number of incidents of one category in one region, with the numbers that make it unusual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlyWarning {
    pub category: String,
    pub region: String,
    /// The window counted: after `window_start`, up to and including `window_end`.
    pub window_start: DateTime<FixedOffset>,
    pub window_end: DateTime<FixedOffset>,
    pub count: u64,
    /// The count in each baseline window, oldest first.
    pub baseline_counts: Vec<u64>,
    pub baseline_mean: f64,
    /// The expected count per window the probability was computed with: the baseline mean, or the floor
    /// when the baseline is (nearly) empty.
    pub lambda: f64,
    /// P(count or more | lambda).
    pub probability: f64,
    /// The threshold it fell below, from the rules.
    pub probability_below: f64,
    /// The incidents in the window, in time order.
    pub incidents: Vec<String>,
}

impl EarlyWarning {
    /// The warning in the desk's words, with the category and region as codes (未分类 for unclassified);
    /// use [`EarlyWarning::explain_zh_named`] to show names.
    pub fn explain_zh(&self) -> String {
        let category = if self.category == UNCLASSIFIED { "未分类" } else { self.category.as_str() };
        self.explain_zh_named(category, &self.region)
    }

    /// The warning in the desk's words, with the category and region named by the caller.
    pub fn explain_zh_named(&self, category_name: &str, region_name: &str) -> String {
        format!(
            "近{}天 {} {} {} 起；前{}个周期平均 {:.2} 起/周期；按泊松分布，出现不少于{}起的概率为 {}（低于{}），预警。",
            self.window_days(),
            region_name,
            category_name,
            self.count,
            self.baseline_counts.len(),
            self.baseline_mean,
            self.count,
            format_probability(self.probability),
            self.probability_below,
        )
    }

    /// The warning in English, with the category and region as codes.
    pub fn explain(&self) -> String {
        format!(
            "{} incidents of {} in {} in the last {} days; the previous {} windows averaged {:.2} per window; \
             under a Poisson model the chance of {} or more is {} (below {}): early warning.",
            self.count,
            self.category,
            self.region,
            self.window_days(),
            self.baseline_counts.len(),
            self.baseline_mean,
            self.count,
            format_probability(self.probability),
            self.probability_below,
        )
    }

    fn window_days(&self) -> i64 {
        (self.window_end - self.window_start).num_days()
    }
}

/// Small probabilities in scientific notation, so 0.00002 does not read as 0.0000.
fn format_probability(p: f64) -> String {
    if p >= 0.001 || p == 0.0 { format!("{p:.4}") } else { format!("{p:.1e}") }
}

/// Early warnings at `window_end`: each (category, region) whose count in the window (window_end − window_days,
/// window_end] is at least `min_count` and would happen by chance with probability below `probability_below`,
/// if incidents arrived at the rate of the `baseline_windows` windows just before it (a Poisson model).
/// Unclassified incidents are a category like any other. Rarest first.
///
/// The rate has a floor of half an incident over the whole baseline (0.5 / baseline_windows per window): an
/// empty baseline would otherwise make any burst infinitely surprising, and half an event is the usual
/// "we saw none, so the rate is below about one per baseline" estimate.
pub fn early_warnings(
    occurrences: &[Occurrence],
    window_end: DateTime<FixedOffset>,
    rules: &EarlyWarningRules,
) -> Vec<EarlyWarning> {
    if rules.window_days <= 0 {
        return Vec::new();
    }
    let window = Duration::days(rules.window_days);
    let baseline_windows = rules.baseline_windows as usize;
    let window_start = window_end - window;
    let baseline_start = window_start - window * rules.baseline_windows as i32;

    struct Tally<'a> {
        current: Vec<&'a Occurrence>,
        /// Oldest first.
        baseline: Vec<u64>,
    }
    let mut tallies: BTreeMap<(&str, &str), Tally> = BTreeMap::new();
    for occurrence in occurrences {
        if occurrence.at <= baseline_start || occurrence.at > window_end {
            continue;
        }
        let tally = tallies
            .entry((occurrence.category.as_str(), occurrence.region.as_str()))
            .or_insert_with(|| Tally { current: Vec::new(), baseline: vec![0; baseline_windows] });
        if occurrence.at > window_start {
            tally.current.push(occurrence);
        } else {
            // Windows back from the current one: 1 is (start − window, start], and so on.
            let back = ((window_start - occurrence.at).num_seconds() - 1) / window.num_seconds() + 1;
            let back = usize::try_from(back).unwrap_or(usize::MAX);
            if (1..=baseline_windows).contains(&back) {
                tally.baseline[baseline_windows - back] += 1;
            }
        }
    }

    let floor = 0.5 / rules.baseline_windows.max(1) as f64;
    let mut out = Vec::new();
    for ((category, region), mut tally) in tallies {
        let count = tally.current.len() as u64;
        if count == 0 || count < rules.min_count {
            continue;
        }
        let baseline_mean = if baseline_windows == 0 {
            0.0
        } else {
            tally.baseline.iter().sum::<u64>() as f64 / baseline_windows as f64
        };
        let lambda = baseline_mean.max(floor);
        let probability = poisson_tail(count, lambda);
        if probability >= rules.probability_below {
            continue;
        }
        tally.current.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.incident.cmp(&b.incident)));
        out.push(EarlyWarning {
            category: category.to_string(),
            region: region.to_string(),
            window_start,
            window_end,
            count,
            baseline_counts: tally.baseline,
            baseline_mean,
            lambda,
            probability,
            probability_below: rules.probability_below,
            incidents: tally.current.iter().map(|o| o.incident.clone()).collect(),
        });
    }
    out.sort_by(|a, b| {
        a.probability
            .total_cmp(&b.probability)
            .then_with(|| a.category.cmp(&b.category))
            .then_with(|| a.region.cmp(&b.region))
    });
    out
}

/// Counts per category in one window of a trend chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowCounts {
    /// Inclusive.
    pub start: DateTime<FixedOffset>,
    /// Exclusive.
    pub end: DateTime<FixedOffset>,
    pub by_category: BTreeMap<String, u64>,
}

/// Counts per category in consecutive windows of `window_days` from `from`, the last one cut short at `to`;
/// an occurrence counts in the window with start ≤ at < end. Every category seen in any window is listed in
/// every window (0 where none), so a chart's series line up. Empty if `from ≥ to` or `window_days ≤ 0`.
pub fn counts_by_window(
    occurrences: &[Occurrence],
    from: DateTime<FixedOffset>,
    to: DateTime<FixedOffset>,
    window_days: i64,
) -> Vec<WindowCounts> {
    if window_days <= 0 || from >= to {
        return Vec::new();
    }
    let step = Duration::days(window_days);
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        let end = (start + step).min(to);
        out.push(WindowCounts { start, end, by_category: BTreeMap::new() });
        start = end;
    }
    let categories: BTreeSet<&str> =
        occurrences.iter().filter(|o| o.at >= from && o.at < to).map(|o| o.category.as_str()).collect();
    for window in &mut out {
        window.by_category = categories.iter().map(|c| (c.to_string(), 0)).collect();
    }
    for occurrence in occurrences {
        if occurrence.at < from || occurrence.at >= to {
            continue;
        }
        let index = usize::try_from((occurrence.at - from).num_seconds() / step.num_seconds()).unwrap_or(usize::MAX);
        if let Some(window) = out.get_mut(index) {
            *window.by_category.entry(occurrence.category.clone()).or_insert(0) += 1;
        }
    }
    out
}

/// How many incidents of one category one region had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frequency {
    pub category: String,
    pub region: String,
    pub count: u64,
}

/// Counts per (category, region), most frequent first, then by category and region.
pub fn frequency(occurrences: &[Occurrence]) -> Vec<Frequency> {
    let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for occurrence in occurrences {
        *counts.entry((occurrence.category.as_str(), occurrence.region.as_str())).or_insert(0) += 1;
    }
    let mut out: Vec<Frequency> = counts
        .into_iter()
        .map(|((category, region), count)| Frequency {
            category: category.to_string(),
            region: region.to_string(),
            count,
        })
        .collect();
    // The map already ordered by category then region; a stable sort keeps that among equal counts.
    out.sort_by_key(|f| std::cmp::Reverse(f.count));
    out
}

/// When incidents are near enough to be read together as one compound situation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompoundRules {
    /// Great-circle distance between two incidents that both have coordinates.
    pub distance_km: f64,
    /// Time between two incidents.
    pub hours: i64,
}

impl Default for CompoundRules {
    fn default() -> Self {
        Self { distance_km: 20.0, hours: 24 }
    }
}

/// Incidents of different categories close together in time and place (暴雨 → 滑坡 → 交通事故): one
/// situation for the desk to coordinate rather than separate incidents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompoundRisk {
    /// In time order.
    pub incidents: Vec<String>,
    /// Distinct, sorted.
    pub categories: Vec<String>,
    /// Distinct, sorted.
    pub regions: Vec<String>,
    pub first_at: DateTime<FixedOffset>,
    pub last_at: DateTime<FixedOffset>,
}

impl CompoundRisk {
    /// The group in the desk's words, with categories and regions as codes (未分类 for unclassified).
    pub fn explain_zh(&self) -> String {
        self.explain_zh_named(
            |code| if code == UNCLASSIFIED { "未分类".to_string() } else { code.to_string() },
            |region| region.to_string(),
        )
    }

    /// The group in the desk's words, with categories and regions named by the caller (for example with
    /// [`Taxonomy::label_zh`] and the directory).
    pub fn explain_zh_named(
        &self,
        category_name: impl Fn(&str) -> String,
        region_name: impl Fn(&str) -> String,
    ) -> String {
        let categories: Vec<String> = self.categories.iter().map(|c| category_name(c)).collect();
        let regions: Vec<String> = self.regions.iter().map(|r| region_name(r)).collect();
        format!(
            "{} 至 {}，{} 发生 {} 起相互关联的事件，涉及 {} 类：{}，请作为复合风险统筹处置。",
            self.first_at.format("%Y-%m-%d %H:%M"),
            self.last_at.format("%Y-%m-%d %H:%M"),
            regions.join("、"),
            self.incidents.len(),
            categories.len(),
            categories.join("、"),
        )
    }
}

/// Groups of incidents close in time and place that span at least two categories.
///
/// Two incidents are close when they are at most `hours` apart and either both have coordinates within
/// `distance_km`, or at least one lacks coordinates and they are in the same region; closeness chains (A near
/// B near C is one group). Unclassified incidents join groups but do not count towards the two categories,
/// since an unclassified report beside a classified one is as likely a second report of the same incident.
/// Groups are ordered by their first time, then first incident id. Only incidents within `hours` of each other
/// are compared, so the cost grows with the number of incidents times how many fall in one time window.
pub fn compound_risks(occurrences: &[Occurrence], rules: &CompoundRules) -> Vec<CompoundRisk> {
    let mut order: Vec<&Occurrence> = occurrences.iter().collect();
    order.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.incident.cmp(&b.incident)));
    let positions: Vec<Option<(f64, f64)>> = order.iter().map(|o| o.position()).collect();
    let span = Duration::hours(rules.hours.max(0));

    let mut groups = UnionFind::new(order.len());
    for i in 0..order.len() {
        for j in i + 1..order.len() {
            if order[j].at - order[i].at > span {
                break;
            }
            let close = match (positions[i], positions[j]) {
                (Some(a), Some(b)) => haversine_km(a, b) <= rules.distance_km,
                _ => order[i].region == order[j].region,
            };
            if close {
                groups.union(i, j);
            }
        }
    }

    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..order.len() {
        members.entry(groups.find(i)).or_default().push(i);
    }
    let mut out: Vec<CompoundRisk> = members
        .into_values()
        .filter_map(|indices| {
            let group: Vec<&Occurrence> = indices.iter().map(|&i| order[i]).collect();
            let classified = group.iter().map(|o| o.category.as_str()).filter(|c| *c != UNCLASSIFIED);
            if classified.collect::<BTreeSet<_>>().len() < 2 {
                return None;
            }
            let mut incidents: Vec<String> = Vec::new();
            for occurrence in &group {
                if !incidents.contains(&occurrence.incident) {
                    incidents.push(occurrence.incident.clone());
                }
            }
            let categories: BTreeSet<&str> = group.iter().map(|o| o.category.as_str()).collect();
            let regions: BTreeSet<&str> = group.iter().map(|o| o.region.as_str()).collect();
            // Indices are in time order, so the group's ends are its first and last members.
            let first = group.first()?;
            let last = group.last()?;
            Some(CompoundRisk {
                incidents,
                categories: categories.into_iter().map(str::to_string).collect(),
                regions: regions.into_iter().map(str::to_string).collect(),
                first_at: first.at,
                last_at: last.at,
            })
        })
        .collect();
    out.sort_by(|a, b| a.first_at.cmp(&b.first_at).then_with(|| a.incidents.first().cmp(&b.incidents.first())));
    out
}

/// Great-circle distance on a sphere of the Earth's mean radius; within 0.5% of the ellipsoid, plenty for "near".
fn haversine_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0088;
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self { parent: (0..n).collect() }
    }

    fn find(&mut self, mut i: usize) -> usize {
        let mut root = i;
        while self.parent[root] != root {
            root = self.parent[root];
        }
        while self.parent[i] != root {
            let next = self.parent[i];
            self.parent[i] = root;
            i = next;
        }
        root
    }

    /// Joins under the smaller root, so a group's root is its earliest member.
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[high] = low;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::start_of_day;
    use chrono::NaiveDate;

    fn day(text: &str) -> DateTime<FixedOffset> {
        start_of_day(NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date"))
    }

    fn occurrence(id: &str, category: &str, region: &str, at: DateTime<FixedOffset>) -> Occurrence {
        Occurrence {
            incident: id.to_string(),
            category: category.to_string(),
            region: region.to_string(),
            at,
            latitude: None,
            longitude: None,
        }
    }

    fn placed(id: &str, category: &str, region: &str, at: DateTime<FixedOffset>, lat: f64, lon: f64) -> Occurrence {
        Occurrence { latitude: Some(lat), longitude: Some(lon), ..occurrence(id, category, region, at) }
    }

    fn code_of(taxonomy: &Taxonomy, nature: Option<&str>, title: &str) -> Option<String> {
        taxonomy.classify(nature, title).map(|c| c.code.clone())
    }

    #[test]
    fn the_longest_keyword_wins_and_nature_comes_before_title() {
        let taxonomy = Taxonomy::default();
        assert!(taxonomy.problems().is_empty(), "{:?}", taxonomy.problems());
        // 森林火灾 (forest_fire's name) is longer than 火灾 (fire's name).
        assert_eq!(code_of(&taxonomy, Some("森林火灾"), ""), Some("forest_fire".into()));
        assert_eq!(code_of(&taxonomy, None, "某小区住宅火灾"), Some("fire".into()));
        // 天然气泄漏 beats 泄漏 (production safety).
        assert_eq!(code_of(&taxonomy, Some("天然气泄漏"), ""), Some("gas".into()));
        // The nature field decides even when the title says something else.
        assert_eq!(code_of(&taxonomy, Some("交通事故"), "山火附近车辆追尾"), Some("road_traffic".into()));
        // A nature that matches nothing falls back to the title.
        assert_eq!(code_of(&taxonomy, Some("其他"), "G60高速车辆侧翻"), Some("road_traffic".into()));
        // A nature holding a category code picks it.
        assert_eq!(code_of(&taxonomy, Some("drowning"), "暴雨"), Some("drowning".into()));
        assert_eq!(code_of(&taxonomy, Some("其他"), "市民咨询办事流程"), None);
        assert_eq!(code_of(&taxonomy, None, ""), None);
        assert_eq!(taxonomy.label_zh(UNCLASSIFIED), "未分类");
        assert_eq!(taxonomy.label_zh("geological"), "地质灾害");
    }

    #[test]
    fn a_tie_goes_to_the_earlier_category() {
        let category = |code: &str, keyword: &str| IncidentCategory {
            code: code.into(),
            name: code.into(),
            class: IncidentClass::NaturalDisaster,
            keywords: vec![keyword.into()],
        };
        let taxonomy = Taxonomy { categories: vec![category("flood", "内涝"), category("weather", "暴雨")] };
        assert_eq!(code_of(&taxonomy, None, "暴雨致内涝"), Some("flood".into()));
        let reversed = Taxonomy { categories: vec![category("weather", "暴雨"), category("flood", "内涝")] };
        assert_eq!(code_of(&reversed, None, "暴雨致内涝"), Some("weather".into()));
    }

    #[test]
    fn classes_read_back_and_serialise_as_codes() {
        for class in IncidentClass::ALL {
            assert_eq!(IncidentClass::parse(class.code()), Some(class));
            assert_eq!(serde_json::to_value(class).expect("serialise"), serde_json::json!(class.code()));
        }
        assert_eq!(IncidentClass::parse("nope"), None);
        assert_eq!(IncidentClass::PublicHealth.label_zh(), "公共卫生事件");
        let json = serde_json::to_string(&Taxonomy::default()).expect("serialise");
        let back: Taxonomy = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, Taxonomy::default());
    }

    #[test]
    fn problems_name_the_category() {
        let mut taxonomy = Taxonomy::default();
        let mut copy = taxonomy.categories[0].clone();
        copy.name = " ".into();
        copy.keywords.push(String::new());
        taxonomy.categories.push(copy);
        let problems = taxonomy.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().all(|p| p.contains("forest_fire")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("more than once")));
        assert!(problems.iter().any(|p| p.contains("no name")));
        assert!(problems.iter().any(|p| p.contains("empty keyword")));
    }

    fn close(actual: f64, expected: f64) -> bool {
        ((actual - expected) / expected).abs() < 1e-9
    }

    #[test]
    fn poisson_tail_matches_reference_values() {
        // References from exact sums with Python's decimal module at 80 digits.
        let cases = [
            (5, 2.0, 5.265301734371116e-2),
            (3, 0.5, 1.438767796697069e-2),
            (20, 10.0, 3.454341975856808e-3),
            (4, 0.25, 1.333696505140624e-4),
            (1, 0.25, 2.211992169285951e-1),
            (4, 4.0, 5.66529879633291e-1),
            (2, 0.5 / 12.0, 8.443155113143873e-4),
            (1000, 1000.0, 5.042052441802155e-1),
            (1001, 1000.0, 4.91590632831494e-1),
            (1100, 1000.0, 9.626304058665572e-4),
            (1200, 1000.0, 4.684203855872281e-10),
            (900, 1000.0, 9.993774022157249e-1),
            (1500, 1000.0, 3.152079337054208e-49),
            (2000, 1000.0, 3.058192080168757e-170),
        ];
        for (k, lambda, expected) in cases {
            let actual = poisson_tail(k, lambda);
            assert!(close(actual, expected), "P(X ≥ {k} | {lambda}) = {actual:e}, expected {expected:e}");
        }
        assert_eq!(poisson_tail(0, 3.0), 1.0);
        assert_eq!(poisson_tail(0, 0.0), 1.0);
        assert_eq!(poisson_tail(1, 0.0), 0.0);
        assert_eq!(poisson_tail(1, -1.0), 0.0);
        // Far in the tail it underflows to zero, never to NaN.
        assert_eq!(poisson_tail(5000, 1000.0), 0.0);
        assert_eq!(poisson_tail(u64::MAX, 1.0), 0.0);
        assert!(poisson_tail(10, 1e6) > 0.999_999);
    }

    /// A landslide in "east" every four weeks, four on the city's usual weekly rate in "west".
    fn history(now: DateTime<FixedOffset>) -> Vec<Occurrence> {
        let mut out = Vec::new();
        for weeks_back in [4, 8, 12] {
            let at = now - Duration::weeks(weeks_back) - Duration::days(3);
            out.push(occurrence(&format!("east-{weeks_back}"), "geological", "east", at));
        }
        for week in 0..13 {
            for n in 0..4 {
                let at = now - Duration::weeks(week) - Duration::hours(12 + 30 * n);
                out.push(occurrence(&format!("west-{week}-{n}"), "geological", "west", at));
            }
        }
        out
    }

    #[test]
    fn a_burst_over_a_quiet_baseline_warns_and_the_usual_rate_does_not() {
        let now = day("2026-06-15");
        let mut occurrences = history(now);
        for n in 1..=4 {
            occurrences.push(occurrence(&format!("burst-{n}"), "geological", "east", now - Duration::days(n)));
        }
        let warnings = early_warnings(&occurrences, now, &EarlyWarningRules::default());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let warning = &warnings[0];
        assert_eq!((warning.category.as_str(), warning.region.as_str()), ("geological", "east"));
        assert_eq!(warning.count, 4);
        assert_eq!(warning.baseline_counts, vec![1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        assert!((warning.baseline_mean - 0.25).abs() < 1e-12);
        assert!(warning.probability < 0.01 && close(warning.probability, 1.333696505140624e-4), "{warning:?}");
        assert_eq!(warning.incidents, vec!["burst-4", "burst-3", "burst-2", "burst-1"]);
        assert_eq!(warning.window_start, now - Duration::days(7));
        assert!(warning.explain_zh().starts_with("近7天 east geological 4 起；前12个周期平均 0.25 起/周期"));
        assert!(warning.explain_zh().contains("1.3e-4（低于0.01）"), "{}", warning.explain_zh());
        assert!(warning.explain().contains("4 incidents of geological in east in the last 7 days"));

        // The baseline alone: the one landslide of a usual four weeks does not warn, even with no minimum.
        let rules = EarlyWarningRules { min_count: 1, ..EarlyWarningRules::default() };
        let quiet = early_warnings(&history(now), now - Duration::weeks(4) + Duration::days(1), &rules);
        assert!(quiet.is_empty(), "{quiet:?}");
    }

    #[test]
    fn the_minimum_count_holds_back_a_pair() {
        let now = day("2026-06-15");
        let occurrences = vec![
            occurrence("a", "drowning", "north", now - Duration::days(1)),
            occurrence("b", "drowning", "north", now),
        ];
        // Nothing before: the floor of 0.5/12 per week makes two in a week a 0.00084 chance.
        assert!(early_warnings(&occurrences, now, &EarlyWarningRules::default()).is_empty());
        let rules = EarlyWarningRules { min_count: 2, ..EarlyWarningRules::default() };
        let warnings = early_warnings(&occurrences, now, &rules);
        assert_eq!(warnings.len(), 1);
        assert!(close(warnings[0].lambda, 0.5 / 12.0));
        assert!(close(warnings[0].probability, 8.443155113143873e-4));
        // The window is (end − 7 days, end]: an incident exactly at its start belongs to the baseline.
        let edge = vec![
            occurrence("a", "drowning", "north", now - Duration::days(7)),
            occurrence("b", "drowning", "north", now - Duration::days(6)),
            occurrence("c", "drowning", "north", now),
        ];
        let warnings = early_warnings(&edge, now, &rules);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].incidents, vec!["b", "c"]);
        assert_eq!(warnings[0].baseline_counts.last(), Some(&1));
    }

    #[test]
    fn windows_count_from_their_start_up_to_their_end() {
        let from = day("2026-06-01");
        let occurrences = vec![
            occurrence("before", "fire", "east", from - Duration::seconds(1)),
            occurrence("first", "fire", "east", from),
            occurrence("last-of-first", "flood", "east", from + Duration::days(7) - Duration::seconds(1)),
            occurrence("second", "fire", "west", from + Duration::days(7)),
            occurrence("at-to", "fire", "east", from + Duration::days(10)),
        ];
        let windows = counts_by_window(&occurrences, from, from + Duration::days(10), 7);
        assert_eq!(windows.len(), 2);
        assert_eq!((windows[0].start, windows[0].end), (from, from + Duration::days(7)));
        assert_eq!(windows[1].end, from + Duration::days(10), "the last window stops at `to`");
        let counts = |w: &WindowCounts| w.by_category.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>();
        assert_eq!(counts(&windows[0]), vec![("fire".to_string(), 1), ("flood".to_string(), 1)]);
        assert_eq!(counts(&windows[1]), vec![("fire".to_string(), 1), ("flood".to_string(), 0)]);
        assert!(counts_by_window(&occurrences, from, from, 7).is_empty());
        assert!(counts_by_window(&occurrences, from, from + Duration::days(1), 0).is_empty());
    }

    #[test]
    fn frequency_is_most_frequent_first() {
        let at = day("2026-06-01");
        let occurrences = vec![
            occurrence("1", "fire", "west", at),
            occurrence("2", "flood", "east", at),
            occurrence("3", "flood", "east", at),
            occurrence("4", "fire", "east", at),
        ];
        let rows: Vec<(String, String, u64)> =
            frequency(&occurrences).into_iter().map(|f| (f.category, f.region, f.count)).collect();
        assert_eq!(
            rows,
            vec![
                ("flood".into(), "east".into(), 2),
                ("fire".into(), "east".into(), 1),
                ("fire".into(), "west".into(), 1)
            ]
        );
    }

    #[test]
    fn rain_landslide_and_crash_nearby_are_one_compound_risk() {
        let t0 = day("2026-07-10") + Duration::hours(6);
        let rules = CompoundRules::default();
        let occurrences = vec![
            placed("crash", "road_traffic", "south", t0 + Duration::hours(20), 30.10, 120.05),
            placed("rain", "weather", "east", t0, 30.00, 120.00),
            placed("slide", "geological", "east", t0 + Duration::hours(5), 30.05, 120.02),
            // Same kind far away, and the same place two days later: neither joins.
            placed("far", "fire", "west", t0 + Duration::hours(1), 31.50, 121.00),
            placed("late", "fire", "east", t0 + Duration::hours(70), 30.00, 120.00),
        ];
        let risks = compound_risks(&occurrences, &rules);
        assert_eq!(risks.len(), 1, "{risks:?}");
        let risk = &risks[0];
        assert_eq!(risk.incidents, vec!["rain", "slide", "crash"]);
        assert_eq!(risk.categories, vec!["geological", "road_traffic", "weather"]);
        assert_eq!(risk.regions, vec!["east", "south"]);
        assert_eq!((risk.first_at, risk.last_at), (t0, t0 + Duration::hours(20)));
        assert!(risk.explain_zh().contains("3 起相互关联的事件，涉及 3 类"), "{}", risk.explain_zh());
        let taxonomy = Taxonomy::default();
        assert!(risk.explain_zh_named(|c| taxonomy.label_zh(c), str::to_string).contains("地质灾害"));
    }

    #[test]
    fn compound_risks_need_different_categories_and_closeness() {
        let t0 = day("2026-07-10");
        let rules = CompoundRules::default();
        let same_kind = vec![
            placed("a", "weather", "east", t0, 30.0, 120.0),
            placed("b", "weather", "east", t0 + Duration::hours(1), 30.0, 120.01),
        ];
        assert!(compound_risks(&same_kind, &rules).is_empty());
        // About 111 km apart.
        let far = vec![
            placed("a", "weather", "east", t0, 30.0, 120.0),
            placed("b", "geological", "east", t0 + Duration::hours(1), 31.0, 120.0),
        ];
        assert!(compound_risks(&far, &rules).is_empty());
        let too_late = vec![
            placed("a", "weather", "east", t0, 30.0, 120.0),
            placed("b", "geological", "east", t0 + Duration::hours(25), 30.0, 120.0),
        ];
        assert!(compound_risks(&too_late, &rules).is_empty());
        // Without coordinates the region decides.
        let unplaced = vec![
            occurrence("a", "weather", "east", t0),
            occurrence("b", "flood", "east", t0 + Duration::hours(24)),
            occurrence("c", "fire", "west", t0 + Duration::hours(2)),
        ];
        let risks = compound_risks(&unplaced, &rules);
        assert_eq!(risks.len(), 1, "{risks:?}");
        assert_eq!(risks[0].incidents, vec!["a", "b"]);
        // An unclassified report beside a classified one is not a compound risk on its own.
        let with_unclassified = vec![occurrence("a", "weather", "east", t0), occurrence("b", UNCLASSIFIED, "east", t0)];
        assert!(compound_risks(&with_unclassified, &rules).is_empty());
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // One degree of latitude on the mean sphere: 6371.0088 × π / 180.
        assert!((haversine_km((30.0, 120.0), (31.0, 120.0)) - 111.195).abs() < 0.01);
        assert!(haversine_km((30.0, 120.0), (30.0, 120.0)).abs() < 1e-9);
    }
}
