//! `zhiban-server report daily|monthly|quarterly|yearly …`: a publication from the database, written as
//! printable HTML with its CSV beside it. Progress goes to standard error, so `--output -` can pipe the page.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Subcommand;

use super::{DatabaseArg, RulesArgs};
use crate::clock::Clock;
use crate::office::Office;
use crate::projection;
use crate::publications::{self, Publication};

#[derive(clap::Args)]
pub(super) struct ReportArgs {
    #[command(flatten)]
    database: DatabaseArg,
    #[command(flatten)]
    rules: RulesArgs,
    /// Where to write the HTML (`-`: standard output, without the CSV); the CSV goes beside it, same name
    /// with `.csv`. Default: `<report>-<period>.html` in the current folder.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Subcommand)]
pub(super) enum ReportCommand {
    /// 节假日每日值班信息专报: every unit's duty and reporting on one day.
    Daily {
        /// The day, `2026-10-01`.
        #[arg(long)]
        date: String,
        #[command(flatten)]
        common: ReportArgs,
    },
    /// 值班要情: the month's incidents, their chains and instructions, timeliness.
    Monthly {
        /// The month, `2026-10`.
        #[arg(long)]
        month: String,
        #[command(flatten)]
        common: ReportArgs,
    },
    /// 值班通报: the quarter's late and missing reports and filings, spot-check findings, criticisms, ranking.
    Quarterly {
        /// The quarter, `2026-Q4`.
        #[arg(long)]
        quarter: String,
        #[command(flatten)]
        common: ReportArgs,
    },
    /// The year's figures for the annual summary.
    Yearly {
        /// The year, `2026`.
        #[arg(long)]
        year: String,
        #[command(flatten)]
        common: ReportArgs,
    },
}

pub(super) async fn run(command: ReportCommand, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    let (publication, common) = match command {
        ReportCommand::Daily { date, common } => (Publication::parse("daily", &date)?, common),
        ReportCommand::Monthly { month, common } => (Publication::parse("monthly", &month)?, common),
        ReportCommand::Quarterly { quarter, common } => (Publication::parse("quarterly", &quarter)?, common),
        ReportCommand::Yearly { year, common } => (Publication::parse("yearly", &year)?, common),
    };
    let store = crate::store::open_with_clock(&common.database.url, clock.clone()).await?;
    let office = Office::with_clock(store.database(), common.rules.load()?, clock);
    projection::load_directory(&*store, &office).await?;
    // How long it took, for the operator: a real duration, on the machine's clock.
    let started = std::time::Instant::now();
    let progress = |step: usize, of: usize, what: &str| {
        eprintln!("[{step}/{of}] {what}");
    };
    let now = office.clock().now_millis();
    let rendered = publications::generate(&office, publication, now, &progress).await?;
    let elapsed = started.elapsed();
    match common.output {
        Some(path) if path.as_os_str() == "-" => {
            std::io::stdout().write_all(rendered.html.as_bytes())?;
        }
        path => {
            let html = path.unwrap_or_else(|| PathBuf::from(format!("{}.html", publication.file_stem())));
            let csv = html.with_extension("csv");
            std::fs::write(&html, &rendered.html)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", html.display()))?;
            std::fs::write(&csv, &rendered.csv).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", csv.display()))?;
            eprintln!("{}: {} and {} in {:.2} s", rendered.title, html.display(), csv.display(), elapsed.as_secs_f64());
        }
    }
    Ok(())
}
