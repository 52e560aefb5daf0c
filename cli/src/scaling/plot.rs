//! SVG plots of scaling sweeps, rendered by plotters' SVG backend into a
//! `String`. Text is written as SVG `<text>` elements (the viewer picks the
//! font), so rendering needs no font files on the machine that draws it.

use std::fmt;

use plotters::prelude::*;

use super::fit::{amdahl_speedup, gustafson_speedup, AmdahlFit, GustafsonFit, PointStats, Trust};

/// Why a plot could not be drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum PlotError {
    /// There were no points to plot.
    NoPoints,
    /// A point has zero threads or a non-finite or non-positive speedup.
    InvalidPoint(usize),
    /// The plotting backend failed.
    Render(String),
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPoints => write!(f, "nothing to plot"),
            Self::InvalidPoint(p) => write!(f, "invalid speedup at {p} threads"),
            Self::Render(e) => write!(f, "plot rendering failed: {e}"),
        }
    }
}

impl std::error::Error for PlotError {}

/// Pixel size of every plot: the chart, with the legend in rows below it.
pub const PLOT_SIZE: (u32, u32) = (900, 720);
/// Height of the legend rows (at most four entries) under the chart.
const LEGEND_H: u32 = 4 * 24 + 24;
/// How far past the largest measured thread count the fitted Amdahl curve goes.
pub const EXTRAPOLATE: f64 = 4.0;

const MEASURED: RGBColor = RGBColor(31, 119, 180);
const OVERSUBSCRIBED: RGBColor = RGBColor(214, 39, 40);
const MODEL: RGBColor = RGBColor(255, 127, 14);
const IDEAL: RGBColor = RGBColor(110, 110, 110);
const FONT: &str = "sans-serif";

/// One measured point: threads, speedup, its min–max range, oversubscribed.
struct Pt {
    p: f64,
    s: f64,
    lo: f64,
    hi: f64,
    over: bool,
}

fn render_err<E: fmt::Display>(e: E) -> PlotError {
    PlotError::Render(e.to_string())
}

fn fmt_num(x: f64) -> String {
    if x.is_infinite() {
        "∞".into()
    } else {
        format!("{x:.1}×")
    }
}

/// Speedup plot: measured speedup (median; bars span the fastest to slowest
/// repetition; oversubscribed points hollow and red), the ideal S = p, and,
/// with a fit, the Amdahl curve out to 4× the largest measured thread count
/// with α, its 95% interval and the limit 1/α in the legend. Both axes are
/// logarithmic (ticks at powers of two), so ideal scaling is the diagonal; the
/// legend sits in rows under the chart, where it cannot hide data.
pub fn speedup_svg(
    points: &[PointStats],
    fit: Option<&AmdahlFit>,
    title: &str,
) -> Result<String, PlotError> {
    let pts: Vec<Pt> = points
        .iter()
        .map(|q| Pt {
            p: q.threads as f64,
            s: q.speedup,
            lo: q.speedup * q.median_s / q.max_s,
            hi: q.speedup * q.median_s / q.min_s,
            over: q.oversubscribed,
        })
        .collect();
    let p_max = pts.iter().map(|q| q.p).fold(1.0, f64::max);
    let model = fit.map(|f| {
        let note = match f.trust {
            Trust::Good => "",
            Trust::ExactlyDetermined => ", 2 points: exact",
            Trust::Poor(_) => ", poor fit",
        };
        let label = format!(
            "Amdahl fit α = {:.3} (95% CI {:.3}–{:.3}), limit {}{note}",
            f.alpha,
            f.alpha_ci.0,
            f.alpha_ci.1,
            fmt_num(f.max_speedup)
        );
        (
            label,
            p_max * EXTRAPOLATE,
            amdahl_speedup as fn(f64, f64) -> f64,
            f.alpha,
        )
    });
    render(&pts, model, title, "speedup  S(p) = T(1) / T(p)")
}

/// Weak-scaling plot: measured scaled speedup, the ideal S = p and the
/// Gustafson line p − s·(p − 1) with the fitted s in the legend (axes and
/// layout as in [`speedup_svg`]).
pub fn scaled_speedup_svg(fit: &GustafsonFit, title: &str) -> Result<String, PlotError> {
    let pts: Vec<Pt> = fit
        .points
        .iter()
        .map(|g| {
            let s = g.scaled_speedup;
            let (p, over) = (g.threads as f64, g.oversubscribed);
            Pt {
                p,
                s,
                lo: s,
                hi: s,
                over,
            }
        })
        .collect();
    let p_max = pts.iter().map(|q| q.p).fold(1.0, f64::max);
    let label = format!("Gustafson fit s = {:.3}", fit.serial_fraction);
    let model = Some((
        label,
        p_max,
        gustafson_speedup as fn(f64, f64) -> f64,
        fit.serial_fraction,
    ));
    render(&pts, model, title, "scaled speedup  p·T(1) / T(p)")
}

