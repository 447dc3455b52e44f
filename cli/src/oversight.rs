//! `zhiban round`, `zhiban checks`, `zhiban log`, `zhiban assess`: the desk's oversight on the command line
//! (filing rounds, spot checks, the assessment record) and the units' duty logs. Offline, like the rest.

use chrono::{Duration, NaiveDate};
use clap::Subcommand;
use zhiban_model::documents::assessment::{AdoptionLevel, ItemKind};
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::duty_log::LogKind;
use zhiban_model::documents::filing_round::{FilingRound, Occasion};
use zhiban_model::documents::spot_check::{Method, Outcome, Session, SpotChecks};
use zhiban_model::rules::spot_checks::SpotCheckRules;

use zhiban_client_core::{Client, ClientError, holiday_round_terms};

use crate::held;
use crate::input::{parse_id, parse_local, parse_time};

const WILL_SYNC: &str = "saved on this device; `zhiban sync` takes it to the server";

#[derive(Subcommand)]
pub(super) enum RoundCommand {
    /// Open a filing round: the units must file their rosters for the period by the deadline. Give
    /// --holiday DAY to take the title, period and deadline from the statutory calendar, or give --title,
    /// --from, --to and --deadline.
    Open {
        /// The first day of a statutory holiday (`2026-10-01`).
        #[arg(long, conflicts_with_all = ["title", "from", "to", "deadline", "occasion"])]
        holiday: Option<String>,
        /// What the units see, `2026年国庆节假期值班表报备`.
        #[arg(long, required_unless_present = "holiday")]
        title: Option<String>,
        /// The period's start, office local time (`2026-10-01T00:00`).
        #[arg(long, required_unless_present = "holiday")]
        from: Option<String>,
        /// The period's end (`2026-10-08T08:00`).
        #[arg(long, required_unless_present = "holiday")]
        to: Option<String>,
        /// Rosters filed after this are late (`2026-09-28T23:59`).
        #[arg(long, required_unless_present = "holiday")]
        deadline: Option<String>,
        /// holiday or special_period (特护期).
        #[arg(long, default_value = "holiday")]
        occasion: String,
        /// The units that must file, by id, comma-separated (default: every unit but the desk's).
        #[arg(long, value_delimiter = ',')]
        units: Vec<String>,
    },
    /// Add units to an open round.
    AddUnits {
        round: String,
        #[arg(long, value_delimiter = ',', required = true)]
        units: Vec<String>,
    },
    /// Close a round: it is a record from then on.
    Close {
        round: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// A round's terms and units.
    Show { round: String },
    /// The rounds on this device.
    List,
}

#[derive(Subcommand)]
pub(super) enum ChecksCommand {
    /// Draw the units to check each morning, afternoon and evening of the days; units with past findings
    /// are drawn more often.
    Plan {
        /// `2026年国庆节假期值班抽查`.
        #[arg(long)]
        title: String,
        /// The days: `2026-10-01..2026-10-07` (both included), `2026-10-01,2026-10-03`, or one day.
        #[arg(long)]
        days: String,
        /// Units checked per session.
        #[arg(long, default_value_t = SpotCheckRules::default().per_session)]
        per_session: usize,
        /// The filing round the checks go with.
        #[arg(long)]
        round: Option<String>,
        /// The units to draw from, comma-separated (default: the round's units, or every unit but the desk's).
        #[arg(long, value_delimiter = ',')]
        units: Vec<String>,
        /// Makes the draw reproducible.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Record what a check found; a result on record is not changed.
    Record {
        plan: String,
        check: String,
        /// proper, unanswered, empty_post, off_post, stand_in or report_not_timely.
        #[arg(long)]
        outcome: String,
        /// How long the duty phone rang (needed for unanswered).
        #[arg(long, allow_negative_numbers = true)]
        ring_seconds: Option<i64>,
        /// phone or video (视频点名).
        #[arg(long, default_value = "phone")]
        method: String,
        /// Who answered, as they gave their name.
        #[arg(long, default_value = "")]
        answered_by: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Check a unit the draw did not pick.
    Add {
        plan: String,
        #[arg(long)]
        unit: String,
        /// `2026-10-01`.
        #[arg(long)]
        date: String,
        /// morning, afternoon or evening.
        #[arg(long)]
        session: String,
    },
    /// A plan's checks and what they found.
    Show { plan: String },
    /// The spot-check plans on this device.
    List,
}

#[derive(Subcommand)]
pub(super) enum LogCommand {
    /// Log a call, visit, fax, relayed notice or handover in a unit's duty log (default: your unit's).
    Add {
        /// call, visit, fax, notice or handover.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        summary: String,
        /// Who called, visited or sent it (for a handover: who took over).
        #[arg(long, default_value = "")]
        counterpart: String,
        /// What was done about it.
        #[arg(long, default_value = "")]
        handling: String,
        /// A notice: the instruction document it was relayed as.
        #[arg(long)]
        instruction: Option<String>,
        /// When (`2026-10-01T20:00:00+08:00`, or office local time); default now.
        #[arg(long)]
        at: Option<String>,
    },
    /// Your unit has nothing to report for the day (零报告).
    Zero {
        /// The day it covers, `2026-10-01`.
        #[arg(long)]
        date: String,
        /// Default `今日无突发事件信息报告`.
        #[arg(long)]
        summary: Option<String>,
    },
}

#[derive(Subcommand)]
pub(super) enum AssessCommand {
    /// Record an item about a unit in this year's assessment record.
    Add {
        /// adoption, non_standard_report or criticism.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        unit: String,
        /// An adoption's level: city, province or national.
        #[arg(long)]
        level: Option<String>,
        /// Where it appeared or was criticised: `《值班要情》2026年第10期`.
        #[arg(long, default_value = "")]
        publication: String,
        /// The incident it concerns.
        #[arg(long)]
        incident: Option<String>,
        /// The incident's report entry.
        #[arg(long)]
        entry: Option<String>,
        /// Why (needed for non_standard_report and criticism).
        #[arg(long, default_value = "")]
        reason: String,
    },
}

/// One of a closed set of codes; the error names the flag and every code it takes.
fn parse_code<T: Copy>(flag: &str, text: &str, all: &[T], code: fn(T) -> &'static str) -> Result<T, ClientError> {
    all.iter().copied().find(|v| code(*v) == text.trim()).ok_or_else(|| {
        let codes: Vec<&str> = all.iter().map(|v| code(*v)).collect();
        ClientError::InvalidInput(format!("{flag} {text:?} is not one of {}", codes.join(", ")))
    })
}

fn parse_day(flag: &str, text: &str) -> Result<NaiveDate, ClientError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| ClientError::InvalidInput(format!("{flag} {text:?} is not a day like 2026-10-01")))
}

/// `A..B` (both included), `A,B,C`, or one day.
fn parse_days(flag: &str, text: &str) -> Result<Vec<NaiveDate>, ClientError> {
    if let Some((from, to)) = text.split_once("..") {
        let (from, to) = (parse_day(flag, from)?, parse_day(flag, to)?);
        if to < from {
            return Err(ClientError::InvalidInput(format!("{flag} {text:?} ends before it starts")));
        }
        if to - from > Duration::days(366) {
            return Err(ClientError::InvalidInput(format!("{flag} {text:?} is longer than a year")));
        }
        return Ok(from.iter_days().take_while(|d| *d <= to).collect());
    }
    let mut days =
        text.split(',').filter(|d| !d.trim().is_empty()).map(|d| parse_day(flag, d)).collect::<Result<Vec<_>, _>>()?;
    days.sort_unstable();
    days.dedup();
    if days.is_empty() {
        return Err(ClientError::InvalidInput(format!("{flag} names no day")));
    }
    Ok(days)
}

/// `east (东区)`, or the id alone for a unit the directory does not know.
fn unit_label(unit: &str, directory: Option<&Directory>) -> String {
    match directory.and_then(|d| d.units.get(unit)) {
        Some(u) if u.name != unit => format!("{unit} ({})", u.name),
        _ => unit.to_owned(),
    }
}

fn print_round_terms(round: &FilingRound) {
    println!("  {} ({})", round.title, round.occasion.label_zh());
    println!("  period {} – {}; rosters due by {}", round.period_start, round.period_end, round.deadline);
}

pub(super) async fn round(client: &Client, command: RoundCommand, server: bool) -> Result<(), ClientError> {
    match command {
        RoundCommand::Open { holiday, title, from, to, deadline, occasion, units } => {
            let directory = client.directory()?;
            let (title, start, end, deadline, occasion) = match holiday {
                Some(day) => {
                    let (title, start, end, deadline) = holiday_round_terms(parse_day("--holiday", &day)?)?;
                    (title, start, end, deadline, Occasion::Holiday)
                }
                None => {
                    let given = |flag: &str, value: Option<String>| {
                        value.ok_or_else(|| ClientError::InvalidInput(format!("{flag} is needed without --holiday")))
                    };
                    (
                        given("--title", title)?,
                        parse_local("--from", &given("--from", from)?)?,
                        parse_local("--to", &given("--to", to)?)?,
                        parse_local("--deadline", &given("--deadline", deadline)?)?,
                        parse_code(
                            "--occasion",
                            &occasion,
                            &[Occasion::Holiday, Occasion::SpecialPeriod],
                            Occasion::code,
                        )?,
                    )
                }
            };
            // No units given: the client core takes every unit but the desk's.
            let id = client.open_filing_round(&title, occasion, start, end, deadline, units)?;
            let round = client.filing_round(id)?;
            println!("{}", id.url());
            println!("filing round opened:");
            print_round_terms(&round);
            let labels: Vec<String> = round.units.iter().map(|u| unit_label(u, Some(&directory))).collect();
            println!("  units ({}): {}", labels.len(), labels.join(", "));
            println!("{WILL_SYNC}");
        }
        RoundCommand::AddUnits { round, units } => {
            let added = client.add_round_units(parse_id(&round)?, units)?;
            println!("added to the round: {}", added.join(", "));
            println!("{WILL_SYNC}");
        }
        RoundCommand::Close { round, note } => {
            client.close_filing_round(parse_id(&round)?, &note)?;
            println!("filing round closed; it is a record now");
            println!("{WILL_SYNC}");
        }
        RoundCommand::Show { round } => {
            let id = parse_id(&round)?;
            held(client, id, server).await?;
            let round = client.filing_round(id)?;
            let directory = client.directory().ok();
            println!("filing round {}", id.url());
            print_round_terms(&round);
            println!("  opened by {} at {}", round.opened_by, round.opened_at);
            match &round.closed {
                Some(c) if c.note.is_empty() => println!("  closed by {} at {}", c.by, c.at),
                Some(c) => println!("  closed by {} at {}: {}", c.by, c.at, c.note),
                None => println!("  open"),
            }
            println!("  units ({}):", round.units.len());
            for unit in &round.units {
                println!("    {}", unit_label(unit, directory.as_ref()));
            }
        }
        RoundCommand::List => {
            let rounds = client.filing_rounds_held()?;
            if rounds.is_empty() {
                println!("no filing rounds on this device");
            }
            for (id, r) in rounds {
                let state = if r.closed.is_some() { "closed" } else { "open" };
                println!(
                    "{}  {}  {} – {}  due {}  [{state}]",
                    id.url(),
                    r.title,
                    r.period_start,
                    r.period_end,
                    r.deadline
                );
            }
        }
    }
    Ok(())
}

fn print_checks(plan: &SpotChecks, directory: Option<&Directory>) {
    let mut checks: Vec<_> = plan.checks.iter().collect();
    checks.sort_by(|a, b| (&a.1.date, a.1.session, &a.1.unit, a.0).cmp(&(&b.1.date, b.1.session, &b.1.unit, b.0)));
    for (id, c) in checks {
        let what = match &c.result {
            None => "not checked yet".to_owned(),
            Some(r) => {
                let mut text = format!("{} ({}), {}", r.outcome.label_zh(), r.outcome.code(), r.method.label_zh());
                if let Some(s) = r.ring_seconds {
                    text.push_str(&format!(", rang {s}s"));
                }
                if !r.answered_by.is_empty() {
                    text.push_str(&format!(", answered by {}", r.answered_by));
                }
                text.push_str(&format!(", by {} at {}", r.checked_by, r.checked_at));
                if !r.note.is_empty() {
                    text.push_str(&format!(": {}", r.note));
                }
                text
            }
        };
        println!(
            "  {}  {} {:<9}  {}  [{id}]  {what}",
            c.date,
            c.session.label_zh(),
            c.session.code(),
            unit_label(&c.unit, directory)
        );
    }
}

pub(super) async fn checks(client: &Client, command: ChecksCommand, server: bool) -> Result<(), ClientError> {
    match command {
        ChecksCommand::Plan { title, days, per_session, round, units, seed } => {
            let days = parse_days("--days", &days)?;
            let round = round.as_deref().map(parse_id).transpose()?;
            if let Some(round) = round {
                held(client, round, server).await?;
            }
            let rules = SpotCheckRules { per_session, ..SpotCheckRules::default() };
            let id = client.plan_spot_checks(&title, round, days, units, &rules, seed)?;
            let plan = client.spot_checks(id)?;
            let directory = client.directory().ok();
            println!("{}", id.url());
            println!("spot checks planned: {} ({} checks)", plan.title, plan.checks.len());
            print_checks(&plan, directory.as_ref());
            println!("{WILL_SYNC}");
        }
        ChecksCommand::Record { plan, check, outcome, ring_seconds, method, answered_by, note } => {
            let outcome = parse_code("--outcome", &outcome, &Outcome::ALL, Outcome::code)?;
            let method = parse_code("--method", &method, &[Method::Phone, Method::Video], Method::code)?;
            client.record_check_result(parse_id(&plan)?, &check, outcome, ring_seconds, method, &answered_by, &note)?;
            println!("check {check} recorded: {} ({})", outcome.label_zh(), outcome.code());
            println!("{WILL_SYNC}");
        }
        ChecksCommand::Add { plan, unit, date, session } => {
            let date = parse_day("--date", &date)?;
            let session = parse_code("--session", &session, &Session::ALL, Session::code)?;
            let check = client.add_unplanned_check(parse_id(&plan)?, &unit, date, session)?;
            println!("{check}");
            println!("check {check} added: {unit} on {date}, {} ({})", session.label_zh(), session.code());
            println!("{WILL_SYNC}");
        }
        ChecksCommand::Show { plan } => {
            let id = parse_id(&plan)?;
            held(client, id, server).await?;
            let plan = client.spot_checks(id)?;
            let directory = client.directory().ok();
            println!("spot checks {}", id.url());
            println!("  {}", plan.title);
            if let Some(round) = &plan.round {
                println!("  round {round}");
            }
            print_checks(&plan, directory.as_ref());
            let checked = plan.checks.values().filter(|c| c.result.is_some()).count();
            println!("checked {checked} of {}; findings {}", plan.checks.len(), plan.findings().count());
        }
        ChecksCommand::List => {
            let plans = client.spot_checks_held()?;
            if plans.is_empty() {
                println!("no spot-check plans on this device");
            }
            for (id, p) in plans {
                let checked = p.checks.values().filter(|c| c.result.is_some()).count();
                println!("{}  {}  checked {checked} of {}", id.url(), p.title, p.checks.len());
            }
        }
    }
    Ok(())
}

pub(super) fn log(client: &Client, command: LogCommand) -> Result<(), ClientError> {
    let (log, entry, kind) = match command {
        LogCommand::Add { kind, unit, summary, counterpart, handling, instruction, at } => {
            let kinds = [LogKind::Call, LogKind::Visit, LogKind::Fax, LogKind::Notice, LogKind::Handover];
            let kind = match parse_code("--kind", &kind, &kinds, LogKind::code) {
                Err(_) if kind.trim() == LogKind::ZeroReport.code() => {
                    return Err(ClientError::InvalidInput(
                        "--kind zero_report: a zero report is filed with `zhiban log zero --date DAY`".to_owned(),
                    ));
                }
                other => other?,
            };
            let instruction = instruction.as_deref().map(parse_id).transpose()?;
            let at = at.as_deref().map(|t| parse_time("--at", t)).transpose()?;
            let (log, entry) = client.log_duty(unit, kind, &counterpart, &summary, &handling, instruction, None, at)?;
            (log, entry, kind)
        }
        LogCommand::Zero { date, summary } => {
            let (log, entry) = client.file_zero_report(parse_day("--date", &date)?, summary.as_deref())?;
            (log, entry, LogKind::ZeroReport)
        }
    };
    let kept = client.duty_log(log)?;
    println!("{}", log.url());
    println!("{} logged as entry {entry} in the duty log of {} for {}", kind.label_zh(), kept.unit, kept.month);
    println!("{WILL_SYNC}");
    Ok(())
}

pub(super) fn assess(client: &Client, command: AssessCommand) -> Result<(), ClientError> {
    let AssessCommand::Add { kind, unit, level, publication, incident, entry, reason } = command;
    let kind = parse_code("--kind", &kind, &ItemKind::ALL, ItemKind::code)?;
    let level =
        level.as_deref().map(|l| parse_code("--level", l, &AdoptionLevel::ALL, AdoptionLevel::code)).transpose()?;
    let incident = incident.as_deref().map(parse_id).transpose()?;
    let (record, item) = client.record_assessment(kind, &unit, level, &publication, incident, entry, &reason)?;
    let year = client.assessment(record)?.year;
    println!("{}", record.url());
    let level = level.map(|l| format!(" ({})", l.label_zh())).unwrap_or_default();
    println!("{}{level} for {unit} recorded as item {item} in the {year} assessment record", kind.label_zh());
    println!("{WILL_SYNC}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_read_as_a_range_a_list_or_one_day_and_bad_ones_name_the_flag() {
        let days = parse_days("--days", "2026-10-01..2026-10-07").expect("range");
        assert_eq!(days.len(), 7);
        assert_eq!(days[6], NaiveDate::from_ymd_opt(2026, 10, 7).expect("day"));
        assert_eq!(parse_days("--days", "2026-10-03,2026-10-01").expect("list").len(), 2);
        assert_eq!(parse_days("--days", "2026-10-01").expect("one").len(), 1);
        for bad in ["2026-10-07..2026-10-01", "2026-13-01", "", "10/01"] {
            let error = parse_days("--days", bad).expect_err(bad).to_string();
            assert!(error.starts_with("--days"), "{error}");
        }
        let error = parse_code("--outcome", "asleep", &Outcome::ALL, Outcome::code).expect_err("bad").to_string();
        assert!(error.contains("--outcome \"asleep\"") && error.contains("report_not_timely"), "{error}");
    }
}
