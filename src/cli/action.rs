//! `benchgate action ...`: the GitHub Actions entry points. Reports are written before any
//! network call, and publishing never changes the verdict's exit code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand};

use super::{
    EXIT_OK, FailOn, InputArgs, MetaArgs, Outputs, load_config, load_run, publish_rendered,
    read_template_dir, write_all,
};
use crate::baseline::git::BranchStore;
use crate::baseline::store::{FileStore, Store};
use crate::baseline::{Baseline, Window};
use crate::compare::{self, HistoryMethod, Verdict};
use crate::github::artifact::{self, HANDOVER_ARTIFACT, Limits, PR_FILE, PrClaim, RUN_FILE};
use crate::github::comment::{self, Mode};
use crate::github::store::ArtifactStore;
use crate::github::{Client, Context, GitHubError, RetryPolicy, commands};
use crate::ingest::{self, Format, Input};
use crate::model::Run;
use crate::report::{BaselineInfo, Templates};

/// Where `update-baseline` writes an artifact store's new history (action.yml uploads it).
const DEFAULT_BASELINE_OUTPUT: &str = "benchgate-baseline/baseline.json";

#[derive(Debug, Subcommand)]
pub(super) enum ActionCommand {
    /// Compare results with the baseline; write the reports, the job summary, step outputs and
    /// annotations; comment on the pull request. Exit code as `compare`.
    Check(CheckArgs),
    /// Append the main branch's results to the baseline store.
    UpdateBaseline(UpdateArgs),
    /// In a `workflow_run` job: read the results a pull request's job uploaded, verify them
    /// against the API, compare them with the baseline and comment (the fork-safe pair).
    CommentFromArtifact(FromArtifactArgs),
}

#[derive(Debug, Args)]
pub(super) struct StoreArgs {
    /// Where the baseline lives: `branch:NAME` (a git data branch), `file:PATH` (a file in the
    /// repository), or `artifact:NAME` (artifacts of the main branch's successful runs).
    #[arg(long, value_name = "SPEC", default_value = "branch:benchgate-data")]
    store: String,
    /// The main branch, whose runs make the baseline.
    #[arg(long, value_name = "NAME", default_value = "main")]
    main_branch: String,
    /// The git remote of the data branch.
    #[arg(long, value_name = "NAME", default_value = "origin")]
    remote: String,
    /// Threshold policy [default: ./benchgate.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(super) struct PublishArgs {
    /// Directory for report.md, comment.md, summary.md, report.json, report.html, and the
    /// hand-over files (run.json, pr.json).
    #[arg(long, value_name = "DIR", default_value = "benchgate-report")]
    out_dir: PathBuf,
    /// When to comment on the pull request: always, on-regression or never.
    #[arg(long, value_name = "MODE", default_value = "always",
          value_parser = clap::builder::PossibleValuesParser::new(["always", "on-regression", "never"]))]
    comment: String,
    /// Which verdict fails the check (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Critical)]
    fail_on: FailOn,
    /// Keeps a comment of its own for this key, when several benchgate steps comment on one pull
    /// request (letters, digits, `.`, `_`, `-`).
    #[arg(long, value_name = "KEY", value_parser = parse_key)]
    comment_key: Option<String>,
    /// A directory of templates replacing the built-in ones.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(super) struct CheckArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    publish: PublishArgs,
    /// Re-measure critical benchmarks with this command before failing (see `compare --confirm`).
    #[arg(long, value_name = "COMMAND")]
    confirm: Option<String>,
    #[command(flatten)]
    meta: MetaArgs,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Debug, Args)]
pub(super) struct UpdateArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// With `artifact:NAME`: where to write the new history for the upload step.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "benchgate-baseline/baseline.json"
    )]
    output: PathBuf,
    #[command(flatten)]
    meta: MetaArgs,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Debug, Args)]