type Model = (String, f64, fn(f64, f64) -> f64, f64);

/// Powers of two in `[lo, hi]`, or evenly spaced round values when fewer than three fit.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let pow2: Vec<f64> = (-20..=40)
        .map(|k| 2f64.powi(k))
        .filter(|t| (lo..=hi).contains(t))
        .collect();
    if pow2.len() >= 3 {
        return pow2;
    }
    let raw = (hi - lo) / 6.0;
    if !(raw > 0.0 && raw.is_finite()) {
        return vec![lo];
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(raw);
    let first = (lo / step).ceil() as i64;
    (first..first + 20)
        .map(|k| k as f64 * step)
        .take_while(|t| *t <= hi)
        .collect()
}

/// Tick text without floating-point noise (`0.25`, `1.05`, `64`).
fn tick_label(v: f64) -> String {
    format!("{}", (v * 1e6).round() / 1e6)
}

/// A legend entry's marker.
enum Glyph {
    Line(RGBColor),
    Dashed(RGBColor),
    Dot(RGBColor),
    Ring(RGBColor),
}

/// `n` points log-uniform on `[a, b]` of `f`.
fn sample(a: f64, b: f64, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    let n = 120;
    (0..=n)
        .map(|i| a * (b / a).powf(f64::from(i) / f64::from(n)))
        .map(|p| (p, f(p)))
        .collect()
}

fn render(
    pts: &[Pt],
    model: Option<Model>,
    title: &str,
    y_desc: &str,
) -> Result<String, PlotError> {
    if pts.is_empty() {
        return Err(PlotError::NoPoints);
    }
    if let Some(q) = pts
        .iter()
        .find(|q| !(q.p >= 1.0 && q.s.is_finite() && q.s > 0.0))
    {
        return Err(PlotError::InvalidPoint(q.p as usize));
    }
    let p_max = pts.iter().map(|q| q.p).fold(1.0, f64::max);
    let x_end = model.as_ref().map_or(p_max, |m| m.1.max(p_max));
    let curve = model
        .as_ref()
        .map_or_else(Vec::new, |(_, _, f, k)| sample(1.0, x_end, |p| f(*k, p)));
    let hi = pts
        .iter()
        .map(|q| q.hi.max(q.s))
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max);
    let lo = pts
        .iter()
        .map(|q| q.lo.min(q.s))
        .filter(|v| *v > 0.0)
        .fold(1.0, f64::min);
    let y_range = lo / 1.15..curve.iter().map(|c| c.1).fold(hi, f64::max) * 1.15;
    let y_ticks = log_ticks(y_range.start, y_range.end);
    // Log–log: ideal scaling is the diagonal, Amdahl bends to a plateau at 1/α.
    let x_range = 0.85..x_end * 1.15;
    let x_ticks = log_ticks(1.0, x_end);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, PLOT_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(render_err)?;
        let (upper, lower) = root.split_vertically(PLOT_SIZE.1 - LEGEND_H);
        let mut chart = ChartBuilder::on(&upper)
            .caption(title, (FONT, 26))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(
                x_range.log_scale().with_key_points(x_ticks),
                y_range.clone().log_scale().with_key_points(y_ticks),
            )
            .map_err(render_err)?;
        chart
            .configure_mesh()
            .x_desc("threads  p")
            .y_desc(y_desc)
            .x_label_formatter(&|x| tick_label(*x))
            .y_label_formatter(&|y| tick_label(*y))
            .axis_desc_style((FONT, 18))
            .label_style((FONT, 15))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(RGBColor(245, 245, 245))
            .draw()
            .map_err(render_err)?;

        let mut legend = vec![(Glyph::Dashed(IDEAL), "ideal  S = p".to_string())];
        let ideal = sample(1.0, x_end.min(y_range.end), |p| p);
        chart
            .draw_series(DashedLineSeries::new(ideal, 8, 6, IDEAL.stroke_width(2)))
            .map_err(render_err)?;
        if let Some((label, ..)) = model {
            chart
                .draw_series(LineSeries::new(curve, MODEL.stroke_width(3)))
                .map_err(render_err)?;
            legend.push((Glyph::Line(MODEL), label));
        }

        let bars = pts.iter().filter(|q| q.hi > q.lo).map(|q| {
            let c = if q.over { OVERSUBSCRIBED } else { MEASURED };
            PathElement::new(
                [(q.p, q.lo), (q.p, q.hi.min(y_range.end))],
                c.stroke_width(2),
            )
        });
        chart.draw_series(bars).map_err(render_err)?;
        let (inside, over): (Vec<&Pt>, Vec<&Pt>) = pts.iter().partition(|q| !q.over);
        let tail = inside.last().into_iter().chain(&over).map(|q| (q.p, q.s));
        chart
            .draw_series(LineSeries::new(tail, OVERSUBSCRIBED.stroke_width(1)))
            .map_err(render_err)?;
        let line = LineSeries::new(inside.iter().map(|q| (q.p, q.s)), MEASURED.stroke_width(2));
        chart.draw_series(line).map_err(render_err)?;
        let dots = inside
            .iter()
            .map(|q| Circle::new((q.p, q.s), 5, MEASURED.filled()));
        chart.draw_series(dots).map_err(render_err)?;
        let bars = pts.iter().any(|q| q.hi > q.lo);
        let note = if bars {
            "; bar = fastest–slowest run"
        } else {
            ""
        };
        legend.push((Glyph::Dot(MEASURED), format!("measured (median{note})")));
        if !over.is_empty() {
            let rings = over
                .iter()
                .map(|q| Circle::new((q.p, q.s), 6, OVERSUBSCRIBED.stroke_width(2)));
            chart.draw_series(rings).map_err(render_err)?;
            legend.push((
                Glyph::Ring(OVERSUBSCRIBED),
                "oversubscribed (p > physical cores)".into(),
            ));
        }
        debug_assert!(legend.len() <= 4);
        draw_legend(&lower, &legend).map_err(render_err)?;
        root.present().map_err(render_err)?;
    }
    Ok(svg)
}

