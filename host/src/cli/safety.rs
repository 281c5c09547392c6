//! The safety gate's flags (shared by `serve` and the commands below) and `tessera safety
//! train` / `tessera safety eval`: fitting the semantic stage's head on the labelled set
//! and reporting recall and false alarms per split and per kind (docs/safety.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use sha2::{Digest, Sha256};

use super::Outcome;
use super::shared::{RuntimeArgs, registry};
use crate::embeddings::{EmbeddingSettings, Embeddings};
use crate::safety::head::{self, Head, Provenance};
use crate::safety::resources::Hotlines;
use crate::safety::semantic::{SHIPPED_HEAD, SemanticStage, windows};
use crate::safety::{Level, SafetyGate, SafetySettings};

/// Whether the semantic stage runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// On (the default).
    On,
    /// Off: the rules alone decide (not recommended: they miss what is said in other words).
    Off,
}

/// The embeddings model and the safety gate's settings.
#[derive(Debug, Clone, Args)]
pub struct SafetyArgs {
    /// Folder of the embeddings model (all-MiniLM-L6-v2: `config.json`,
    /// `model.safetensors`, `tokenizer.json`); default: the folder `./dev` fetches it into,
    /// `~/.cache/tessera/models/all-MiniLM-L6-v2`.
    #[arg(long, env = "TESSERA_EMBEDDINGS_MODEL")]
    pub embeddings_model: Option<PathBuf>,
    /// Threads running the embeddings model (each runs one batch at a time).
    #[arg(long, env = "TESSERA_EMBEDDING_WORKERS", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub embedding_workers: u16,
    /// The safety gate's semantic stage (meaning, after the rules).
    #[arg(
        long,
        env = "TESSERA_SEMANTIC_SAFETY",
        value_enum,
        default_value = "on"
    )]
    pub semantic_safety: Switch,
    /// A head for the semantic stage other than the shipped `safety/head.json`.
    #[arg(long, env = "TESSERA_SAFETY_HEAD")]
    pub safety_head: Option<PathBuf>,
    /// Crisis resources by region (TOML like `safety/hotlines.toml`, which is built in).
    #[arg(long, env = "TESSERA_HOTLINES")]
    pub hotlines: Option<PathBuf>,
}

impl SafetyArgs {
    fn model_dir(&self) -> anyhow::Result<PathBuf> {
        self.embeddings_model
            .clone()
            .or_else(crate::embeddings::default_model_dir)
            .context("no --embeddings-model given and no HOME for the default")
    }

    /// Loads the model and starts the embeddings service.
    pub fn embeddings(&self) -> anyhow::Result<Arc<Embeddings>> {
        let model_dir = self.model_dir()?;
        Embeddings::start(&EmbeddingSettings {
            model_dir,
            workers: usize::from(self.embedding_workers),
        })
        .context("cannot load the embeddings model (--embeddings-model; `./dev build` fetches it)")
    }

    fn head(&self) -> anyhow::Result<Head> {
        match &self.safety_head {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                Head::from_json(&text).with_context(|| format!("{}", path.display()))
            }
            None => Head::from_json(SHIPPED_HEAD).context("the shipped safety head"),
        }
    }

    /// The gate's settings: the semantic stage (loading the model) unless it is off, and
    /// the hotline directory. The embeddings service is returned too, for plugins.
    pub fn settings(&self) -> anyhow::Result<(SafetySettings, Option<Arc<Embeddings>>)> {
        let hotlines = match &self.hotlines {
            Some(path) => Hotlines::load(path).context("--hotlines")?,
            None => Hotlines::shipped(),
        };
        if self.semantic_safety == Switch::Off {
            tracing::warn!("the safety gate's semantic stage is off (--semantic-safety off)");
            return Ok((
                SafetySettings {
                    semantic: None,
                    hotlines,
                },
                None,
            ));
        }
        let embeddings = self.embeddings()?;
        let stage = SemanticStage::new(embeddings.clone(), self.head()?);
        Ok((
            SafetySettings {
                semantic: Some(Arc::new(stage)),
                hotlines,
            },
            Some(embeddings),
        ))
    }
}

