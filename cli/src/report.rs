//! `zhiban report …`: incident reports (first, follow-ups, final, photos) and the desk's grade and stages.

use std::path::PathBuf;

use clap::Subcommand;

use zhiban_client_core::{Client, ClientError, media_type_of, office_now};
use zhiban_model::documents::incident::{Casualties, FirstReport, Place, ReportDetails, Stage, parse_grade};
use zhiban_model::documents::time::format_instant;
use zhiban_model::rules::grade::GradeThresholds;

use crate::held;
use crate::input::{parse_id, parse_time};

#[derive(Subcommand)]
pub(crate) enum ReportCommand {
    /// File a first report (首报) as a new incident; prints its URL and the fields still pending.
    New {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        title: String,
        /// When your unit received the information (default: now).
        #[arg(long)]
        received_at: Option<String>,
        /// Sensitive time, place, person or nature.
        #[arg(long)]
        sensitive: bool,
        /// A field not known yet (repeat): occurred_at, place, casualties, direct_loss_cny, cause, …
        #[arg(long = "pending")]
        pending: Vec<String>,
        #[command(flatten)]
        details: DetailArgs,
    },
    /// Add a follow-up (续报) with what changed.
    FollowUp {
        url: String,
        #[command(flatten)]
        details: DetailArgs,
    },
    /// File the final report (终报).
    Final {
        url: String,
        #[command(flatten)]
        details: DetailArgs,
    },
    /// Attach a photo, recording or video; uploaded when the server can be reached.
    Attach {
        url: String,
        file: PathBuf,
        /// The report entry it goes with.
        #[arg(long)]
        entry: Option<String>,
        /// Default: from the file's extension.
        #[arg(long)]
        media_type: Option<String>,
    },
    /// The incident: report chain, current figures, pending fields, stage, grade.
    Show { url: String },
    /// The desk confirms the grade (I, II, III, IV); a reason is needed to override the suggestion.
    Assess {
        url: String,
        #[arg(long)]
        grade: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Move the incident forward: reported_up, handling, feedback, archived.
    Advance {
        url: String,
        stage: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

/// What a report says; everything optional (a follow-up gives only what changed).
#[derive(clap::Args)]
pub(crate) struct DetailArgs {
    /// The account in words.
    #[arg(long, default_value = "")]
    account: String,
    /// When it happened (`2026-10-01T07:50`, office time, or with an offset).
    #[arg(long)]
    occurred_at: Option<String>,
    #[arg(long)]
    place: Option<String>,
    #[arg(long)]
    nature: Option<String>,
    #[arg(long)]
    scope: Option<String>,
    #[arg(long, allow_negative_numbers = true)]
    dead: Option<i64>,
    #[arg(long, allow_negative_numbers = true)]
    injured: Option<i64>,
    /// Seriously injured (of the injured).
    #[arg(long, allow_negative_numbers = true)]
    serious: Option<i64>,
    #[arg(long, allow_negative_numbers = true)]
    missing: Option<i64>,
    #[arg(long, allow_negative_numbers = true)]
    trapped: Option<i64>,
    /// Direct loss in CNY.
    #[arg(long, allow_negative_numbers = true)]
    loss: Option<i64>,
    #[arg(long)]
    trend: Option<String>,
    #[arg(long)]
    measures: Option<String>,
    #[arg(long)]
    cause: Option<String>,
    #[arg(long)]
    source: Option<String>,
}

impl DetailArgs {
    fn into_details(self) -> Result<ReportDetails, ClientError> {
        let counts = [self.dead, self.injured, self.serious, self.missing, self.trapped];
        let casualties = counts.iter().any(Option::is_some).then(|| Casualties {
            dead: self.dead.unwrap_or(0),
            injured: self.injured.unwrap_or(0),
            serious_injuries: self.serious.unwrap_or(0),
            missing: self.missing.unwrap_or(0),
            trapped: self.trapped.unwrap_or(0),
        });
        Ok(ReportDetails {
            account: self.account,
            occurred_at: self
                .occurred_at
                .as_deref()
                .map(|t| parse_time("--occurred-at", t))
                .transpose()?
                .map(format_instant),
            place: self.place.map(|text| Place { text, ..Place::default() }),
            nature: self.nature,
            scope: self.scope,
            casualties,
            direct_loss_cny: self.loss,
            trend: self.trend,
            measures: self.measures,
            cause: self.cause,
            source: self.source,
            ..ReportDetails::default()
        })
    }
}

pub(crate) async fn report(client: &Client, command: ReportCommand, server: bool) -> Result<(), ClientError> {
    let thresholds = GradeThresholds::default();
    match command {
        ReportCommand::New { unit, title, received_at, sensitive, pending, details } => {
            let report = FirstReport {
                title,
                unit,
                received_at: received_at.as_deref().map(|t| parse_time("--received-at", t)).transpose()?,
                sensitive,
                details: details.into_details()?,
                pending,
                ..FirstReport::default()
            };
            let filed = client.file_first_report(report, office_now())?;
            println!("{}", filed.incident.url());
            if !filed.pending.is_empty() {
                println!("pending: {}", filed.pending.join(", "));
            }
        }
        ReportCommand::FollowUp { url, details } => {
            let entry = client.add_follow_up(parse_id(&url)?, details.into_details()?, office_now())?;
            println!("follow-up {entry} saved");
        }
        ReportCommand::Final { url, details } => {
            let entry = client.file_final_report(parse_id(&url)?, details.into_details()?, office_now())?;
            println!("final report {entry} saved");
        }
        ReportCommand::Attach { url, file, entry, media_type } => {
            let data = std::fs::read(&file)
                .map_err(|e| ClientError::InvalidInput(format!("cannot read {}: {e}", file.display())))?;
            let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let media_type = media_type.unwrap_or_else(|| media_type_of(&file_name).to_owned());
            let sha = client.attach(parse_id(&url)?, &file_name, &media_type, &data, entry.as_deref(), office_now())?;
            println!("attached {file_name} ({} bytes, sha256 {sha}); uploaded on the next sync", data.len());
        }
        ReportCommand::Show { url } => {
            let id = parse_id(&url)?;
            held(client, id, server).await?;
            let view = client.show_incident(id, &thresholds)?;
            let i = &view.incident;
            println!("{}  [{}]  unit {}  received {}", i.title, view.stage.label_zh(), i.unit, i.received_at);
            let confirmed = view.confirmed_grade.map(|g| g.label_zh()).unwrap_or("not confirmed");
            println!("grade: suggested {}, confirmed {confirmed}", view.suggested_grade.grade.label_zh());
            if let Some(f) = &view.figures {
                let c = f.casualties;
                println!(
                    "figures: dead {} injured {} (serious {}) missing {} trapped {}; direct loss {} CNY",
                    c.dead, c.injured, c.serious_injuries, c.missing, c.trapped, f.direct_loss_cny
                );
            }
            for (entry, label, e) in &view.chain {
                println!("{label}  {}  {} ({})  [{entry}]", e.submitted_at, e.reporter.name, e.reporter.person);
                if !e.details.account.is_empty() {
                    println!("    {}", e.details.account);
                }
            }
            if !view.pending.is_empty() {
                println!("pending: {}", view.pending.join(", "));
            }
            for a in i.attachments.values() {
                println!("attachment {} {} ({} bytes) sha256 {}", a.file_name, a.media_type, a.size, a.sha256);
            }
        }
        ReportCommand::Assess { url, grade, reason } => {
            let grade = parse_grade(&grade)
                .ok_or_else(|| ClientError::InvalidInput(format!("{grade:?} is not a grade (I, II, III or IV)")))?;
            client.assess_incident(parse_id(&url)?, grade, &reason, office_now(), &thresholds)?;
            println!("assessed: grade {}", grade.label_zh());
        }
        ReportCommand::Advance { url, stage, note } => {
            let wanted = Stage::parse(&stage).ok_or_else(|| {
                let names: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
                ClientError::InvalidInput(format!("{stage:?} is not a stage ({})", names.join(", ")))
            })?;
            client.advance_incident(parse_id(&url)?, wanted, &note, office_now())?;
            println!("moved to {} ({})", wanted.as_str(), wanted.label_zh());
        }
    }
    Ok(())
}
