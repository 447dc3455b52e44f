//! Hand-written SVG charts for the printable A4 reports: pure functions returning one inline `<svg>…</svg>`
//! element each, no JavaScript, no external fonts or files.
//!
//! Every chart is 680 user units wide (170 mm of A4 content at 4 units a millimetre) and as tall as it needs;
//! `width="100%"` with no height lets the page scale it and keep the viewBox's aspect. Text is escaped, values
//! that are NaN, infinite or negative count as 0, coordinates carry at most 2 decimals, and the same input
//! always gives the same string, so a report can be compared byte for byte.
//!
//! Marks a caller or a test can find: each vertical stack is a `<g class="bar">` (one per x label, even an
//! empty one) holding `<rect class="seg">` segments; each horizontal bar is a `<rect class="bar">` inside a
//! `<g class="row">`; each line is a `<polyline class="line">`. Printed x labels are `<text class="xlabel">`,
//! y ticks `<text class="ytick">`, a chart without data shows `<text class="no-data">无数据</text>`.

use std::fmt::Write as _;

/// The office's warning colours for grades Ⅰ–Ⅳ (red, orange, amber, blue): readable on white, and of four
/// distinct lightnesses so they stay apart in grayscale print.
pub const GRADE_COLORS: [&str; 4] = ["#b91c1c", "#ea580c", "#ca8a04", "#2563eb"];

/// One named series of values, one value per x label (missing values count as 0, extra ones are ignored).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// A CSS colour: `#rrggbb`, a name, or `rgb(…)`; anything else is drawn gray.
    pub color: String,
    pub values: Vec<f64>,
}

impl Series {
    pub fn new(name: impl Into<String>, color: impl Into<String>, values: Vec<f64>) -> Self {
        Self { name: name.into(), color: color.into(), values }
    }
}

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const FONT_FAMILY: &str = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif";
const WIDTH: f64 = 680.0;
const EDGE: f64 = 8.0;
const TITLE_SIZE: f64 = 14.0;
const LABEL_SIZE: f64 = 11.0;
const TICK_SIZE: f64 = 10.0;
/// Estimated advance of one narrow character, in ems; a CJK character counts as two.
const UNIT_EM: f64 = 0.55;
const PLOT_HEIGHT: f64 = 200.0;
const ROW_HEIGHT: f64 = 22.0;
const BAR_THICKNESS: f64 = 14.0;
const LEGEND_ROW: f64 = 16.0;
/// Label caps in width units (a CJK character is 2).
const ROW_LABEL_CAP: usize = 24;
const X_LABEL_CAP: usize = 12;
const LEGEND_CAP: usize = 20;
const VALUE_CAP: usize = 16;
const TOTALS_MAX_BARS: usize = 16;
const DOTS_MAX_POINTS: usize = 24;
/// Values beyond this are clipped so sums and scales stay finite.
const VALUE_LIMIT: f64 = 1e15;
const NO_DATA: &str = "无数据";
const INK: &str = "#111827";
const MUTED: &str = "#4b5563";
const GRID: &str = "#e5e7eb";
const AXIS: &str = "#9ca3af";
const FALLBACK_COLOR: &str = "#64748b";
/// Dash patterns by series index, so lines stay apart in grayscale print.
const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

