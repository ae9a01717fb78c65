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
use notify::Watcher;
use serde::Serialize;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
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
    /// Increases at every change of this state: what a browser waiting for
    /// news gives back (`/__annuaire/etat?apres=<numero>`).
    pub numero: u64,
}

/// The build state, and the browsers waiting for it to change: they are
/// told at once, instead of asking again and again.
#[derive(Default)]
pub struct SharedState {
    state: Mutex<BuildState>,
    changed: Condvar,
}

impl SharedState {
    pub fn get(&self) -> BuildState {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn change(&self, f: impl FnOnce(&mut BuildState)) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut state);
        state.numero += 1;
        self.changed.notify_all();
    }

    /// The state once its `numero` is no longer `known`, or as it is after
    /// `timeout`.
    pub fn wait_past(&self, known: u64, timeout: Duration) -> BuildState {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (state, _) = self
            .changed
            .wait_timeout_while(state, timeout, |s| s.numero == known)
            .unwrap_or_else(|e| e.into_inner());
        state.clone()
    }
}

pub struct ServeOptions {
    pub root: PathBuf,
    pub port: u16,
    pub output: Option<PathBuf>,
}

/// Applies the changed files to the live site (incrementally when they are
/// edits of places, see [`crate::incremental`]), or builds it anew, and
/// records the outcome in `shared`. Returns whether it succeeded.
pub fn update(live: &mut Option<LiveSite>, options: &BuildOptions, shared: &SharedState, changed: &[PathBuf]) -> bool {
    let started = std::time::Instant::now();
    let result = match live.as_mut() {
        Some(site) if !changed.is_empty() => site.apply(changed),
        _ => LiveSite::build(options).map(|(site, warnings)| {
            *live = Some(site);
            (Outcome::Full, warnings)
        }),
    };
    match result {
        Ok((Outcome::Unchanged, _)) => true,
        Ok((outcome, warnings)) => {
            shared.change(|state| {
                state.version += 1;
                state.erreurs.clear();
            });
            eprint!("{}", diagnostics::render_human(&warnings));
            let places = live.as_ref().map_or(0, LiveSite::places);
            match outcome {
                Outcome::Incremental { rendered, written } => eprintln!(
                    "Site mis à jour en {} ms : {} pages recalculées, {} fichiers réécrits.",
                    started.elapsed().as_millis(),
                    rendered,
                    written
                ),
                Outcome::Full | Outcome::Unchanged => eprintln!(
                    "Site reconstruit en {} ms ({} lieux).",
                    started.elapsed().as_millis(),
                    places
                ),
            }
            true
        }
        Err(Error::Content(diags)) => {
            eprint!("{}", diagnostics::render_human(&diags));
            shared.change(|state| state.erreurs = diags.iter().filter(|d| d.is_error()).map(one_line).collect());
            false
        }
        Err(other) => {
            eprintln!("Erreur : {other}");
            shared.change(|state| state.erreurs = vec![other.to_string()]);
            // The model may be half updated: the next change rebuilds it all.
            *live = None;
            false
        }
    }
}

/// The dashboard follows the pages once the files are quiet for a moment
/// (it measures every commune's distance to every service: a second at
/// 10,000 places): the browser reloads once for the pages, once more when
/// it changed.
fn refresh_dashboard(live: &mut Option<LiveSite>, shared: &SharedState) {
    let Some(site) = live.as_mut() else { return };
    let started = std::time::Instant::now();
    match site.refresh_dashboard() {
        Ok(0) => {}
        Ok(written) => {
            shared.change(|state| state.version += 1);
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
    let shared = Arc::new(SharedState::default());
    let mut live = None;
    update(&mut live, &build_options, &shared, &[]);
    eprintln!("Site servi sur http://{address}/ (Ctrl+C pour arrêter)");

    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)
        .map_err(|e| Error::Internal(format!("surveillance des fichiers impossible : {e}")))?;
    for watched in ["content", "themes", "static", crate::config::CONFIG_FILE] {
        let path = options.root.join(watched);
        if path.exists() {
            let mode = if path.is_dir() {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            watcher
                .watch(&path, mode)
                .map_err(|e| Error::Internal(format!("surveillance de {} impossible : {e}", path.display())))?;
        }
    }
    let watch_shared = Arc::clone(&shared);
    let watch_options = build_options.clone();
    std::thread::spawn(move || {
        let output = watch_options.output_dir();
        // Files edited, not read (our own build reads them), outside our own
        // output (which may sit under a watched folder).
        let edited = |event: notify::Result<notify::Event>, into: &mut Vec<PathBuf>| {
            let Ok(event) = event else { return };
            if matches!(event.kind, notify::EventKind::Access(_)) {
                return;
            }
            for path in event.paths {
                if !path.starts_with(&output) && !into.contains(&path) {
                    into.push(path);
                }
            }
        };
        let mut dashboard_due = false;
        loop {
            // Edits that follow each other come first; the dashboard when
            // they stop.
            let first = if dashboard_due {
                match rx.recv_timeout(DASHBOARD_AFTER) {
                    Ok(event) => event,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        refresh_dashboard(&mut live, &watch_shared);
                        dashboard_due = false;
                        continue;
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match rx.recv() {
                    Ok(event) => event,
                    Err(_) => break,
                }
            };
            let mut changed = Vec::new();
            edited(first, &mut changed);
            // A save is a burst of events (truncate and write, or write a
            // copy and rename it): one update once the files are quiet.
            while let Ok(more) = rx.recv_timeout(QUIET) {
                edited(more, &mut changed);
            }
            if !changed.is_empty() {
                dashboard_due |= update(&mut live, &watch_options, &watch_shared, &changed);
            }
        }
    });

    let waiting = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let room_to_wait = |waiting: &std::sync::atomic::AtomicUsize| {
        waiting
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_WAITING).then_some(n + 1)
            })
            .is_ok()
    };
    for request in server.incoming_requests() {
        if let Some(known) = waits_for_news(request.url())
            && room_to_wait(&waiting)
        {
            // Each waiting browser holds a thread, so that the others
            // are served meanwhile.
            let (shared, waiting) = (Arc::clone(&shared), Arc::clone(&waiting));
            std::thread::spawn(move || {
                let state = shared.wait_past(known, NEWS_WAIT);
                let _ = request.respond(state_response(&state));
                waiting.fetch_sub(1, Ordering::SeqCst);
            });
            continue;
        }
        let response = respond(request.url(), &output, &shared);
        let _ = request.respond(response);
    }
    drop(watcher);
    Ok(())
}

