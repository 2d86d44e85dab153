//! The command line: parses arguments into a validated plan, does all file, environment and
//! process I/O, and maps outcomes to exit codes. Nothing below this layer touches the disk
//! except the baseline store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::baseline::store::{FileStore, Store, write_atomic};
use crate::baseline::{Baseline, Window};
use crate::compare::{self, HistoryMethod, Verdict};
use crate::config::Config;
use crate::ingest::{self, Format, Input};
use crate::model::{Run, RunMeta, SourceInfo, Testbed};
use crate::report::{self, BaselineInfo, Templates};

mod action;

/// Exit code: no critical regression.
pub const EXIT_OK: u8 = 0;
/// Exit code: a regression at the `--fail-on` level.
pub const EXIT_REGRESSION: u8 = 1;
/// Exit code: bad usage, configuration or input.
pub const EXIT_ERROR: u8 = 2;

/// Files larger than this are refused rather than read into memory.
const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;
/// A criterion tree with more files than this is refused.
const MAX_TREE_FILES: usize = 200_000;

#[derive(Debug, Parser)]
#[command(
    name = "benchgate",
    version,
    about = "A performance-regression gate for CI: compares benchmark results with the main branch's baseline history.",
    after_help = "Exit codes: 0 no critical regression, 1 regression at the --fail-on level, 2 bad usage, configuration or input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compare results with the baseline, write reports and exit with the verdict.
    Compare(CompareArgs),
    /// Create or extend the baseline history (run on the main branch).
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Read results and write them as one normalized run (benchgate.run.v1 JSON).
    Ingest(IngestArgs),
    /// Merge the runs of sharded jobs into one; two shards with the same metric are an error.
    Merge(IngestArgs),
    /// Measure two revisions alternately in this job and compare them: the strict mode for
    /// noisy runners, with no stored baseline.
    Ab(AbArgs),
    /// Run inside GitHub Actions: the pull-request check, the baseline refresh on main, and the
    /// fork-safe comment from a `workflow_run` job.
    #[command(subcommand)]
    Action(action::ActionCommand),
    /// Validate a deployment from Prometheus: the current window against the baseline period
    /// before it, the configuration's `[prometheus]` queries; exit 1 on a critical regression.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// Configuration with a `[prometheus]` section [default: ./benchgate.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// End of the current window, RFC 3339 [default: now].
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Start the current window at this time (e.g. the deploy), RFC 3339, instead of the
    /// configured `window` before its end.
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Wait this long before the first check (e.g. `5m` after a deploy).
    #[arg(long, value_name = "DURATION")]
    warmup: Option<String>,
    /// Check again at this interval (with `--for`), stopping at the first critical.
    #[arg(long, value_name = "DURATION", requires = "for_")]
    every: Option<String>,
    /// How long to keep checking (with `--every`).
    #[arg(long = "for", value_name = "DURATION", requires = "every")]
    for_: Option<String>,
    /// Shell command to run once on the first critical verdict (e.g. a rollback).
    #[arg(long, value_name = "COMMAND")]
    on_critical: Option<String>,
    /// Post a Slack-compatible JSON summary of each check to this URL.
    #[arg(long, value_name = "URL")]
    notify_webhook: Option<String>,
    #[command(flatten)]
    out: Outputs,
}

#[derive(Debug, Args)]
struct AbArgs {
    /// The base revision (anything `git rev-parse` accepts).
    #[arg(long, value_name = "REV")]
    base: String,
    /// The head revision.
    #[arg(long, value_name = "REV")]
    head: String,
    /// Rounds of base-then-head measurements before the first look; also the size of each
    /// further batch.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(2..=100))]
    rounds: u16,
    /// Measure further batches of rounds, up to this many in all, while a metric's verdict could
    /// still go either way (sequential A/B); equal to --rounds for a fixed number.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(2..=200))]
    max_rounds: u16,
    /// What the command writes, relative to the checkout (e.g. `target/criterion`).
    #[arg(long, value_name = "PATH")]
    results: String,
    /// Threshold policy [default: ./benchgate.toml when it exists, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    out: Outputs,
    /// Read results in this format instead of detecting it.
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(Format::names()))]
    format: Option<String>,
    /// Which criterion result set to read.
    #[arg(long, value_name = "NAME", default_value = "new")]
    criterion_baseline: String,
    /// The bench command, run in each checkout: `-- cargo bench --bench main`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum BaselineCommand {
    /// Start a new history from these results (refuses to replace an existing one without --force).
    Create(BaselineArgs),
    /// Append these results to the history, creating the file when it does not exist.
    Update(BaselineArgs),
}

#[derive(Debug, Clone, Args)]
struct InputArgs {
    /// Result files or directories; `NAME=PATH` puts an input's metrics in suite NAME.
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<String>,
    /// Suite name for inputs given without `NAME=` (keeps two load tests' metrics apart).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Read inputs in this format instead of detecting it.
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(Format::names()))]
    format: Option<String>,
    /// Which criterion result set to read: `new` (the latest run) or a saved baseline's name.
    #[arg(long, value_name = "NAME", default_value = "new")]
    criterion_baseline: String,
}

