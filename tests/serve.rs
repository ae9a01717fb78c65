//! `annuaire serve`: builds, serves on 127.0.0.1, rebuilds when a file is
//! saved, and reports content errors without stopping.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.0 GET, enough for our own server.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    get_within(port, path, Duration::from_secs(5))
}

fn get_within(port: u16, path: &str, timeout: Duration) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.starts_with("public") {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn state(port: u16) -> serde_json::Value {
    let (_, body) = get(port, "/__annuaire/etat").expect("state endpoint");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn serve_rebuilds_on_save_and_reports_errors_without_stopping() {
    let site = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("annuaire.yaml"), site.path().join("annuaire.yaml")).unwrap();
    copy_dir(&root.join("content"), &site.path().join("content"));
    let port = free_port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_annuaire"))
            .args(["serve", "--port", &port.to_string(), "--root"])
            .arg(site.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("the first build", || get(port, "/").is_some_and(|(s, _)| s == 200));
    let (_, page) = get(port, "/lieux/cyberbase-bayonne/").unwrap();
    assert!(page.contains("<h1>Cyberbase</h1>"));
    assert!(
        page.contains("/__annuaire/rechargement.js"),
        "live reload script is linked"
    );
    let (status, script) = get(port, "/__annuaire/rechargement.js").unwrap();
    assert_eq!(status, 200);
    assert!(script.contains("location.reload()"));
    assert!(
        !site.path().join("public/static/js/rechargement.js").exists(),
        "never part of the site"
    );
    assert_eq!(state(port)["version"], 1);
    let (status, _) = get(port, "/lieux/absent/").unwrap();
    assert_eq!(status, 404);
    let (status, _) = get(port, "/../annuaire.yaml").unwrap();
    assert_eq!(status, 404);

    let file = site.path().join("content/lieux/cyberbase-bayonne.md");
    let original = std::fs::read_to_string(&file).unwrap();
    // A browser waiting for news is told of the rebuild, and holds no one up meanwhile.
    let known = state(port)["numero"].as_u64().expect("numero");
    let news = std::thread::spawn(move || {
        get_within(
            port,
            &format!("/__annuaire/etat?apres={known}"),
            Duration::from_secs(30),
        )
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(!news.is_finished(), "nothing new yet: the request waits");
    assert_eq!(get(port, "/").map(|(s, _)| s), Some(200), "others are served meanwhile");
    std::fs::write(
        &file,
        original.replace("nom: \"Cyberbase\"", "nom: \"Cyberbase du Petit Bayonne\""),
    )
    .unwrap();
    let (_, body) = news.join().unwrap().expect("news of the rebuild");
    let news: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(news["numero"].as_u64() > Some(known), "{news}");
    assert_eq!(news["version"], 2, "{news}");
    // The pages, then the dashboard: the version goes up once or twice.
    wait_for("the rebuild", || state(port)["version"].as_u64() >= Some(2));
    let (_, page) = get(port, "/lieux/cyberbase-bayonne/").unwrap();
    assert!(page.contains("<h1>Cyberbase du Petit Bayonne</h1>"));

    // The dashboard follows when the files are quiet, with the new name.
    wait_for("the dashboard", || state(port)["version"].as_u64() >= Some(3));
    let before_error = state(port)["version"].clone();
    std::fs::write(
        &file,
        original.replace("code_postal: \"64100\"", "code_postal: \"64999\""),
    )
    .unwrap();
    wait_for("the error report", || {
        state(port)["erreurs"].as_array().is_some_and(|e| !e.is_empty())
    });
    let errors = state(port)["erreurs"].to_string();
    assert!(errors.contains("cyberbase-bayonne.md:"), "{errors}");
    assert!(errors.contains("64999"), "{errors}");
    assert_eq!(
        state(port)["version"],
        before_error,
        "a failed build keeps the previous site"
    );
    let (_, page) = get(port, "/lieux/cyberbase-bayonne/").unwrap();
    assert!(page.contains("<h1>Cyberbase du Petit Bayonne</h1>"));

    std::fs::write(&file, &original).unwrap();
    wait_for("the recovery", || {
        state(port)["version"].as_u64() > before_error.as_u64()
    });
    assert_eq!(state(port)["erreurs"], serde_json::json!([]));
}
