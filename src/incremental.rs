//! Incremental rebuilds for `annuaire serve`: when a partner saves one
//! place file, only the pages that show something of it are rendered again.
//!
//! A full build records, for every page, what it read of the site model
//! ([`Reads`]): the places it sums up, the lists it shows (a commune's
//! places, its nearest places, an EPCI's places for a need…), and whether
//! it counts over every place. That is the dependency graph. An edit then:
//! 1. validates the one file (every other file is unchanged);
//! 2. replaces the place in the site model, and recomputes only the lists
//!    it can enter or leave ([`enrich::replace_place`]);
//! 3. renders the pages whose reads meet what changed: the place's page,
//!    the pages summing it up if its summary changed (their cards of the
//!    place are rendered again), the pages counting places if its commune
//!    or services changed, the pages showing a changed list, and the
//!    search index of its département;
//! 4. writes only the pages and indexes whose bytes changed, and, if the
//!    place's rows in the open data changed, the three open data files,
//!    straight from every place's rows;
//! 5. then, apart, the network dashboard, which measures every commune's
//!    distance to every service ([`LiveSite::refresh_dashboard`]).
//!
//! Anything else (a new, removed or renamed place, a page, the theme, the
//! configuration, a change in which pages exist) is a full rebuild. The
//! tests check that an incremental rebuild writes exactly what a full
//! build of the same files would.

use crate::diagnostics::{self, Diagnostic};
use crate::enrich::{self, ChangedList, Site};
use crate::error::Error;
use crate::load::{self, ContentFile};
use crate::pipeline::{self, BuildOptions, Manifest, Sink};
use crate::render::{self, List, PageKey, Reads, Renderer};
use crate::territories::Territories;
use crate::validate::{self, Context};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A built site kept in memory, with what each page read.
pub struct LiveSite {
    options: BuildOptions,
    /// The templates, compiled once.
    tera: std::sync::Arc<tera::Tera>,
    preminified: bool,
    /// Fixed by the territories: kept to list the pages without computing
    /// the dashboard.
    charts: usize,
    /// Pages and files of the dashboard are behind the rest (see
    /// [`LiveSite::refresh_dashboard`]).
    dashboard_stale: bool,
    /// Every place's lines in the open data files.
    rows: Vec<crate::export::PlaceRows>,
    /// Length of each open data file as last written, in the order of
    /// [`crate::export::open_data_files`]: an edit rewrites them in place
    /// from the first changed place only if they are still that long.
    open_data_lengths: [u64; 3],
    /// Every place's card on lists, rendered once.
    cards: std::sync::Arc<render::Cards>,
    site: Site,
    /// Warnings by file, so that an edit replaces that file's own.
    warnings: Vec<Diagnostic>,
    keys: Vec<PageKey>,
    graph: Graph,
    /// Hash of each file written, to write only what changed; the open
    /// data files follow `rows` instead (hashing them would cost as much as
    /// writing them).
    manifest: Manifest,
}

/// What happened to an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Pages rendered again, and files actually written.
    Incremental { rendered: usize, written: usize },
    /// Everything was rebuilt.
    Full,
    /// Only files the build never reads changed (an editor's swap file).
    Unchanged,
}

/// Which pages read what.
#[derive(Default)]
struct Graph {
    by_summary: HashMap<usize, Vec<usize>>,
    by_list: HashMap<List, Vec<usize>>,
    everything: Vec<usize>,
    counts: Vec<usize>,
    all_fields: Vec<usize>,
    /// What each page read, to take it out of the maps above when the
    /// page is rendered again (without going through all of them).
    reads: Vec<Reads>,
}

impl Graph {
    fn new(reads: Vec<Reads>) -> Graph {
        let mut graph = Graph {
            reads: (0..reads.len()).map(|_| Reads::default()).collect(),
            ..Graph::default()
        };
        for (page, r) in reads.into_iter().enumerate() {
            graph.add(page, r);
        }
        graph
    }