/// How long the files must be quiet before an update: the events of one
/// save come within a millisecond.
const QUIET: Duration = Duration::from_millis(5);
/// How long the files must be quiet before the dashboard follows edits.
const DASHBOARD_AFTER: Duration = Duration::from_millis(400);
/// How long a browser's request for news is held before it gets the
/// state unchanged (and asks again).
const NEWS_WAIT: Duration = Duration::from_secs(25);
/// Browsers waiting for news at most; beyond, they get the state at once.
const MAX_WAITING: usize = 64;

/// `numero` in `/__annuaire/etat?apres=<numero>`: the browser waits for a
/// state other than the one it knows.
fn waits_for_news(url: &str) -> Option<u64> {
    let (path, query) = url.split_once('?')?;
    if path != STATE_PATH {
        return None;
    }
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("apres="))
        .and_then(|n| n.parse().ok())
}

fn state_response(state: &BuildState) -> Response {
    let body = serde_json::to_vec(state).unwrap_or_default();
    with_type(tiny_http::Response::from_data(body), "application/json").with_header(no_store())
}

type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn respond(url: &str, output: &Path, shared: &SharedState) -> Response {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    if path == STATE_PATH {
        return state_response(&shared.get());
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
    fn a_browser_asks_for_news_after_the_state_it_knows() {
        assert_eq!(waits_for_news("/__annuaire/etat?apres=12"), Some(12));
        assert_eq!(waits_for_news("/__annuaire/etat?x=1&apres=3"), Some(3));
        assert_eq!(waits_for_news("/__annuaire/etat"), None);
        assert_eq!(waits_for_news("/__annuaire/etat?apres=abc"), None);
        assert_eq!(waits_for_news("/lieux/?apres=1"), None);
    }

    #[test]
    fn waiting_for_news_ends_at_the_next_change() {
        let shared = Arc::new(SharedState::default());
        let known = shared.get().numero;
        let waiter = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || shared.wait_past(known, Duration::from_secs(60)))
        };
        std::thread::sleep(Duration::from_millis(50));
        shared.change(|s| s.version += 1);
        let news = waiter.join().unwrap();
        assert_eq!((news.version, news.numero), (1, known + 1));
        // Already past: at once; nothing new: the state as it is, when the time is up.
        assert_eq!(shared.wait_past(known, Duration::from_secs(60)).numero, known + 1);
        assert_eq!(shared.wait_past(known + 1, Duration::from_millis(10)).numero, known + 1);
    }

    /// While an edit rewrites files in place, the server's reads wait, and
    /// then get the file as the edit left it.
    #[test]
    fn files_are_read_between_edits() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lieux.csv");
        std::fs::write(&file, "avant").unwrap();
        let writing = crate::incremental::OUTPUT_LOCK.write().unwrap();
        let reader = {
            let file = file.clone();
            std::thread::spawn(move || read_between_edits(&file).unwrap())
        };
        std::thread::sleep(Duration::from_millis(100));
        assert!(!reader.is_finished(), "the read waits for the edit");
        std::fs::write(&file, "après").unwrap();
        drop(writing);
        assert_eq!(reader.join().unwrap(), "après".as_bytes());
    }

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
