//! The whole pipeline: load → validate → enrich → render → write.
//!
//! `check` runs every stage but the last; `build` runs them all. Both
//! collect every content problem before stopping.

use crate::diagnostics::{self, Diagnostic};
use crate::enrich::{self, Site};
use crate::error::Error;
use crate::load::{self, SiteSource};
use crate::render::{self, OutputFile, RenderOptions};
use crate::territories::Territories;
use crate::theme::{CompiledTheme, Theme};
use crate::validate::{self, Context};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `<root>/public`.
    pub output: Option<PathBuf>,
    /// Overrides `url_de_base` from the configuration.
    pub base_url: Option<String>,
    pub render: RenderOptions,
    /// Threads for rendering; all cores when `None`.
    pub threads: Option<usize>,
}

impl BuildOptions {
    pub fn output_dir(&self) -> PathBuf {
        self.output.clone().unwrap_or_else(|| self.root.join("public"))
    }
}

/// What a successful build or check reports.
#[derive(Debug, Clone)]
pub struct Report {
    /// Warnings only: a report with errors is an `Error::Content`.
    pub diagnostics: Vec<Diagnostic>,
    pub places: usize,
    pub files: usize,
}

/// "Today" for freshness and future dates: `SOURCE_DATE_EPOCH` when set,
/// so that a rebuild of the same commit gives the same site.
pub fn today() -> NaiveDate {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map(|dt| dt.date_naive())
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

/// Loads and validates; returns the site model and every warning, or every error.
pub fn prepare(root: &Path, base_url: Option<&str>) -> Result<(Site, Vec<Diagnostic>), Error> {
    prepare_source(timed("lecture", || load::load_site(root))?, base_url)
}

/// [`prepare`] on files already read.
pub fn prepare_source(source: SiteSource, base_url: Option<&str>) -> Result<(Site, Vec<Diagnostic>), Error> {
    let validated = validate_source(source, base_url, true)?;
    let site = timed("enrichissement", || {
        enrich::enrich(
            validated.config,
            validated.places,
            validated.pages,
            Territories::embedded(),
            validated.today,
        )
    });
    Ok((site, validated.warnings))
}

/// Runs one stage; with `ANNUAIRE_ETAPES=1`, prints how long it took on
/// stderr (for the benchmarks: which stage to work on).
pub fn timed<T>(stage: &str, f: impl FnOnce() -> T) -> T {
    if !show_stages() {
        return f();
    }
    let started = std::time::Instant::now();
    let cpu = process_cpu_seconds();
    let value = f();
    stage_done(stage, started);
    if let (Some(before), Some(after)) = (cpu, process_cpu_seconds()) {
        eprintln!("  (temps de calcul : {:.1} ms)", (after - before) * 1000.0);
    }
    if let Some(peak) = peak_memory_mib() {
        eprintln!("  (mémoire maximale jusqu'ici : {peak} Mio)");
    }
    value
}

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (mimalloc.h, v3):
/// not among the constants libmimalloc-sys names.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps the memory the process frees for its next allocations, instead of
/// handing it back to the system. `serve` idles between two saves: with mimalloc's
/// default delay (1 s), what an update and the dashboard's refresh freed is
/// returned during the pause, and the next update faults it back in. At
/// 10,000 places, saves 3.5 s apart: 30–42 ms per name change, 20–23 ms
/// without purging. The process stays at its peak, which a full rebuild
/// needs again anyway. `build` keeps it too: mimalloc handed back memory
/// freed a second earlier while the build still allocated (national site:
/// 298,000 → 222,000 page faults, peak about 867 → 900 MiB). Called by the
/// binary, which chose mimalloc, for `build` and `serve`.
pub fn keep_freed_memory() {
    // SAFETY: sets one of mimalloc's integer options, which it reads again
    // at every purge; the value -1 is documented as "no purging at all".
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

/// Seeds for hash maps from a counter per thread. ahash's default source
/// is one counter for the whole process, which every new map increments:
/// Tera makes a map per struct of every page, so that counter bounced
/// between the cores a few million times per national build. Each map
/// still gets its own seed.
struct ThreadSeeds;

impl ahash::random_state::RandomSource for ThreadSeeds {
    fn gen_hasher_seed(&self) -> usize {
        thread_local! {
            static NEXT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
        }
        NEXT.with(|next| {
            // Starts from the counter's own address, which differs by
            // thread, as ahash's default starts from a static's address.
            let seed = match next.get() {
                0 => next as *const _ as usize,
                n => n,
            }
            .wrapping_add(0x9e37_79b9_7f4a_7c15_u64 as usize);
            next.set(seed);
            seed
        })
    }
}

/// Makes ahash (Tera's maps, and ours) take seeds from [`ThreadSeeds`].
/// Must come before the first map: afterwards, the default source stays.
/// Called by the binary at its start.
pub fn seed_hash_maps_per_thread() {
    let _ = ahash::random_state::set_random_source(ThreadSeeds);
}

/// Peak resident memory of the process so far, where the system says it
/// (Linux): tells which stage sets the peak.
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// CPU time of the whole process so far (all threads), where the system
/// says it (Linux): tells a stage that keeps both cores busy from one that
/// runs on one.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// With `ANNUAIRE_ETAPES=1`, prints how long a stage begun at `started` took.
pub fn stage_done(stage: &str, started: std::time::Instant) {
    if show_stages() {
        eprintln!("étape {stage} : {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    }
}

/// What validation keeps of a site: valid content, and the warnings.
pub struct Validated {
    pub config: crate::config::Config,
    pub places: Vec<validate::ValidPlace>,
    pub pages: Vec<validate::Page>,
    pub warnings: Vec<Diagnostic>,
    pub today: NaiveDate,
}

/// Validates the files read; every error, or the valid content.
///
/// With `descriptions`, the places' descriptions are rendered as they are
/// checked (a build needs them, `check` does not).
fn validate_source(source: SiteSource, base_url: Option<&str>, descriptions: bool) -> Result<Validated, Error> {
    let SiteSource {
        config,
        places,
        pages,
        diagnostics: mut problems,
        ..
    } = source;
    let mut config = config;
    if let Some(url) = base_url {
        config.url_de_base = url.to_string();
    }
    let territories = timed("territoires", Territories::embedded);
    let today = today();
    let base_path = config.base_path();
    let ctx = Context {
        territories,
        departements: &config.departements,
        today,
        stale_months: config.fraicheur_mois,
        descriptions_under: descriptions.then_some(base_path.as_str()),
    };
    let (valid_places, place_problems) = timed("validation", || validate::validate_places(&places, &ctx));
    problems.extend(place_problems);
    let mut valid_pages = Vec::new();
    for file in &pages {
        let (page, page_problems) = validate::validate_page_file(file);
        problems.extend(page_problems);
        valid_pages.extend(page);
    }
    diagnostics::sort(&mut problems);
    if problems.iter().any(Diagnostic::is_error) {
        return Err(Error::Content(problems));
    }
    Ok(Validated {
        config,
        places: valid_places,
        pages: valid_pages,
        warnings: problems,
        today,
    })
}

/// Where rendered files go: the staging folder of a build, or memory.
pub trait Sink: Sync {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Error>;

    /// A file given as pieces, in order (the open data: hundreds of
    /// megabytes nationally, never joined in memory when writing to disk).
    fn put_pieces(&self, path: &str, pieces: &[std::borrow::Cow<'_, [u8]>]) -> Result<(), Error> {
        self.put(path, &pieces.concat())
    }

    /// A file written in several calls, each piece droppable once written
    /// (the open data of a national site, produced a few places at a time).
    /// By default it is gathered in memory and `put` when finished.
    fn open<'a>(&'a self, path: &str) -> Result<Box<dyn FileWriter + 'a>, Error>
    where
        Self: 'a,
    {
        Ok(Box::new(Gathered {
            sink: self,
            path: path.to_string(),
            bytes: Vec::new(),
        }))
    }
}

/// A file being written in parts (see [`Sink::open`]).
pub trait FileWriter {
    fn write(&mut self, pieces: &[std::borrow::Cow<'_, [u8]>]) -> Result<(), Error>;
    fn finish(self: Box<Self>) -> Result<(), Error>;
}

struct Gathered<'a, S: Sink + ?Sized> {
    sink: &'a S,
    path: String,
    bytes: Vec<u8>,
}

impl<S: Sink + ?Sized> FileWriter for Gathered<'_, S> {
    fn write(&mut self, pieces: &[std::borrow::Cow<'_, [u8]>]) -> Result<(), Error> {
        for piece in pieces {
            self.bytes.extend_from_slice(piece);
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<(), Error> {
        self.sink.put(&self.path, &self.bytes)
    }
}

impl FileWriter for crate::write::FileInParts {
    fn write(&mut self, pieces: &[std::borrow::Cow<'_, [u8]>]) -> Result<(), Error> {
        crate::write::FileInParts::write(self, pieces)
    }

    fn finish(self: Box<Self>) -> Result<(), Error> {
        crate::write::FileInParts::finish(*self)
    }
}

impl Sink for crate::write::Staging {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        crate::write::Staging::put(self, path, bytes)
    }

    fn put_pieces(&self, path: &str, pieces: &[std::borrow::Cow<'_, [u8]>]) -> Result<(), Error> {
        crate::write::Staging::put_pieces(self, path, pieces)
    }

    fn open<'a>(&'a self, path: &str) -> Result<Box<dyn FileWriter + 'a>, Error>
    where
        Self: 'a,
    {
        Ok(Box::new(crate::write::Staging::open(self, path)?))
    }
}

/// Keeps every file in memory (tests, `serve`'s comparisons).
#[derive(Default)]
pub struct MemorySink(pub std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>);

impl Sink for MemorySink {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_string(), bytes.to_vec());
        Ok(())
    }
}

impl MemorySink {
    pub fn into_files(self) -> Vec<OutputFile> {
        self.0
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .map(|(path, bytes)| OutputFile { path, bytes })
            .collect()
    }
}

/// Path → content hash of every file a build wrote.
pub type Manifest = std::collections::BTreeMap<String, u64>;

/// The paths and hashes of rendered pages. Sorted on both cores, then
/// built in one pass: inserted one by one, the national site's 134,000
/// paths took a few hundredths of a second on one core, after the last page.
fn pages_manifest(pages: Vec<(String, u64, render::Reads)>) -> Manifest {
    use rayon::prelude::*;
    let mut pairs: Vec<(String, u64)> = pages.into_iter().map(|(path, hash, _)| (path, hash)).collect();
    pairs.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    pairs.into_iter().collect()
}

/// Renders every page in parallel and sends each file to `sink` as soon as
/// it is ready; returns what was written.
pub fn render_all(
    site: &Site,
    theme: &Theme,
    compiled: CompiledTheme,
    root: &Path,
    options: &RenderOptions,
    sink: &dyn Sink,
) -> Result<Manifest, Error> {
    let renderer =
        render::Renderer::with_templates(site, std::sync::Arc::new(compiled.tera), compiled.preminified, options)?;
    // The dashboard (half a second nationally) is computed beside the
    // pages that do not read it, instead of before them all.
    let (dashboard_keys, other_keys): (Vec<_>, Vec<_>) = render::page_keys(site, 0)
        .into_iter()
        .partition(|key| key.reads_dashboard());
    let (dashboard_files, (pages, data)) = rayon::join(
        || -> Result<Manifest, Error> {
            let dashboard = timed("tableau de bord", || renderer.compute_dashboard());
            let mut keys = dashboard_keys;
            keys.extend((0..dashboard.charts.len()).map(render::PageKey::DashboardChart));
            let mut manifest = write_dashboard_figures(site, dashboard, sink)?;
            let pages = render_pages(&renderer, &keys, sink, false)?;
            manifest.append(&mut pages_manifest(pages));
            Ok(manifest)
        },
        || {
            rayon::join(
                || timed("pages", || render_pages(&renderer, &other_keys, sink, false)),
                || {
                    timed("données", || {
                        write_data_files_with(site, sink, || stream_open_data(site, sink))
                    })
                },
            )
        },
    );
    let mut manifest = data?;
    manifest.append(&mut pages_manifest(pages?));
    manifest.append(&mut dashboard_files?);
    // Last: the site's static files replace anything of the same path.
    manifest.extend(static_files(theme, root, sink)?);
    if !options.live_reload {
        // A service worker in `serve` would keep stale pages across rebuilds.
        let sw = render::render_service_worker(&renderer, &content_version(&manifest))?;
        let (path, hash) = put(sink, sw.path, &sw.bytes)?;
        manifest.insert(path, hash);
    }
    drop_in_background(renderer.into_caches());
    Ok(manifest)
}

/// The open data, the search indexes and the static files (after the
/// pages: they replace anything of the same path).
pub fn render_all_but_pages(
    site: &Site,
    dashboard: &crate::dashboard::Dashboard,
    rows: &[crate::export::PlaceRows],
    theme: &Theme,
    root: &Path,
    sink: &dyn Sink,
) -> Result<Manifest, Error> {
    let mut manifest = write_data_files(site, dashboard, rows, sink)?;
    manifest.extend(static_files(theme, root, sink)?);
    Ok(manifest)
}

/// Writes one file; returns its path and hash.
pub fn put(sink: &dyn Sink, path: String, bytes: &[u8]) -> Result<(String, u64), Error> {
    sink.put(&path, bytes)?;
    let hash = hash_file(&path, bytes);
    Ok((path, hash))
}

/// Writes one file given as pieces; returns its path and hash (the hash of
/// the pieces joined).
fn put_pieces(sink: &dyn Sink, path: &str, pieces: &[std::borrow::Cow<'_, [u8]>]) -> Result<(String, u64), Error> {
    sink.put_pieces(path, pieces)?;
    Ok((path.to_string(), hash_file_pieces(path, pieces)))
}

/// Pages rendered in one go by a thread: small enough that the other core
/// does not wait long for the last task, large enough to cost nothing.
const PAGES_PER_TASK: usize = 64;

/// Renders `keys` in parallel into `sink`: path, hash and (if `record`)
/// what each page read.
pub fn render_pages(
    renderer: &render::Renderer<'_>,
    keys: &[render::PageKey],
    sink: &dyn Sink,
    record: bool,
) -> Result<Vec<(String, u64, render::Reads)>, Error> {
    use rayon::prelude::*;
    let by_kind = KindTimes::default();
    let result = keys
        .par_iter()
        // Pages differ in cost a hundredfold: rayon would leave tasks of
        // thousands of pages, and one core alone with the last of them.
        .with_max_len(PAGES_PER_TASK)
        .map(|&key| {
            let started = by_kind.start();
            let mut reads = if record {
                render::Reads::recording()
            } else {
                render::Reads::default()
            };
            let bytes = renderer.render(key, &mut reads)?;
            let (path, hash) = put(sink, renderer.output_path(key), &bytes)?;
            by_kind.add(key, started);
            Ok((path, hash, reads))
        })
        .collect();
    by_kind.print();
    result
}

fn show_stages() -> bool {
    static SHOW: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SHOW.get_or_init(|| std::env::var_os("ANNUAIRE_ETAPES").is_some_and(|v| v == "1"))
}

/// With `ANNUAIRE_ETAPES=1`: thread time spent per kind of page.
#[derive(Default)]
struct KindTimes(std::sync::Mutex<std::collections::BTreeMap<String, (usize, f64)>>);

impl KindTimes {
    fn start(&self) -> Option<std::time::Instant> {
        show_stages().then(std::time::Instant::now)
    }

    fn add(&self, key: render::PageKey, started: Option<std::time::Instant>) {
        let Some(started) = started else { return };
        let kind = format!("{key:?}");
        let kind = kind.split('(').next().unwrap_or("").to_string();
        let mut times = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let entry = times.entry(kind).or_default();
        entry.0 += 1;
        entry.1 += started.elapsed().as_secs_f64();
    }

    fn print(&self) {
        for (kind, (count, seconds)) in self.0.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            eprintln!(
                "  pages {kind} : {count} en {:.0} ms de calcul ({:.0} µs chacune)",
                seconds * 1000.0,
                seconds * 1e6 / *count as f64
            );
        }
    }
}

/// Writes the open data (from every place's `rows`), the search indexes
/// and the dashboard's figures; returns what was written.
pub fn write_data_files(
    site: &Site,
    dashboard: &crate::dashboard::Dashboard,
    rows: &[crate::export::PlaceRows],
    sink: &dyn Sink,
) -> Result<Manifest, Error> {
    use rayon::prelude::*;
    let (data, figures) = rayon::join(
        || {
            write_data_files_with(site, sink, || {
                crate::export::open_data_files(rows)?
                    .par_iter()
                    .map(|file| put_pieces(sink, file.path, &file.pieces))
                    .collect()
            })
        },
        || write_dashboard_figures(site, dashboard, sink),
    );
    let mut manifest = data?;
    manifest.extend(figures?);
    Ok(manifest)
}

/// The open data files of `site` written as they are produced, a few
/// places at a time (a build keeps no rows: `serve` does, through
/// [`write_data_files`]).
fn stream_open_data(site: &Site, sink: &dyn Sink) -> Result<Manifest, Error> {
    let layouts = crate::export::Layout::ALL;
    let mut files = Vec::with_capacity(layouts.len());
    for layout in layouts {
        files.push((sink.open(layout.path())?, ContentHasher::new()));
    }
    crate::export::stream_open_data(site, |file, pieces| {
        let (writer, hasher) = &mut files[file];
        for piece in pieces {
            hasher.update(piece);
        }
        writer.write(pieces)
    })?;
    let mut manifest = Manifest::new();
    for ((writer, hasher), layout) in files.into_iter().zip(layouts) {
        writer.finish()?;
        let path = layout.path().to_string();
        let hash = path_and_content_hash(&path, hasher);
        manifest.insert(path, hash);
    }
    Ok(manifest)
}

/// The open data (written by `open_data`) and the search indexes.
fn write_data_files_with(
    site: &Site,
    sink: &dyn Sink,
    open_data: impl FnOnce() -> Result<Manifest, Error> + Send,
) -> Result<Manifest, Error> {
    let (open_data, search) = rayon::join(open_data, || -> Result<Manifest, Error> {
        crate::search::search_files(site)?
            .into_iter()
            .map(|f| put(sink, f.path, &f.bytes))
            .collect()
    });
    let mut manifest = open_data?;
    manifest.extend(search?);
    Ok(manifest)
}

/// The network dashboard's figures, for the département's own reports.
fn write_dashboard_figures(
    site: &Site,
    dashboard: &crate::dashboard::Dashboard,
    sink: &dyn Sink,
) -> Result<Manifest, Error> {
    crate::dashboard::csv_files(site, &dashboard.coverage)?
        .into_iter()
        .map(|f| put(sink, f.path, &f.bytes))
        .collect()
}

/// The theme's static files, then the site's own, which replace them.
fn static_files(theme: &Theme, root: &Path, sink: &dyn Sink) -> Result<Manifest, Error> {
    let mut manifest = Manifest::new();
    for (path, bytes) in &theme.static_files {
        let (path, hash) = put(sink, format!("static/{path}"), bytes)?;
        manifest.insert(path, hash);
    }
    for file in site_static_files(root)? {
        let (path, hash) = put(sink, file.path, &file.bytes)?;
        manifest.insert(path, hash);
    }
    Ok(manifest)
}

/// One number for the whole site's content, from each file's path and hash
/// in path order: the same content gives the same version, whatever the
/// machine or the order files were produced in.
pub fn content_version(manifest: &Manifest) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (path, file_hash) in manifest {
        hash = mix(hash, hash_bytes(path.as_bytes()));
        hash = mix(hash, *file_hash);
    }
    format!("{hash:016x}")
}

pub fn hash_file(path: &str, bytes: &[u8]) -> u64 {
    hash_file_pieces(path, &[std::borrow::Cow::Borrowed(bytes)])
}

/// [`hash_file`] of a file given as pieces: the hash of the pieces joined.
fn hash_file_pieces(path: &str, pieces: &[std::borrow::Cow<'_, [u8]>]) -> u64 {
    let mut hasher = ContentHasher::new();
    for piece in pieces {
        hasher.update(piece);
    }
    path_and_content_hash(path, hasher)
}

/// A file's entry in the manifest: its path and its content.
fn path_and_content_hash(path: &str, content: ContentHasher) -> u64 {
    mix(hash_bytes(path.as_bytes()), content.finish())
}

fn mix(a: u64, b: u64) -> u64 {
    let x = (a ^ b.rotate_left(23)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^ (x >> 29)
}

/// A fast non-cryptographic hash, eight bytes at a time: it only has to
/// notice that a file changed, for the offline cache's version.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut hasher = ContentHasher::new();
    hasher.update(bytes);
    hasher.finish()
}

/// [`hash_bytes`] of content given in pieces of any sizes, whose total
/// length is known only at the end (a streamed file).
///
/// Every output byte is hashed (1.4 GB nationally): four independent lanes
/// of 8-byte words, so that the processor works on four multiplications at
/// once instead of waiting on one chain.
struct ContentHasher {
    lanes: [u64; LANES],
    /// Bytes of a block not complete yet.
    pending: [u8; BLOCK],
    pending_len: usize,
    len: u64,
}

const LANES: usize = 4;
const BLOCK: usize = 8 * LANES;

impl ContentHasher {
    fn new() -> ContentHasher {
        ContentHasher {
            lanes: [
                0x243f_6a88_85a3_08d3,
                0x1319_8a2e_0370_7344,
                0xa409_3822_299f_31d0,
                0x082e_fa98_ec4e_6c89,
            ],
            pending: [0; BLOCK],
            pending_len: 0,
            len: 0,
        }
    }

    fn block(&mut self, block: &[u8]) {
        for (lane, word) in self.lanes.iter_mut().zip(block.chunks_exact(8)) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            *lane = mix(*lane, u64::from_le_bytes(bytes));
        }
    }

    fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.pending_len > 0 {
            let take = (BLOCK - self.pending_len).min(bytes.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&bytes[..take]);
            self.pending_len += take;
            bytes = &bytes[take..];
            if self.pending_len < BLOCK {
                return;
            }
            let pending = self.pending;
            self.block(&pending);
            self.pending_len = 0;
        }
        let mut blocks = bytes.chunks_exact(BLOCK);
        for block in &mut blocks {
            self.block(block);
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    fn finish(mut self) -> u64 {
        self.pending[self.pending_len..].fill(0);
        let pending = self.pending;
        self.block(&pending);
        // The length tells apart contents that differ only by trailing zeros.
        let [a, b, c, d] = self.lanes;
        mix(mix(mix(mix(a, b), c), d), self.len)
    }
}

/// The site's own `static/` folder (logo, documents), copied under `static/`.
fn site_static_files(root: &Path) -> Result<Vec<OutputFile>, Error> {
    let dir = root.join("static");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(&dir).sort_by_file_name().follow_links(false) {
        let entry = entry.map_err(|e| Error::io(&dir, std::io::Error::other(e.to_string())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = load::relative_path(&dir, entry.path());
        let bytes = std::fs::read(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
        files.push(OutputFile {
            path: format!("static/{}", rel.to_string_lossy()),
            bytes,
        });
    }
    Ok(files)
}

/// `annuaire check`: loads and validates every file, and
/// compiles the theme's templates; renders nothing (a build does), so that
/// a partner's check answers at once.
pub fn check(root: &Path) -> Result<Report, Error> {
    let (validated, _, _) = with_theme_beside(root, |source| validate_source(source, None, false))?;
    Ok(Report {
        diagnostics: validated.warnings,
        places: validated.places.len(),
        files: 0,
    })
}

/// `annuaire build`.
pub fn build(options: &BuildOptions) -> Result<Report, Error> {
    with_threads(options.threads, || {
        let ((site, warnings), theme, compiled) = with_theme_beside(&options.root, |source| {
            prepare_source(source, options.base_url.as_deref())
        })?;
        let staging = crate::write::Staging::create(&options.output_dir())?;
        let manifest = timed("rendu", || {
            render_all(&site, &theme, compiled, &options.root, &options.render, &staging)
        })?;
        timed("échange", || staging.commit())?;
        let report = Report {
            diagnostics: warnings,
            places: site.places.len(),
            files: manifest.len(),
        };
        drop_in_background((site, theme, manifest));
        Ok(report)
    })
}

/// Frees `value` on a thread of its own. Freeing a national site takes a
/// fifth of a second on one core, after the output is complete: `build`
/// exits without waiting for it, and a long-lived caller (`serve`, tests)
/// gets the memory back shortly after.
fn drop_in_background<T: Send + 'static>(value: T) {
    // If no thread can be started, the closure, and `value` with it, is
    // dropped right here instead.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// Reads the site, then runs `content` on its files while the theme (named
/// in the configuration) is loaded and its templates compiled beside it,
/// on the other core. A content error comes before a theme error.
pub fn with_theme_beside<T: Send>(
    root: &Path,
    content: impl FnOnce(SiteSource) -> Result<T, Error> + Send,
) -> Result<(T, Theme, CompiledTheme), Error> {
    let source = timed("lecture", || load::load_site(root))?;
    let theme_name = source.config.theme.clone();
    let (content, theme) = rayon::join(
        || content(source),
        || -> Result<_, Error> {
            let theme = Theme::load(root, &theme_name)?;
            let compiled = timed("gabarits", || theme.compile())?;
            Ok((theme, compiled))
        },
    );
    let content = content?;
    let (theme, compiled) = theme?;
    Ok((content, theme, compiled))
}

/// Runs `f` on `threads` threads (all cores when `None`).
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> Result<T, Error> + Send) -> Result<T, Error> {
    match threads {
        None => f(),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?
            .install(f),
    }
}

/// One place file, from raw bytes to its rendered page, the way a build
/// would treat it, for a site covering département 64. Used by the fuzz
/// target and the property tests: whatever the bytes, this returns a page
/// or diagnostics, never panics.
pub fn place_page_from_bytes(bytes: &[u8]) -> Result<String, Vec<Diagnostic>> {
    use crate::diagnostics::Position;
    let path = std::path::PathBuf::from("content/lieux/essai.md");
    if bytes.len() as u64 > load::MAX_FILE_BYTES {
        return Err(vec![Diagnostic::error(
            &path,
            Position::new(1, 1),
            "taille",
            "fichier trop gros",
        )]);
    }
    let Ok(text) = String::from_utf8(bytes.to_vec()) else {
        return Err(vec![Diagnostic::error(
            &path,
            Position::new(1, 1),
            "encodage",
            "pas en UTF-8",
        )]);
    };
    let config = crate::config::parse(PREVIEW_CONFIG, Path::new("annuaire.yaml"))?;
    let territories = Territories::embedded();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let ctx = Context {
        territories,
        departements: &config.departements,
        today,
        stale_months: 12,
        descriptions_under: None,
    };
    let file = load::ContentFile { path, text };
    let (place, diagnostics) = validate::validate_place_file(&file, &ctx);
    let place = match place {
        Some(p) if !diagnostics.iter().any(Diagnostic::is_error) => p,
        _ => return Err(diagnostics),
    };
    let site = enrich::enrich(config, vec![place], Vec::new(), territories, today);
    render::render_place_default_theme(&site, 0).map_err(|e| {
        vec![Diagnostic::error(
            &file.path,
            Position::new(1, 1),
            "rendu",
            e.to_string(),
        )]
    })
}

const PREVIEW_CONFIG: &str = "titre: Essai\nediteur: Essai\nurl_de_base: https://exemple.fr/\ndepartements: [\"64\"]\ncontact:\n  nom: Essai\n  courriel: essai@exemple.fr\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_map_gets_its_own_seed_on_every_thread() {
        use ahash::random_state::RandomSource;
        let seeds = || (0..1000).map(|_| ThreadSeeds.gen_hasher_seed()).collect::<Vec<_>>();
        let here = seeds();
        let there = std::thread::spawn(seeds).join().unwrap();
        let mut all: Vec<usize> = here.iter().chain(&there).copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 2000);
    }

    #[test]
    fn the_option_turned_off_is_mimallocs_purge_delay() {
        // SAFETY: reads one of mimalloc's integer options.
        let get = || unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        // Its default in mimalloc v3 is 1,000 ms, which no neighbouring
        // option has: a renumbered enum would show here. (Nothing else in
        // this test binary sets it; the environment may.)
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() && std::env::var_os("MIMALLOC_RESET_DELAY").is_none() {
            assert_eq!(get(), 1000);
        }
        keep_freed_memory();
        assert_eq!(get(), -1);
    }

    #[test]
    fn hashing_in_pieces_gives_the_hash_of_the_whole() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for len in [0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 1000] {
            let whole = &bytes[..len];
            for cuts in [
                vec![],
                vec![1],
                vec![3, 5],
                vec![8, 9, 10],
                vec![31, 33],
                vec![2, 2, 40, 41, 500],
            ] {
                let mut hasher = ContentHasher::new();
                let mut start = 0;
                for cut in cuts.into_iter().filter(|&c| c <= len) {
                    hasher.update(&whole[start..cut]);
                    start = cut;
                }
                hasher.update(&whole[start..]);
                assert_eq!(hasher.finish(), hash_bytes(whole), "{len} bytes");
            }
        }
        assert_ne!(hash_bytes(b"a"), hash_bytes(b"a\0"), "the length counts");
        // Each byte counts, whichever lane it falls in.
        let base = hash_bytes(&bytes[..100]);
        for i in 0..100 {
            let mut changed = bytes[..100].to_vec();
            changed[i] ^= 1;
            assert_ne!(hash_bytes(&changed), base, "byte {i}");
        }
    }
}