/// Draws the legend as rows under the chart, where it cannot hide data.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(Glyph, String)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let x = 100;
    for (i, (glyph, text)) in entries.iter().enumerate() {
        let y = 12 + 24 * i as i32;
        match *glyph {
            Glyph::Line(c) => {
                area.draw(&PathElement::new([(x, y), (x + 30, y)], c.stroke_width(3)))?
            }
            Glyph::Dashed(c) => {
                for dx in [0, 12, 24] {
                    area.draw(&PathElement::new(
                        [(x + dx, y), (x + dx + 7, y)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Glyph::Dot(c) => area.draw(&Circle::new((x + 15, y), 5, c.filled()))?,
            Glyph::Ring(c) => area.draw(&Circle::new((x + 15, y), 6, c.stroke_width(2)))?,
        }
        area.draw(&Text::new(text.as_str(), (x + 42, y - 9), (FONT, 17)))?;
    }
    Ok(())
}

/// A bar chart per thread count, drawn directly as SVG: one bar per
/// `(label, value)`, a dashed reference line at `reference` (for load
/// imbalance, 1.0 = perfect balance), values printed above the bars. Used
/// for load imbalance and the measured ceiling.
pub fn bars_svg(
    title: &str,
    y_desc: &str,
    bars: &[(String, f64)],
    reference: Option<f64>,
) -> String {
    let (w, h) = (640.0, 360.0);
    let (left, right, top, bottom) = (70.0, 20.0, 40.0, 50.0);
    let finite = bars.iter().map(|b| b.1).filter(|v| v.is_finite());
    let top_value = finite.chain(reference).fold(0.0, f64::max).max(1e-9) * 1.15;
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let y = |v: f64| top + plot_h * (1.0 - v / top_value);
    let esc = super::html::escape;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"24\" font-family=\"{FONT}\" font-size=\"16\" text-anchor=\"middle\">{}</text>\n\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n\
         <line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"black\"/>\n\
         <text x=\"16\" y=\"{}\" font-family=\"{FONT}\" font-size=\"13\" transform=\"rotate(-90 16 {})\" text-anchor=\"middle\">{}</text>\n",
        w / 2.0,
        esc(title),
        top + plot_h,
        left + plot_w,
        top + plot_h,
        top + plot_h,
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        esc(y_desc)
    );
    for k in 0..=4 {
        let v = top_value * f64::from(k) / 4.0;
        s += &format!(
            "<text x=\"{}\" y=\"{}\" font-family=\"{FONT}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n",
            left - 6.0,
            y(v) + 4.0,
            tick_label((v * 100.0).round() / 100.0)
        );
    }
    let slot = plot_w / bars.len().max(1) as f64;
    for (i, (label, v)) in bars.iter().enumerate() {
        let x = left + slot * (i as f64 + 0.2);
        if !v.is_finite() {
            // Not measured (e.g. a simulated machine): a label, no bar.
            s += &format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-family=\"{FONT}\" font-size=\"11\" text-anchor=\"middle\">n/a</text>\n\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-family=\"{FONT}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
                x + slot * 0.3,
                top + plot_h - 4.0,
                x + slot * 0.3,
                top + plot_h + 18.0,
                esc(label)
            );
            continue;
        }
        let v = *v;
        s += &format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"rgb({},{},{})\"/>\n\
             <text x=\"{:.1}\" y=\"{:.1}\" font-family=\"{FONT}\" font-size=\"11\" text-anchor=\"middle\">{v:.3}</text>\n\
             <text x=\"{:.1}\" y=\"{:.1}\" font-family=\"{FONT}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
            y(v),
            slot * 0.6,
            top + plot_h - y(v),
            MEASURED.0,
            MEASURED.1,
            MEASURED.2,
            x + slot * 0.3,
            y(v) - 4.0,
            x + slot * 0.3,
            top + plot_h + 18.0,
            esc(label)
        );
    }
    if let Some(r) = reference {
        s += &format!(
            "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\" stroke=\"rgb({},{},{})\" stroke-dasharray=\"6,4\"/>\n",
            y(r),
            left + plot_w,
            y(r),
            IDEAL.0,
            IDEAL.1,
            IDEAL.2
        );
    }
    s += &format!(
        "<text x=\"{}\" y=\"{}\" font-family=\"{FONT}\" font-size=\"13\" text-anchor=\"middle\">threads</text>\n</svg>\n",
        left + plot_w / 2.0,
        h - 10.0
    );
    s
}

#[cfg(test)]
mod tests {
    use super::super::fit::{fit_amdahl, fit_gustafson, point_stats, FitOptions, Sample};
    use super::*;

    /// α = 0.3 on 8 cores, measured to 32 threads, with a little spread.
    fn sweep() -> (Vec<PointStats>, AmdahlFit) {
        let samples: Vec<Sample> = [1usize, 2, 4, 8, 16, 32]
            .iter()
            .map(|&p| {
                let t = 2.0 / amdahl_speedup(0.3, p as f64) * if p > 8 { 1.5 } else { 1.0 };
                Sample {
                    threads: p,
                    times: vec![t * 0.98, t, t * 1.03],
                }
            })
            .collect();
        let fit = fit_amdahl(&samples, 8, &FitOptions::default()).unwrap();
        (point_stats(&samples, 8).unwrap(), fit)
    }

    #[test]
    fn speedup_svg_has_axes_legend_and_fit() {
        let (pts, fit) = sweep();
        let svg = speedup_svg(&pts, Some(&fit), "sweep <gauss> & co").unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        for text in [
            "ideal  S = p",
            "Amdahl fit α = 0.300 (95% CI",
            "limit 3.3×",
            "measured (median; bar = fastest–slowest run)",
            "oversubscribed (p &gt; physical cores)",
            "threads  p",
            "speedup  S(p) = T(1) / T(p)",
            "sweep &lt;gauss&gt; &amp; co",
            "\n128\n",
        ] {
            assert!(svg.contains(text), "missing {text:?}");
        }
    }

    #[test]
    fn speedup_svg_without_fit_has_no_model_curve() {
        let (pts, _) = sweep();
        let svg = speedup_svg(&pts[..4], None, "no fit").unwrap();
        assert!(
            svg.contains("ideal  S = p") && !svg.contains("Amdahl") && !svg.contains("oversub")
        );
        let single = speedup_svg(&pts[..1], None, "one point").unwrap();
        assert!(single.starts_with("<svg"));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(
            speedup_svg(&[], None, "x").unwrap_err(),
            PlotError::NoPoints
        );
        let (mut pts, _) = sweep();
        pts[2].speedup = f64::NAN;
        assert_eq!(
            speedup_svg(&pts, None, "x").unwrap_err(),
            PlotError::InvalidPoint(4)
        );
    }

    #[test]
    fn scaled_speedup_svg_shows_gustafson_fit() {
        let weak: Vec<Sample> = [1usize, 2, 4, 8]
            .iter()
            .map(|&p| Sample {
                threads: p,
                times: vec![p as f64 / gustafson_speedup(0.1, p as f64)],
            })
            .collect();
        let svg = scaled_speedup_svg(&fit_gustafson(&weak, 8).unwrap(), "weak").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("Gustafson fit s = 0.100"));
        assert!(svg.contains("measured (median)") && svg.contains("scaled speedup"));
    }

    #[test]
    fn speedup_svg_can_be_written_to_a_file() {
        let (pts, fit) = sweep();
        let svg = speedup_svg(&pts, Some(&fit), "file").unwrap();
        let dir = std::env::temp_dir().join(format!("vquad-plot-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("speedup.svg");
        std::fs::write(&path, &svg).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), svg);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bar_charts_draw_one_bar_per_point_and_escape_labels() {
        let svg = bars_svg(
            "load <imbalance>",
            "max / mean busy",
            &[
                ("1".into(), 1.0),
                ("2".into(), 1.25),
                ("4".into(), f64::NAN),
            ],
            Some(1.0),
        );
        assert_eq!(svg.matches("<rect x=").count(), 2);
        assert!(svg.contains(">n/a<"));
        assert!(svg.contains("load &lt;imbalance&gt;"));
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