#[derive(Debug, Clone, Args)]
struct MetaArgs {
    /// Commit of these results [default: $GITHUB_SHA, else `git rev-parse HEAD`].
    #[arg(long, value_name = "SHA")]
    commit: Option<String>,
    /// Branch of these results [default: $GITHUB_HEAD_REF or $GITHUB_REF_NAME, else git's].
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,
    /// When the results were measured, RFC 3339 [default: now].
    #[arg(long, value_name = "TIME")]
    timestamp: Option<String>,
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// The baseline history file (a missing file means no history yet).
    #[arg(long, value_name = "FILE")]
    baseline: PathBuf,
    /// Threshold policy [default: ./benchgate.toml when it exists, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    out: Outputs,
    /// A directory with `report.md.hbs` and/or `comment.md.hbs` replacing the built-in templates.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// A link to the full report, shown in the comment.
    #[arg(long, value_name = "URL")]
    report_link: Option<String>,
    /// Re-measure critical benchmarks with this shell command before failing, and keep only the
    /// regressions that reproduce. It must rewrite the same INPUTs; `$BENCHGATE_FILTER` holds a
    /// regex of the flagged benchmark names (e.g. `cargo bench -- "$BENCHGATE_FILTER"`).
    #[arg(long, value_name = "COMMAND")]
    confirm: Option<String>,
    #[command(flatten)]
    meta: MetaArgs,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Critical,
    Warning,
    Never,
}