    fn add(&mut self, page: usize, r: Reads) {
        for &p in &r.summaries {
            self.by_summary.entry(p).or_default().push(page);
        }
        for &l in &r.lists {
            self.by_list.entry(l).or_default().push(page);
        }
        if r.everything {
            self.everything.push(page);
        }
        if r.counts {
            self.counts.push(page);
        }
        if r.all_fields {
            self.all_fields.push(page);
        }
        self.reads[page] = r;
    }

    fn remove(&mut self, page: usize) {
        let old = std::mem::take(&mut self.reads[page]);
        for p in &old.summaries {
            if let Some(pages) = self.by_summary.get_mut(p) {
                pages.retain(|&x| x != page);
            }
        }
        for l in &old.lists {
            if let Some(pages) = self.by_list.get_mut(l) {
                pages.retain(|&x| x != page);
            }
        }
        if old.everything {
            self.everything.retain(|&x| x != page);
        }
        if old.counts {
            self.counts.retain(|&x| x != page);
        }
        if old.all_fields {
            self.all_fields.retain(|&x| x != page);
        }
    }
}

/// Writes files in place in the served folder, each replaced atomically.
struct InPlace<'a>(&'a Path);

impl Sink for InPlace<'_> {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        let rel = crate::write::safe_relative(path)
            .ok_or_else(|| Error::Internal(format!("chemin de sortie refusé : {path}")))?;
        crate::write::replace_file(&self.0.join(rel), bytes)
    }
}

impl LiveSite {
    /// A full build, recording the dependency graph.
    pub fn build(options: &BuildOptions) -> Result<(LiveSite, Vec<Diagnostic>), Error> {
        pipeline::with_threads(options.threads, || {
            let ((site, warnings), theme, compiled) = pipeline::with_theme_beside(&options.root, |source| {
                pipeline::prepare_source(source, options.base_url.as_deref())
            })?;
            let staging = crate::write::Staging::create(&options.output_dir())?;
            let tera = std::sync::Arc::new(compiled.tera);
            let rows = crate::export::place_rows(&site)?;
            let open_data_lengths = crate::export::open_data_files(&rows)?.each_ref().map(|f| f.byte_len());
            let (keys, reads, manifest, charts, cards) = {
                let renderer = Renderer::with_templates(&site, tera.clone(), compiled.preminified, &options.render)?;
                let keys = renderer.page_keys();
                let pages = pipeline::render_pages(&renderer, &keys, &staging, true)?;
                let rest = pipeline::render_all_but_pages(
                    &site,
                    renderer.dashboard(),
                    &rows,
                    &theme,
                    &options.root,
                    &staging,
                )?;
                let mut manifest = Manifest::new();
                let mut reads = Vec::with_capacity(pages.len());
                for (path, hash, r) in pages {
                    manifest.insert(path, hash);
                    reads.push(r);
                }
                manifest.extend(rest);
                (keys, reads, manifest, renderer.chart_count(), renderer.card_cache())
            };
            staging.commit()?;
            let live = LiveSite {
                rows,
                open_data_lengths,
                cards,
                options: options.clone(),
                tera,
                preminified: compiled.preminified,
                charts,
                dashboard_stale: false,
                site,
                warnings: warnings.clone(),
                keys,
                graph: Graph::new(reads),
                manifest,
            };
            Ok((live, warnings))
        })
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    pub fn places(&self) -> usize {
        self.site.places.len()
    }

    /// Applies the files changed on disk: incrementally when they are only
    /// edits of existing places keeping their id, else by a full rebuild.
    /// On a content error, nothing is written and the error is returned.
    pub fn apply(&mut self, changed: &[PathBuf]) -> Result<(Outcome, Vec<Diagnostic>), Error> {
        let started = std::time::Instant::now();
        let result = self.apply_changes(changed);
        pipeline::stage_done("mise à jour", started);
        result
    }

    fn apply_changes(&mut self, changed: &[PathBuf]) -> Result<(Outcome, Vec<Diagnostic>), Error> {
        match self.edits(changed)? {
            Some(edits) if edits.is_empty() => Ok((Outcome::Unchanged, self.warnings.clone())),
            Some(edits) => self.apply_edits(edits),
            None => self.full(),
        }
    }

    /// The place edits among `changed`, or `None` when something else
    /// changed (then only a full rebuild is right).
    fn edits(&self, changed: &[PathBuf]) -> Result<Option<Vec<(usize, ContentFile)>>, Error> {
        let root = &self.options.root;
        let mut edits = Vec::new();
        for path in changed {
            let rel = load::relative_path(root, path);
            if self.never_read(&rel) {
                continue;
            }
            let Some(i) = self.site.places.iter().position(|p| p.source.path == rel) else {
                return Ok(None);
            };
            let Ok(bytes) = std::fs::read(root.join(&rel)) else {
                return Ok(None);
            };
            if bytes.len() as u64 > load::MAX_FILE_BYTES {
                return Ok(None);
            }
            let Ok(text) = String::from_utf8(bytes) else {
                return Ok(None);
            };
            if !edits.iter().any(|(j, _)| *j == i) {
                edits.push((i, ContentFile { path: rel, text }));
            }
        }
        Ok(Some(edits))
    }

    /// Whether a change at `rel` cannot change the site: a hidden file
    /// under `content/` (loading skips them: editors' swap files), or
    /// something under `content/` that is gone and held nothing the last
    /// build read or warned about (an editor's short-lived test file).
    fn never_read(&self, rel: &Path) -> bool {
        if !rel.starts_with("content") {
            return false;
        }
        if rel.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
            return true;
        }
        let gone = std::fs::symlink_metadata(self.options.root.join(rel)).is_err();
        gone && !self.site.places.iter().any(|p| p.source.path.starts_with(rel))
            && !self.site.pages.iter().any(|p| p.page.path.starts_with(rel))
            && !self.warnings.iter().any(|w| w.file.starts_with(rel))
    }