/// `tessera safety …`.
#[derive(Debug, Subcommand)]
pub enum SafetyCommand {
    /// Fit the semantic stage's head on `train.jsonl`, choose its thresholds on
    /// `dev.jsonl`, and write it (default `safety/head.json`).
    Train(TrainArgs),
    /// Recall and false alarms of the gate (rules alone, then rules and meaning) per split
    /// and per kind of message.
    Eval(EvalArgs),
}

/// Where the labelled data is.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Folder holding `train.jsonl`, `dev.jsonl`, `test.jsonl`.
    #[arg(long, default_value = "safety/data")]
    pub data: PathBuf,
    #[command(flatten)]
    pub safety: SafetyArgs,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// `tessera safety train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write the head.
    #[arg(long, default_value = "safety/head.json")]
    pub out: PathBuf,
    /// Most false crises the meaning may add on dev's non-crisis messages (a fraction).
    #[arg(long, default_value_t = 0.005)]
    pub max_false_crisis: f64,
    /// Most flags (concern or crisis) allowed on dev's ordinary learner messages. 2 %, not
    /// the 1 % goal: on dev the head finds about 7 points more crises at 2 % (a missed
    /// crisis costs more than a supportive message in place of an answer; docs/safety.md).
    #[arg(long, default_value_t = 0.02)]
    pub max_ordinary_flagged: f64,
    /// Most flags allowed on dev's hard negatives (idioms, lessons about death, `kill -9`):
    /// each one is a lesson answer replaced by the supportive message.
    #[arg(long, default_value_t = 0.10)]
    pub max_hard_negative_flagged: f64,
}

/// `tessera safety eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Splits to report.
    #[arg(long, value_delimiter = ',', default_value = "train,dev,test")]
    pub splits: Vec<String>,
    /// Print the messages the gate gets wrong (never for `test`: its lines are not read,
    /// so nothing is tuned on them).
    #[arg(long)]
    pub misses: bool,
}

/// One labelled line.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Labelled {
    /// The message.
    pub text: String,
    /// `none`, `concern` or `crisis`.
    pub level: String,
    /// Categories.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Sub-category (`slang`, `programming`, …).
    #[serde(default)]
    pub kind: Option<String>,
}

impl Labelled {
    fn expected(&self) -> Level {
        match self.level.as_str() {
            "crisis" => Level::Crisis,
            "concern" => Level::Concern,
            _ => Level::None,
        }
    }

    fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or("-")
    }

    fn is_ordinary(&self) -> bool {
        self.kind() == "ordinary"
    }
}

fn read_split(dir: &Path, split: &str) -> anyhow::Result<(Vec<Labelled>, String)> {
    let path = dir.join(format!("{split}.jsonl"));
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let digest = hex::encode(Sha256::digest(&bytes));
    let text =
        String::from_utf8(bytes).with_context(|| format!("{}: not UTF-8", path.display()))?;
    let mut rows = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let row: Labelled = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a labelled line", path.display(), n + 1))?;
        rows.push(row);
    }
    Ok((rows, digest))
}

/// The verdicts of both stages for every row: the rules' level, and the text's windows
/// with their vectors for the head.
struct Judged {
    rules: Vec<Level>,
    windows: Vec<Vec<String>>,
    vectors: Vec<Vec<Vec<f32>>>,
}

async fn judge(
    rows: &[Labelled],
    gate: &SafetyGate,
    embeddings: &Embeddings,
) -> anyhow::Result<Judged> {
    let mut rules = Vec::with_capacity(rows.len());
    let progress = indicatif_like(rows.len());
    for (i, row) in rows.iter().enumerate() {
        rules.push(gate.screen(&row.text, None).await?.level);
        progress(i + 1);
    }
    let windowed: Vec<Vec<String>> = rows.iter().map(|r| windows(&r.text)).collect();
    let vectors = embed_windows(embeddings, &windowed).await?;
    Ok(Judged {
        rules,
        windows: windowed,
        vectors,
    })
}

