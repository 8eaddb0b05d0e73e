//! The charts: each one runs a small, seeded experiment and draws what it
//! measured, so the curves are data, not hand-placed points.

use crate::catalogue::Figure;
use crate::math::{dot, least_squares, legendre, normal_tail, Rng};
use crate::plot::{Axis, Plot};
use crate::svg::{
    Font, Svg, BLUE, GREEN, GRID, INK, LABEL, MUTED, ORANGE, ORANGE_FILL, PANEL, SMALL, TITLE,
    WIDTH,
};

// ---------------------------------------------------------------------------
// Overfitting: training and validation loss during gradient descent.

/// Gaussian bumps spread over [-1, 1]: a flexible model that can fit noise.
fn bumps(x: f64, centres: usize, width: f64) -> Vec<f64> {
    (0..centres)
        .map(|i| {
            let c = -1.0 + 2.0 * i as f64 / (centres - 1) as f64;
            (-(x - c) * (x - c) / (2.0 * width * width)).exp()
        })
        .collect()
}

/// Mean squared error of weights `w` on `(features, target)` rows.
fn mse(w: &[f64], rows: &[(Vec<f64>, f64)]) -> f64 {
    rows.iter()
        .map(|(phi, y)| (dot(phi, w) - y).powi(2))
        .sum::<f64>()
        / rows.len() as f64
}

/// Loss per epoch of full-batch gradient descent: (epoch, training, validation).
fn loss_history(epochs: usize) -> Vec<(f64, f64, f64)> {
    let (n_train, noise, centres, width) = (30, 0.3, 30, 0.08);
    let truth = |x: f64| (2.5 * x).sin() + 0.5 * x;
    let mut rng = Rng::new(7);
    let mut sample = |n: usize| -> Vec<(Vec<f64>, f64)> {
        (0..n)
            .map(|_| {
                let x = rng.range(-1.0, 1.0);
                (bumps(x, centres, width), truth(x) + noise * rng.normal())
            })
            .collect()
    };
    let train = sample(n_train);
    let validation = sample(500);
    // Step size from the largest curvature (power iteration on XᵀX / n).
    let mut v = vec![1.0; centres];
    let mut largest = 0.0;
    for _ in 0..200 {
        let mut next = vec![0.0; centres];
        for (phi, _) in &train {
            let d = dot(phi, &v);
            for (n, p) in next.iter_mut().zip(phi) {
                *n += p * d / n_train as f64;
            }
        }
        largest = dot(&next, &next).sqrt();
        v = next.iter().map(|a| a / largest).collect();
    }
    let step = 0.45 / largest;
    let mut w = vec![0.0; centres];
    let mut history = Vec::new();
    for epoch in 1..=epochs {
        let mut grad = vec![0.0; centres];
        for (phi, y) in &train {
            let d = dot(phi, &w) - y;
            for (g, p) in grad.iter_mut().zip(phi) {
                *g += 2.0 * p * d / n_train as f64;
            }
        }
        for (wi, g) in w.iter_mut().zip(&grad) {
            *wi -= step * g;
        }
        history.push((epoch as f64, mse(&w, &train), mse(&w, &validation)));
    }
    history
}

