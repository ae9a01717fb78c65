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
//!    the pages summing it up if its summary changed, the pages showing a
//!    changed list, and the open data and search files;
//! 4. writes only the files whose bytes changed.
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
use crate::render::{List, PageKey, Reads, Renderer};
use crate::territories::Territories;
use crate::theme::Theme;
use crate::validate::{self, Context};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A built site kept in memory, with what each page read.
pub struct LiveSite {
    options: BuildOptions,
    theme: Theme,
    site: Site,
    /// Warnings by file, so that an edit replaces that file's own.
    warnings: Vec<Diagnostic>,
    keys: Vec<PageKey>,
    graph: Graph,
    manifest: Manifest,
}

/// What happened to an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Pages rendered again, and files actually written.
    Incremental { rendered: usize, written: usize },
    /// Everything was rebuilt.
    Full,
}

/// Which pages read what.
#[derive(Default)]
struct Graph {
    by_summary: HashMap<usize, Vec<usize>>,
    by_list: HashMap<List, Vec<usize>>,
    everything: Vec<usize>,
    all_fields: Vec<usize>,
}

impl Graph {
    fn new(reads: &[Reads]) -> Graph {
        let mut graph = Graph::default();
        for (page, r) in reads.iter().enumerate() {
            for &p in &r.summaries {
                graph.by_summary.entry(p).or_default().push(page);
            }
            for &l in &r.lists {
                graph.by_list.entry(l).or_default().push(page);
            }
            if r.everything {
                graph.everything.push(page);
            }
            if r.all_fields {
                graph.all_fields.push(page);
            }
        }
        graph
    }
}

/// Writes files in place in the served folder, each replaced atomically.
struct InPlace<'a>(&'a Path);

impl Sink for InPlace<'_> {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        let rel = crate::write::safe_relative(path)
            .ok_or_else(|| Error::Internal(format!("chemin de sortie refusé : {path}")))?;
        let full = self.0.join(rel);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let tmp = full.with_extension("annuaire-tmp");
        std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &full).map_err(|e| Error::io(&full, e))
    }
}

impl LiveSite {
    /// A full build, recording the dependency graph.
    pub fn build(options: &BuildOptions) -> Result<(LiveSite, Vec<Diagnostic>), Error> {
        pipeline::with_threads(options.threads, || {
            let (site, warnings) = pipeline::prepare(&options.root, options.base_url.as_deref())?;
            let theme = Theme::load(&options.root, &site.config.theme)?;
            let staging = crate::write::Staging::create(&options.output_dir())?;
            let (keys, reads, manifest) = {
                let renderer = Renderer::new(&site, &theme, &options.render)?;
                let keys = renderer.page_keys();
                let pages = pipeline::render_pages(&renderer, &keys, &staging, true)?;
                let rest = pipeline::render_all_but_pages(&site, &theme, &options.root, &staging)?;
                let mut manifest = Manifest::new();
                let mut reads = Vec::with_capacity(pages.len());
                for (path, hash, r) in pages {
                    manifest.insert(path, hash);
                    reads.push(r);
                }
                manifest.extend(rest);
                (keys, reads, manifest)
            };
            staging.commit()?;
            let live = LiveSite {
                options: options.clone(),
                theme,
                site,
                warnings: warnings.clone(),
                keys,
                graph: Graph::new(&reads),
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
        match self.edits(changed)? {
            Some(edits) => self.apply_edits(edits),
            None => {
                let (fresh, warnings) = LiveSite::build(&self.options)?;
                *self = fresh;
                Ok((Outcome::Full, warnings))
            }
        }
    }

    /// The place edits among `changed`, or `None` when something else
    /// changed (then only a full rebuild is right).
    fn edits(&self, changed: &[PathBuf]) -> Result<Option<Vec<(usize, ContentFile)>>, Error> {
        let root = &self.options.root;
        let mut edits = Vec::new();
        for path in changed {
            let rel = load::relative_path(root, path);
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

    fn apply_edits(&mut self, edits: Vec<(usize, ContentFile)>) -> Result<(Outcome, Vec<Diagnostic>), Error> {
        let territories = Territories::embedded();
        let ctx = Context {
            territories,
            departements: &self.site.config.departements,
            today: self.site.today,
            stale_months: self.site.config.fraicheur_mois,
        };
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
        if problems.iter().any(Diagnostic::is_error) {
            diagnostics::sort(&mut problems);
            return Err(Error::Content(problems));
        }

        let mut summaries_changed = Vec::new();
        let mut lists = Vec::new();
        for (i, valid) in places {
            let Some(place) = enrich::single_place(&self.site, valid, territories) else {
                return self.full();
            };
            if !Renderer::same_summary(&self.site.places[i], &place, self.site.today) {
                summaries_changed.push(i);
            }
            lists.extend(enrich::replace_place(&mut self.site, i, place));
        }

        let renderer = Renderer::new(&self.site, &self.theme, &self.options.render)?;
        let keys = renderer.page_keys();
        if keys != self.keys {
            // A page appears or disappears (a first place offering a service…).
            drop(renderer);
            return self.full();
        }
        let mut dirty: Vec<usize> = edits
            .iter()
            .filter_map(|(i, _)| self.keys.iter().position(|&k| k == PageKey::Place(*i)))
            .collect();
        dirty.extend(self.graph.all_fields.iter().copied());
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

        let dirty_keys: Vec<PageKey> = dirty.iter().map(|&d| self.keys[d]).collect();
        let output = self.options.output_dir();
        let memory = pipeline::MemorySink::default();
        let rendered = pipeline::render_pages(&renderer, &dirty_keys, &memory, true)?;
        let data = pipeline::data_files(&self.site)?;
        let mut files = memory.into_files();
        files.extend(data);
        let mut written = 0;
        let sink = InPlace(&output);
        for file in files {
            let hash = pipeline::hash_file(&file.path, &file.bytes);
            if self.manifest.get(&file.path) != Some(&hash) {
                sink.put(&file.path, &file.bytes)?;
                self.manifest.insert(file.path, hash);
                written += 1;
            }
        }
        drop(renderer);
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

    fn full(&mut self) -> Result<(Outcome, Vec<Diagnostic>), Error> {
        let (fresh, warnings) = LiveSite::build(&self.options)?;
        *self = fresh;
        Ok((Outcome::Full, warnings))
    }

    /// Replaces the reads of the pages rendered again.
    fn update_graph(&mut self, pages: &[usize], reads: Vec<Reads>) {
        let changed: std::collections::HashSet<usize> = pages.iter().copied().collect();
        for list in self.graph.by_summary.values_mut() {
            list.retain(|p| !changed.contains(p));
        }
        for list in self.graph.by_list.values_mut() {
            list.retain(|p| !changed.contains(p));
        }
        self.graph.everything.retain(|p| !changed.contains(p));
        self.graph.all_fields.retain(|p| !changed.contains(p));
        for (&page, r) in pages.iter().zip(reads) {
            for p in r.summaries {
                self.graph.by_summary.entry(p).or_default().push(page);
            }
            for l in r.lists {
                self.graph.by_list.entry(l).or_default().push(page);
            }
            if r.everything {
                self.graph.everything.push(page);
            }
            if r.all_fields {
                self.graph.all_fields.push(page);
            }
        }
    }
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