/// The vectors of each text's windows, embedded a few texts at a time.
async fn embed_windows(
    embeddings: &Embeddings,
    windows: &[Vec<String>],
) -> anyhow::Result<Vec<Vec<Vec<f32>>>> {
    let mut out = Vec::with_capacity(windows.len());
    let progress = indicatif_like(windows.len());
    for per_text in windows.chunks(16) {
        let flat: Vec<String> = per_text.iter().flatten().cloned().collect();
        let mut vectors = Vec::with_capacity(flat.len());
        for part in flat.chunks(crate::embeddings::MAX_TEXTS) {
            vectors.extend(embeddings.embed(part.to_vec()).await?);
        }
        let mut vectors = vectors.into_iter();
        for w in per_text {
            out.push(vectors.by_ref().take(w.len()).collect());
        }
        progress(out.len());
    }
    Ok(out)
}

/// A one-line progress count on stderr (the runs take a minute on 2 cores).
fn indicatif_like(total: usize) -> impl Fn(usize) {
    move |done| {
        if done % 200 == 0 || done == total {
            eprint!("\r  {done}/{total} messages");
            if done == total {
                eprintln!();
            }
        }
    }
}

async fn rules_gate(runtime: &RuntimeArgs) -> anyhow::Result<SafetyGate> {
    let registry = registry(runtime)?;
    registry.reload().await;
    if registry.snapshot().safety.is_empty() {
        bail!(
            "no safety filter plugin loaded from {:?}",
            runtime.plugins_dirs
        );
    }
    Ok(SafetyGate::new(registry, SafetySettings::default()))
}

/// Runs `tessera safety …`.
pub async fn run(cmd: SafetyCommand) -> anyhow::Result<Outcome> {
    match cmd {
        SafetyCommand::Train(args) => train(args).await,
        SafetyCommand::Eval(args) => eval(args).await,
    }
}

async fn train(args: TrainArgs) -> anyhow::Result<Outcome> {
    let (train_rows, train_sha) = read_split(&args.data.data, "train")?;
    let (dev_rows, dev_sha) = read_split(&args.data.data, "dev")?;
    let embeddings = args.data.safety.embeddings()?;
    let gate = rules_gate(&args.data.runtime).await?;
    eprintln!("embedding {} training messages", train_rows.len());
    let mut classes = Vec::with_capacity(train_rows.len());
    for (i, row) in train_rows.iter().enumerate() {
        let Some(class) = head::class_of(&row.level, &row.categories) else {
            bail!("train.jsonl line {}: unknown level {:?}", i + 1, row.level);
        };
        classes.push(class);
    }
    // Whole texts train the head (sentence windows are for finding a risk, not learning it).
    let texts: Vec<String> = train_rows
        .iter()
        .map(|r| r.text.trim().to_owned())
        .collect();
    let mut vectors = Vec::with_capacity(texts.len());
    let progress = indicatif_like(texts.len());
    for chunk in texts.chunks(crate::embeddings::MAX_TEXTS) {
        vectors.extend(embeddings.embed(chunk.to_vec()).await?);
        progress(vectors.len());
    }
    let examples: Vec<head::Example<'_>> = texts
        .iter()
        .zip(&vectors)
        .zip(&classes)
        .map(|((text, v), &class)| head::Example {
            text,
            vector: v.as_slice(),
            class,
        })
        .collect();
    eprintln!(
        "fitting the kind model (softmax), the meaning model (kernel, {} prototypes) and the wording model (n-grams)",
        examples.len()
    );
    let head = head::fit(
        &examples,
        "sentence-transformers/all-MiniLM-L6-v2",
        Provenance {
            train_sha256: train_sha,
            dev_sha256: dev_sha,
            examples: 0,
            settings: String::new(),
            thresholds: format!(
                "chosen on dev, with the rules: the lowest concern threshold with at most {:.1}% of \
                 ordinary messages and {:.1}% of hard negatives flagged; the lowest crisis \
                 threshold at or above it adding at most {:.1}% false crises on non-crisis messages",
                args.max_ordinary_flagged * 100.0,
                args.max_hard_negative_flagged * 100.0,
                args.max_false_crisis * 100.0,
            ),
        },
    );
    // Reload through JSON: the head is used as the binary will load it.
    let mut head = Head::from_json(&serde_json::to_string(&head)?)?;
    eprintln!("choosing thresholds on {} dev messages", dev_rows.len());
    let judged = judge(&dev_rows, &gate, &embeddings).await?;
    choose_thresholds(&mut head, &dev_rows, &judged, &args);
    let json = serde_json::to_string(&head)?;
    std::fs::write(&args.out, format!("{json}\n"))
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "wrote {}: crisis threshold {:.3}, concern threshold {:.3} ({} training messages)",
        args.out.display(),
        head.crisis_threshold,
        head.concern_threshold,
        examples.len()
    );
    let stage = SemanticStage::new(embeddings.clone(), head);
    report("dev", &dev_rows, &judged, &stage, false);
    Ok(Outcome(true))
}