pub fn loss_curves() -> Figure {
    let epochs = 3000;
    let history = loss_history(epochs);
    let (best_epoch, best_val) = history
        .iter()
        .map(|&(e, _, v)| (e, v))
        .fold((0.0, f64::MAX), |a, b| if b.1 < a.1 { b } else { a });
    let mut svg = Svg::new("loss-curves", 400.0);
    svg.text(
        WIDTH / 2.0,
        36.0,
        "Training vs validation loss",
        Font::new(TITLE).bold().middle(),
    );
    let plot = Plot {
        left: 70.0,
        top: 84.0,
        width: 440.0,
        height: 240.0,
        x: Axis::log(1.0, epochs as f64),
        y: Axis::linear(0.0, 0.5),
    };
    // The overfitting zone: after the best validation loss.
    let zone = plot.px(best_epoch);
    svg.rect(
        zone,
        plot.top,
        plot.right() - zone,
        plot.height,
        0.0,
        ORANGE_FILL,
        "none",
    );
    plot.axes(
        &mut svg,
        &[(1.0, "1"), (10.0, "10"), (100.0, "100"), (1000.0, "1000")],
        &[
            (0.0, "0"),
            (0.1, "0.1"),
            (0.2, "0.2"),
            (0.3, "0.3"),
            (0.4, "0.4"),
            (0.5, "0.5"),
        ],
    );
    plot.y_title(&mut svg, "loss (mean squared error)");
    plot.x_title(&mut svg, "training epochs (log scale)");
    let train: Vec<(f64, f64)> = history.iter().map(|&(e, t, _)| (e, t)).collect();
    let val: Vec<(f64, f64)> = history.iter().map(|&(e, _, v)| (e, v)).collect();
    plot.series(&mut svg, &val, ORANGE, false);
    plot.series(&mut svg, &train, BLUE, false);
    svg.dashed(zone, plot.top, zone, plot.bottom(), INK, 2.0);
    let (bx, by) = plot.point(best_epoch, best_val);
    svg.circle(bx, by, 6.0, INK, PANEL);
    svg.text(
        zone + 8.0,
        plot.top + 24.0,
        "overfitting",
        Font::new(LABEL).bold().fill(ORANGE),
    );
    svg.text(
        zone - 8.0,
        plot.top + 24.0,
        "early stop",
        Font::new(LABEL).bold().end(),
    );
    svg.text(
        zone - 8.0,
        plot.top + 46.0,
        &format!("epoch {best_epoch:.0}"),
        Font::new(SMALL).end(),
    );
    let last = history.last().expect("history");
    let (_, vy) = plot.point(last.0, last.2);
    svg.text(
        plot.right() - 6.0,
        vy - 12.0,
        "validation",
        Font::new(LABEL).bold().fill(ORANGE).end(),
    );
    let (_, ty) = plot.point(last.0, last.1);
    svg.text(
        plot.right() - 6.0,
        ty - 12.0,
        "training",
        Font::new(LABEL).bold().fill(BLUE).end(),
    );
    Figure {
        file: "loss-curves.svg",
        svg: svg.finish(
            "Training loss keeps falling while validation loss turns up: stop at its minimum",
        ),
    }
}

// ---------------------------------------------------------------------------
// Bias–variance: the decomposition measured over many training sets.

/// The curve the bias–variance experiment learns: wiggly enough that
/// low-degree polynomials miss it.
fn bv_truth(x: f64) -> f64 {
    (3.0 * x + 0.5).sin() + 0.4 * (8.0 * x + 1.0).sin()
}

