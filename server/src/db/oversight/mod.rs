//! The desk's oversight records as projected, read: filing rounds, spot checks, duty logs and the
//! assessment record, one module each. `db::projection::oversight` writes them; the API, the console, the
//! publications and the scores read them here.

pub mod assessment;
pub mod duty_logs;
pub mod filing_rounds;
pub mod spot_checks;
