//! Axes for the charts: maps data to panel coordinates (linear or log) and
//! draws the grid, ticks and axis titles.

use crate::svg::{num, Font, Svg, GRID, INK, LABEL, MUTED, SMALL};

#[derive(Clone, Copy)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    pub log: bool,
}

impl Axis {
    pub fn linear(min: f64, max: f64) -> Axis {
        Axis {
            min,
            max,
            log: false,
        }
    }
    pub fn log(min: f64, max: f64) -> Axis {
        Axis {
            min,
            max,
            log: true,
        }
    }
    /// Where `v` falls between the ends, 0..1.
    fn fraction(&self, v: f64) -> f64 {
        if self.log {
            (v.log10() - self.min.log10()) / (self.max.log10() - self.min.log10())
        } else {
            (v - self.min) / (self.max - self.min)
        }
    }
}

/// A plot area on a figure: `left`/`top`/`width`/`height` in SVG units.
#[derive(Clone, Copy)]
pub struct Plot {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    pub x: Axis,
    pub y: Axis,
}

impl Plot {
    pub fn px(&self, v: f64) -> f64 {
        self.left + self.width * self.x.fraction(v)
    }
    pub fn py(&self, v: f64) -> f64 {
        self.top + self.height * (1.0 - self.y.fraction(v))
    }
    pub fn point(&self, x: f64, y: f64) -> (f64, f64) {
        (self.px(x), self.py(y))
    }
    pub fn right(&self) -> f64 {
        self.left + self.width
    }
    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }

    /// A series, cut where it leaves the plot's y range (the line stops at
    /// the frame instead of floating or spilling over).
    pub fn series(&self, svg: &mut Svg, data: &[(f64, f64)], color: &str, dash: bool) {
        let (lo, hi) = (self.y.min, self.y.max);
        let inside = |y: f64| (lo..=hi).contains(&y);
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for pair in data.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let edge = |y_edge: f64| (x0 + (x1 - x0) * (y_edge - y0) / (y1 - y0), y_edge);
            let run = runs.last_mut().expect("a run");
            match (inside(y0), inside(y1)) {
                (true, true) => {
                    if run.is_empty() {
                        run.push((x0, y0));
                    }
                    run.push((x1, y1));
                }
                (true, false) => {
                    if run.is_empty() {
                        run.push((x0, y0));
                    }
                    run.push(edge(if y1 > hi { hi } else { lo }));
                    runs.push(Vec::new());
                }
                (false, true) => {
                    run.push(edge(if y0 > hi { hi } else { lo }));
                    run.push((x1, y1));
                }
                (false, false) => {}
            }
        }
        for run in runs.iter().filter(|r| r.len() > 1) {
            // Keep a point only once it is a pixel away from the last one
            // kept: the line looks the same and the file stays small.
            let mut points: Vec<(f64, f64)> = Vec::new();
            let last = run.len() - 1;
            for (i, &(x, y)) in run.iter().enumerate() {
                let p = self.point(x, y);
                let far = points
                    .last()
                    .is_none_or(|q: &(f64, f64)| (p.0 - q.0).hypot(p.1 - q.1) >= 1.5);
                if far || i == last {
                    points.push(p);
                }
            }
            svg.polyline(&points, color, 3.5, dash);
        }
    }

    /// Grid lines and labels at `x_ticks`/`y_ticks` (value, label), then the frame.
    pub fn axes(&self, svg: &mut Svg, x_ticks: &[(f64, &str)], y_ticks: &[(f64, &str)]) {
        for &(v, label) in x_ticks {
            let x = self.px(v);
            svg.line(x, self.top, x, self.bottom(), GRID, 1.5);
            svg.text(
                x,
                self.bottom() + SMALL + 6.0,
                label,
                Font::new(SMALL).fill(MUTED).middle(),
            );
        }
        for &(v, label) in y_ticks {
            let y = self.py(v);
            svg.line(self.left, y, self.right(), y, GRID, 1.5);
            svg.text(
                self.left - 8.0,
                y + SMALL * 0.35,
                label,
                Font::new(SMALL).fill(MUTED).end(),
            );
        }
        svg.raw(&format!(
            r#"<path d="M{l} {t} V{b} H{r}" fill="none" stroke="{INK}" stroke-width="2"/>"#,
            l = num(self.left),
            t = num(self.top),
            b = num(self.bottom()),
            r = num(self.right())
        ));
    }

    /// The x axis title, centred under the tick labels.
    pub fn x_title(&self, svg: &mut Svg, title: &str) {
        svg.text(
            self.left + self.width / 2.0,
            self.bottom() + SMALL + LABEL + 14.0,
            title,
            Font::new(LABEL).middle(),
        );
    }

    /// The y axis title, written above the axis (horizontal, easy to read).
    pub fn y_title(&self, svg: &mut Svg, title: &str) {
        svg.text(self.left - 8.0, self.top - 12.0, title, Font::new(LABEL));
    }
}