/// Bias², variance and noise by polynomial degree, measured by fitting many
/// training sets drawn from the same noisy curve.
fn bias_variance_by_degree(max_degree: usize) -> Vec<(f64, f64, f64)> {
    let (n_train, noise, sets) = (30, 0.3, 400);
    let truth = bv_truth;
    let test_x: Vec<f64> = (0..101)
        .map(|i| -1.0 + 2.0 * f64::from(i) / 100.0)
        .collect();
    let mut rng = Rng::new(11);
    let data: Vec<Vec<(f64, f64)>> = (0..sets)
        .map(|_| {
            // One x in each of n_train equal slices of [-1, 1] (evenly
            // spread readings), so no fit is left to extrapolate over a gap.
            (0..n_train)
                .map(|i| {
                    let slice = 2.0 / f64::from(n_train);
                    let x = -1.0 + slice * (f64::from(i) + rng.uniform());
                    (x, truth(x) + noise * rng.normal())
                })
                .collect()
        })
        .collect();
    (0..=max_degree)
        .map(|degree| {
            let predictions: Vec<Vec<f64>> = data
                .iter()
                .map(|set| {
                    let rows: Vec<Vec<f64>> =
                        set.iter().map(|(x, _)| legendre(*x, degree)).collect();
                    let y: Vec<f64> = set.iter().map(|(_, y)| *y).collect();
                    let w = least_squares(&rows, &y, 1e-9);
                    test_x
                        .iter()
                        .map(|&x| dot(&legendre(x, degree), &w))
                        .collect()
                })
                .collect();
            let mut bias2 = 0.0;
            let mut variance = 0.0;
            for (i, &x) in test_x.iter().enumerate() {
                let mean = predictions.iter().map(|p| p[i]).sum::<f64>() / f64::from(sets);
                bias2 += (mean - truth(x)).powi(2);
                variance += predictions
                    .iter()
                    .map(|p| (p[i] - mean).powi(2))
                    .sum::<f64>()
                    / f64::from(sets);
            }
            let n = test_x.len() as f64;
            (degree as f64, bias2 / n, variance / n)
        })
        .collect()
}

pub fn bias_variance() -> Figure {
    let noise2 = 0.3f64 * 0.3;
    let max_degree = 13;
    let measured = bias_variance_by_degree(max_degree);
    let total: Vec<(f64, f64)> = measured
        .iter()
        .map(|&(d, b, v)| (d, b + v + noise2))
        .collect();
    let best = total
        .iter()
        .copied()
        .fold((0.0, f64::MAX), |a, b| if b.1 < a.1 { b } else { a });
    let mut svg = Svg::new("bias-variance", 460.0);
    svg.text(
        WIDTH / 2.0,
        36.0,
        "Bias² + variance + noise",
        Font::new(TITLE).bold().middle(),
    );
    let plot = Plot {
        left: 70.0,
        top: 84.0,
        width: 440.0,
        height: 250.0,
        x: Axis::linear(0.0, max_degree as f64),
        y: Axis::linear(0.0, 0.6),
    };
    let ticks: Vec<(f64, String)> = (0..=max_degree)
        .step_by(2)
        .map(|d| (d as f64, d.to_string()))
        .collect();
    let ticks: Vec<(f64, &str)> = ticks.iter().map(|(v, s)| (*v, s.as_str())).collect();
    plot.axes(
        &mut svg,
        &ticks,
        &[(0.0, "0"), (0.2, "0.2"), (0.4, "0.4"), (0.6, "0.6")],
    );
    plot.y_title(&mut svg, "expected test error");
    plot.x_title(&mut svg, "complexity (polynomial degree)");
    let bias: Vec<(f64, f64)> = measured.iter().map(|&(d, b, _)| (d, b)).collect();
    let var: Vec<(f64, f64)> = measured.iter().map(|&(d, _, v)| (d, v)).collect();
    plot.series(
        &mut svg,
        &[(0.0, noise2), (max_degree as f64, noise2)],
        MUTED,
        true,
    );
    plot.series(&mut svg, &bias, BLUE, false);
    plot.series(&mut svg, &var, ORANGE, false);
    plot.series(&mut svg, &total, INK, false);
    let (bx, by) = plot.point(best.0, best.1);
    svg.dashed(bx, by, bx, plot.bottom(), INK, 2.0);
    svg.circle(bx, by, 6.0, INK, PANEL);
    svg.text(bx, by - 14.0, "best", Font::new(LABEL).bold().middle());
    // Legend in the empty upper middle of the plot.
    let (lx, ly) = plot.point(3.2, 0.56);
    for (i, (label, color, dash)) in [
        ("total error", INK, false),
        ("bias²", BLUE, false),
        ("variance", ORANGE, false),
        ("noise σ²", MUTED, true),
    ]
    .into_iter()
    .enumerate()
    {
        let y = ly + 26.0 * i as f64;
        svg.polyline(&[(lx, y - 6.0), (lx + 30.0, y - 6.0)], color, 3.5, dash);
        svg.text(lx + 40.0, y, label, Font::new(SMALL));
    }
    svg.text(
        plot.left + 8.0,
        plot.bottom() + 80.0,
        "← underfitting",
        Font::new(LABEL).fill(BLUE),
    );
    svg.text(
        plot.right() - 8.0,
        plot.bottom() + 80.0,
        "overfitting →",
        Font::new(LABEL).fill(ORANGE).end(),
    );
    Figure {
        file: "bias-variance.svg",
        svg: svg.finish("Bias² falls and variance rises with complexity; total error is U-shaped"),
    }
}

