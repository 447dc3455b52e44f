//! One table, two forms: the rows a publication prints are the rows its CSV holds, so the page and the
//! spreadsheet never disagree. The CSV starts with a byte-order mark, so spreadsheet programs on the
//! office's computers read the Chinese text as UTF-8.

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

    fn plain(&self) -> String {
        match self {
            Cell::Text(t) | Cell::Bad(t) | Cell::Quiet(t) => t.clone(),
            Cell::Number(n) => number(*n),
        }
    }
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
        let _ = writer.write_record(&self.headers);
        for row in &self.rows {
            let _ = writer.write_record(row.iter().map(Cell::plain));
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
}