    fn apply_edits(&mut self, edits: Vec<(usize, ContentFile)>) -> Result<(Outcome, Vec<Diagnostic>), Error> {
        let territories = Territories::embedded();
        let base_path = self.site.config.base_path();
        let ctx = Context {
            territories,
            departements: &self.site.config.departements,
            today: self.site.today,
            stale_months: self.site.config.fraicheur_mois,
            descriptions_under: Some(&base_path),
        };
        let validation_started = std::time::Instant::now();
        // Validate every edited file before touching anything.
        let mut problems: Vec<Diagnostic> = Vec::new();
        let mut places = Vec::new();
        for (i, file) in &edits {
            let (place, diags) = validate::validate_place_file(file, &ctx);
            problems.extend(diags);
            match place {
                Some(p) if p.lieu.id == self.site.places[*i].lieu.id => places.push((*i, p)),
                // A new id is a renamed place: other files may now collide.
                Some(_) => return self.full(),
                None => {}
            }
        }
        pipeline::stage_done("validation", validation_started);
        if problems.iter().any(Diagnostic::is_error) {
            diagnostics::sort(&mut problems);
            return Err(Error::Content(problems));
        }

        let enrich_started = std::time::Instant::now();
        let mut summaries_changed = Vec::new();
        let mut counts_changed = false;
        let mut departements = Vec::new();
        let mut lists = Vec::new();
        for (i, valid) in places {
            let Some(place) = enrich::single_place(&self.site, valid, territories) else {
                return self.full();
            };
            if !Renderer::same_summary(&self.site.places[i], &place, self.site.today) {
                summaries_changed.push(i);
            }
            counts_changed |= !Renderer::same_counts(&self.site.places[i], &place);
            departements.extend(self.site.departement_index(&self.site.places[i].departement));
            departements.extend(self.site.departement_index(&place.departement));
            lists.extend(enrich::replace_place(&mut self.site, i, place));
        }

        match std::sync::Arc::get_mut(&mut self.cards) {
            Some(cards) => summaries_changed.iter().for_each(|&i| cards.forget(i)),
            None => self.cards = std::sync::Arc::new(render::Cards::new(self.site.places.len())),
        }
        let renderer = Renderer::with_templates(&self.site, self.tera.clone(), self.preminified, &self.options.render)?
            .with_cards(self.cards.clone());
        let keys = pipeline::timed("liste des pages", || render::page_keys(&self.site, self.charts));
        if keys != self.keys {
            // A page appears or disappears (a first place offering a service…).
            drop(renderer);
            return self.full();
        }
        pipeline::stage_done("enrichissement", enrich_started);
        let mut dirty: Vec<usize> = edits
            .iter()
            .filter_map(|(i, _)| self.keys.iter().position(|&k| k == PageKey::Place(*i)))
            .collect();
        if counts_changed {
            dirty.extend(self.graph.counts.iter().copied());
        }
        if !summaries_changed.is_empty() {
            dirty.extend(self.graph.everything.iter().copied());
            for i in &summaries_changed {
                dirty.extend(self.graph.by_summary.get(i).into_iter().flatten().copied());
            }
        }
        for list in &lists {
            dirty.extend(self.graph.by_list.get(&as_list(*list)).into_iter().flatten().copied());
        }
        dirty.sort_unstable();
        dirty.dedup();
        // The dashboard comes after (its figures cover every commune).
        dirty.retain(|d| !self.graph.all_fields.contains(d));
        self.dashboard_stale = true;

        let dirty_keys: Vec<PageKey> = dirty.iter().map(|&d| self.keys[d]).collect();
        let output = self.options.output_dir();
        // The open data lists every place; the search index only those of
        // the place's département.
        departements.sort_unstable();
        departements.dedup();
        let mut first_changed_row: Option<usize> = None;
        for (i, _) in &edits {
            let rows = crate::export::rows_of(&self.site, *i)?;
            if rows != self.rows[*i] {
                self.rows[*i] = rows;
                first_changed_row = Some(first_changed_row.map_or(*i, |first| first.min(*i)));
            }
        }
        // The open data files are the largest: rewritten in place from the
        // first changed place on (when its rows changed), while the pages
        // are rendered and written.
        let site = &self.site;
        let manifest = &mut self.manifest;
        let (rows, old_lengths) = (&self.rows, self.open_data_lengths);
        let _writing = OUTPUT_LOCK.write().unwrap_or_else(|e| e.into_inner());
        let (pages, open_data) = rayon::join(
            || -> Result<_, Error> {
                let memory = pipeline::MemorySink::default();
                let rendered = pipeline::timed("pages", || {
                    pipeline::render_pages(&renderer, &dirty_keys, &memory, true)
                })?;
                let mut files = memory.into_files();
                files.extend(pipeline::timed("index de recherche", || {
                    departements
                        .into_iter()
                        .map(|d| crate::search::departement_file(site, d))
                        .collect::<Result<Vec<_>, Error>>()
                })?);
                let written = pipeline::timed("écriture", || write_changed(manifest, &InPlace(&output), files))?;
                Ok((rendered, written))
            },
            || -> Result<Option<[u64; 3]>, Error> {
                let Some(first) = first_changed_row else {
                    return Ok(None);
                };
                pipeline::timed("données ouvertes", || {
                    use rayon::prelude::*;
                    let files = crate::export::open_data_files(rows)?;
                    files
                        .par_iter()
                        .zip(old_lengths)
                        .try_for_each(|(file, old_length)| rewrite_open_data(&output, file, old_length, first))?;
                    Ok(Some(files.each_ref().map(|f| f.byte_len())))
                })
            },
        );
        drop(renderer);
        let (rendered, mut written) = pages?;
        if let Some(lengths) = open_data? {
            self.open_data_lengths = lengths;
            written += lengths.len();
        }
        self.update_graph(&dirty, rendered.into_iter().map(|(_, _, r)| r).collect());

        let edited: Vec<&Path> = edits.iter().map(|(_, f)| f.path.as_path()).collect();
        self.warnings.retain(|w| !edited.contains(&w.file.as_path()));
        self.warnings.extend(problems);
        diagnostics::sort(&mut self.warnings);
        Ok((
            Outcome::Incremental {
                rendered: dirty.len(),
                written,
            },
            self.warnings.clone(),
        ))
    }

