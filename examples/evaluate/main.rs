//! The seeded evaluation of benchgate's statistics: prints detection tables for the synthetic
//! noise corpus, in history mode beside the rules users compare it with, in A/B mode, and for a
//! 500-benchmark suite. `cargo run --release --example evaluate [-- --trials N]`

// Shared with tests/evaluation.rs, which uses parts this program does not.
#[allow(dead_code)]
mod corpus;

use corpus::{CLASSES, DELTAS, RULES, ab_cell, ab_sequential_cell, history_cell, suite};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let trials: usize = args
        .iter()
        .position(|a| a == "--trials")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    // `--only history|ab|sequential|suite` prints one section.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let want = |section: &str| only.as_deref().is_none_or(|o| o == section);
    let seed = 20261204;
    println!("# benchgate evaluation (seed {seed}, {trials} trials per cell)\n");
    for n_hist in [20, 6].into_iter().filter(|_| want("history")) {
        println!(
            "## History mode, {n_hist} runs of history: rate flagged (warning-or-worse / critical)\n"
        );
        let mut header = String::from("| rule | class |");
        for d in DELTAS {
            header.push_str(&format!(" +{:.0}% |", d * 100.0));
        }
        println!("{header}");
        println!("|---|---|{}", "---|".repeat(DELTAS.len()));
        let mut lines = vec![String::new(); RULES.len() * CLASSES.len()];
        for (ci, class) in CLASSES.iter().enumerate() {
            for (di, delta) in DELTAS.iter().enumerate() {
                let cell = history_cell(
                    *class,
                    *delta,
                    n_hist,
                    trials,
                    seed + (ci * 10 + di) as u64 + n_hist as u64 * 1000,
                );
                for (ri, (rule, rates)) in cell.iter().enumerate() {
                    let line = &mut lines[ri * CLASSES.len() + ci];
                    if line.is_empty() {
                        line.push_str(&format!("| {} | {} |", rule.name(), class.name));
                    }
                    line.push_str(&format!(
                        " {:.1}% / {:.1}% |",
                        rates.warn * 100.0,
                        rates.critical * 100.0
                    ));
                }
            }
        }
        for l in lines {
            println!("{l}");
        }
        println!();
    }
    let mut header = String::from("| class |");
    for d in DELTAS {
        header.push_str(&format!(" +{:.0}% |", d * 100.0));
    }
    if want("ab") {
        println!(
            "## A/B mode, 20 samples a run, fixed 5 and 10 rounds: rate flagged (warning-or-worse / critical)\n"
        );
        println!("{header}");
        println!("|---|{}", "---|".repeat(DELTAS.len()));
        for rounds in [5usize, 10] {
            for (ci, class) in CLASSES.iter().enumerate() {
                let mut line = format!("| {} ({rounds} rounds) |", class.name);
                for (di, delta) in DELTAS.iter().enumerate() {
                    let cell_seed = seed + 500 + (ci * 10 + di) as u64 + rounds as u64 * 100;
                    let r = ab_cell(*class, *delta, rounds, trials, cell_seed);
                    line.push_str(&format!(
                        " {:.1}% / {:.1}% |",
                        r.warn * 100.0,
                        r.critical * 100.0
                    ));
                }
                println!("{line}");
            }
        }
    }
    if want("sequential") {
        println!(
            "\n## Sequential A/B mode (the default of `benchgate ab`): 5 rounds, then 5 more while a metric is undecided, up to 20: rate flagged (warning-or-worse / critical), mean rounds\n"
        );
        println!("{header} mean rounds |");
        println!("|---|{}---|", "---|".repeat(DELTAS.len()));
        for (ci, class) in CLASSES.iter().enumerate() {
            let mut line = format!("| {} |", class.name);
            let mut used = Vec::new();
            for (di, delta) in DELTAS.iter().enumerate() {
                let cell_seed = seed + 700 + (ci * 10 + di) as u64;
                let (r, rounds) = ab_sequential_cell(*class, *delta, (5, 5, 20), trials, cell_seed);
                used.push(format!("{rounds:.1}"));
                line.push_str(&format!(
                    " {:.1}% / {:.1}% |",
                    r.warn * 100.0,
                    r.critical * 100.0
                ));
            }
            line.push_str(&format!(" {} |", used.join(" / ")));
            println!("{line}");
        }
    }
    if !want("suite") {
        return;
    }
    println!("\n## Suite: 500 benchmarks on one machine, 400 unchanged and 400 changed PRs\n");
    println!(
        "| class | unchanged PRs failed | … after confirmation | changed PRs failed | … after confirmation | 5% found | 10% found | 20% found | environment shift reported |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (ci, class) in CLASSES.iter().enumerate() {
        let s = suite(*class, 500, 400, 400, seed + 900 + ci as u64);
        println!(
            "| {} | {:.1}% | {:.1}% | {:.1}% | {:.1}% | {:.1}% | {:.1}% | {:.1}% | {:.1}% |",
            class.name,
            s.false_fail * 100.0,
            s.false_fail_confirmed * 100.0,
            s.changed_fail * 100.0,
            s.changed_fail_confirmed * 100.0,
            s.detected[0].1 * 100.0,
            s.detected[1].1 * 100.0,
            s.detected[2].1 * 100.0,
            s.shift_reported * 100.0
        );
    }
}
