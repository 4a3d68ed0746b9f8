//! `--chart`: monthly cost of one DriftBalancer against gas price, one line per scenario, as a
//! hand-written SVG (axes, ticks, labels, legend). Figures come from the exact model; floats are
//! used only to place them on the page.

use std::fmt::Write;

use crate::model::fees::{
    assumptions::{Assumptions, Ratio},
    doc_model::ModelError,
    tables::Fees,
    units::approx,
};

const W: f64 = 720.0;
const H: f64 = 440.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
const STEPS: u128 = 20;
const COLORS: [&str; 3] = ["#2b8a3e", "#1c7ed6", "#e03131"];

/// A "nice" axis maximum ≥ `v` (1, 2 or 5 × 10^k) and its tick step.
fn nice(v: f64) -> (f64, f64) {
    if v <= 0.0 || !v.is_finite() {
        return (1.0, 0.2);
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if v <= m * mag {
            return (m * mag, m * mag / 5.0);
        }
    }
    (10.0 * mag, 2.0 * mag)
}

fn label(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// The SVG document.
pub(super) fn chart(a: &Assumptions) -> Result<String, ModelError> {
    let mut series = Vec::new();
    for s in &a.scenarios {
        let mut points = Vec::new();
        for i in 0..=STEPS {
            let g = a.chart_max_gas_wei.saturating_mul(i) / STEPS;
            let fees = Fees::at(a, g, a.premium_ppb, a.stable_gas, a.global_gas)?;
            let m = fees.monthly(Ratio::whole(s.stable), Ratio::whole(s.global))?;
            points.push((approx(g, 9), approx(m, 18)));
        }
        series.push((s.name, points));
    }
    let x_max_raw = approx(a.chart_max_gas_wei, 9);
    let y_max_raw = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .fold(0.0, f64::max);
    let (x_max, x_step) = nice(x_max_raw);
    let (y_max, y_step) = nice(y_max_raw);
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let px = |x: f64| LEFT + x / x_max * pw;
    let py = |y: f64| TOP + ph - y / y_max * ph;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">Monthly Automation cost of one DriftBalancer vs gas price</text>"#,
        W / 2.0
    );
    let _ = writeln!(
        s,
        r#"<line x1="{LEFT}" y1="{}" x2="{}" y2="{}" stroke="black"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{}" stroke="black"/>"#,
        TOP + ph,
        LEFT + pw,
        TOP + ph,
        TOP + ph
    );
    let mut t = 0.0;
    while t <= x_max + x_step / 2.0 {
        let x = px(t);
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="black"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            TOP + ph,
            TOP + ph + 5.0,
            TOP + ph + 20.0,
            label(t)
        );
        t += x_step;
    }
    let mut t = 0.0;
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
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">gas price (gwei)</text>"#,
        LEFT + pw / 2.0,
        H - 15.0
    );
    let _ = writeln!(
        s,
        r#"<text x="20" y="{:.1}" text-anchor="middle" transform="rotate(-90 20 {:.1})">monthly cost (ETH)</text>"#,
        TOP + ph / 2.0,
        TOP + ph / 2.0
    );
    for (i, (name, points)) in series.iter().enumerate() {
        let color = COLORS.get(i).copied().unwrap_or("black");
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{color}" stroke-width="2" points="{}"/>"#,
            path.join(" ")
        );
        let ly = TOP + 20.0 + 22.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{name}</text>"#,
            W - RIGHT + 15.0,
            W - RIGHT + 40.0,
            W - RIGHT + 46.0,
            ly + 4.0
        );
    }
    let baseline = approx(a.gas_price_wei, 9);
    if baseline <= x_max {
        let x = px(baseline);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#888888" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" fill="#555555">baseline {} gwei</text>"##,
            TOP + ph,
            x + 4.0,
            TOP + 12.0,
            label(baseline)
        );
    }
    s.push_str("</svg>\n");
    Ok(s)
}