/// Sets the head's thresholds from its scores on dev (`rows`, judged): the lowest concern
/// threshold that, with the rules, flags at most the allowed share of ordinary messages and
/// of hard negatives; the lowest crisis threshold at or above it that adds at most the
/// allowed share of false crises.
fn choose_thresholds(head: &mut Head, dev_rows: &[Labelled], judged: &Judged, args: &TrainArgs) {
    let riskiest: Vec<head::Scores> = judged
        .windows
        .iter()
        .zip(&judged.vectors)
        .map(|(windows, vectors)| {
            head.riskiest(windows, vectors).unwrap_or(head::Scores {
                risk: 0.0,
                meaning: 0.0,
                wording: 0.0,
                top: 1,
            })
        })
        .collect();
    let grid: Vec<f32> = (1..1000).map(|i| i as f32 / 1000.0).collect();
    let rate = |hits: usize, n: usize| hits as f64 / n.max(1) as f64;
    let ids = |keep: &dyn Fn(&Labelled) -> bool| -> Vec<usize> {
        (0..dev_rows.len())
            .filter(|&i| keep(&dev_rows[i]))
            .collect()
    };
    let ordinary = ids(&|r| r.expected() == Level::None && r.is_ordinary());
    let hard = ids(&|r| r.expected() == Level::None && !r.is_ordinary());
    let non_crisis = ids(&|r| r.expected() != Level::Crisis);
    head.concern_threshold = grid
        .iter()
        .copied()
        .find(|&t| {
            let flagged = |ids: &[usize]| {
                ids.iter()
                    .filter(|&&i| judged.rules[i] > Level::None || riskiest[i].risk >= t)
                    .count()
            };
            rate(flagged(&ordinary), ordinary.len()) <= args.max_ordinary_flagged
                && rate(flagged(&hard), hard.len()) <= args.max_hard_negative_flagged
        })
        .unwrap_or(0.999);
    head.crisis_threshold = grid
        .iter()
        .copied()
        .filter(|&t| t >= head.concern_threshold)
        .find(|&t| {
            let added = non_crisis
                .iter()
                .filter(|&&i| {
                    judged.rules[i] != Level::Crisis
                        && riskiest[i].risk >= t
                        && riskiest[i].is_crisis_kind()
                })
                .count();
            rate(added, non_crisis.len()) <= args.max_false_crisis
        })
        .unwrap_or(0.999);
}