// ---------------------------------------------------------------------------
// ROC vs PR on 0.1% positives.

pub struct Curves {
    pub roc: Vec<(f64, f64)>,
    pub pr: Vec<(f64, f64)>,
    pub roc_auc: f64,
    pub pr_auc: f64,
}

/// ROC and PR curves of a score whose negatives are N(0, 1) and positives
/// N(mean, spread), at positive rate `rate`, from strict to lenient thresholds.
fn binormal_curves(mean: f64, spread: f64, rate: f64) -> Curves {
    let mut roc = vec![(0.0, 0.0)];
    let mut pr = Vec::new();
    let (mut roc_auc, mut pr_auc) = (0.0, 0.0);
    let (mut last_fpr, mut last_tpr) = (0.0, 0.0);
    let steps = 24_000;
    for i in 0..=steps {
        let t = 14.0 - 22.0 * f64::from(i) / f64::from(steps);
        let tpr = normal_tail((t - mean) / spread);
        let fpr = normal_tail(t);
        let precision = rate * tpr / (rate * tpr + (1.0 - rate) * fpr);
        roc_auc += (fpr - last_fpr) * (tpr + last_tpr) / 2.0;
        pr_auc += (tpr - last_tpr) * precision;
        roc.push((fpr, tpr));
        if tpr > 1e-4 {
            pr.push((tpr, precision));
        }
        last_fpr = fpr;
        last_tpr = tpr;
    }
    Curves {
        roc,
        pr,
        roc_auc,
        pr_auc,
    }
}

/// The score model the answer describes: ROC-AUC 0.95 at 0.1% fraud, yet
/// PR-AUC about 0.05. ROC-AUC of a binormal score is Φ(mean/√(1+spread²)),
/// so the mean is set for 0.95 and the spread is found by bisection.
fn fraud_curves(rate: f64) -> Curves {
    let z95 = 1.644_853_6;
    let mean_for = |spread: f64| z95 * (1.0 + spread * spread).sqrt();
    let (mut lo, mut hi) = (0.2, 1.5);
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if binormal_curves(mean_for(mid), mid, rate).pr_auc < 0.05 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let spread = (lo + hi) / 2.0;
    binormal_curves(mean_for(spread), spread, rate)
}

