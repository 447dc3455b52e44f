//! 通讯录: the units with their duty phones and the people with their units, roles and phones, from the
//! directory document. The directory is everyone's (`Audience::Everyone`: every phone syncs it for "who do I
//! call" offline), so this page shows every signed-in person the same; it is where an administrator, who
//! keeps the directory and sees no duty records of other units, finds who is who.
//!
//! - `GET /directory`

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::html;
use zhiban_model::documents::directory::{DutyCategory, Role};

use super::format;
use super::layout::page;
use super::now::units_in_order;
use super::session::Desk;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/directory", get(show))
}

fn category(c: DutyCategory) -> &'static str {
    match c {
        DutyCategory::One => "一类",
        DutyCategory::Two => "二类",
        DutyCategory::Three => "三类",
    }
}

fn role(r: Role) -> &'static str {
    match r {
        Role::Desk => "值班室值班员",
        Role::Leader => "领导",
        Role::UnitOfficer => "单位值班员",
        Role::Field => "信息员",
        Role::Admin => "系统管理员",
    }
}

async fn show(State(state): State<AppState>, desk: Desk) -> Response {
    let now = state.hub.now_millis();
    let directory = state.hub.office().directory();
    let units = units_in_order(&directory);
    let body = html! {
        h2 { "通讯录" }
        p.summary { "共 " (directory.units.len()) " 个单位、" (directory.people.len()) " 人，与手机应用同步的通讯录相同。" }
        section #directory-units {
            h3 { "单位与值班电话" }
            table.directory {
                thead { tr {
                    th scope="col" { "单位" } th scope="col" { "上级单位" } th scope="col" { "值班类别" }
                    th scope="col" { "值班电话" }
                } }
                tbody {
                    @for (id, unit) in &units {
                        tr data-unit=(id) {
                            th scope="row" { (unit.name) }
                            td { @if let Some(parent) = &unit.parent { (format::unit(&directory, parent)) } @else { "—" } }
                            td { (category(unit.category)) }
                            td.phone { (unit.duty_phone) }
                        }
                    }
                }
            }
        }
        section #directory-people {
            h3 { "人员" }
            table.directory {
                thead { tr {
                    th scope="col" { "姓名" } th scope="col" { "单位" } th scope="col" { "职级" } th scope="col" { "角色" }
                    th scope="col" { "电话" }
                } }
                tbody {
                    @for (unit, _) in &units {
                        @for (id, person) in directory.people.iter().filter(|(_, p)| p.unit == *unit) {
                            tr data-person=(id) {
                                th scope="row" { (person.name) }
                                td { (format::unit(&directory, &person.unit)) }
                                td { (person.rank.label_zh()) }
                                td { @for (i, r) in person.roles.iter().enumerate() { @if i > 0 { "、" } (role(*r)) } }
                                td.phone { (person.phone) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&desk, "/directory", "通讯录", now, body).into_response()
}
