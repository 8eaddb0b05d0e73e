//! The list of the bank's generated figures: each one's file name in
//! `content/media/` and the function that draws it.

use crate::{charts, diagrams};

/// One figure: its file name in `content/media/` and its SVG text.
pub struct Figure {
    pub file: &'static str,
    pub svg: String,
}

/// Every generated figure, in a fixed order.
pub fn all() -> Vec<Figure> {
    vec![
        charts::loss_curves(),
        charts::bias_variance(),
        charts::pr_vs_roc(),
        charts::k_means(),
        diagrams::confusion_matrix(),
        diagrams::decision_tree(),
        diagrams::transformer_block(),
        diagrams::rag_pipeline(),
        diagrams::two_stage_retrieval(),
        diagrams::champion_challenger(),
    ]
}