/// Vertical stacked bars: one bar per x label, one segment per series, the first series at the bottom (e.g.
/// incidents per week by grade Ⅰ–Ⅳ with [`GRADE_COLORS`]). The total is printed above each bar when there are
/// at most 16 bars; x labels are thinned (every nth) when they would overlap, the bars all stay.
pub fn stacked_bars(title: &str, x_labels: &[String], series: &[Series], y_unit: &str) -> String {
    let n = x_labels.len();
    let values = aligned_values(series, n);
    let totals: Vec<f64> = (0..n).map(|i| values.iter().map(|v| v[i]).sum()).collect();
    let largest = totals.iter().copied().fold(0.0, f64::max);
    if n == 0 || largest <= 0.0 {
        return no_data(title);
    }
    let scale = Scale::nice(largest, values.iter().flatten().all(|v| v.fract() == 0.0));
    let mut chart = Chart::new(title);
    let legend_last = chart.legend(series, Mark::Swatch);
    let frame = vertical_frame(&scale, legend_last + 26.0);
    chart.y_grid(&frame, &scale, y_unit);
    chart.x_labels(&frame, x_labels);
    let slot = frame.width / n as f64;
    let bar_width = (slot * 0.72).min(40.0);
    for (i, label) in x_labels.iter().enumerate() {
        let center = frame.left + slot * (i as f64 + 0.5);
        let label = clean(label);
        chart.line(&format!(r#"<g class="bar" data-index="{i}" data-total="{}">"#, num(totals[i])));
        let mut below = 0.0;
        for (s, vals) in series.iter().zip(&values) {
            let value = vals[i];
            if value <= 0.0 {
                continue;
            }
            let top = frame.y(&scale, below + value);
            let bottom = frame.y(&scale, below);
            chart.line(&format!(
                r##"<rect class="seg" data-series="{}" data-value="{}" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff" stroke-width="0.5"><title>{}：{} {}</title></rect>"##,
                esc(&s.name),
                num(value),
                num(center - bar_width / 2.0),
                num(top),
                num(bar_width),
                num(bottom - top),
                color(&s.color),
                esc(&label),
                esc(&s.name),
                num(value)
            ));
            below += value;
        }
        chart.line("</g>");
        if n <= TOTALS_MAX_BARS {
            chart.line(&format!(
                r#"<text class="total" x="{}" y="{}" text-anchor="middle" font-size="{}">{}</text>"#,
                num(center),
                num(frame.y(&scale, totals[i]) - 4.0),
                num(TICK_SIZE),
                num(totals[i])
            ));
        }
    }
    chart.axes(&frame);
    chart.finish(frame.bottom() + 28.0)
}

/// Horizontal bars, one row per label in the given order (e.g. on-time rate or score per unit). `max` fixes the
/// scale (100 for a percentage; longer bars are clipped at it), else the scale is the nice round number at or
/// above the largest value. `value_text` formats the number printed at each bar's end (it gets the cleaned
/// value: NaN and negatives as 0). Labels longer than 24 width units (12 CJK characters) end in "…".
pub fn horizontal_bars(
    title: &str,
    rows: &[(String, f64)],
    max: Option<f64>,
    color: &str,
    value_text: &dyn Fn(f64) -> String,
) -> String {
    let values: Vec<f64> = rows.iter().map(|(_, v)| clean_value(*v)).collect();
    let largest = values.iter().copied().fold(0.0, f64::max);
    if rows.is_empty() || largest <= 0.0 {
        return no_data(title);
    }
    let fixed = max.filter(|m| m.is_finite() && *m > 0.0).map(|m| m.min(VALUE_LIMIT));
    let integer = values.iter().chain(fixed.as_ref()).all(|v| v.fract() == 0.0);
    let scale = match fixed {
        Some(m) => Scale::fixed(m, integer),
        None => Scale::nice(largest, integer),
    };
    let labels: Vec<String> = rows.iter().map(|(l, _)| truncate(&clean(l), ROW_LABEL_CAP)).collect();
    let texts: Vec<String> = values.iter().map(|v| truncate(&clean(&value_text(*v)), VALUE_CAP)).collect();
    let label_width = labels.iter().map(|l| text_width(l, LABEL_SIZE)).fold(0.0, f64::max);
    let text_room = texts.iter().map(|t| text_width(t, TICK_SIZE)).fold(0.0, f64::max);
    let left = EDGE + label_width + 8.0;
    let right = (WIDTH - EDGE - text_room - 6.0).max(left + 120.0);
    let frame = Frame { left, top: 34.0, width: right - left, height: ROW_HEIGHT * rows.len() as f64 };

    let mut chart = Chart::new(title);
    for tick in scale.ticks() {
        let x = frame.x(&scale, tick);
        if tick > 0.0 {
            chart.line(&format!(
                r#"<line class="grid" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{GRID}" stroke-width="1"/>"#,
                num(frame.top),
                num(frame.bottom()),
                x = num(x)
            ));
        }
        chart.line(&format!(
            r#"<text class="xtick" x="{}" y="{}" text-anchor="middle" font-size="{}" fill="{MUTED}">{}</text>"#,
            num(x),
            num(frame.bottom() + 14.0),
            num(TICK_SIZE),
            scale.label(tick)
        ));
    }
    let fill = color_of(color);
    for (i, (((full, _), label), (value, text))) in rows.iter().zip(&labels).zip(values.iter().zip(&texts)).enumerate()
    {
        let middle = frame.top + ROW_HEIGHT * (i as f64 + 0.5);
        let length = frame.x(&scale, *value) - frame.left;
        chart.line(&format!(r#"<g class="row" data-value="{}">"#, num(*value)));
        chart.line(&format!("<title>{}：{}</title>", esc(&clean(full)), esc(text)));
        chart.line(&format!(
            r#"<text class="label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            num(frame.left - 8.0),
            num(middle + 4.0),
            esc(label)
        ));
        chart.line(&format!(
            r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
            num(frame.left),
            num(middle - BAR_THICKNESS / 2.0),
            num(length),
            num(BAR_THICKNESS),
            esc(&fill)
        ));
        chart.line(&format!(
            r#"<text class="value" x="{}" y="{}" font-size="{}" fill="{MUTED}">{}</text>"#,
            num(frame.left + length + 4.0),
            num(middle + 3.5),
            num(TICK_SIZE),
            esc(text)
        ));
        chart.line("</g>");
    }
    chart.line(&format!(
        r#"<line class="axis" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{AXIS}" stroke-width="1"/>"#,
        num(frame.top),
        num(frame.bottom()),
        x = num(frame.left)
    ));
    chart.finish(frame.bottom() + 24.0)
}

/// A line chart for trends: one polyline per series over the x labels (dashed differently per series for
/// grayscale print), with a dot at each point when there are at most 24 points.
pub fn lines(title: &str, x_labels: &[String], series: &[Series], y_unit: &str) -> String {
    let n = x_labels.len();
    let values = aligned_values(series, n);
    let largest = values.iter().flatten().copied().fold(0.0, f64::max);
    if n == 0 || largest <= 0.0 {
        return no_data(title);
    }
    let scale = Scale::nice(largest, values.iter().flatten().all(|v| v.fract() == 0.0));
    let mut chart = Chart::new(title);
    let legend_last = chart.legend(series, Mark::Line);
    let frame = vertical_frame(&scale, legend_last + 26.0);
    chart.y_grid(&frame, &scale, y_unit);
    chart.x_labels(&frame, x_labels);
    let slot = frame.width / n as f64;
    let labels: Vec<String> = x_labels.iter().map(|l| clean(l)).collect();
    for (k, (s, vals)) in series.iter().zip(&values).enumerate() {
        let fill = color_of(&s.color);
        let points: Vec<(f64, f64)> =
            vals.iter().enumerate().map(|(i, v)| (frame.left + slot * (i as f64 + 0.5), frame.y(&scale, *v))).collect();
        let coordinates: Vec<String> = points.iter().map(|(x, y)| format!("{},{}", num(*x), num(*y))).collect();
        chart.line(&format!(r#"<g class="series" data-series="{}">"#, esc(&s.name)));
        chart.line(&format!(
            r#"<polyline class="line" points="{}" fill="none" stroke="{}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"{}/>"#,
            coordinates.join(" "),
            esc(&fill),
            dash(k)
        ));
        if n <= DOTS_MAX_POINTS {
            for (((x, y), v), label) in points.iter().zip(vals).zip(&labels) {
                chart.line(&format!(
                    r#"<circle class="dot" cx="{}" cy="{}" r="2.5" fill="{}"><title>{}：{} {}</title></circle>"#,
                    num(*x),
                    num(*y),
                    esc(&fill),
                    esc(label),
                    esc(&s.name),
                    num(*v)
                ));
            }
        }
        chart.line("</g>");
    }
    chart.axes(&frame);
    chart.finish(frame.bottom() + 28.0)
}

/// A chart with the title and "无数据" in place of marks.
fn no_data(title: &str) -> String {
    let mut chart = Chart::new(title);
    chart.line(&format!(
        r#"<text class="no-data" x="{}" y="70" text-anchor="middle" font-size="13" fill="{MUTED}">{NO_DATA}</text>"#,
        num(WIDTH / 2.0)
    ));
    chart.finish(104.0)
}

/// The series' values cleaned and padded or cut to `n`.
fn aligned_values(series: &[Series], n: usize) -> Vec<Vec<f64>> {
    series.iter().map(|s| (0..n).map(|i| clean_value(s.values.get(i).copied().unwrap_or(0.0))).collect()).collect()
}

/// The plot area of a vertical chart: left margin sized from the widest tick label.
fn vertical_frame(scale: &Scale, top: f64) -> Frame {
    let widest = scale.ticks().iter().map(|t| text_width(&scale.label(*t), TICK_SIZE)).fold(0.0, f64::max);
    let left = EDGE + widest.max(16.0) + 8.0;
    Frame { left, top, width: WIDTH - 12.0 - left, height: PLOT_HEIGHT }
}

struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

impl Frame {
    fn bottom(&self) -> f64 {
        self.top + self.height
    }

    fn right(&self) -> f64 {
        self.left + self.width
    }

    fn y(&self, scale: &Scale, value: f64) -> f64 {
        self.bottom() - scale.fraction(value) * self.height
    }

    fn x(&self, scale: &Scale, value: f64) -> f64 {
        self.left + scale.fraction(value) * self.width
    }
}

/// A value axis from 0 to `top` with ticks every `step` (1, 2 or 5 × 10ⁿ).
#[derive(Debug, PartialEq)]
struct Scale {
    top: f64,
    step: f64,
    decimals: usize,
}

impl Scale {
    /// The smallest round top at or above `largest`, in 3 to 5 steps.
    fn nice(largest: f64, integer: bool) -> Self {
        let step = nice_step(largest, integer);
        let steps = (largest / step - 1e-9).ceil().max(1.0);
        Self { top: steps * step, step, decimals: decimals(step) }
    }

    /// A fixed top, with round ticks up to it.
    fn fixed(top: f64, integer: bool) -> Self {
        let step = nice_step(top, integer);
        Self { top, step, decimals: decimals(step) }
    }

    fn ticks(&self) -> Vec<f64> {
        let count = (self.top / self.step + 1e-9).floor() as usize;
        (0..=count).map(|k| k as f64 * self.step).collect()
    }

    fn label(&self, value: f64) -> String {
        format!("{value:.prec$}", prec = self.decimals)
    }

    fn fraction(&self, value: f64) -> f64 {
        if self.top > 0.0 { (value / self.top).clamp(0.0, 1.0) } else { 0.0 }
    }
}

/// The smallest step of 1, 2 or 5 × 10ⁿ that covers `largest` in at most 5 steps (at least 1 for integers).
fn nice_step(largest: f64, integer: bool) -> f64 {
    if !(largest.is_finite() && largest > 0.0) {
        return 1.0;
    }
    let raw = largest / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|f| f * magnitude)
        .find(|s| s * (1.0 + 1e-9) >= raw)
        .unwrap_or(10.0 * magnitude);
    if integer { step.max(1.0) } else { step }
}

fn decimals(step: f64) -> usize {
    if step >= 1.0 - 1e-9 { 0 } else { ((-step.log10()) - 1e-9).ceil().clamp(0.0, 6.0) as usize }
}

#[derive(Clone, Copy)]
enum Mark {
    Swatch,
    Line,
}

/// The SVG under construction: the body, wrapped in the root element once the height is known.
struct Chart {
    title: String,
    body: String,
}

impl Chart {
    fn new(title: &str) -> Self {
        let title = clean(title);
        let shown = truncate(&title, ((WIDTH - 2.0 * EDGE) / (TITLE_SIZE * UNIT_EM)) as usize);
        let mut chart = Self { title, body: String::new() };
        chart.line(&format!(
            r#"<text class="title" x="{}" y="20" font-size="{}" font-weight="bold">{}</text>"#,
            num(EDGE),
            num(TITLE_SIZE),
            esc(&shown)
        ));
        chart
    }

    fn line(&mut self, element: &str) {
        self.body.push_str(element);
        self.body.push('\n');
    }

    /// Legend rows under the title, wrapped to the width; returns the baseline of the last row.
    fn legend(&mut self, series: &[Series], mark: Mark) -> f64 {
        let mut baseline = 38.0;
        if series.is_empty() {
            return baseline - LEGEND_ROW;
        }
        let mark_width = match mark {
            Mark::Swatch => 10.0,
            Mark::Line => 18.0,
        };
        let mut x = EDGE;
        for (k, s) in series.iter().enumerate() {
            let name = truncate(&clean(&s.name), LEGEND_CAP);
            let width = mark_width + 5.0 + text_width(&name, LABEL_SIZE) + 16.0;
            if x > EDGE && x + width > WIDTH - EDGE {
                x = EDGE;
                baseline += LEGEND_ROW;
            }
            let fill = esc(&color_of(&s.color));
            self.line(r#"<g class="legend">"#);
            match mark {
                Mark::Swatch => self.line(&format!(
                    r#"<rect x="{}" y="{}" width="10" height="10" fill="{fill}"/>"#,
                    num(x),
                    num(baseline - 9.0)
                )),
                Mark::Line => self.line(&format!(
                    r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{fill}" stroke-width="2"{}/>"#,
                    num(x),
                    num(x + mark_width),
                    dash(k),
                    y = num(baseline - 4.0)
                )),
            }
            self.line(&format!(
                r#"<text x="{}" y="{}">{}</text>"#,
                num(x + mark_width + 5.0),
                num(baseline),
                esc(&name)
            ));
            self.line("</g>");
            x += width;
        }
        baseline
    }

    /// Horizontal grid lines, y tick labels and the unit above them.
    fn y_grid(&mut self, frame: &Frame, scale: &Scale, unit: &str) {
        for tick in scale.ticks() {
            let y = frame.y(scale, tick);
            if tick > 0.0 {
                self.line(&format!(
                    r#"<line class="grid" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{GRID}" stroke-width="1"/>"#,
                    num(frame.left),
                    num(frame.right()),
                    y = num(y)
                ));
            }
            self.line(&format!(
                r#"<text class="ytick" x="{}" y="{}" text-anchor="end" font-size="{}" fill="{MUTED}">{}</text>"#,
                num(frame.left - 6.0),
                num(y + 3.5),
                num(TICK_SIZE),
                scale.label(tick)
            ));
        }
        let unit = truncate(&clean(unit), X_LABEL_CAP);
        if !unit.is_empty() {
            let x = (frame.left - 6.0 - text_width(&unit, TICK_SIZE)).max(EDGE);
            self.line(&format!(
                r#"<text class="unit" x="{}" y="{}" font-size="{}" fill="{MUTED}">{}</text>"#,
                num(x),
                num(frame.top - 10.0),
                num(TICK_SIZE),
                esc(&unit)
            ));
        }
    }

    /// X labels under the slots, every nth when they would overlap.
    fn x_labels(&mut self, frame: &Frame, x_labels: &[String]) {
        let labels: Vec<String> = x_labels.iter().map(|l| truncate(&clean(l), X_LABEL_CAP)).collect();
        let slot = frame.width / labels.len().max(1) as f64;
        let widest = labels.iter().map(|l| text_width(l, TICK_SIZE)).fold(0.0, f64::max);
        let every = ((widest + 6.0) / slot).ceil().max(1.0) as usize;
        for (i, label) in labels.iter().enumerate().step_by(every) {
            let half = text_width(label, TICK_SIZE) / 2.0;
            let center = (frame.left + slot * (i as f64 + 0.5)).clamp(EDGE + half, WIDTH - EDGE - half);
            self.line(&format!(
                r#"<text class="xlabel" x="{}" y="{}" text-anchor="middle" font-size="{}" fill="{MUTED}">{}</text>"#,
                num(center),
                num(frame.bottom() + 15.0),
                num(TICK_SIZE),
                esc(label)
            ));
        }
    }

    /// The y axis and the baseline, drawn over the marks.
    fn axes(&mut self, frame: &Frame) {
        self.line(&format!(
            r#"<line class="axis" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{AXIS}" stroke-width="1"/>"#,
            num(frame.top),
            num(frame.bottom()),
            x = num(frame.left)
        ));
        self.line(&format!(
            r#"<line class="axis" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{AXIS}" stroke-width="1"/>"#,
            num(frame.left),
            num(frame.right()),
            y = num(frame.bottom())
        ));
    }

    fn finish(self, height: f64) -> String {
        let title = esc(&self.title);
        let mut svg = String::with_capacity(self.body.len() + 512);
        let _ = write!(
            svg,
            r#"<svg xmlns="{SVG_NS}" version="1.1" class="zb-chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{title}" font-family="{FONT_FAMILY}" font-size="{}" fill="{INK}">"#,
            num(WIDTH),
            num(height.ceil()),
            num(LABEL_SIZE)
        );
        let _ = writeln!(svg, "\n<title>{title}</title>");
        svg.push_str(&self.body);
        svg.push_str("</svg>");
        svg
    }
}

/// A value as drawn: finite, not negative, not absurdly large.
fn clean_value(value: f64) -> f64 {
    if value.is_finite() && value > 0.0 { value.min(VALUE_LIMIT) } else { 0.0 }
}

/// A number for an attribute or a label: at most 2 decimals, no trailing zeros, never NaN or infinite.
fn num(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let value = if rounded.is_finite() {
        rounded
    } else if value.is_finite() {
        value
    } else {
        0.0
    };
    let mut text = format!("{value:.2}");
    while text.ends_with('0') {
        text.pop();
    }
    if text.ends_with('.') {
        text.pop();
    }
    if text == "-0" { "0".to_owned() } else { text }
}

/// Text without characters XML 1.0 forbids, whitespace runs of control characters made spaces, trimmed.
fn clean(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => Some(c),
            _ => None,
        })
        .collect();
    kept.trim().to_owned()
}

/// Escapes text for element content and attribute values alike.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => out.push(c),
            '\t' | '\n' | '\r' => out.push(' '),
            _ => {}
        }
    }
    out
}

/// A CSS colour made of harmless characters, else gray.
fn color_of(color: &str) -> String {
    let color = color.trim();
    let harmless = !color.is_empty()
        && color.len() <= 64
        && color.chars().all(|c| c.is_ascii_alphanumeric() || "#(),.% -".contains(c));
    if harmless { color.to_owned() } else { FALLBACK_COLOR.to_owned() }
}

fn color(color: &str) -> String {
    esc(&color_of(color))
}

fn dash(index: usize) -> String {
    match DASHES[index % DASHES.len()] {
        "" => String::new(),
        pattern => format!(r#" stroke-dasharray="{pattern}""#),
    }
}

/// Whether a character takes two columns: CJK, full-width forms, and the signs CJK fonts draw full width.
fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{115F}'
        | '\u{2026}'
        | '\u{2160}'..='\u{2188}'
        | '\u{2E80}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}'
        | '\u{20000}'..='\u{3FFFD}')
}

