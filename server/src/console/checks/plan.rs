//! Drawing a spot-check plan (制定抽查计划): for every day of a run and each of its sessions, the office's
//! rules' number of units drawn at random from every unit but the desk, the ones with past findings more
//! often (`zhiban_model::rules::spot_checks::draw`). The form is prefilled for the holiday the day falls in,
//! or the next one.

use std::collections::BTreeMap;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::spot_check::{Session, SpotCheck, SpotChecks};
use zhiban_model::rules::reminders::holidays_between;
use zhiban_model::rules::spot_checks::{SpotCheckRules, draw};

use super::super::edits::{new_record_id, refusal};
use super::super::failure::Failure;
use super::super::fields::error;
use super::super::session::Desk;
use super::{Call, Problems, WHAT, holiday_plan_title, render};
use crate::AppState;
use crate::db::oversight::spot_checks;

/// The longest run one plan covers: a month, so a slip of the year key does not plan a year of calls.
const MOST_DAYS: i64 = 31;

/// What the plan form holds.
struct Terms {
    title: String,
    first_day: NaiveDate,
    last_day: NaiveDate,
}

/// The holiday `day` falls in, or the next one; else `day` alone.
fn terms_for(state: &AppState, day: NaiveDate) -> Terms {
    let calendar = &state.hub.office().rules.calendar;
    let holiday = holidays_between(calendar, day - Duration::days(10), day + Duration::days(366))
        .into_iter()
        .find(|h| h.last_day >= day);
    match holiday {
        Some(h) => Terms {
            title: holiday_plan_title(h.first_day.year(), &h.festival),
            first_day: h.first_day.max(day),
            last_day: h.last_day,
        },
        None => {
            Terms { title: format!("{}值班抽查", day.format("%Y年%-m月%-d日")), first_day: day, last_day: day }
        }
    }
}

/// The plan form, folded away unless the day has no checks yet or the last plan was refused.
pub fn form(state: &AppState, desk: &Desk, day: NaiveDate, problems: &Problems, day_unplanned: bool) -> Markup {
    let terms = terms_for(state, day);
    let rules = &state.hub.office().rules.spot_checks;
    html! {
        details #plan-checks open[day_unplanned || problems.plan.is_some()] {
            summary { "制定抽查计划" }
            p.summary { "每天上午、下午、晚上各随机抽取若干单位，以往发现问题的单位被抽中的机会更大。" }
            form.action.wide method="post" action="/checks/plan" {
                input type="hidden" name="csrf" value=(desk.csrf_token);
                (error(&problems.plan, "plan"))
                label for="plan-title" { "计划名称" }
                input #plan-title type="text" name="title" value=(terms.title);
                label for="plan-first" { "起始日期" }
                input #plan-first type="date" name="first_day" value=(terms.first_day.to_string());
                label for="plan-last" { "结束日期" }
                input #plan-last type="date" name="last_day" value=(terms.last_day.to_string());
                label for="plan-per-session" { "每个时段抽查单位数" }
                input #plan-per-session type="number" name="per_session" min="1" value=(rules.per_session);
                button type="submit" { "抽签生成计划" }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Sent {
    csrf: String,
    title: String,
    first_day: String,
    last_day: String,
    per_session: String,
}

pub async fn draw_plan(State(state): State<AppState>, desk: Desk, Form(sent): Form<Sent>) -> Result<Response, Failure> {
    desk.check_form(&sent.csrf)?;
    desk.desk_and_leaders_only(WHAT)?;
    let day = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    let (first, last) = (day(&sent.first_day), day(&sent.last_day));
    let per_session = sent.per_session.trim().parse::<usize>().ok().filter(|n| *n > 0);
    let problem = match (first, last, per_session) {
        _ if sent.title.trim().is_empty() => Some("请填写计划名称".to_owned()),
        (None, _, _) | (_, None, _) => Some("请填写起始和结束日期，如 2026-10-01".to_owned()),
        (Some(f), Some(l), _) if l < f => Some("结束日期不能早于起始日期".to_owned()),
        (Some(f), Some(l), _) if (l - f).num_days() >= MOST_DAYS => {
            Some(format!("一个计划最多 {MOST_DAYS} 天，请分段制定"))
        }
        (_, _, None) => Some("每个时段抽查单位数须为正整数".to_owned()),
        _ => None,
    };
    let (Some(first), Some(last), Some(per_session), None) = (first, last, per_session, &problem) else {
        let call = Call { day: sent.first_day.clone(), ..Call::default() };
        let problems = Problems { plan: problem, ..Problems::default() };
        return render(&state, &desk, &call, &problems, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let directory = state.hub.office().directory();
    let findings = past_findings(&state).await?;
    let pool: Vec<(String, u32)> = directory
        .units
        .keys()
        .filter(|u| Some(u.as_str()) != directory.desk_unit())
        .map(|u| (u.clone(), findings.get(u).copied().unwrap_or(0)))
        .collect();
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    let rules = SpotCheckRules { per_session, ..state.hub.office().rules.spot_checks.clone() };
    let mut plan = SpotChecks::new(sent.title.trim(), None);
    for check in draw(&pool, &days, &Session::ALL, &rules, &mut rand::rng()) {
        plan.checks.insert(
            new_record_id(),
            SpotCheck {
                unit: check.unit,
                date: check.date.to_string(),
                session: check.session,
                planned_by: desk.principal.username.clone(),
                result: None,
            },
        );
    }
    match refusal(state.hub.create_as(&desk.author(), &TypedDocument::SpotChecks(plan)).await)? {
        Ok(_) => Ok(Redirect::to(&format!("/checks?day={first}")).into_response()),
        Err(why) => {
            let call = Call { day: first.to_string(), ..Call::default() };
            let problems = Problems { plan: Some(why.all()), ..Problems::default() };
            render(&state, &desk, &call, &problems, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Findings per unit over every spot check on record.
async fn past_findings(state: &AppState) -> Result<BTreeMap<String, u32>, Failure> {
    let rows = spot_checks::findings_per_unit(&state.hub.office().database).await?;
    Ok(rows.into_iter().map(|(unit, n)| (unit, u32::try_from(n).unwrap_or(u32::MAX))).collect())
}
