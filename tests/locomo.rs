//! LoCoMo retrieval regression: the dev half is evaluated in-process, fused and lexical-only,
//! and each overall recall must stay above a floor a few points under the measured value
//! (README, "Retrieval quality"). The evaluation logic is `examples/locomo_eval.rs` itself.
//!
//! LoCoMo is CC BY-NC 4.0 and lives outside the repository: without
//! `../shared/data/locomo/locomo_dev.json` (or `$MEMCORE_LOCOMO` pointing at a LoCoMo-format
//! file) the test prints why and passes.

#[path = "../examples/locomo_eval.rs"]
#[allow(dead_code)]
mod locomo_eval;

use locomo_eval::{Options, evaluate_modes, load};
use memcore::SearchMode;
use std::path::PathBuf;

/// Measured on the dev half (README): fused R@10 77.5 / R@5 68.4, lexical 76.4 / 67.3.
/// Floors sit three points under.
const FLOORS: [(SearchMode, f64, f64); 2] = [
    (SearchMode::Fused, 73.5, 64.5),
    (SearchMode::Lexical, 73.0, 64.0),
];

fn data_path() -> PathBuf {
    std::env::var_os("MEMCORE_LOCOMO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/locomo/locomo_dev.json")
        })
}

#[test]
fn locomo_dev_recall_stays_above_its_floors() {
    let path = data_path();
    if !path.is_file() {
        println!(
            "skipped: no LoCoMo data at {} (set MEMCORE_LOCOMO to a LoCoMo-format file)",
            path.display()
        );
        return;
    }
    let conversations = load(&path).expect("load LoCoMo");
    let options = Options {
        data: path.clone(),
        ..Options::default()
    };
    let modes: Vec<SearchMode> = FLOORS.iter().map(|(m, _, _)| *m).collect();
    let reports = evaluate_modes(&conversations, &options, &modes).expect("evaluate");
    for ((mode, floor10, floor5), report) in FLOORS.iter().zip(&reports) {
        let overall = report.overall();
        let (r10, r5) = (overall.recall_at(10), overall.recall_at(5));
        println!(
            "{:?}: {} questions, R@5 {r5:.1} (floor {floor5}), R@10 {r10:.1} (floor {floor10})",
            mode, overall.questions
        );
        assert!(overall.questions >= 900, "{} questions", overall.questions);
        assert!(
            r10 >= *floor10,
            "{mode:?} R@10 {r10:.1} fell under {floor10}"
        );
        assert!(r5 >= *floor5, "{mode:?} R@5 {r5:.1} fell under {floor5}");
    }
}
