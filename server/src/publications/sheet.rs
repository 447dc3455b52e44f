//! One table, two forms: the rows a publication prints are the rows its CSV holds, so the page and the
//! spreadsheet never disagree. The CSV starts with a byte-order mark, so spreadsheet programs on the
//! office's computers read the Chinese text as UTF-8. Its text cells hold what people typed (incident
//! titles, names, instructions), so a text cell a spreadsheet would take for a formula is written with a
//! leading `'` (OWASP's "CSV injection"); numbers are the code's own and are written as they are.

use maud::{Markup, html};

/// A cell: text, a number (right-aligned), or text marked as a problem.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Bad(String),
    Quiet(String),
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Cell::Text(text.into())
    }

    /// What the CSV holds for this cell: a number as it prints (a deduction stays `-3`), text defused.
    fn csv(&self) -> String {
        match self {
            Cell::Text(t) | Cell::Bad(t) | Cell::Quiet(t) => defused(t),
            Cell::Number(n) => number(*n),
        }
    }
}

/// `text`, with a `'` before it when a spreadsheet would read it as a formula (`=`, `+`, `-`, `@`) or
/// a tab or carriage return starts it; Excel and WPS show the text and hide the quote.
fn defused(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n as f64)
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        Cell::Number(n as f64)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}

impl From<&str> for Cell {
    fn from(t: &str) -> Self {
        Cell::Text(t.to_owned())
    }
}

impl From<String> for Cell {
    fn from(t: String) -> Self {
        Cell::Text(t)
    }
}

/// Whole numbers without decimals; others to two.
pub fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n:.2}") }
}

#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(headers: &[&str]) -> Self {
        Self { headers: headers.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    pub fn html(&self) -> Markup {
        html! {
            table {
                thead { tr { @for h in &self.headers { th { (h) } } } }
                tbody {
                    @for row in &self.rows {
                        tr {
                            @for cell in row {
                                @match cell {
                                    Cell::Text(t) => td { (t) },
                                    Cell::Number(n) => td.num { (number(*n)) },
                                    Cell::Bad(t) => td.bad { (t) },
                                    Cell::Quiet(t) => td.quiet { (t) },
                                }
                            }
                        }
                    }
                    @if self.rows.is_empty() {
                        tr { td.quiet colspan=(self.headers.len()) { "无" } }
                    }
                }
            }
        }
    }

    /// The CSV of this sheet, with a leading byte-order mark.
    pub fn csv(&self) -> String {
        let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
        // Writing to memory fails only if a row is malformed, which `push` does not allow to matter here.
        let _ = writer.write_record(self.headers.iter().map(|h| defused(h)));
        for row in &self.rows {
            let _ = writer.write_record(row.iter().map(Cell::csv));
        }
        let bytes = writer.into_inner().unwrap_or_default();
        format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_holds_the_printed_rows() {
        let mut sheet = Sheet::new(&["单位", "事件数"]);
        sheet.push(vec!["东城区, 北片".into(), 3i64.into()]);
        sheet.push(vec![Cell::Bad("未报告".into()), 2.5f64.into()]);
        assert_eq!(sheet.csv(), "\u{feff}单位,事件数\n\"东城区, 北片\",3\n未报告,2.50\n");
        let html = sheet.html().into_string();
        assert!(html.contains("<td class=\"bad\">未报告</td>") && html.contains("<td class=\"num\">3</td>"), "{html}");
    }

    #[test]
    fn text_a_spreadsheet_would_run_is_defused_and_numbers_are_kept() {
        let mut sheet = Sheet::new(&["单位", "事件", "扣分"]);
        sheet.push(vec!["=1+2".into(), "=HYPERLINK(\"http://evil.example/\",\"点我\")".into(), (-3i64).into()]);
        sheet.push(vec![Cell::Bad("+86 139".into()), Cell::Quiet("-1".into()), (-2.5f64).into()]);
        sheet.push(vec!["@SUM(A1)".into(), "\tcmd".into(), "\rcmd".into()]);
        sheet.push(vec!["东城区 =1".into(), "1-2".into(), 0i64.into()]);
        assert_eq!(
            sheet.csv(),
            "\u{feff}单位,事件,扣分\n\
             '=1+2,\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"点我\"\")\",-3\n\
             '+86 139,'-1,-2.50\n\
             '@SUM(A1),'\tcmd,\"'\rcmd\"\n\
             东城区 =1,1-2,0\n"
        );
        // The printed page shows what was typed.
        let html = sheet.html().into_string();
        assert!(html.contains("<td>=1+2</td>") && html.contains("<td class=\"num\">-3</td>"), "{html}");
    }
}