    /// Brings the dashboard's pages, charts and figures up to date after
    /// edits: it measures every commune's distance to every service, so it
    /// follows a moment after the pages a partner is looking at. Returns
    /// the number of files written.
    pub fn refresh_dashboard(&mut self) -> Result<usize, Error> {
        if !self.dashboard_stale {
            return Ok(0);
        }
        let renderer = Renderer::with_templates(&self.site, self.tera.clone(), self.preminified, &self.options.render)?;
        let pages = self.graph.all_fields.clone();
        let keys: Vec<PageKey> = pages.iter().map(|&p| self.keys[p]).collect();
        let memory = pipeline::MemorySink::default();
        let rendered = pipeline::render_pages(&renderer, &keys, &memory, true)?;
        let mut files = memory.into_files();
        files.extend(crate::dashboard::csv_files(&self.site, &renderer.dashboard().coverage)?);
        let output = self.options.output_dir();
        drop(renderer);
        let written = write_changed(&mut self.manifest, &InPlace(&output), files)?;
        self.update_graph(&pages, rendered.into_iter().map(|(_, _, r)| r).collect());
        self.dashboard_stale = false;
        Ok(written)
    }

    fn full(&mut self) -> Result<(Outcome, Vec<Diagnostic>), Error> {
        let (fresh, warnings) = LiveSite::build(&self.options)?;
        *self = fresh;
        Ok((Outcome::Full, warnings))
    }