pub(super) struct FromArtifactArgs {
    /// The artifact the pull request's job uploaded (its report directory).
    #[arg(long, value_name = "NAME", default_value = HANDOVER_ARTIFACT)]
    artifact: String,
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    publish: PublishArgs,
}

fn parse_key(text: &str) -> std::result::Result<String, String> {
    if comment::valid_key(text) {
        Ok(text.to_string())
    } else {
        Err("use letters, digits, `.`, `_` and `-` (at most 64)".into())
    }
}

pub(super) fn run(command: ActionCommand) -> Result<u8> {
    let ctx = read_context()?;
    match command {
        ActionCommand::Check(args) => check(&ctx, args),
        ActionCommand::UpdateBaseline(args) => update(&ctx, args),
        ActionCommand::CommentFromArtifact(args) => from_artifact(&ctx, args),
    }
}

fn read_context() -> Result<Context> {
    let vars: BTreeMap<String, String> = std::env::vars().collect();
    let event_path = vars.get("GITHUB_EVENT_PATH").filter(|p| !p.is_empty());
    let text = match event_path {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| anyhow!("{p}: cannot read the event payload: {e}"))?,
        ),
        None => None,
    };
    let name = event_path.map_or("GITHUB_EVENT_PATH", String::as_str);
    Ok(Context::from_env(&vars, name, text.as_deref())?)
}

