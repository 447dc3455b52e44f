//! The printed page every publication shares: A4 with the office's margins, a red masthead (红头) with the
//! publication's name, issue and date, Chinese fonts with fallbacks, tables that repeat their header on
//! each printed page and do not split a row, and charts kept whole.

use maud::{DOCTYPE, Markup, PreEscaped, html};

const STYLE: &str = r#"
@page { size: A4; margin: 20mm 18mm 18mm 18mm; }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0 auto; max-width: 174mm; color: #111; font-size: 10.5pt; line-height: 1.55;
  font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun", serif; }
header.masthead { text-align: center; margin: 4mm 0 2mm; }
header.masthead h1 { color: #b91c1c; font-size: 24pt; letter-spacing: 0.12em; margin: 0;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
header.masthead .issue { margin-top: 2mm; display: flex; justify-content: space-between; font-size: 10.5pt; }
hr.red { border: 0; border-top: 2px solid #b91c1c; margin: 1mm 0 5mm; }
h2 { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; font-size: 13pt;
  margin: 6mm 0 2mm; break-after: avoid; }
p.lead { text-indent: 2em; margin: 1mm 0 3mm; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; margin: 2mm 0 4mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 0.6pt solid #555; padding: 1.2mm 1.6mm; vertical-align: top; text-align: left; }
th { background: #f3f4f6; font-family: "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.bad { color: #b91c1c; font-weight: 600; }
.quiet { color: #6b7280; }
figure { margin: 3mm 0 5mm; break-inside: avoid; }
figure svg { display: block; }
figcaption { font-size: 9pt; color: #374151; text-align: center; }
footer { margin-top: 8mm; border-top: 0.6pt solid #999; padding-top: 2mm; font-size: 8.5pt; color: #4b5563; }
@media screen { body { padding: 12mm 0; } }
"#;

/// A whole publication page.
pub fn page(title: &str, issue: &str, date_line: &str, body: Markup, note: &str) -> String {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                // No icon: a printed page needs none, and the browser would ask for /favicon.ico.
                link rel="icon" href="data:,";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.masthead {
                    h1 { (title) }
                    div.issue { span { (issue) } span { (date_line) } }
                }
                hr.red;
                (body)
                footer { (note) }
            }
        }
    }
    .into_string()
}

/// A chart inline, with its caption.
pub fn figure(svg: String, caption: &str) -> Markup {
    html! {
        figure {
            (PreEscaped(svg))
            figcaption { (caption) }
        }
    }
}
