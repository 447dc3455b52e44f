//! `zhiban-server analyze …`: the desk's incident analysis from the database, as the API answers it
//! (`--json`), or one readable line per result.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate};
use clap::Subcommand;
use zhiban_model::rules::start_of_day;

use super::{DatabaseArg, RulesArgs};
use crate::clock::Clock;
use crate::office::Office;
use crate::oversight::analysis::{self, CompoundReport, FrequencyReport, TrendReport, WarningReport};
use crate::projection;

/// Where the analysis reads from, what it classifies with, and how it answers.
#[derive(clap::Args)]
pub(super) struct AnalyzeArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// The rules file gives the incident categories, the early warning and compound risk numbers.
    #[command(flatten)]
    rules: RulesArgs,
    /// Print the answer as JSON, as `/api/v1/analysis/…` gives it.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub(super) struct RangeArgs {
    /// From this time (RFC 3339 or a date such as 2026-07-01), inclusive; 90 days before --to if not given.
    #[arg(long)]
    from: Option<String>,
    /// Up to this time, exclusive; now if not given.
    #[arg(long)]
    to: Option<String>,
}

#[derive(Subcommand)]
pub(super) enum AnalyzeCommand {
    /// Early warnings (预警): categories far more frequent in a region than its baseline says.
    Warnings {
        #[command(flatten)]
        common: AnalyzeArgs,
        /// The end of the window counted (RFC 3339 or a date); now if not given.
        #[arg(long)]
        at: Option<String>,
    },
    /// Incidents per category and region (频次).
    Frequency {
        #[command(flatten)]
        common: AnalyzeArgs,
        #[command(flatten)]
        range: RangeArgs,
    },
    /// Incidents per category in consecutive windows (趋势).
    Trend {
        #[command(flatten)]
        common: AnalyzeArgs,
        #[command(flatten)]
        range: RangeArgs,
        /// The length of each window in days.
        #[arg(long, default_value_t = 7)]
        window_days: i64,
    },
    /// Incidents of different categories close in time and place (复合风险).
    Compound {
        #[command(flatten)]
        common: AnalyzeArgs,
        #[command(flatten)]
        range: RangeArgs,
    },
}

/// A time as the API's filters take it: RFC 3339, or a date (its start in the office's zone).
fn parse_time(name: &str, value: &str) -> anyhow::Result<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(start_of_day(day).timestamp_millis());
    }
    anyhow::bail!("--{name} {value:?} is neither a time like 2026-10-01T08:00:00+08:00 nor a date like 2026-10-01")
}

fn range(range: &RangeArgs, now: i64) -> anyhow::Result<(i64, i64)> {
    let to = range.to.as_deref().map(|t| parse_time("to", t)).transpose()?.unwrap_or(now);
    let from = range.from.as_deref().map(|f| parse_time("from", f)).transpose()?;
    let from = from.unwrap_or_else(|| analysis::days_before(to, 90));
    anyhow::ensure!(from < to, "--from must be before --to");
    Ok((from, to))
}

async fn office(common: &AnalyzeArgs, clock: &Arc<dyn Clock>) -> anyhow::Result<Office> {
    let rules = common.rules.load()?;
    let store = crate::store::open_with_clock(&common.database.url, clock.clone()).await?;
    let office = Office::with_clock(store.database(), rules, clock.clone());
    // Regions and their names come from the directory.
    projection::load_directory(&*store, &office).await?;
    Ok(office)
}

fn print<T: serde::Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> Vec<String>) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        for line in text(value) {
            println!("{line}");
        }
    }
    Ok(())
}

pub(super) async fn run(command: AnalyzeCommand, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    let now = clock.now_millis();
    match command {
        AnalyzeCommand::Warnings { common, at } => {
            let at = at.as_deref().map(|a| parse_time("at", a)).transpose()?.unwrap_or(now);
            let report = analysis::warnings(&office(&common, &clock).await?, at).await?;
            print(common.json, &report, warning_lines)
        }
        AnalyzeCommand::Frequency { common, range: r } => {
            let (from, to) = range(&r, now)?;
            let report = analysis::frequency(&office(&common, &clock).await?, from, to).await?;
            print(common.json, &report, frequency_lines)
        }
        AnalyzeCommand::Trend { common, range: r, window_days } => {
            let (from, to) = range(&r, now)?;
            if let Some(problem) = analysis::trend_range_problem(from, to, window_days) {
                anyhow::bail!("{problem}");
            }
            let report = analysis::trend(&office(&common, &clock).await?, from, to, window_days).await?;
            print(common.json, &report, trend_lines)
        }
        AnalyzeCommand::Compound { common, range: r } => {
            let (from, to) = range(&r, now)?;
            let report = analysis::compound(&office(&common, &clock).await?, from, to).await?;
            print(common.json, &report, compound_lines)
        }
    }
}

fn warning_lines(report: &WarningReport) -> Vec<String> {
    let mut lines = vec![format!(
        "预警 early warnings at {}: window {} days, baseline {} windows, P < {}, at least {}",
        report.at, report.window_days, report.baseline_windows, report.probability_below, report.min_count
    )];
    if report.warnings.is_empty() {
        lines.push("  无预警 none".into());
    }
    for w in &report.warnings {
        lines.push(format!(
            "  {} {}  {} 起 incidents  baseline mean {:.2}  P = {:.1e}",
            w.region_name, w.category_name, w.count, w.baseline_mean, w.probability
        ));
        lines.push(format!("    {}", w.explanation_zh));
        lines.push(format!("    {}", w.explanation_en));
        for i in &w.incidents {
            lines.push(format!("    {}  {}  {}", i.at, i.title, i.document));
        }
    }
    lines
}

fn frequency_lines(report: &FrequencyReport) -> Vec<String> {
    let mut lines = vec![format!("频次 frequency {} – {}: {} 起 incidents", report.from, report.to, report.total)];
    for row in &report.rows {
        lines.push(format!(
            "  {:>5}  {} ({})  {} ({})",
            row.count, row.region_name, row.region, row.category_name, row.category
        ));
    }
    lines
}

fn trend_lines(report: &TrendReport) -> Vec<String> {
    let mut lines = vec![format!("趋势 trend {} – {}, windows of {} days", report.from, report.to, report.window_days)];
    for w in &report.windows {
        let counts: Vec<String> = report
            .categories
            .iter()
            .map(|c| format!("{} {}", c.name, w.counts.get(&c.code).copied().unwrap_or(0)))
            .collect();
        lines.push(format!("  {} – {}  {:>4}  {}", w.start, w.end, w.total, counts.join(", ")));
    }
    lines
}

fn compound_lines(report: &CompoundReport) -> Vec<String> {
    let mut lines = vec![format!(
        "复合风险 compound risks {} – {}: within {} hours and {} km",
        report.from, report.to, report.hours, report.distance_km
    )];
    if report.risks.is_empty() {
        lines.push("  无 none".into());
    }
    for risk in &report.risks {
        lines.push(format!("  {}", risk.explanation_zh));
        lines.push(format!("  {}", risk.explanation_en));
        for i in &risk.incidents {
            lines.push(format!("    {}  {}  {}", i.at, i.title, i.document));
        }
    }
    lines
}
