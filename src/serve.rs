//! `annuaire serve`: build, serve on 127.0.0.1, rebuild on change, reload
//! the browser.
//!
//! A content error does not stop the server: it is printed, and the pages
//! show it (the live-reload script asks `/__annuaire/etat` for the state
//! of the last build).

use crate::diagnostics::{self, Diagnostic};
use crate::error::Error;
use crate::incremental::{LiveSite, Outcome};
use crate::pipeline::BuildOptions;
use crate::render::RenderOptions;
use notify::RecursiveMode;
use notify_debouncer_full::new_debouncer;
use serde::Serialize;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const STATE_PATH: &str = "/__annuaire/etat";
/// The live-reload script: served by `serve` only, never part of a build.
pub const SCRIPT_PATH: &str = "/__annuaire/rechargement.js";
const LIVE_RELOAD_JS: &str = include_str!("rechargement.js");

#[derive(Debug, Clone, Serialize, Default)]
pub struct BuildState {
    /// Increases at every successful build; the page reloads when it changes.
    pub version: u64,
    /// Problems of the last build, in the human format, one per entry.
    pub erreurs: Vec<String>,
}

pub struct ServeOptions {
    pub root: PathBuf,
    pub port: u16,
    pub output: Option<PathBuf>,
}

/// Runs one build and records its outcome in `state`. Returns whether it succeeded.
pub fn rebuild(options: &BuildOptions, state: &Mutex<BuildState>) -> bool {
    let mut live = None;
    update(&mut live, options, state, &[])
}

/// Applies the changed files to the live site (incrementally when they are
/// edits of places, see [`crate::incremental`]), or builds it anew, and
/// records the outcome in `state`. Returns whether it succeeded.
pub fn update(
    live: &mut Option<LiveSite>,
    options: &BuildOptions,
    state_lock: &Mutex<BuildState>,
    changed: &[PathBuf],
) -> bool {
    let started = std::time::Instant::now();
    let result = match live.as_mut() {
        Some(site) if !changed.is_empty() => site.apply(changed),
        _ => LiveSite::build(options).map(|(site, warnings)| {
            *live = Some(site);
            (Outcome::Full, warnings)
        }),
    };
    let mut state = state_lock.lock().unwrap_or_else(|e| e.into_inner());
    match result {
        Ok((outcome, warnings)) => {
            state.version += 1;
            state.erreurs.clear();
            eprint!("{}", diagnostics::render_human(&warnings));
            let places = live.as_ref().map_or(0, LiveSite::places);
            match outcome {
                Outcome::Full => eprintln!(
                    "Site reconstruit en {} ms ({} lieux).",
                    started.elapsed().as_millis(),
                    places
                ),
                Outcome::Incremental { rendered, written } => eprintln!(
                    "Site mis à jour en {} ms : {} pages recalculées, {} fichiers réécrits.",
                    started.elapsed().as_millis(),
                    rendered,
                    written
                ),
            }
            drop(state);
            refresh_dashboard(live, state_lock);
            true
        }
        Err(Error::Content(diags)) => {
            eprint!("{}", diagnostics::render_human(&diags));
            state.erreurs = diags.iter().filter(|d| d.is_error()).map(one_line).collect();
            false
        }
        Err(other) => {
            eprintln!("Erreur : {other}");
            state.erreurs = vec![other.to_string()];
            // The model may be half updated: the next change rebuilds it all.
            *live = None;
            false
        }
    }
}

/// The dashboard follows the pages: the browser reloads once for the
/// pages, once more when it changed.
fn refresh_dashboard(live: &mut Option<LiveSite>, state: &Mutex<BuildState>) {
    let Some(site) = live.as_mut() else { return };
    let started = std::time::Instant::now();
    match site.refresh_dashboard() {
        Ok(0) => {}
        Ok(written) => {
            state.lock().unwrap_or_else(|e| e.into_inner()).version += 1;
            eprintln!(
                "Tableau de bord mis à jour en {} ms ({} fichiers).",
                started.elapsed().as_millis(),
                written
            );
        }
        Err(e) => {
            eprintln!("Erreur : {e}");
            *live = None;
        }
    }
}

fn one_line(d: &Diagnostic) -> String {
    diagnostics::render_human(std::slice::from_ref(d))
        .lines()
        .take(2)
        .collect::<Vec<_>>()
        .join(" — ")
}

