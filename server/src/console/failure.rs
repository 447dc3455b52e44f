//! What a console page shows when what it reads or writes fails: a page in Chinese with the reason, and
//! the status the API would have answered.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::layout::message_page;
use crate::api::error::ApiError;

pub struct Failure {
    pub status: StatusCode,
    pub reason: String,
}

impl Failure {
    pub fn not_found(what: &str) -> Self {
        Self { status: StatusCode::NOT_FOUND, reason: format!("没有找到{what}，或您无权查看。") }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self { status: e.status, reason: e.reason }
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE, reason: format!("数据库暂时无法访问，请稍后重试（{e}）。")
        }
    }
}

impl From<crate::sync::EditError> for Failure {
    fn from(e: crate::sync::EditError) -> Self {
        use crate::sync::EditError;
        let status = match &e {
            EditError::NotFound(_) => return Failure::not_found("该文档"),
            // Refusals are said in the desk's words, each reason of its own.
            EditError::Refused(refusals) | EditError::Sync(crate::sync::SyncError::ChangeRefused { refusals, .. }) => {
                return Self {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    reason: zhiban_model::refusal::in_chinese(refusals),
                };
            }
            EditError::Unreadable(_) => StatusCode::INTERNAL_SERVER_ERROR,
            EditError::Sync(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        Self { status, reason: e.to_string() }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let title = match self.status {
            StatusCode::NOT_FOUND => "没有找到",
            StatusCode::FORBIDDEN => "无权查看",
            s if s.is_server_error() => "暂时无法显示",
            _ => "无法办理",
        };
        (self.status, message_page(title, &self.reason)).into_response()
    }
}