    /// Replaces the reads of the pages rendered again.
    fn update_graph(&mut self, pages: &[usize], reads: Vec<Reads>) {
        for (&page, r) in pages.iter().zip(reads) {
            self.graph.remove(page);
            self.graph.add(page, r);
        }
    }
}

/// Held for writing while an edit writes into the served folder, where the
/// open data files are rewritten in place: `serve`'s server reads under it,
/// so a browser never gets a file half rewritten, nor a page from before
/// an edit with a search index from after it.
pub static OUTPUT_LOCK: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Brings one open data file on disk up to date, where rows `..first`
/// did not change: only its end is rewritten, unless the file is not what
/// was last written (then, or if that fails, it is replaced whole).
fn rewrite_open_data(
    output: &Path,
    file: &crate::export::OpenDataFile<'_>,
    old_length: u64,
    first: usize,
) -> Result<(), Error> {
    let path = output.join(file.path);
    let (offset, tail) = file.tail_from_row(first);
    match crate::write::patch_file_tail(&path, old_length, offset, tail) {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => crate::write::replace_file_with_pieces(&path, &file.pieces),
    }
}

/// Writes the files whose content differs from what is on disk.
fn write_changed(
    manifest: &mut Manifest,
    sink: &dyn Sink,
    files: Vec<crate::render::OutputFile>,
) -> Result<usize, Error> {
    let mut written = 0;
    for file in files {
        let hash = pipeline::hash_file(&file.path, &file.bytes);
        if manifest.get(&file.path) != Some(&hash) {
            sink.put(&file.path, &file.bytes)?;
            manifest.insert(file.path, hash);
            written += 1;
        }
    }
    Ok(written)
}

fn as_list(list: ChangedList) -> List {
    match list {
        ChangedList::CommunePlaces(c) => List::CommunePlaces(c),
        ChangedList::CommuneNearest(c) => List::CommuneNearest(c),
        ChangedList::EpciPlaces(e) => List::EpciPlaces(e),
        ChangedList::EpciNeed(e, n) => List::EpciNeed(e, n),
        ChangedList::DepartementPlaces(d) => List::DepartementPlaces(d),
    }
}