async fn eval(args: EvalArgs) -> anyhow::Result<Outcome> {
    let (settings, embeddings) = args.data.safety.settings()?;
    let (Some(stage), Some(embeddings)) = (settings.semantic.clone(), embeddings) else {
        bail!("the evaluation needs the semantic stage on");
    };
    let gate = rules_gate(&args.data.runtime).await?;
    for split in &args.splits {
        let (rows, _) = read_split(&args.data.data, split)?;
        let judged = judge(&rows, &gate, &embeddings).await?;
        report(
            split,
            &rows,
            &judged,
            &stage,
            args.misses && split != "test",
        );
    }
    Ok(Outcome(true))
}

/// Counts for one group of rows.
#[derive(Default, Clone, Copy)]
struct Tally {
    n: usize,
    rules: usize,
    both: usize,
    rules_crisis: usize,
    both_crisis: usize,
}

impl Tally {
    /// One row of the report.
    fn print(&self, label: &str) {
        println!(
            "  {:<34} {:>5}  {:>15}  {:>15}  {:>15}  {:>15}",
            label,
            self.n,
            pct(self.rules, self.n),
            pct(self.both, self.n),
            pct(self.rules_crisis, self.n),
            pct(self.both_crisis, self.n)
        );
    }
}

fn pct(a: usize, n: usize) -> String {
    if n == 0 {
        "-".into()
    } else {
        format!("{:5.1}%", 100.0 * a as f64 / n as f64)
    }
}

/// Prints the split's figures: crisis recall (concern or crisis counts as caught), crises
/// rated crisis, flags and false crises on non-crisis messages, per kind.
fn report(split: &str, rows: &[Labelled], judged: &Judged, stage: &SemanticStage, misses: bool) {
    let mut by_group: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut totals: BTreeMap<String, Tally> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let rules = judged.rules[i];
        let semantic = stage.judge(&judged.windows[i], &judged.vectors[i]).level;
        let both = rules.max(semantic);
        let group = match row.expected() {
            Level::Crisis => "crisis".to_owned(),
            Level::Concern => "concern".to_owned(),
            Level::None if row.is_ordinary() => "ordinary".to_owned(),
            Level::None => "hard-negative".to_owned(),
        };
        for t in [
            by_group
                .entry((group.clone(), row.kind().to_owned()))
                .or_default(),
            totals.entry(group.clone()).or_default(),
        ] {
            t.n += 1;
            t.rules += usize::from(rules > Level::None);
            t.both += usize::from(both > Level::None);
            t.rules_crisis += usize::from(rules == Level::Crisis);
            t.both_crisis += usize::from(both == Level::Crisis);
        }
        let wrong = match row.expected() {
            Level::Crisis => both == Level::None,
            Level::Concern => both == Level::None,
            Level::None => both > Level::None,
        };
        if misses && wrong {
            println!(
                "  {split} {group}/{} [{:?} -> rules {rules:?}, semantic {semantic:?}] {}",
                row.kind(),
                row.level,
                row.text
            );
        }
    }
    println!("\n{split}: {} messages", rows.len());
    println!(
        "  {:<34} {:>5}  {:>15}  {:>15}  {:>15}  {:>15}",
        "group / kind", "n", "flagged: rules", "rules+meaning", "crisis: rules", "rules+meaning"
    );
    for (group, t) in &totals {
        t.print(&format!("ALL {group}"));
    }
    for ((group, kind), t) in &by_group {
        t.print(&format!("{group} / {kind}"));
    }
    let crisis = totals.get("crisis").copied().unwrap_or_default();
    let hard = totals.get("hard-negative").copied().unwrap_or_default();
    let ordinary = totals.get("ordinary").copied().unwrap_or_default();
    println!(
        "  {split} summary: crisis recall {} (rules alone {}), false crisis on hard negatives {} (rules alone {}), ordinary flagged {} (rules alone {})",
        pct(crisis.both, crisis.n),
        pct(crisis.rules, crisis.n),
        pct(hard.both_crisis, hard.n),
        pct(hard.rules_crisis, hard.n),
        pct(ordinary.both, ordinary.n),
        pct(ordinary.rules, ordinary.n)
    );
}