#[derive(Debug, Args)]
struct BaselineArgs {
    /// The baseline history file.
    #[arg(long, value_name = "FILE")]
    baseline: PathBuf,
    /// Policy whose [history] window bounds the file [default: ./benchgate.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// With `create`: replace an existing history. With `update`: when the history cannot be
    /// read, keep it as `FILE.corrupt-SECONDS` and start a new one.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    meta: MetaArgs,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Debug, Args)]
struct IngestArgs {
    /// Where to write the run (`-` for standard output).
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    meta: MetaArgs,
    #[command(flatten)]
    input: InputArgs,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("benchgate: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Compare(args) => compare_cmd(args),
        Command::Baseline(BaselineCommand::Create(args)) => baseline_cmd(args, true),
        Command::Baseline(BaselineCommand::Update(args)) => baseline_cmd(args, false),
        Command::Ingest(args) | Command::Merge(args) => ingest_cmd(args),
        Command::Ab(args) => ab_cmd(args),
        Command::Verify(args) => verify_cmd(args),
        Command::Action(command) => action::run(command),
    }
}

fn compare_cmd(args: CompareArgs) -> Result<u8> {
    // Everything is read and validated before anything is written.
    let config = load_config(args.config.as_deref())?;
    let templates = match &args.templates {
        Some(dir) => read_template_dir(dir)?,
        None => Templates::builtin(),
    };
    let store = FileStore::new(&args.baseline);
    // The history is read (and named by its digest) while the inputs are.
    let history = {
        let store = store.clone();
        std::thread::spawn(move || -> crate::Result<_> {
            let baseline = store.load()?;
            let info = baseline
                .as_ref()
                .map(|b| BaselineInfo::of(store.describe(), b));
            Ok((baseline, info))
        })
    };
    let run = load_run(&args.input, &args.meta)?;
    let (baseline, info) = history
        .join()
        .map_err(|_| anyhow::anyhow!("reading the baseline failed"))??;
    let comparison = compare_confirmed(
        &run,
        baseline.as_ref(),
        &config,
        args.confirm.as_deref(),
        (&args.input, &args.meta),
    )?;
    publish(
        &comparison,
        &config,
        &run.meta,
        info,
        &templates,
        args.report_link.clone(),
        &args.out,
    )
}

/// Where the rendered reports go and which verdict fails.
#[derive(Debug, Args)]
struct Outputs {
    /// Write the full markdown report here.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Write the short pull-request comment here.
    #[arg(long, value_name = "FILE")]
    comment: Option<PathBuf>,
    /// Write the machine-readable report (benchgate.report.v1) here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the self-contained HTML report here.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the job summary (markdown) here.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Write every output into this directory: report.md, comment.md, summary.md, report.json,
    /// report.html.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Which verdict fails the check (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Critical)]
    fail_on: FailOn,
}

/// Renders every output, writes the requested files, prints the summary, and returns the exit
/// code of the verdict.
fn publish(
    comparison: &compare::Comparison,
    config: &Config,
    current: &RunMeta,
    baseline: Option<BaselineInfo>,
    templates: &Templates,
    report_link: Option<String>,
    out: &Outputs,
) -> Result<u8> {
    publish_rendered(
        comparison,
        config,
        current,
        baseline,
        templates,
        report_link,
        out,
    )
    .map(|(code, _)| code)
}

/// [`publish`], also handing back the rendered texts.
fn publish_rendered(
    comparison: &compare::Comparison,
    config: &Config,
    current: &RunMeta,
    baseline: Option<BaselineInfo>,
    templates: &Templates,
    report_link: Option<String>,
    out: &Outputs,
) -> Result<(u8, report::Rendered)> {
    let ctx = report::Context {
        comparison,
        config,
        current,
        baseline,
        generated_at: Utc::now(),
        tool_version: env!("CARGO_PKG_VERSION"),
        report_link,
    };
    let dir = out.out_dir.is_some();
    let want = report::Selection {
        report: dir || out.report.is_some(),
        comment: dir || out.comment.is_some(),
        summary: dir || out.summary.is_some(),
        html: dir || out.html.is_some(),
        json: dir || out.json.is_some(),
    };
    let rendered = report::render_selected(&ctx, templates, want)?;
    let in_dir = |file: &str| out.out_dir.as_ref().map(|d| d.join(file));
    let requested: Vec<(Option<PathBuf>, &str)> = vec![
        (out.report.clone(), rendered.report.as_str()),
        (out.comment.clone(), rendered.comment.as_str()),
        (out.json.clone(), rendered.json.as_str()),
        (out.html.clone(), rendered.html.as_str()),
        (out.summary.clone(), rendered.summary.as_str()),
        (in_dir("report.md"), rendered.report.as_str()),
        (in_dir("comment.md"), rendered.comment.as_str()),
        (in_dir("summary.md"), rendered.summary.as_str()),
        (in_dir("report.json"), rendered.json.as_str()),
        (in_dir("report.html"), rendered.html.as_str()),
    ];
    let paths: Vec<(PathBuf, &str)> = requested
        .into_iter()
        .filter_map(|(p, t)| p.map(|p| (p, t)))
        .collect();
    let outputs: Vec<(&Path, &str)> = paths.iter().map(|(p, t)| (p.as_path(), *t)).collect();
    write_all(&outputs)?;
    print!("{}", report::terminal(comparison));
    if !outputs.is_empty() {
        let names: Vec<String> = outputs
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        println!("wrote {}", names.join(", "));
    }
    Ok((exit_code(comparison.verdict, out.fail_on), rendered))
}

fn exit_code(verdict: Verdict, fail_on: FailOn) -> u8 {
    let fails = match fail_on {
        FailOn::Critical => verdict == Verdict::Critical,
        FailOn::Warning => verdict != Verdict::Pass,
        FailOn::Never => false,
    };
    if fails { EXIT_REGRESSION } else { EXIT_OK }
}

/// Compares `run` with `baseline` and, given a confirmation command, re-measures the critical
/// benchmarks before the verdict stands (`compare --confirm`, `action check --confirm`).
fn compare_confirmed(
    run: &Run,
    baseline: Option<&Baseline>,
    config: &Config,
    command: Option<&str>,
    inputs: (&InputArgs, &MetaArgs),
) -> Result<compare::Comparison> {
    let mut comparison = compare::compare(run, baseline, config, &HistoryMethod);
    if let Some(command) = command {
        confirm(command, &mut comparison, inputs, baseline, config)?;
    }
    Ok(comparison)
}

/// Runs the confirmation command for the critical benchmarks (and, in a large suite, reference
/// benchmarks for the re-measurement's own run-wide shift), up to twice, and keeps only the
/// regressions that reproduce (see `compare::confirm`). Benchmark names come from the code
/// under test, so they reach the command through an environment variable, never pasted into
/// the shell text.
fn confirm(
    command: &str,
    comparison: &mut compare::Comparison,
    (input, meta): (&InputArgs, &MetaArgs),
    baseline: Option<&Baseline>,
    config: &Config,
) -> Result<()> {
    let flagged = compare::confirm::critical_benchmarks(comparison);
    if flagged.is_empty() {
        return Ok(());
    }
    let references = compare::confirm::references(comparison, &flagged);
    let first: HashMap<String, Option<f64>> = comparison
        .rows
        .iter()
        .map(|r| (r.key.clone(), r.current))
        .collect();
    let mut reruns = Vec::new();
    let mut wanted = flagged;
    while !wanted.is_empty() && reruns.len() < compare::confirm::MAX_RERUNS {
        let mut measured: BTreeSet<String> = wanted.iter().cloned().collect();
        measured.extend(references.iter().cloned());
        let filter = format!(
            "^({})$",
            measured
                .iter()
                .map(|n| regex_syntax::escape(n))
                .collect::<Vec<_>>()
                .join("|")
        );
        eprintln!(
            "benchgate: re-measuring {} critical benchmark(s){} to confirm: {command}",
            wanted.len(),
            if references.is_empty() {
                String::new()
            } else {
                format!(" and {} reference benchmarks", references.len())
            }
        );
        let status = std::process::Command::new("sh")
            .args(["-c", command])
            .env("BENCHGATE_FILTER", &filter)
            .status()
            .with_context(|| format!("cannot run the confirmation command {command:?}"))?;
        if !status.success() {
            comparison.notes.push(format!(
                "The confirmation command failed ({status}); the critical rows it was to settle \
                 are not confirmed."
            ));
            if reruns.is_empty() {
                return Ok(());
            }
            break;
        }
        // Only what was measured again is judged again: the inputs still hold the first run's
        // values for the rest, and those must not set the re-measurement's run-wide shift. A
        // benchmark whose every value is unchanged to the last digit was not measured again
        // (a filter the bench tool did not match, a command that wrote elsewhere).
        let mut again = load_run(input, meta)?;
        again.metrics.retain(|m| measured.contains(&m.benchmark));
        let mut remeasured: BTreeSet<String> = BTreeSet::new();
        for m in &again.metrics {
            if first.get(&m.key()).copied().flatten() != Some(m.value) {
                remeasured.insert(m.benchmark.clone());
            }
        }
        again.metrics.retain(|m| remeasured.contains(&m.benchmark));
        reruns.push(compare::compare(&again, baseline, config, &HistoryMethod));
        wanted = compare::confirm::pending(comparison, &reruns);
    }
    compare::confirm::apply(comparison, &reruns);
    Ok(())
}

fn duration_arg(flag: &str, text: &str) -> Result<std::time::Duration> {
    ingest::prometheus::duration_seconds(text)
        .map(std::time::Duration::from_secs)
        .with_context(|| format!("{flag} {text:?} is not a duration like 30s, 5m, 1h or 7d"))
}

fn verify_cmd(args: VerifyArgs) -> Result<u8> {
    let config = load_config(args.config.as_deref())?;
    let Some(prom) = config.prometheus.clone() else {
        bail!(
            "{}: no [prometheus] section; add one with `url` and `[[prometheus.query]]` entries (see README, \"Production validation\")",
            config.source
        );
    };
    if prom.queries.is_empty() {
        bail!(
            "{}: [prometheus] has no `[[prometheus.query]]` entries",
            config.source
        );
    }
    let time = |flag: &str, t: &str| -> Result<DateTime<Utc>> {
        Ok(DateTime::parse_from_rfc3339(t.trim())
            .with_context(|| {
                format!("{flag} {t:?} is not an RFC 3339 time such as 2026-12-04T16:07:16Z")
            })?
            .with_timezone(&Utc))
    };
    let at = args.at.as_deref().map(|t| time("--at", t)).transpose()?;
    let since = args
        .since
        .as_deref()
        .map(|t| time("--since", t))
        .transpose()?;
    let mut prom = prom;
    let every = args
        .every
        .as_deref()
        .map(|e| duration_arg("--every", e))
        .transpose()?;
    let until = args
        .for_
        .as_deref()
        .map(|f| duration_arg("--for", f))
        .transpose()?
        .map(|f| std::time::Instant::now() + f);
    if let Some(w) = &args.warmup {
        let wait = duration_arg("--warmup", w)?;
        eprintln!("benchgate: warming up for {w}");
        std::thread::sleep(wait);
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut rolled_back = false;
    loop {
        let now = at.unwrap_or_else(Utc::now);
        if let Some(start) = since {
            let seconds = (now - start).num_seconds();
            if seconds < 60 {
                bail!(
                    "--since {start} leaves a window of {seconds} s before {now}; it needs at least a minute of data"
                );
            }
            prom.window = seconds as u64;
        }
        let (run, baseline) = prometheus_snapshot(&agent, &prom, now)?;
        let comparison = compare::compare(&run, Some(&baseline), &config, &HistoryMethod);
        let info = BaselineInfo::of(
            format!(
                "Prometheus {} ({} step(s) before the window)",
                prom.url,
                baseline.runs.len()
            ),
            &baseline,
        );
        let code = publish(
            &comparison,
            &config,
            &run.meta,
            Some(info),
            &Templates::builtin(),
            None,
            &args.out,
        )?;
        if let Some(url) = &args.notify_webhook {
            notify(&agent, url, &comparison, now);
        }
        let critical = comparison.verdict == Verdict::Critical;
        if critical
            && !rolled_back
            && let Some(command) = &args.on_critical
        {
            rolled_back = true;
            eprintln!("benchgate: critical regression: running {command:?}");
            match std::process::Command::new("sh")
                .args(["-c", command])
                .status()
            {
                Ok(status) => eprintln!("benchgate: {command:?} exited with {status}"),
                Err(e) => eprintln!("benchgate: cannot run {command:?}: {e}"),
            }
        }
        let more =
            !critical && every.is_some() && until.is_some_and(|u| std::time::Instant::now() < u);
        if !more {
            return Ok(code);
        }
        if let Some(e) = every {
            std::thread::sleep(e);
        }
    }
}

/// Reads every configured query: a range query over the baseline period (one value per step,
/// each over the step before it) and an instant query over the current window.
fn prometheus_snapshot(
    agent: &ureq::Agent,
    prom: &crate::config::PrometheusConfig,
    at: DateTime<Utc>,
) -> Result<(Run, Baseline)> {
    use crate::ingest::prometheus::{parse_instant, parse_range};
    let fetch = |path: &str, params: &[(&str, String)]| -> Result<Vec<u8>> {
        let url = format!("{}{path}", prom.url);
        let mut request = agent.get(&url);
        for (k, v) in params {
            request = request.query(k, v);
        }
        let mut response = request.call().with_context(|| {
            format!("cannot reach Prometheus at {}; check `url` in [prometheus] and that the server runs", prom.url)
        })?;
        let status = response.status();
        let body = response
            .body_mut()
            .read_to_vec()
            .with_context(|| format!("{url}: cannot read the answer"))?;
        if !(status.is_success() || status.as_u16() == 400 || status.as_u16() == 422) {
            bail!("{url}: Prometheus answered {status}");
        }
        Ok(body)
    };
    let window_start = at - chrono::Duration::seconds(prom.window as i64);
    let first = window_start - chrono::Duration::seconds(prom.baseline as i64)
        + chrono::Duration::seconds(prom.step as i64);
    let mut by_time: BTreeMap<i64, Vec<crate::model::Metric>> = BTreeMap::new();
    let mut current = Vec::new();
    for q in &prom.queries {
        let body = fetch(
            "/api/v1/query_range",
            &[
                ("query", q.promql(prom.step)),
                ("start", first.timestamp().to_string()),
                ("end", window_start.timestamp().to_string()),
                ("step", prom.step.to_string()),
            ],
        )?;
        for (t, v) in parse_range(q, &body)? {
            by_time.entry(t as i64).or_default().push(q.metric(v));
        }
        let body = fetch(
            "/api/v1/query",
            &[
                ("query", q.promql(prom.window)),
                ("time", at.timestamp().to_string()),
            ],
        )?;
        current.push(q.metric(parse_instant(q, &body)?));
    }
    let days = (prom.baseline / 86_400 + 2) as u32;
    let mut baseline = Baseline::new(Window {
        max_runs: by_time.len().max(1),
        max_age_days: days,
    });
    for (t, metrics) in by_time {
        let meta = RunMeta {
            timestamp: DateTime::from_timestamp(t, 0),
            branch: Some("production".into()),
            ..RunMeta::default()
        };
        baseline.append(meta, &metrics);
    }
    let meta = RunMeta {
        timestamp: Some(at),
        branch: Some("production".into()),
        sources: vec![SourceInfo {
            path: prom.url.clone(),
            format: "prometheus".into(),
        }],
        ..RunMeta::default()
    };
    Ok((Run::new(meta, current), baseline))
}

/// Posts a Slack-compatible summary; a failed post is reported and changes nothing.
fn notify(agent: &ureq::Agent, url: &str, c: &compare::Comparison, at: DateTime<Utc>) {
    let mut lines = vec![format!(
        "benchgate: {} at {}",
        c.verdict.as_str().to_uppercase(),
        at.format("%Y-%m-%d %H:%M UTC")
    )];
    for r in c
        .rows
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                compare::Status::Critical | compare::Status::Warning
            )
        })
        .take(10)
    {
        let change = r
            .assessment
            .as_ref()
            .map_or_else(String::new, |a| format!(" {:+.1}%", a.change * 100.0));
        lines.push(format!(
            "• {} {}{change}",
            r.status.as_str(),
            report::view::metric_name(r)
        ));
    }
    let body = serde_json::json!({ "text": lines.join("\n") }).to_string();
    match agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.as_str())
    {
        Ok(r) if r.status().is_success() => {}
        Ok(r) => eprintln!("benchgate: the webhook answered {}", r.status()),
        Err(e) => eprintln!("benchgate: cannot post to the webhook: {e}"),
    }
}