pub fn serve(options: ServeOptions) -> Result<(), Error> {
    let address = format!("127.0.0.1:{}", options.port);
    let server = tiny_http::Server::http(&address)
        .map_err(|e| Error::io(Path::new(&address), std::io::Error::other(e.to_string())))?;
    let build_options = BuildOptions {
        root: options.root.clone(),
        output: options.output.clone(),
        base_url: Some(format!("http://{address}/")),
        render: RenderOptions { live_reload: true },
        threads: None,
    };
    let output = build_options.output_dir();
    let state = Arc::new(Mutex::new(BuildState::default()));
    let mut live = None;
    update(&mut live, &build_options, &state, &[]);
    eprintln!("Site servi sur http://{address}/ (Ctrl+C pour arrêter)");

    let watch_state = Arc::clone(&state);
    let watch_options = build_options.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut debouncer = new_debouncer(Duration::from_millis(150), None, tx)
        .map_err(|e| Error::Internal(format!("surveillance des fichiers impossible : {e}")))?;
    for watched in ["content", "themes", "static", crate::config::CONFIG_FILE] {
        let path = options.root.join(watched);
        if path.exists() {
            let mode = if path.is_dir() {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            debouncer
                .watch(&path, mode)
                .map_err(|e| Error::Internal(format!("surveillance de {} impossible : {e}", path.display())))?;
        }
    }
    std::thread::spawn(move || {
        let output = watch_options.output_dir();
        // Files edited, not read (our own build reads them), outside our own
        // output (which may sit under a watched folder).
        let edited = |batch: notify_debouncer_full::DebounceEventResult, into: &mut Vec<PathBuf>| {
            for event in batch.into_iter().flatten() {
                if matches!(event.kind, notify::EventKind::Access(_)) {
                    continue;
                }
                for path in &event.paths {
                    if !path.starts_with(&output) && !into.contains(path) {
                        into.push(path.clone());
                    }
                }
            }
        };
        while let Ok(batch) = rx.recv() {
            let mut changed = Vec::new();
            edited(batch, &mut changed);
            // An editor's save often comes as several batches: one rebuild covers them all.
            while let Ok(more) = rx.try_recv() {
                edited(more, &mut changed);
            }
            if !changed.is_empty() {
                update(&mut live, &watch_options, &watch_state, &changed);
            }
        }
    });

    for request in server.incoming_requests() {
        let response = respond(request.url(), &output, &state);
        let _ = request.respond(response);
    }
    drop(debouncer);
    Ok(())
}

type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn respond(url: &str, output: &Path, state: &Mutex<BuildState>) -> Response {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    if path == STATE_PATH {
        let state = state.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let body = serde_json::to_vec(&state).unwrap_or_default();
        return with_type(tiny_http::Response::from_data(body), "application/json").with_header(no_store());
    }
    if path == SCRIPT_PATH {
        return with_type(
            tiny_http::Response::from_data(LIVE_RELOAD_JS.as_bytes().to_vec()),
            "text/javascript; charset=utf-8",
        );
    }
    match resolve(output, path) {
        Some(file) => match read_between_edits(&file) {
            Ok(bytes) => with_type(tiny_http::Response::from_data(bytes), content_type(&file)).with_header(no_store()),
            Err(_) => not_found(output),
        },
        None => not_found(output),
    }
}

/// Reads a file of the output when no edit is being written into it
/// ([`crate::incremental::OUTPUT_LOCK`]).
fn read_between_edits(file: &Path) -> std::io::Result<Vec<u8>> {
    let _reading = crate::incremental::OUTPUT_LOCK
        .read()
        .unwrap_or_else(|e| e.into_inner());
    std::fs::read(file)
}

fn not_found(output: &Path) -> Response {
    let body = std::fs::read(output.join("404.html")).unwrap_or_else(|_| b"Page introuvable".to_vec());
    with_type(tiny_http::Response::from_data(body), "text/html; charset=utf-8").with_status_code(404)
}

fn no_store() -> tiny_http::Header {
    tiny_http::Header::from_bytes("Cache-Control", "no-store").expect("static header")
}

fn with_type(response: Response, content_type: &str) -> Response {
    response.with_header(tiny_http::Header::from_bytes("Content-Type", content_type).expect("static header"))
}

/// Maps a URL path to a file under `output`, refusing anything that would leave it.
pub fn resolve(output: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let rel = decoded.trim_start_matches('/');
    let rel_path = Path::new(rel);
    if !rel_path.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut file = output.join(rel_path);
    if decoded.ends_with('/') || file.is_dir() {
        file = file.join("index.html");
    }
    file.is_file().then_some(file)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).ok()?;
    (!s.contains('\0')).then_some(s)
}

pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "geojson" => "application/geo+json",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_serves_indexes_and_refuses_traversal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lieux/a")).unwrap();
        std::fs::write(dir.path().join("lieux/a/index.html"), "x").unwrap();
        std::fs::write(dir.path().join("index.html"), "x").unwrap();
        assert!(resolve(dir.path(), "/lieux/a/").is_some());
        assert!(resolve(dir.path(), "/lieux/a").is_some());
        assert!(resolve(dir.path(), "/").is_some());
        assert!(resolve(dir.path(), "/../etc/passwd").is_none());
        assert!(resolve(dir.path(), "/%2e%2e/etc/passwd").is_none());
        assert!(resolve(dir.path(), "/absent/").is_none());
    }
}
