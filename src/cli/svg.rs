//! The project's one SVG module: line charts written by hand (axes, ticks, labels, legend,
//! lines, markers), stacked as panels in one document. Used by `budget --chart` and
//! `report --chart`. Figures come from the exact models; floats only place them on the page.

use std::fmt::Write;

const W: f64 = 760.0;
const PANEL_H: f64 = 300.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 190.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

/// A polyline.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// Its legend.
    pub name: String,
    /// Its colour.
    pub color: &'static str,
    /// Dashed (thresholds).
    pub dashed: bool,
    /// Held until the next point (a step function: balances, bands).
    pub step: bool,
    /// Its points, in x order.
    pub points: Vec<(f64, f64)>,
}

/// A marker shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A dot.
    Circle,
    /// A triangle pointing up.
    Triangle,
}

/// Markers at points.
#[derive(Debug, Clone)]
pub(crate) struct Marks {
    /// Their legend.
    pub name: String,
    /// Their colour.
    pub color: &'static str,
    /// Their shape.
    pub shape: Shape,
    /// Where.
    pub points: Vec<(f64, f64)>,
}

/// One chart.
#[derive(Debug, Clone, Default)]
pub(crate) struct Panel {
    /// Its title.
    pub title: String,
    /// The x axis' label.
    pub x_label: String,
    /// The y axis' label.
    pub y_label: String,
    /// Lines.
    pub lines: Vec<Line>,
    /// Markers.
    pub marks: Vec<Marks>,
    /// Labelled vertical lines (x, label).
    pub rules: Vec<(f64, String)>,
}

/// A "nice" step (1, 2 or 5 × 10^k) giving about five ticks over `span`.
fn nice_step(span: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0] {
        if raw <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

/// The axis from `lo` to `hi` widened to whole steps: (min, max, step).
fn axis(lo: f64, hi: f64) -> (f64, f64, f64) {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let step = nice_step(hi - lo);
    let min = (lo / step).floor() * step;
    let max = (hi / step).ceil() * step;
    (min, max.max(min + step), step)
}

/// A tick label: at most six decimals, no trailing zeros.
pub(crate) fn label(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The document: `title` above the panels, stacked.
pub(crate) fn document(title: &str, panels: &[Panel]) -> String {
    let h = 30.0 + PANEL_H * panels.len().max(1) as f64;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="20" text-anchor="middle" font-size="15">{}</text>"#,
        W / 2.0,
        escape(title)
    );
    for (i, p) in panels.iter().enumerate() {
        panel(&mut s, p, 30.0 + PANEL_H * i as f64);
    }
    s.push_str("</svg>\n");
    s
}

fn panel(s: &mut String, p: &Panel, y0: f64) {
    let xs = p
        .lines
        .iter()
        .flat_map(|l| l.points.iter())
        .chain(p.marks.iter().flat_map(|m| m.points.iter()))
        .map(|(x, _)| *x)
        .chain(p.rules.iter().map(|(x, _)| *x));
    let ys = p
        .lines
        .iter()
        .flat_map(|l| l.points.iter())
        .chain(p.marks.iter().flat_map(|m| m.points.iter()))
        .map(|(_, y)| *y);
    let (x_lo, x_hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let y_hi = ys.fold(0.0, f64::max);
    let (x_lo, x_hi) = if x_lo.is_finite() {
        (x_lo, x_hi)
    } else {
        (0.0, 1.0)
    };
    let (x_min, x_max, x_step) = axis(x_lo, x_hi);
    let (y_min, y_max, y_step) = axis(0.0, y_hi);
    let (top, pw, ph) = (y0 + TOP, W - LEFT - RIGHT, PANEL_H - TOP - BOTTOM);
    let px = |x: f64| LEFT + (x - x_min) / (x_max - x_min) * pw;
    let py = |y: f64| top + ph - (y - y_min) / (y_max - y_min) * ph;

    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13">{}</text>"#,
        LEFT + pw / 2.0,
        y0 + 22.0,
        escape(&p.title)
    );
    let _ = writeln!(
        s,
        r#"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="black"/><line x1="{LEFT}" y1="{top:.1}" x2="{LEFT}" y2="{:.1}" stroke="black"/>"#,
        top + ph,
        LEFT + pw,
        top + ph,
        top + ph
    );
    let mut t = x_min;
    while t <= x_max + x_step / 2.0 {
        let x = px(t);
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="black"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            top + ph,
            top + ph + 5.0,
            top + ph + 18.0,
            label(t)
        );
        t += x_step;
    }
    let mut t = y_min;
    while t <= y_max + y_step / 2.0 {
        let y = py(t);
        let _ = writeln!(
            s,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{LEFT}" y2="{y:.1}" stroke="black"/><line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#dddddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT - 5.0,
            LEFT + pw,
            LEFT - 8.0,
            y + 4.0,
            label(t)
        );
        t += y_step;
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        LEFT + pw / 2.0,
        top + ph + 36.0,
        escape(&p.x_label)
    );
    let mid = top + ph / 2.0;
    let _ = writeln!(
        s,
        r#"<text x="20" y="{mid:.1}" text-anchor="middle" transform="rotate(-90 20 {mid:.1})">{}</text>"#,
        escape(&p.y_label)
    );
    let mut legend = 0usize;
    for l in &p.lines {
        let mut pts: Vec<(f64, f64)> = Vec::new();
        for (i, &(x, y)) in l.points.iter().enumerate() {
            if l.step
                && let Some(&(_, prev)) = i.checked_sub(1).and_then(|j| l.points.get(j))
            {
                pts.push((x, prev));
            }
            pts.push((x, y));
        }
        let path: Vec<String> = pts
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let dash = if l.dashed {
            r#" stroke-dasharray="5 4""#
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{}" stroke-width="2"{dash} points="{}"/>"#,
            l.color,
            path.join(" ")
        );
        let ly = legend_y(top, legend);
        let glyph = format!(
            r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{}" stroke-width="2"{dash}/>"#,
            W - RIGHT + 15.0,
            W - RIGHT + 40.0,
            l.color
        );
        legend_entry(s, ly, l.color, &l.name, &glyph);
        legend += 1;
    }
    for m in &p.marks {
        for &(x, y) in &m.points {
            let _ = writeln!(s, "{}", mark(m.shape, px(x), py(y), m.color));
        }
        let ly = legend_y(top, legend);
        let glyph = mark(m.shape, W - RIGHT + 27.0, ly, m.color);
        legend_entry(s, ly, m.color, &m.name, &glyph);
        legend += 1;
    }
    for (x, text) in &p.rules {
        let x = px(*x);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{:.1}" stroke="#888888" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" fill="#555555">{}</text>"##,
            top + ph,
            x + 4.0,
            top + 12.0,
            escape(text)
        );
    }
}

