//! Who is on duty in every unit right now — the leader on duty (带班领导), the main and deputy
//! officers (主班、副班), each with their phone, and the unit's duty phone — from the rosters as projected.
//! A post nobody holds is shown in red, and the units with one are counted at the top. Only the units
//! whose rosters the signed-in person may see are listed: the check `GET /api/v1/units/{unit}/on-duty`
//! makes before it reads (`Caller::sees_rosters_of`).

use maud::{Markup, html};
use zhiban_model::documents::directory::Directory;

use super::super::session::Desk;
use crate::AppState;
use crate::projection::on_duty::{OnDuty, on_duty};

/// One unit's row on the board.
struct Row {
    unit: String,
    name: String,
    duty_phone: String,
    on_duty: Result<OnDuty, String>,
}

impl Row {
    fn has_gap(&self) -> bool {
        match &self.on_duty {
            Ok(d) => d.leader.is_none() || d.main.is_none() || d.deputy.is_none(),
            Err(_) => true,
        }
    }
}

/// The on-duty table, with the count of units with a gap.
pub async fn section(state: &AppState, desk: &Desk, now: i64) -> Markup {
    let office = state.hub.office();
    let directory = office.directory();
    let caller = desk.caller();
    let mut rows = Vec::with_capacity(directory.units.len());
    let mut not_theirs = 0;
    for (unit, about) in units_in_order(&directory) {
        if !caller.sees_rosters_of(state, unit) {
            not_theirs += 1;
            continue;
        }
        let on_duty = on_duty(&office.database, unit, now).await.map_err(|e| e.to_string());
        rows.push(Row {
            unit: unit.to_owned(),
            name: about.name.clone(),
            duty_phone: about.duty_phone.clone(),
            on_duty,
        });
    }
    let gaps = rows.iter().filter(|r| r.has_gap()).count();
    html! {
        section #on-duty-now data-live {
            h2 { "当前值班" }
            p.summary {
                "共 " (rows.len()) " 个单位；"
                @if gaps == 0 {
                    "各单位带班领导、主班、副班均已到岗。"
                } @else {
                    span.gap { (gaps) " 个单位有空缺" } "，以红色标出。"
                }
                @if not_theirs > 0 { "其余 " (not_theirs) " 个单位的值班表不在您的查看范围内。" }
            }
            table #on-duty {
                caption.clock { "按值班表（已报备的优先）确定的当前在岗人员" }
                thead { tr { th scope="col" { "单位" } th scope="col" { "带班领导" } th scope="col" { "主班" } th scope="col" { "副班" } th scope="col" { "值班电话" } } }
                tbody {
                    @for row in &rows {
                        tr data-unit=(row.unit) {
                            th scope="row" { (row.name) }
                            @match &row.on_duty {
                                Ok(d) => {
                                    (person_cell(&directory, d.leader.as_deref()))
                                    (person_cell(&directory, d.main.as_deref()))
                                    (person_cell(&directory, d.deputy.as_deref()))
                                }
                                Err(e) => { td.gap colspan="3" { "无法读取值班表：" (e) } }
                            }
                            td { (row.duty_phone) }
                        }
                    }
                }
            }
        }
    }
}

/// The desk first, then every other unit by name.
pub fn units_in_order(directory: &Directory) -> Vec<(&str, &zhiban_model::documents::directory::Unit)> {
    let desk = directory.desk_unit();
    let mut units: Vec<_> = directory.units.iter().map(|(id, unit)| (id.as_str(), unit)).collect();
    units.sort_by(|(a_id, a), (b_id, b)| (Some(*a_id) != desk, &a.name).cmp(&(Some(*b_id) != desk, &b.name)));
    units
}

/// A person on duty with their phone, or the gap in red.
fn person_cell(directory: &Directory, person: Option<&str>) -> Markup {
    match person {
        None => html! { td.gap { "空缺" } },
        Some(id) => match directory.people.get(id) {
            Some(p) => html! { td { (p.name) br; span.clock { (p.phone) } } },
            None => html! { td { (id) } },
        },
    }
}