/// Git worktrees of the two revisions, removed however the command ends.
struct Worktrees {
    repo: PathBuf,
    paths: Vec<PathBuf>,
    dir: tempfile::TempDir,
}

impl Drop for Worktrees {
    fn drop(&mut self) {
        for p in &self.paths {
            let _ = std::process::Command::new("git")
                .arg("-C")
                .arg(&self.repo)
                .args(["worktree", "remove", "--force"])
                .arg(p)
                .output();
        }
        let _ = std::process::Command::new("git")
            .arg("-C")
            .arg(&self.repo)
            .args(["worktree", "prune"])
            .output();
    }
}

fn git_in(repo: &Path, args: &[&str]) -> Result<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .context("cannot run git; `benchgate ab` needs git on the PATH")?;
    if !out.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn ab_cmd(args: AbArgs) -> Result<u8> {
    let config = load_config(args.config.as_deref())?;
    let repo = PathBuf::from(
        git_in(Path::new("."), &["rev-parse", "--show-toplevel"])
            .context("`benchgate ab` runs inside a git checkout")?,
    );
    let resolve = |rev: &str| {
        git_in(&repo, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
            .with_context(|| format!("{rev:?} is not a commit in {}; fetch it first (e.g. `fetch-depth: 0` in actions/checkout)", repo.display()))
    };
    let (base_sha, head_sha) = (resolve(&args.base)?, resolve(&args.head)?);
    let dir =
        tempfile::tempdir().context("cannot create a temporary directory for the checkouts")?;
    let mut trees = Worktrees {
        repo: repo.clone(),
        paths: Vec::new(),
        dir,
    };
    for (name, sha) in [("base", &base_sha), ("head", &head_sha)] {
        let path = trees.dir.path().join(name);
        git_in(
            &repo,
            &[
                "worktree",
                "add",
                "--detach",
                &path.display().to_string(),
                sha,
            ],
        )?;
        trees.paths.push(path);
    }
    let options = ingest::Options {
        criterion_baseline: args.criterion_baseline.clone(),
        format: args.format.as_deref().and_then(Format::parse),
    };
    let (mut base_runs, mut head_runs) = (Vec::new(), Vec::new());
    let max_rounds = args.max_rounds.max(args.rounds);
    let mut planned = args.rounds;
    let mut extended: Vec<String> = Vec::new();
    let mut round = 0u16;
    while round < planned {
        round += 1;
        for (side, path, sha, runs) in [
            ("base", &trees.paths[0], &base_sha, &mut base_runs),
            ("head", &trees.paths[1], &head_sha, &mut head_runs),
        ] {
            eprintln!(
                "benchgate: round {round}/{planned}: {side} ({})",
                &sha[..sha.len().min(12)]
            );
            let status = std::process::Command::new(&args.command[0])
                .args(&args.command[1..])
                .current_dir(path)
                .status()
                .with_context(|| format!("cannot run {:?}", args.command[0]))?;
            if !status.success() {
                bail!(
                    "the bench command failed in the {side} checkout in round {round} ({status})"
                );
            }
            let (_, _, parsed) = read_any(&path.join(&args.results), &options)?;
            let meta = RunMeta {
                commit: Some(sha.clone()),
                ..RunMeta::default()
            };
            runs.push(Run::new(meta, parsed.metrics));
        }
        if round == planned && planned < max_rounds {
            let open = compare::ab::undecided_metrics(&base_runs, &head_runs, &config);
            if !open.is_empty() {
                let more = args.rounds.min(max_rounds - planned);
                eprintln!(
                    "benchgate: after {round} rounds {} metric(s) could still go either way (e.g. {}); measuring {more} more",
                    open.len(),
                    open[0]
                );
                extended.push(format!("{} after round {round}", open.len()));
                planned += more;
            }
        }
    }
    let mut comparison = compare::ab::compare_rounds(&base_runs, &head_runs, &config);
    if !extended.is_empty() {
        comparison.notes.push(format!(
            "Sequential A/B: {} rounds were measured instead of {} because some verdicts could still go either way ({} metric(s) undecided); at most {max_rounds} rounds.",
            round,
            args.rounds,
            extended.join(", ")
        ));
    }
    let mut meta = run_meta(&MetaArgs {
        commit: Some(head_sha.clone()),
        branch: None,
        timestamp: None,
    })?;
    meta.sources.push(SourceInfo {
        path: args.results.clone(),
        format: "same-job A/B rounds".into(),
    });
    let info = BaselineInfo {
        source: format!(
            "base revision {} measured in this job",
            &base_sha[..base_sha.len().min(12)]
        ),
        id: base_sha[..base_sha.len().min(12)].to_string(),
        runs: base_runs.len(),
        oldest: None,
        newest: None,
        newest_commit: Some(base_sha.clone()),
        max_runs: base_runs.len(),
        max_age_days: 0,
    };
    drop(trees);
    publish(
        &comparison,
        &config,
        &meta,
        Some(info),
        &Templates::builtin(),
        None,
        &args.out,
    )
}

fn baseline_cmd(args: BaselineArgs, create: bool) -> Result<u8> {
    let config = load_config(args.config.as_deref())?;
    let run = load_run(&args.input, &args.meta)?;
    let store = FileStore::new(&args.baseline);
    // Held until the new history is in place: concurrent updates queue instead of racing.
    let _lock = store.lock()?;
    let existing = if create && !args.force {
        if args.baseline.exists() {
            bail!(
                "{}: a baseline already exists; use `benchgate baseline update` to add to it, or `--force` to replace it",
                args.baseline.display()
            );
        }
        None
    } else if create {
        None
    } else {
        match store.load() {
            Ok(history) => history,
            Err(e @ crate::Error::Baseline { .. }) if args.force => {
                let backup = store.set_aside()?;
                eprintln!("benchgate: {e}");
                eprintln!(
                    "benchgate: kept the unreadable history as {} and started a new one",
                    backup.display()
                );
                None
            }
            Err(e @ crate::Error::Baseline { .. }) => {
                return Err(anyhow::anyhow!(
                    "{e}\n(or run `benchgate baseline update --force` to keep it as a backup and start a new history)"
                ));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let mut baseline = existing.unwrap_or_else(|| Baseline::new(Window::from(&config.history)));
    if args.config.is_some() || Path::new("benchgate.toml").exists() {
        baseline.window = Window::from(&config.history);
    }
    let count = run.metrics.len();
    baseline.append(run.meta, &run.metrics);
    store.save(&baseline)?;
    println!(
        "benchgate: {} {} with {count} metric(s); it now holds {} run(s)",
        if create { "created" } else { "updated" },
        store.describe(),
        baseline.runs.len()
    );
    Ok(EXIT_OK)
}

fn ingest_cmd(args: IngestArgs) -> Result<u8> {
    let run = load_run(&args.input, &args.meta)?;
    let mut text = serde_json::to_string_pretty(&run).context("cannot serialize the run")?;
    text.push('\n');
    if args.output.as_os_str() == "-" {
        print!("{text}");
    } else {
        write_atomic(&args.output, text.as_bytes())?;
        eprintln!(
            "benchgate: wrote {} metric(s) to {}",
            run.metrics.len(),
            args.output.display()
        );
    }
    Ok(EXIT_OK)
}

fn load_config(path: Option<&Path>) -> Result<Config> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None if Path::new("benchgate.toml").is_file() => PathBuf::from("benchgate.toml"),
        None => return Ok(Config::default()),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the configuration: {e}", path.display()))?;
    Ok(Config::parse(&path.display().to_string(), &text)?)
}

/// Reads every input, detects its format and merges the metrics into one run.
fn load_run(args: &InputArgs, meta_args: &MetaArgs) -> Result<Run> {
    let options = ingest::Options {
        criterion_baseline: args.criterion_baseline.clone(),
        format: args.format.as_deref().and_then(Format::parse),
    };
    // The metadata probes run `git` and `rustc`: tens of milliseconds that overlap the reading.
    let probe = {
        let meta_args = meta_args.clone();
        std::thread::spawn(move || run_meta(&meta_args))
    };
    let mut metrics = Vec::new();
    let mut parsed_inputs = Vec::new();
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    for arg in &args.inputs {
        let (suite, path) = split_input(arg, args.name.as_deref())?;
        parsed_inputs.push((suite, read_any(&path, &options)?));
    }
    let mut meta = probe
        .join()
        .map_err(|_| anyhow::anyhow!("the run metadata probe failed"))??;
    for (suite, (name, format, mut parsed)) in parsed_inputs {
        if let Some(suite) = &suite {
            for m in &mut parsed.metrics {
                m.suite = suite.clone();
            }
        }
        for m in &parsed.metrics {
            if let Some(first) = keys.insert(m.key(), name.clone()) {
                bail!(
                    "{name}: metric {:?} is also in {first}; pass each result once, or give the inputs \
                     different suite names (`--name NAME` or `NAME=PATH`)",
                    m.key()
                );
            }
        }
        metrics.extend(parsed.metrics);
        meta.tools.extend(parsed.tools);
        meta.notes.extend(parsed.notes);
        if let Some(inner) = parsed.meta {
            // A normalized run keeps its own identity unless the command line overrides it.
            meta.commit = meta_args.commit.clone().or(inner.commit).or(meta.commit);
            meta.branch = meta_args.branch.clone().or(inner.branch).or(meta.branch);
            if meta_args.timestamp.is_none() {
                meta.timestamp = inner.timestamp.or(meta.timestamp);
            }
            meta.testbed = inner.testbed;
        }
        meta.sources.push(SourceInfo {
            path: name,
            format: format.name().to_string(),
        });
    }
    Ok(Run::new(meta, metrics))
}

/// `NAME=PATH` gives an input its own suite; a path that exists as given is never split.
fn split_input(arg: &str, default: Option<&str>) -> Result<(Option<String>, PathBuf)> {
    if !Path::new(arg).exists()
        && let Some((name, path)) = arg.split_once('=')
    {
        if name.is_empty() || name.contains(['/', '\\']) {
            bail!("{arg}: a suite name before `=` must be non-empty and have no slashes");
        }
        return Ok((Some(name.to_string()), PathBuf::from(path)));
    }
    Ok((default.map(str::to_string), PathBuf::from(arg)))
}

/// Reads one input: streamed when its format grows with the test (k6 points), else loaded whole.
fn read_any(path: &Path, options: &ingest::Options) -> Result<(String, Format, ingest::Parsed)> {
    use std::io::{BufRead, BufReader};
    let name = path.display().to_string();
    if path.is_file() {
        let file = std::fs::File::open(path)
            .map_err(|e| anyhow::anyhow!("{name}: cannot read the input: {e}"))?;
        let mut reader = BufReader::with_capacity(256 * 1024, file);
        let head = reader
            .fill_buf()
            .map_err(|e| anyhow::anyhow!("{name}: cannot read the input: {e}"))?;
        if let Some(format) = ingest::stream_format(head, options) {
            let (format, parsed) = ingest::read_stream(format, &name, reader)?;
            return Ok((name, format, parsed));
        }
    }
    let input = read_input(path, &options.criterion_baseline)?;
    let (format, parsed) = ingest::read(&input, options)?;
    Ok((name, format, parsed))
}

fn read_input(path: &Path, set: &str) -> Result<Input> {
    let name = path.display().to_string();
    let md = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("{name}: cannot read the input: {e}; check the path"))?;
    if md.is_dir() {
        let files = read_tree(path, &name, set)?;
        return Ok(Input::Tree { name, files });
    }
    if md.len() > MAX_INPUT_BYTES {
        bail!(
            "{name}: the file is {} bytes, over the {MAX_INPUT_BYTES}-byte limit",
            md.len()
        );
    }
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("{name}: cannot read the input: {e}"))?;
    Ok(Input::File { name, bytes })
}

/// Reads the result files of a criterion tree. Benchmark directories are found by their `set`
/// subdirectory, whose three files are read by name, and their other result sets are never
/// listed; the listing and the reads are spread over the cores (thousands of small files are
/// mostly system calls). A tree with no result in `set` gets the full listing, so that the
/// error can name the sets it has.
fn read_tree(root: &Path, name: &str, set: &str) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut found = Vec::new();
    let mut subdirs = Vec::new();
    find_sets(root, root, set, &mut found, Some(&mut subdirs))?;
    let parts = crate::par::par_map(&subdirs, 1, |dir: &PathBuf| {
        let mut more = Vec::new();
        find_sets(root, dir, set, &mut more, None).map(|()| more)
    });
    for part in parts {
        found.extend(part?);
    }
    let mut files = BTreeMap::new();
    if found.is_empty() {
        let mut to_read = Vec::new();
        walk(root, root, set, &mut files, &mut to_read, &mut false)?;
        for (rel, p) in to_read {
            let bytes = std::fs::read(&p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            files.insert(rel, bytes);
        }
        return Ok(files);
    }
    if found.len() * 3 > MAX_TREE_FILES {
        bail!(
            "{name}: more than {MAX_TREE_FILES} result files; point benchgate at one criterion directory"
        );
    }
    let wanted: Vec<(String, PathBuf)> = found
        .iter()
        .flat_map(|(rel, dir)| {
            ["benchmark.json", "estimates.json", "sample.json"]
                .map(|f| (format!("{rel}{f}"), dir.join(f)))
        })
        .collect();
    let read = crate::par::par_map(&wanted, 64, |(_, p): &(String, PathBuf)| {
        match std::fs::read(p) {
            Ok(bytes) => Ok(Some(bytes)),
            // A missing file is the adapter's to report, naming what criterion should have written.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("{}: {e}", p.display())),
        }
    });
    for ((rel, _), bytes) in wanted.into_iter().zip(read) {
        if let Some(bytes) = bytes? {
            files.insert(rel, bytes);
        }
    }
    Ok(files)
}

/// Finds the `set` directories under `dir` as (path relative to `root` with a trailing `/`,
/// path). A directory with a `set` subdirectory is a benchmark: criterion's own result
/// directories beside it are not descended into, anything else is (a benchmark id can nest).
/// With `defer`, subdirectories are handed back instead of walked.
fn find_sets(
    root: &Path,
    dir: &Path,
    set: &str,
    found: &mut Vec<(String, PathBuf)>,
    mut defer: Option<&mut Vec<PathBuf>>,
) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("{}: cannot list the directory: {e}", dir.display()))?;
    let mut subdirs = Vec::new();
    let mut is_benchmark = false;
    for entry in entries {
        let entry = entry.map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let kind = entry
            .file_type()
            .map_err(|e| anyhow::anyhow!("{}: {e}", entry.path().display()))?;
        if !kind.is_dir() {
            continue;
        }
        let file_name = entry.file_name();
        if file_name == set {
            is_benchmark = true;
        } else if file_name != "report" {
            subdirs.push((file_name, entry.path()));
        }
    }
    if is_benchmark {
        let rel = relative(root, &dir.join(set));
        found.push((format!("{rel}/"), dir.join(set)));
        subdirs.retain(|(n, _)| !matches!(n.to_str(), Some("base" | "new" | "change")));
    }
    for (_, path) in subdirs {
        match defer.as_deref_mut() {
            Some(later) => later.push(path),
            None => find_sets(root, &path, set, found, None)?,
        }
    }
    Ok(())
}

