//! How long `annuaire serve` takes to reflect one saved place on disk.
//!
//! `cargo bench --bench serve -- /dev/shm/site [edits] [pause_ms]` builds the site once
//! (into /dev/shm), then edits places one after the other, each edit of a
//! different kind (description only, phone, name, coordinates), and times
//! each incremental rebuild, from the saved file to the last file written,
//! then the dashboard's refresh that follows it. Then the same through
//! `annuaire serve` and a waiting browser ([`end_to_end`]). With a pause,
//! each save waits that long first, as a partner's do.
//! Prints the median and the slowest, per kind of edit, as a JSON line.

use annuaire::incremental::{LiveSite, Outcome};
use annuaire::pipeline::BuildOptions;
use annuaire::render::RenderOptions;
use std::path::{Path, PathBuf};
use std::time::Instant;

// The allocator of the `annuaire` binary, so that the in-process figures are
// those of `annuaire serve`. With glibc's malloc, they had grown by about
// 8 ms per update at 10,000 places since commit 2e9785e (shared links and
// cached cards), most of it merging freed chunks (`unlink_chunk`: 7,000 →
// 18,000 samples), while the end-to-end figure, through the binary and
// mimalloc, had not moved.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let all: Vec<String> = std::env::args().skip(1).collect();
    // `cargo test --all-targets` runs this binary without `--bench`: it only
    // has to compile there; measuring needs a site.
    if !all.iter().any(|a| a == "--bench") {
        return;
    }
    let args: Vec<String> = all.into_iter().filter(|a| a != "--bench").collect();
    // As `annuaire serve` does. Without it, the bench's own allocator gave
    // back, during the first save timed end to end, the memory freed by
    // dropping the in-process site: 27 ms of the bench's, not the server's,
    // added to that save (58 ms against 17–24 ms for the others).
    annuaire::pipeline::keep_freed_memory();
    annuaire::pipeline::seed_hash_maps_per_thread();
    let Some(original) = args.first().map(PathBuf::from) else {
        eprintln!("usage : cargo bench --bench serve -- DOSSIER_DU_SITE [NOMBRE_DE_MODIFICATIONS] [PAUSE_MS]");
        std::process::exit(2);
    };
    // The edits go to a copy: the given site stays as it is, and every run
    // starts from the same files.
    let root = PathBuf::from("/dev/shm/annuaire-bench-serve-site");
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(&original, &root).expect("the site can be copied to /dev/shm");
    let rounds: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(5);
    // A partner's saves are seconds apart, not back to back: what an idle
    // process loses between two saves (memory handed back, caches) is
    // paid by the next one.
    let pause = std::time::Duration::from_millis(args.get(2).and_then(|n| n.parse().ok()).unwrap_or(0));
    let output = PathBuf::from("/dev/shm/annuaire-bench-serve");
    let options = BuildOptions {
        root: root.clone(),
        output: Some(output.clone()),
        base_url: Some("http://127.0.0.1:1111/".into()),
        render: RenderOptions { live_reload: true },
        threads: None,
    };
    let started = Instant::now();
    let (mut live, _) = LiveSite::build(&options).expect("the site builds");
    let full_ms = started.elapsed().as_secs_f64() * 1000.0;
    let files: Vec<PathBuf> = live.site().places.iter().map(|p| root.join(&p.source.path)).collect();
    // What each kind of edit does to a place file's text, the n-th time.
    type Edit = fn(&str, usize) -> String;
    let kinds: [(&str, Edit); 4] = [
        ("presentation", |t, n| format!("{t}\nModification {n}.\n")),
        ("telephone", |t, n| {
            replace_line(t, "telephone:", &format!("telephone: \"+3355900{n:04}\""))
        }),
        ("nom", |t, n| {
            replace_line(t, "nom:", &format!("nom: \"Lieu modifié {n}\""))
        }),
        // A few hundred metres: the place stays in its département.
        ("coordonnees", |t, n| {
            shift_line(t, "latitude:", 0.002 * (n as f64 + 1.0))
        }),
    ];
    let mut report = serde_json::Map::new();
    report.insert("lieux".into(), files.len().into());
    report.insert("construction_complete_ms".into(), round(full_ms).into());
    report.insert("pause_ms".into(), (pause.as_millis() as u64).into());
    for (k, (kind, edit)) in kinds.iter().enumerate() {
        let mut times = Vec::new();
        let mut dashboard = Vec::new();
        let mut written = Vec::new();
        for round_no in 0..rounds {
            // A different place each time, spread over the site.
            let file = &files[(k * rounds + round_no) * 7919 % files.len()];
            let text = std::fs::read_to_string(file).unwrap();
            let edited = edit(&text, round_no);
            // A place without the line this kind of edit changes (no phone,
            // say) is not timed: its update would write nothing.
            if edited == text {
                continue;
            }
            std::thread::sleep(pause);
            std::fs::write(file, edited).unwrap();
            let t = Instant::now();
            let (outcome, _) = live.apply(std::slice::from_ref(file)).expect("the edit is valid");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            live.refresh_dashboard().expect("the dashboard renders");
            dashboard.push(t.elapsed().as_secs_f64() * 1000.0);
            if let Outcome::Incremental { written: w, .. } = outcome {
                written.push(w);
            } else {
                written.push(usize::MAX);
            }
        }
        times.sort_by(f64::total_cmp);
        let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
        let max = times.last().copied().unwrap_or(0.0);
        report.insert(
            kind.to_string(),
            serde_json::json!({
                "mediane_ms": round(median),
                "max_ms": round(max),
                "fichiers_ecrits": written,
                "tableau_de_bord_ms": dashboard.iter().map(|&d| round(d)).collect::<Vec<_>>(),
            }),
        );
    }
    let places: Vec<(PathBuf, String)> = live
        .site()
        .places
        .iter()
        .map(|p| (root.join(&p.source.path), p.lieu.id.clone()))
        .collect();
    drop(live);
    report.insert("bout_en_bout".into(), end_to_end(&root, &places, rounds, pause));
    println!("{}", serde_json::Value::Object(report));
    let _ = std::fs::remove_dir_all(Path::new(&output));
    let _ = std::fs::remove_dir_all(&root);
}