/// The token, from `BENCHGATE_TOKEN` or `GITHUB_TOKEN`; never printed.
fn token() -> Option<String> {
    ["BENCHGATE_TOKEN", "GITHUB_TOKEN"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
}

fn policy() -> RetryPolicy {
    let ms = |k: &str| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(std::time::Duration::from_millis)
    };
    let mut p = RetryPolicy::default();
    if let Some(d) = ms("BENCHGATE_GITHUB_BACKOFF_MS") {
        p.backoff = d;
    }
    if let Some(d) = ms("BENCHGATE_GITHUB_TIMEOUT_MS") {
        p.timeout = d;
    }
    if let Some(d) = ms("BENCHGATE_GITHUB_MAX_WAIT_MS") {
        p.max_wait = d;
    }
    p
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// A client for the workflow's repository; must be called inside `runtime`.
fn client(ctx: &Context) -> Result<Client> {
    let token = token().ok_or_else(|| {
        anyhow!(
            "no GitHub token: pass `token: ${{{{ secrets.GITHUB_TOKEN }}}}` to the action (or set GITHUB_TOKEN)"
        )
    })?;
    let (owner, repo) = ctx.owner_repo()?;
    Ok(Client::new(&ctx.api_url, &token, owner, repo, policy())?)
}

enum StoreSpec {
    File(PathBuf),
    Branch(String),
    Artifact(String),
}

fn parse_store(spec: &str) -> Result<StoreSpec> {
    let (kind, value) = spec.split_once(':').unwrap_or(("file", spec));
    if value.trim().is_empty() {
        bail!("--store {spec:?}: give a name or path after the colon, e.g. branch:benchgate-data");
    }
    match kind {
        "file" => Ok(StoreSpec::File(PathBuf::from(value))),
        "branch" if valid_ref(value) => Ok(StoreSpec::Branch(value.to_string())),
        "branch" => bail!("--store {spec:?}: {value:?} is not a usable branch name"),
        "artifact" => Ok(StoreSpec::Artifact(value.to_string())),
        _ => bail!("--store {spec:?}: expected branch:NAME, file:PATH or artifact:NAME"),
    }
}

fn valid_ref(name: &str) -> bool {
    !name.starts_with(['-', '/', '.'])
        && !name.contains("..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
}

/// Opens the store. `base` and `head` (a pull request's) limit a data branch to the history
/// up to their merge-base; an artifact store saves to `local`, for the workflow's upload step.
fn open_store(
    ctx: &Context,
    args: &StoreArgs,
    base_head: Option<(&str, &str)>,
    local: &Path,
) -> Result<Box<dyn Store>> {
    Ok(match parse_store(&args.store)? {
        StoreSpec::File(path) => Box::new(FileStore::new(path)),
        StoreSpec::Branch(name) => {
            let upto = base_head.map(|(base, head)| {
                super::git(&["merge-base", base, head]).unwrap_or_else(|| base.to_string())
            });
            Box::new(branch_store(ctx, args, &name).up_to(upto))
        }
        StoreSpec::Artifact(name) => {
            let rt = runtime()?;
            let client = {
                let _guard = rt.enter();
                client(ctx)?
            };
            Box::new(ArtifactStore::new(
                client,
                rt,
                &name,
                &args.main_branch,
                local.to_path_buf(),
            ))
        }
    })
}

/// A data-branch store; inside Actions, git authenticates with the action's token, so that the
/// checkout need not persist credentials.
fn branch_store(ctx: &Context, args: &StoreArgs, name: &str) -> BranchStore {
    let store = BranchStore::new(".", &args.remote, name);
    match token() {
        Some(t) if ctx.in_actions => store.with_token(&ctx.server_url, &t),
        _ => store,
    }
}

fn check(ctx: &Context, args: CheckArgs) -> Result<u8> {
    let config = load_config(args.store.config.as_deref())?;
    let templates = match &args.publish.templates {
        Some(dir) => read_template_dir(dir)?,
        None => Templates::builtin(),
    };
    let run = load_run(&args.input, &args.meta)?;
    let pr = ctx.pull_request.as_ref();
    let store = open_store(
        ctx,
        &args.store,
        pr.map(|p| (p.base_sha.as_str(), p.head_sha.as_str())),
        Path::new(DEFAULT_BASELINE_OUTPUT),
    )?;
    let baseline = store.load()?;
    let comparison = super::compare_confirmed(
        &run,
        baseline.as_ref(),
        &config,
        args.confirm.as_deref(),
        (&args.input, &args.meta),
    )?;
    let info = baseline
        .as_ref()
        .map(|b| BaselineInfo::of(store.describe(), b));
    let claim = pr.map(|p| PrClaim::new(p.number, &p.head_sha));
    finish(
        ctx,
        &args.publish,
        &comparison,
        &config,
        &run,
        info,
        &templates,
        claim.as_ref(),
        pr.map(|p| (p.number, p.fork)),
    )
}

fn outputs(p: &PublishArgs) -> Outputs {
    Outputs {
        report: None,
        comment: None,
        json: None,
        html: None,
        summary: None,
        out_dir: Some(p.out_dir.clone()),
        fail_on: p.fail_on,
    }
}

/// Writes the reports and hand-over files, then the job summary, outputs and annotations, then
/// comments; returns the verdict's exit code whatever happened to the comment.
#[allow(clippy::too_many_arguments)]
fn finish(
    ctx: &Context,
    publish: &PublishArgs,
    comparison: &compare::Comparison,
    config: &crate::config::Config,
    run: &Run,
    info: Option<BaselineInfo>,
    templates: &Templates,
    claim: Option<&PrClaim>,
    pr: Option<(u64, bool)>,
) -> Result<u8> {
    let out = outputs(publish);
    let (code, rendered) = publish_rendered(
        comparison,
        config,
        &run.meta,
        info,
        templates,
        ctx.run_url(),
        &out,
    )?;
    // The hand-over for the fork-safe pair: the results as data, and which PR they claim.
    let mut handover = vec![(
        publish.out_dir.join(RUN_FILE),
        serde_json::to_string_pretty(run).context("cannot serialize the run")?,
    )];
    if let Some(claim) = claim {
        handover.push((
            publish.out_dir.join(PR_FILE),
            serde_json::to_string_pretty(claim).context("cannot serialize the claim")?,
        ));
    }
    let files: Vec<(&Path, &str)> = handover
        .iter()
        .map(|(p, t)| (p.as_path(), t.as_str()))
        .collect();
    write_all(&files)?;

    let counts = comparison.counts();
    if ctx.in_actions {
        let fallback = short_comment(ctx, comparison);
        // The verdict stands even if the runner's files cannot be written.
        if let Some(path) = &ctx.summary_file
            && let Err(e) = append(path, &commands::summary(&rendered.summary, &fallback))
        {
            eprintln!("benchgate: the job summary was not written: {e:#}");
        }
        if let Some(path) = &ctx.output_file {
            let count = |s: compare::Status| counts.get(&s).copied().unwrap_or(0).to_string();
            let pairs = [
                ("status", comparison.verdict.as_str().to_string()),
                ("critical", count(compare::Status::Critical)),
                ("warning", count(compare::Status::Warning)),
                ("improved", count(compare::Status::Improved)),
                ("inconclusive", count(compare::Status::Inconclusive)),
                ("report-dir", publish.out_dir.display().to_string()),
                (
                    "report",
                    publish.out_dir.join("report.md").display().to_string(),
                ),
                ("exit-code", code.to_string()),
            ];
            if let Err(e) = append(path, &commands::outputs(&pairs)) {
                eprintln!("benchgate: the step outputs were not written: {e:#}");
            }
        }
        for line in commands::annotations(comparison) {
            println!("{line}");
        }
    }

    let mode = Mode::parse(&publish.comment).unwrap_or(Mode::Always);
    let Some((number, fork)) = pr else {
        return Ok(code);
    };
    if mode == Mode::Never {
        return Ok(code);
    }
    if fork && ctx.event_name == "pull_request" {
        println!(
            "{}",
            commands::annotation(
                "notice",
                "benchgate",
                "pull request from a fork: its token is read-only, so no comment here; the report is in the job summary. \
                 To comment, add the fork-safe workflow_run pair (examples/workflows/benchgate-comment.yml)."
            )
        );
        return Ok(code);
    }
    let marker = comment::marker(publish.comment_key.as_deref());
    let body = comment::with_marker(&rendered.comment, &marker);
    let short = comment::with_marker(&short_comment(ctx, comparison), &marker);
    let create = mode == Mode::Always || comparison.verdict != Verdict::Pass;
    match post(ctx, number, (&marker, &body, &short), create) {
        Ok(line) => println!("benchgate: {line}"),
        Err(e) => {
            eprintln!("benchgate: the comment was not posted: {e:#}");
            if ctx.in_actions {
                println!(
                    "{}",
                    commands::annotation(
                        "warning",
                        "benchgate: comment not posted",
                        &format!("{e:#}")
                    )
                );
            }
        }
    }
    Ok(code)
}

/// A comment small enough for any limit: the verdict, the counts and where the report is.
fn short_comment(ctx: &Context, c: &compare::Comparison) -> String {
    let counts = c.counts();
    let parts: Vec<String> = compare::Status::ALL
        .iter()
        .filter_map(|s| counts.get(s).map(|n| format!("{n} {}", s.as_str())))
        .collect();
    let link = ctx.run_url().map_or_else(
        || "the job's report artifact".to_string(),
        |u| format!("[the workflow run]({u}) and its `benchgate-report` artifact"),
    );
    format!(
        "### benchgate: {}\n\n{}.\n\nThe full report is too long for a comment: see {link}.\n",
        c.verdict.as_str(),
        parts.join(", ")
    )
}

fn post(ctx: &Context, number: u64, texts: (&str, &str, &str), create: bool) -> Result<String> {
    let rt = runtime()?;
    rt.block_on(async {
        let client = client(ctx)?;
        let author = match std::env::var("BENCHGATE_COMMENT_AUTHOR") {
            Ok(a) if !a.is_empty() => a,
            _ => client
                .login()
                .await
                .unwrap_or_else(|| comment::ACTIONS_BOT.to_string()),
        };
        let outcome = comment::upsert(&client, number, texts, &author, create).await?;
        Ok(outcome.describe(number))
    })
}

fn append(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| anyhow!("{}: {e}", path.display()))
}

fn update(ctx: &Context, args: UpdateArgs) -> Result<u8> {
    let config = load_config(args.store.config.as_deref())?;
    let run = load_run(&args.input, &args.meta)?;
    let window = Window::from(&config.history);
    let mut apply = |old: Option<Baseline>| {
        let mut b = old.unwrap_or_else(|| Baseline::new(window));
        b.window = window;
        b.append(run.meta.clone(), &run.metrics);
        Ok(b)
    };
    let store = open_store(ctx, &args.store, None, &args.output)?;
    let history = store.record(&run, &mut apply)?;
    let place = store.describe();
    println!(
        "benchgate: recorded {} metric(s) in {place}; it now holds {} run(s)",
        run.metrics.len(),
        history.runs.len()
    );
    Ok(EXIT_OK)
}

fn from_artifact(ctx: &Context, args: FromArtifactArgs) -> Result<u8> {
    let wr = ctx.workflow_run.as_ref().ok_or_else(|| {
        anyhow!(
            "comment-from-artifact runs in a `workflow_run` job; this is a {:?} event",
            ctx.event_name
        )
    })?;
    let config = load_config(args.store.config.as_deref())?;
    let templates = match &args.publish.templates {
        Some(dir) => read_template_dir(dir)?,
        None => Templates::builtin(),
    };
    let rt = runtime()?;
    // Everything from the artifact is untrusted: the pull request's own code wrote it.
    let (claim, run, base_sha) = rt.block_on(async {
        let client = client(ctx)?;
        let artifacts = client.run_artifacts(wr.id).await?;
        let found = artifacts
            .iter()
            .find(|a| a.name == args.artifact && !a.expired)
            .ok_or_else(|| {
                anyhow!(
                    "run {} has no artifact named {:?}; does its check job upload the report directory under that name?",
                    wr.id, args.artifact
                )
            })?;
        let limits = Limits::default();
        let zip = client.download_artifact(found.id, limits.max_download).await?;
        let mut files = artifact::extract(&zip, &[PR_FILE, RUN_FILE], limits)?;
        let claim = PrClaim::parse(&files.remove(PR_FILE).unwrap_or_default())?;
        if claim.head_sha != wr.head_sha {
            return Err(GitHubError::Artifact(format!(
                "{PR_FILE} names head {} but the workflow run built {}; refused",
                claim.head_sha, wr.head_sha
            ))
            .into());
        }
        let pull = client.pull(claim.number).await?;
        if pull.head.sha != wr.head_sha {
            return Err(GitHubError::Artifact(format!(
                "pull request #{} is at {} now, not at the run's {}: it moved on (a newer run will comment) or the artifact names another pull request; refused",
                claim.number, pull.head.sha, wr.head_sha
            ))
            .into());
        }
        let input = Input::File {
            name: format!("{}/{RUN_FILE}", args.artifact),
            bytes: files.remove(RUN_FILE).unwrap_or_default(),
        };
        let options = ingest::Options {
            criterion_baseline: "new".into(),
            format: Some(Format::Native),
        };
        let (_, parsed) = ingest::read(&input, &options)?;
        let mut meta = parsed.meta.unwrap_or_default();
        meta.notes.extend(parsed.notes);
        Ok::<_, anyhow::Error>((claim, Run::new(meta, parsed.metrics), pull.base.sha))
    })?;
    drop(rt);
    let store = open_store(
        ctx,
        &args.store,
        Some((base_sha.as_str(), wr.head_sha.as_str())),
        Path::new(DEFAULT_BASELINE_OUTPUT),
    )?;
    let baseline = store.load()?;
    let comparison = compare::compare(&run, baseline.as_ref(), &config, &HistoryMethod);
    let info = baseline
        .as_ref()
        .map(|b| BaselineInfo::of(store.describe(), b));
    let code = finish(
        ctx,
        &args.publish,
        &comparison,
        &config,
        &run,
        info,
        &templates,
        None,
        Some((claim.number, false)),
    )?;
    Ok(code)
}