/// `path` relative to `root`, with `/` separators.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Collects the files of a criterion tree that the adapter reads, skipping the HTML reports.
/// Only the result set `set` is read; other sets' `benchmark.json` files are listed (empty) so
/// that an error can name them, and the first is read so that the tree is recognised.
fn walk(
    root: &Path,
    dir: &Path,
    set: &str,
    files: &mut BTreeMap<String, Vec<u8>>,
    to_read: &mut Vec<(String, PathBuf)>,
    sampled: &mut bool,
) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("{}: cannot list the directory: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if kind.is_symlink() {
            continue;
        }
        if kind.is_dir() {
            if entry.file_name() != "report" {
                walk(root, &path, set, files, to_read, sampled)?;
            }
            continue;
        }
        let file_name = entry.file_name();
        if !matches!(
            file_name.to_str(),
            Some("benchmark.json" | "estimates.json" | "sample.json")
        ) {
            continue;
        }
        if files.len() + to_read.len() >= MAX_TREE_FILES {
            bail!(
                "{}: more than {MAX_TREE_FILES} result files; point benchgate at one criterion directory",
                root.display()
            );
        }
        let rel = relative(root, &path);
        let in_set = path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|p| p == set);
        let sample = !in_set && file_name == "benchmark.json" && !*sampled;
        if !in_set && !sample {
            if file_name == "benchmark.json" {
                files.insert(rel, Vec::new());
            }
            continue;
        }
        *sampled |= file_name == "benchmark.json";
        to_read.push((rel, path));
    }
    Ok(())
}