fn char_units(c: char) -> usize {
    if is_wide(c) { 2 } else { 1 }
}

fn units(text: &str) -> usize {
    text.chars().map(char_units).sum()
}

/// Estimated drawn width at a font size.
fn text_width(text: &str, size: f64) -> f64 {
    units(text) as f64 * UNIT_EM * size
}

/// The text cut to `cap` width units, ending in "…" (2 units) when cut.
fn truncate(text: &str, cap: usize) -> String {
    if units(text) <= cap {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_units(c);
        if used + w + 2 > cap {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        let document = roxmltree::Document::parse(svg).expect("a chart is well-formed XML");
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.tag_name().namespace(), Some(SVG_NS));
        assert!(root.attribute("viewBox").is_some());
        assert_eq!(root.attribute("width"), Some("100%"));
        assert_eq!(root.attribute("role"), Some("img"));
        assert!(root.attribute("font-family").is_some_and(|f| f.contains("Noto Sans CJK SC")));
        document
    }

    fn title_of<'a>(document: &'a roxmltree::Document<'a>) -> Option<&'a str> {
        document.root_element().children().find(|n| n.has_tag_name("title")).and_then(|n| n.text())
    }

    fn with_class<'a, 'i>(document: &'a roxmltree::Document<'i>, class: &str) -> Vec<roxmltree::Node<'a, 'i>> {
        document.descendants().filter(|n| n.attribute("class") == Some(class)).collect()
    }

    fn texts_with_class(document: &roxmltree::Document<'_>, class: &str) -> Vec<String> {
        with_class(document, class).iter().map(|n| n.text().unwrap_or_default().to_owned()).collect()
    }

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn weeks() -> Vec<String> {
        (1..=53).map(|w| format!("第{w}周")).collect()
    }

    fn grades(n: usize) -> Vec<Series> {
        ["Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级"]
            .iter()
            .zip(GRADE_COLORS)
            .enumerate()
            .map(|(k, (name, color))| Series::new(*name, color, (0..n).map(|i| ((i * (k + 1)) % 5) as f64).collect()))
            .collect()
    }

    fn percent(v: f64) -> String {
        format!("{v:.1}%")
    }

    fn attr(node: &roxmltree::Node<'_, '_>, name: &str) -> f64 {
        node.attribute(name).expect("attribute present").parse().expect("a number")
    }

    #[test]
    fn charts_are_well_formed_svg_with_escaped_title_and_labels() {
        let title = "周报 \"A&B<C>\" 'x'";
        let x = labels(&["A&B<C>", "第2周", "第3周"]);
        let series = vec![Series::new("R&D <一>", "#b91c1c", vec![1.0, 2.0, 3.0])];
        for svg in [
            stacked_bars(title, &x, &series, "起"),
            lines(title, &x, &series, "起"),
            horizontal_bars(
                title,
                &[("A&B<C>".to_owned(), 50.0), ("市应急局".to_owned(), 90.0)],
                Some(100.0),
                "#2563eb",
                &percent,
            ),
        ] {
            let document = parse(&svg);
            assert_eq!(title_of(&document), Some(title));
            assert_eq!(document.root_element().attribute("aria-label"), Some(title));
            assert!(texts_with_class(&document, "title").contains(&title.to_owned()));
            let all_text: Vec<&str> = document.descendants().filter_map(|n| n.text()).collect();
            assert!(all_text.contains(&"A&B<C>"), "{svg}");
        }
        let document_svg = stacked_bars(title, &x, &series, "起");
        let document = parse(&document_svg);
        assert!(texts_with_class(&document, "xlabel").contains(&"A&B<C>".to_owned()));
        assert_eq!(texts_with_class(&document, "unit"), vec!["起".to_owned()]);
        assert!(document.descendants().any(|n| n.attribute("data-series") == Some("R&D <一>")));
    }

    #[test]
    fn empty_data_says_no_data() {
        let none: Vec<String> = Vec::new();
        let zeros = vec![Series::new("Ⅰ级", GRADE_COLORS[0], vec![0.0, 0.0])];
        let two = labels(&["一", "二"]);
        for svg in [
            stacked_bars("空", &none, &grades(0), "起"),
            stacked_bars("空", &two, &zeros, "起"),
            stacked_bars("空", &two, &[], "起"),
            lines("空", &none, &zeros, "起"),
            lines("空", &two, &zeros, "起"),
            horizontal_bars("空", &[], None, "#2563eb", &percent),
            horizontal_bars("空", &[("一".to_owned(), 0.0)], Some(100.0), "#2563eb", &percent),
        ] {
            let document = parse(&svg);
            assert_eq!(title_of(&document), Some("空"));
            assert_eq!(texts_with_class(&document, "no-data"), vec![NO_DATA.to_owned()]);
            assert!(with_class(&document, "bar").is_empty());
        }
    }

    #[test]
    fn a_year_of_weeks_thins_labels_but_keeps_every_bar() {
        let x = weeks();
        let svg = stacked_bars("全年突发事件", &x, &grades(53), "起");
        let document = parse(&svg);
        assert_eq!(with_class(&document, "bar").len(), 53);
        let printed = texts_with_class(&document, "xlabel");
        assert!(printed.len() > 4 && printed.len() < 53, "{printed:?}");
        assert_eq!(printed.first().map(String::as_str), Some("第1周"));
        assert!(with_class(&document, "total").is_empty(), "no totals over 16 bars");
        let quarter_svg = stacked_bars("一季度", &x[..13], &grades(13), "起");
        assert_eq!(with_class(&parse(&quarter_svg), "total").len(), 13);

        let line_svg = lines("趋势", &x, &grades(53), "起");
        let line_document = parse(&line_svg);
        assert!(texts_with_class(&line_document, "xlabel").len() < 53);
        assert_eq!(with_class(&line_document, "line").len(), 4);
        assert!(with_class(&line_document, "dot").is_empty());
    }

    #[test]
    fn nan_and_negatives_count_as_zero_and_never_print() {
        let x = labels(&["一", "二", "三"]);
        let series = vec![
            Series::new("甲", "#b91c1c", vec![f64::NAN, -3.0, 2.0]),
            Series::new("乙", "red\" onload=\"x", vec![f64::INFINITY, 1.5]),
        ];
        let rows = vec![("甲".to_owned(), f64::NAN), ("乙".to_owned(), -1.0), ("丙".to_owned(), 3.0)];
        for svg in [
            stacked_bars("空值", &x, &series, "起"),
            lines("空值", &x, &series, "起"),
            horizontal_bars("空值", &rows, Some(f64::NAN), "#2563eb", &|v| format!("{v}")),
            horizontal_bars("空值", &rows, None, "#2563eb", &|v| format!("{v}分")),
        ] {
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            let document = parse(&svg);
            assert!(document.descendants().all(|n| n.attribute("onload").is_none()));
        }
        let document_svg = stacked_bars("空值", &x, &series, "起");
        let document = parse(&document_svg);
        let totals: Vec<&str> = with_class(&document, "bar").iter().filter_map(|n| n.attribute("data-total")).collect();
        assert_eq!(totals, vec!["0", "1.5", "2"]);
    }

    #[test]
    fn stacked_segments_are_proportional_to_values() {
        let x = labels(&["第1周"]);
        let series =
            vec![Series::new("Ⅰ级", GRADE_COLORS[0], vec![2.0]), Series::new("Ⅱ级", GRADE_COLORS[1], vec![6.0])];
        let svg = stacked_bars("比例", &x, &series, "起");
        let document = parse(&svg);
        let segments = with_class(&document, "seg");
        assert_eq!(segments.len(), 2);
        let (low, high) = (attr(&segments[0], "height"), attr(&segments[1], "height"));
        assert!((high / low - 3.0).abs() < 0.01, "{low} {high}");
        // Stacked: the second sits on the first.
        let first_top = attr(&segments[0], "y");
        assert!((attr(&segments[1], "y") + high - first_top).abs() < 0.02);
        assert_eq!(texts_with_class(&document, "total"), vec!["8".to_owned()]);
    }

    #[test]
    fn long_unit_names_are_cut_with_an_ellipsis() {
        let long = "某某市某某区某某街道某某社区居民委员会综合治理中心值班室";
        let rows = vec![(long.to_owned(), 87.5), ("市应急局".to_owned(), 100.0)];
        let svg = horizontal_bars("按时率", &rows, Some(100.0), "#2563eb", &percent);
        let document = parse(&svg);
        let shown = texts_with_class(&document, "label");
        assert!(shown[0].ends_with('…') && shown[0].chars().count() < long.chars().count(), "{shown:?}");
        assert!(units(&shown[0]) <= ROW_LABEL_CAP);
        assert_eq!(shown[1], "市应急局");
        assert_eq!(texts_with_class(&document, "value"), vec!["87.5%".to_owned(), "100.0%".to_owned()]);
        assert_eq!(with_class(&document, "bar").len(), 2);
        // The full name stays in the row's tooltip.
        assert!(document.descendants().any(|n| n.text().is_some_and(|t| t.starts_with(long))));
    }

    #[test]
    fn ticks_are_round_and_integer_for_counts() {
        assert_eq!(Scale::nice(7.0, true), Scale { top: 8.0, step: 2.0, decimals: 0 });
        assert_eq!(Scale::nice(10.0, true), Scale { top: 10.0, step: 2.0, decimals: 0 });
        assert_eq!(Scale::nice(1.0, true), Scale { top: 1.0, step: 1.0, decimals: 0 });
        assert_eq!(Scale::nice(430.0, true), Scale { top: 500.0, step: 100.0, decimals: 0 });
        let fractional = Scale::nice(0.37, false);
        assert_eq!((fractional.step, fractional.decimals), (0.1, 1));
        assert!((fractional.top - 0.4).abs() < 1e-9);
        assert_eq!(Scale::fixed(100.0, true).ticks().len(), 6);
        for top in [3.0, 7.0, 11.0, 19.0, 23.0, 99.0, 101.0, 1234.0, 0.07] {
            let ticks = Scale::nice(top, false).ticks().len();
            assert!((4..=6).contains(&ticks), "{top}: {ticks}");
        }
        let svg = stacked_bars("整数", &labels(&["一", "二"]), &[Series::new("甲", "#000", vec![1.0, 3.0])], "起");
        let document = parse(&svg);
        assert!(texts_with_class(&document, "ytick").iter().all(|t| !t.contains('.')));
    }

    #[test]
    fn attribute_numbers_have_at_most_two_decimals_and_output_is_deterministic() {
        let x = weeks();
        let thirds: Vec<f64> = (0..53).map(|i| i as f64 / 3.0).collect();
        let series = vec![Series::new("甲", "#b91c1c", thirds.clone()), Series::new("乙", "#2563eb", thirds)];
        let rows: Vec<(String, f64)> = (0..7).map(|i| (format!("单位{i}"), 100.0 / 7.0 * i as f64)).collect();
        let charts = [
            stacked_bars("三分", &x, &series, "起"),
            lines("三分", &x[..10], &series, "次"),
            horizontal_bars("三分", &rows, None, "#ca8a04", &|v| format!("{v:.1}")),
        ];
        for svg in &charts {
            let document = parse(svg);
            for node in document.descendants() {
                for attribute in node.attributes() {
                    for token in attribute.value().split([' ', ',']) {
                        if token.parse::<f64>().is_ok()
                            && let Some((_, fraction)) = token.split_once('.')
                        {
                            assert!(fraction.len() <= 2, "{}={}", attribute.name(), attribute.value());
                        }
                    }
                }
            }
        }
        assert_eq!(charts[0], stacked_bars("三分", &x, &series, "起"));
        assert_eq!(charts[2], horizontal_bars("三分", &rows, None, "#ca8a04", &|v| format!("{v:.1}")));
    }
}