pub fn pr_vs_roc() -> Figure {
    let rate = 0.001;
    let curves = fraud_curves(rate);
    let mut svg = Svg::new("pr-vs-roc", 430.0);
    svg.text(
        WIDTH / 2.0,
        36.0,
        "One fraud model, 0.1% positives",
        Font::new(TITLE).bold().middle(),
    );
    let size = 190.0;
    let roc = Plot {
        left: 58.0,
        top: 130.0,
        width: size,
        height: size,
        x: Axis::linear(0.0, 1.0),
        y: Axis::linear(0.0, 1.0),
    };
    let pr = Plot {
        left: 58.0 + size + 80.0,
        ..roc
    };
    let ticks = [(0.0, "0"), (0.5, "0.5"), (1.0, "1")];
    for (plot, title, x_title, y_title) in [
        (&roc, "ROC", "false positive rate", "recall (TPR)"),
        (&pr, "Precision–recall", "recall", "precision"),
    ] {
        plot.axes(&mut svg, &ticks, &ticks);
        svg.text(
            plot.left + size / 2.0,
            78.0,
            title,
            Font::new(LABEL).bold().middle(),
        );
        svg.text(
            plot.left + size / 2.0,
            plot.bottom() + 48.0,
            x_title,
            Font::new(SMALL).middle(),
        );
        plot.y_title(&mut svg, y_title);
    }
    // Random-guessing baselines.
    roc.series(&mut svg, &[(0.0, 0.0), (1.0, 1.0)], MUTED, true);
    pr.series(&mut svg, &[(0.0, rate), (1.0, rate)], MUTED, true);
    roc.series(&mut svg, &curves.roc, BLUE, false);
    pr.series(&mut svg, &curves.pr, ORANGE, false);
    svg.text(
        roc.left + size / 2.0,
        roc.bottom() + 78.0,
        &format!("ROC-AUC {:.2}", curves.roc_auc),
        Font::new(LABEL).bold().fill(BLUE).middle(),
    );
    svg.text(
        pr.left + size / 2.0,
        pr.bottom() + 78.0,
        &format!("PR-AUC {:.2}", curves.pr_auc),
        Font::new(LABEL).bold().fill(ORANGE).middle(),
    );
    Figure {
        file: "pr-vs-roc.svg",
        svg: svg.finish("The same fraud model: ROC-AUC 0.95 looks strong, PR-AUC 0.05 shows it is nearly useless"),
    }
}

// ---------------------------------------------------------------------------
// k-means: Lloyd's algorithm run from a random start.

/// One step of k-means as drawn: centroids, each point's cluster, inertia.
struct KMeansStep {
    centroids: Vec<(f64, f64)>,
    assignment: Vec<usize>,
    inertia: f64,
}

fn nearest(p: (f64, f64), centroids: &[(f64, f64)]) -> (usize, f64) {
    centroids
        .iter()
        .enumerate()
        .map(|(i, c)| (i, (p.0 - c.0).powi(2) + (p.1 - c.1).powi(2)))
        .fold((0, f64::MAX), |a, b| if b.1 < a.1 { b } else { a })
}

/// Assign every point to its nearest centroid.
fn assign(points: &[(f64, f64)], centroids: Vec<(f64, f64)>) -> KMeansStep {
    let mut inertia = 0.0;
    let assignment = points
        .iter()
        .map(|&p| {
            let (i, d2) = nearest(p, &centroids);
            inertia += d2;
            i
        })
        .collect();
    KMeansStep {
        centroids,
        assignment,
        inertia,
    }
}

/// Three blobs of points, and Lloyd's iterations from random centroids until
/// no point changes cluster.
fn k_means_run() -> (Vec<(f64, f64)>, Vec<KMeansStep>) {
    let mut rng = Rng::new(4);
    let blobs = [(2.5, 7.0), (7.5, 7.5), (5.0, 2.5)];
    let mut points = Vec::new();
    for &(cx, cy) in &blobs {
        for _ in 0..20 {
            points.push((cx + 0.9 * rng.normal(), cy + 0.9 * rng.normal()));
        }
    }
    let start: Vec<(f64, f64)> = (0..3)
        .map(|_| (rng.range(1.0, 9.0), rng.range(1.0, 9.0)))
        .collect();
    let mut steps = vec![assign(&points, start)];
    loop {
        let last = steps.last().expect("a step");
        let centroids: Vec<(f64, f64)> = (0..3)
            .map(|k| {
                let members: Vec<&(f64, f64)> = points
                    .iter()
                    .zip(&last.assignment)
                    .filter(|(_, a)| **a == k)
                    .map(|(p, _)| p)
                    .collect();
                if members.is_empty() {
                    last.centroids[k]
                } else {
                    let n = members.len() as f64;
                    (
                        members.iter().map(|p| p.0).sum::<f64>() / n,
                        members.iter().map(|p| p.1).sum::<f64>() / n,
                    )
                }
            })
            .collect();
        let next = assign(&points, centroids);
        let done = next.assignment == last.assignment;
        steps.push(next);
        if done || steps.len() > 20 {
            break;
        }
    }
    (points, steps)
}