fn legend_y(top: f64, n: usize) -> f64 {
    top + 10.0 + 20.0 * n as f64
}

fn legend_entry(s: &mut String, ly: f64, color: &str, name: &str, glyph: &str) {
    let _ = writeln!(s, "{glyph}");
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" fill="{color}">{}</text>"#,
        W - RIGHT + 46.0,
        ly + 4.0,
        escape(name)
    );
}

fn mark(shape: Shape, x: f64, y: f64, color: &str) -> String {
    match shape {
        Shape::Circle => format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{color}"/>"#),
        Shape::Triangle => format!(
            r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{color}"/>"#,
            x,
            y - 5.0,
            x - 5.0,
            y + 4.0,
            x + 5.0,
            y + 4.0
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_widen_to_whole_nice_steps() {
        assert_eq!(axis(0.0, 0.83), (0.0, 1.0, 0.2));
        assert_eq!(axis(1_003.0, 1_047.0), (1_000.0, 1_050.0, 10.0));
        // A single point still gets an axis.
        assert_eq!(axis(5.0, 5.0), (5.0, 6.0, 0.2));
        assert_eq!(label(0.30000000000000004), "0.3");
        assert_eq!(label(-0.0), "0");
    }

    #[test]
    fn a_document_has_every_line_marker_rule_and_escaped_text() {
        let p = Panel {
            title: "drift <A&B>".into(),
            x_label: "block".into(),
            y_label: "bps".into(),
            lines: vec![Line {
                name: "trigger".into(),
                color: "#e03131",
                dashed: true,
                step: true,
                points: vec![(10.0, 200.0), (20.0, 250.0)],
            }],
            marks: vec![Marks {
                name: "perform".into(),
                color: "#1c7ed6",
                shape: Shape::Triangle,
                points: vec![(12.0, 230.0), (18.0, 260.0)],
            }],
            rules: vec![(15.0, "band change".into())],
        };
        let doc = document("report", &[p.clone(), p]);
        assert!(doc.starts_with("<svg "));
        assert!(doc.ends_with("</svg>\n"));
        assert_eq!(doc.matches("<polyline").count(), 2);
        // two markers and a legend glyph per panel
        assert_eq!(doc.matches("<polygon").count(), 6);
        assert_eq!(doc.matches("band change").count(), 2);
        assert!(doc.contains("drift &lt;A&amp;B&gt;"));
        // the step line holds 200 until x = 20: three vertices
        let first = doc.lines().find(|l| l.starts_with("<polyline")).unwrap();
        assert_eq!(first.matches(',').count(), 3);
    }
}