/// The whole way, as a partner lives it: `annuaire serve` runs, a browser
/// waits for news (`/__annuaire/etat?apres=…`, what the live-reload script
/// asks), a place's name is saved; timed from the save to the browser being
/// told, the file watcher's wait included. The new name is then checked on
/// the served page, and the next save waits for the dashboard to follow.
fn end_to_end(
    root: &Path,
    places: &[(PathBuf, String)],
    rounds: usize,
    pause: std::time::Duration,
) -> serde_json::Value {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let output = PathBuf::from("/dev/shm/annuaire-bench-serve-navigateur");
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_annuaire"))
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(root)
        .arg("--output")
        .arg(&output)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("annuaire serve starts");
    let started = Instant::now();
    while http_get(port, "/__annuaire/etat").is_none_or(|body| !body.contains("\"version\":1")) {
        assert!(started.elapsed().as_secs() < 600, "the first build of serve ends");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let numero = |body: &str| -> u64 {
        let state: serde_json::Value = serde_json::from_str(body).expect("the state is JSON");
        state["numero"].as_u64().expect("numero")
    };
    let mut times = Vec::new();
    for round_no in 0..rounds {
        std::thread::sleep(pause);
        let (file, id) = &places[(round_no * 7919 + 13) % places.len()];
        let known = numero(&http_get(port, "/__annuaire/etat").expect("state"));
        let news = std::thread::spawn(move || http_get(port, &format!("/__annuaire/etat?apres={known}")));
        // The request is on its way first, as the browser's always is.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let name = format!("Lieu vu dans le navigateur {round_no}");
        let text = replace_line(
            &std::fs::read_to_string(file).unwrap(),
            "nom:",
            &format!("nom: \"{name}\""),
        );
        let saved = Instant::now();
        std::fs::write(file, text).unwrap();
        let told = news.join().unwrap().expect("news of the edit");
        times.push(saved.elapsed().as_secs_f64() * 1000.0);
        let page = http_get(port, &format!("/lieux/{id}/")).expect("the place's page");
        assert!(page.contains(&name), "the page shows the new name");
        // Then the dashboard, so that the next save finds serve idle.
        let _ = http_get(port, &format!("/__annuaire/etat?apres={}", numero(&told)));
    }
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&output);
    times.sort_by(f64::total_cmp);
    serde_json::json!({
        "mediane_ms": round(times.get(times.len() / 2).copied().unwrap_or(0.0)),
        "max_ms": round(times.last().copied().unwrap_or(0.0)),
    })
}

/// The body of a GET on our own server (HTTP/1.0, no keep-alive).
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(60))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response);
    text.split_once("\r\n\r\n").map(|(_, body)| body.to_string())
}

/// `text` with its first line starting with `prefix` replaced by `line`;
/// unchanged without such a line.
fn replace_line(text: &str, prefix: &str, line: &str) -> String {
    if !text.lines().any(|l| l.starts_with(prefix)) {
        return text.to_string();
    }
    let mut done = false;
    text.lines()
        .map(|l| {
            if !done && l.starts_with(prefix) {
                done = true;
                line.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn shift_line(text: &str, prefix: &str, delta: f64) -> String {
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|v| v.trim().parse::<f64>().ok());
    match value {
        Some(v) => replace_line(text, prefix, &format!("{prefix} {:.6}", v + delta)),
        None => text.to_string(),
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn round(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}