/// A data point in its cluster's colour and shape (circle, square, triangle),
/// so the clusters stay apart without colour too.
fn cluster_marker(svg: &mut Svg, x: f64, y: f64, cluster: usize) {
    let colors = [BLUE, ORANGE, GREEN];
    let color = colors[cluster % 3];
    match cluster % 3 {
        0 => svg.circle(x, y, 4.5, color, PANEL),
        1 => svg.rect(x - 4.0, y - 4.0, 8.0, 8.0, 0.0, color, "none"),
        _ => svg.polygon(
            &[(x, y - 5.5), (x + 5.0, y + 3.5), (x - 5.0, y + 3.5)],
            color,
            "none",
        ),
    }
}

pub fn k_means() -> Figure {
    let (points, steps) = k_means_run();
    let last = steps.len() - 1;
    assert!(
        last >= 3,
        "k-means converged too fast to show: {last} iterations"
    );
    let shown = [
        (0, "start: random".to_string()),
        (1, "iteration 1".to_string()),
        (2, "iteration 2".to_string()),
        (last, format!("iteration {last}: done")),
    ];
    let mut svg = Svg::new("k-means", 590.0);
    svg.text(
        WIDTH / 2.0,
        36.0,
        "k-means, k = 3",
        Font::new(TITLE).bold().middle(),
    );
    let size = 200.0;
    for (n, (step_index, label)) in shown.iter().enumerate() {
        let (col, row) = ((n % 2) as f64, (n / 2) as f64);
        let plot = Plot {
            left: 40.0 + col * 260.0,
            top: 104.0 + row * 250.0,
            width: size,
            height: size,
            x: Axis::linear(0.0, 10.0),
            y: Axis::linear(0.0, 10.0),
        };
        let step = &steps[*step_index];
        svg.text(
            plot.left + size / 2.0,
            plot.top - 30.0,
            label,
            Font::new(LABEL).bold().middle(),
        );
        svg.text(
            plot.left + size / 2.0,
            plot.top - 8.0,
            &format!("inertia {:.0}", step.inertia),
            Font::new(SMALL).fill(MUTED).middle(),
        );
        svg.rect(plot.left, plot.top, size, size, 6.0, PANEL, GRID);
        for (p, &cluster) in points.iter().zip(&step.assignment) {
            let (x, y) = plot.point(p.0.clamp(0.2, 9.8), p.1.clamp(0.2, 9.8));
            cluster_marker(&mut svg, x, y, cluster);
        }
        // Each centroid's path so far, then the centroid as a ringed cross.
        for k in 0..3 {
            let trail: Vec<(f64, f64)> = steps[..=*step_index]
                .iter()
                .map(|s| plot.point(s.centroids[k].0, s.centroids[k].1))
                .collect();
            if trail.len() > 1 {
                svg.polyline(&trail, INK, 2.0, true);
                // Where the centroid started.
                svg.circle(trail[0].0, trail[0].1, 4.0, PANEL, INK);
            }
            let (cx, cy) = *trail.last().expect("a centroid");
            svg.circle(cx, cy, 9.0, PANEL, INK);
            svg.line(cx - 5.5, cy - 5.5, cx + 5.5, cy + 5.5, INK, 3.0);
            svg.line(cx - 5.5, cy + 5.5, cx + 5.5, cy - 5.5, INK, 3.0);
        }
    }
    Figure {
        file: "k-means.svg",
        svg: svg.finish("k-means with k = 3 from random centroids: points join their nearest centroid, centroids move to their points' mean, until nothing changes"),
    }
}