fn run_meta(args: &MetaArgs) -> Result<RunMeta> {
    let timestamp = match &args.timestamp {
        Some(t) => DateTime::parse_from_rfc3339(t.trim())
            .with_context(|| {
                format!("--timestamp {t:?} is not an RFC 3339 time such as 2026-12-04T16:07:16Z")
            })?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let commit = args
        .commit
        .clone()
        .or_else(|| env("GITHUB_SHA"))
        .or_else(|| git(&["rev-parse", "HEAD"]));
    let branch = args
        .branch
        .clone()
        .or_else(|| env("GITHUB_HEAD_REF"))
        .or_else(|| env("GITHUB_REF_NAME"))
        .or_else(|| git(&["rev-parse", "--abbrev-ref", "HEAD"]));
    Ok(RunMeta {
        commit,
        branch,
        timestamp: Some(timestamp),
        testbed: testbed(),
        tools: BTreeMap::new(),
        sources: Vec::new(),
        notes: Vec::new(),
    })
}

fn git(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty() && s != "HEAD")
}

/// The machine's fingerprint, from what the OS tells without extra tools.
fn testbed() -> Testbed {
    let os_release = std::fs::read_to_string("/etc/os-release").ok();
    let os = os_release
        .as_deref()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    });
    Testbed {
        os: Some(os),
        arch: Some(std::env::consts::ARCH.to_string()),
        cpu_model,
        cores: std::thread::available_parallelism()
            .ok()
            .and_then(|n| u32::try_from(n.get()).ok()),
        // The Rust toolchain when there is one: a compiler upgrade moves benchmarks too.
        toolchain: std::process::Command::new("rustc")
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| {
                let v = String::from_utf8_lossy(&o.stdout);
                v.split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
                    .into()
            })
            .filter(|v: &String| !v.is_empty()),
    }
}

/// Reads template overrides from a directory: only the known file names are taken.
fn read_template_dir(dir: &Path) -> Result<Templates> {
    if !dir.is_dir() {
        bail!("{}: not a directory of templates", dir.display());
    }
    let mut files = BTreeMap::new();
    for name in Templates::names() {
        let path = dir.join(&name);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                files.insert(name, text);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => bail!("{}: {e}", path.display()),
        }
    }
    Ok(Templates::with_overrides(files))
}

/// Writes every output to a temporary file beside it first, then renames them all: a failure
/// leaves no half-written set of reports.
fn write_all(outputs: &[(&Path, &str)]) -> Result<()> {
    use std::io::Write;
    let mut staged = Vec::new();
    for (path, text) in outputs {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)
            .map_err(|e| anyhow::anyhow!("{}: cannot write here: {e}", dir.display()))?;
        tmp.write_all(text.as_bytes())
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        crate::baseline::store::readable(tmp.as_file())
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        staged.push((tmp, *path));
    }
    for (tmp, path) in staged {
        tmp.persist(path)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.error))?;
    }
    Ok(())
}
