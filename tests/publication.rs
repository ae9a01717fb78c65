//! Publishing on a département's own web server under a sub-path, exactly
//! as the README shows it: `annuaire build --base-url …/annuaire/`, then
//! `rsync -a --delete public/ serveur:/var/www/annuaire/`. Here the
//! "server" is a folder served on 127.0.0.1 whose root holds other things
//! too; every link and asset of every page must resolve under the sub-path.

mod common;

use common::*;
use std::collections::{BTreeSet, VecDeque};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// The README's example, read from the README itself so that the test and
/// the documentation cannot drift apart: `(build line, rsync line)`.
fn readme_example() -> (String, String) {
    let readme = read_text(&repo_root().join("README.md"));
    let build = readme
        .lines()
        .find(|l| l.starts_with("annuaire build --base-url https://www.exemple.fr/annuaire/"))
        .expect("the README shows the build for a sub-path")
        .to_string();
    let rsync = readme
        .lines()
        .find(|l| l.starts_with("rsync "))
        .expect("the README shows the rsync command")
        .to_string();
    (build, rsync)
}

/// Serves `root` on 127.0.0.1 like a plain static web server (a folder
/// answers with its index.html, a missing file is a 404).
struct StaticServer {
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    port: u16,
}

impl StaticServer {
    fn start(root: PathBuf) -> StaticServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let handle = Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for request in handle.incoming_requests() {
                let path = request.url().split(['?', '#']).next().unwrap_or("/").to_string();
                let mut file = root.join(path.trim_start_matches('/'));
                if path.contains("..") {
                    let _ = request.respond(tiny_http::Response::empty(400));
                    continue;
                }
                if path.ends_with('/') {
                    file = file.join("index.html");
                }
                match std::fs::read(&file) {
                    Ok(bytes) if file.is_file() => {
                        let _ = request.respond(tiny_http::Response::from_data(bytes));
                    }
                    _ => {
                        let _ = request.respond(tiny_http::Response::empty(404));
                    }
                }
            }
        });
        StaticServer {
            server,
            thread: Some(thread),
            port,
        }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn get(port: u16, path: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..end]);
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, response[end + 4..].to_vec())
}

fn rsync(args: &[String], from: &Path, to: &Path) {
    let mut args = args.to_vec();
    // The README's source and destination, replaced by local folders.
    let n = args.len();
    args[n - 2] = format!("{}/", from.display());
    args[n - 1] = format!("{}/", to.display());
    let status = Command::new(&args[0])
        .args(&args[1..])
        .status()
        .unwrap_or_else(|e| panic!("rsync cannot run ({e}): install it (apt-get install rsync; scripts/test.sh does)"));
    assert!(status.success(), "{args:?}");
}

#[test]
fn readme_example_publishes_under_a_sub_path() {
    let (build_line, rsync_line) = readme_example();
    let rsync_args: Vec<String> = rsync_line.split_whitespace().map(str::to_string).collect();
    assert_eq!(
        rsync_args[rsync_args.len() - 2..],
        ["public/", "serveur:/var/www/annuaire/"],
        "the README copies the content of public/ (trailing slash) into the sub-folder"
    );
    assert!(
        rsync_args.contains(&"--delete".to_string()),
        "pages removed from the site must go"
    );

    let dir = tempdir();
    let www = dir.path().join("www");
    let destination = www.join("annuaire");
    std::fs::create_dir_all(&destination).unwrap();
    // The département's own site around the directory: left untouched.
    std::fs::write(www.join("index.html"), "<!doctype html><title>Département</title>").unwrap();
    // A page the previous version had and this one no longer has.
    std::fs::create_dir_all(destination.join("lieux/ferme-depuis")).unwrap();
    std::fs::write(destination.join("lieux/ferme-depuis/index.html"), "ancien").unwrap();

    let server = StaticServer::start(www.clone());
    let base_url = format!("http://127.0.0.1:{}/annuaire/", server.port);
    let public = dir.path().join("public");
    // The README's build line, with the local server's address.
    let build_line = build_line.replace("https://www.exemple.fr/annuaire/", &base_url);
    let mut args: Vec<&str> = build_line.split_whitespace().skip(1).collect();
    let minimal = fixture("minimal");
    args.extend(["--root", path_arg(&minimal), "--output", path_arg(&public)]);
    let run = annuaire(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    rsync(&rsync_args, &public, &destination);

    assert!(
        !destination.join("lieux/ferme-depuis").exists(),
        "--delete removes old pages"
    );
    assert!(
        www.join("index.html").exists(),
        "nothing outside the sub-folder is touched"
    );
    assert_eq!(
        tree_fingerprint(&public),
        tree_fingerprint(&destination),
        "the server holds exactly the build"
    );

    // Crawl from the directory's home page: every link and asset of every
    // page answers 200 under /annuaire/, and none escapes it.
    let mut queue = VecDeque::from(["/annuaire/".to_string()]);
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut pages = 0;
    let mut assets = 0;
    while let Some(path) = queue.pop_front() {
        let (status, body) = get(server.port, &path);
        assert_eq!(status, 200, "{path} does not answer on the server");
        let is_html = path.ends_with('/') || path.ends_with(".html");
        let is_css = path.ends_with(".css");
        if !is_html && !is_css {
            assets += 1;
            continue;
        }
        pages += 1;
        let text = String::from_utf8(body).unwrap();
        let mut refs = if is_html {
            attribute_values(&text, &["href", "src", "data-geojson", "data-base", "data-catalogue"])
        } else {
            css_urls(&text)
        };
        refs.retain(|r| !r.starts_with('#'));
        for reference in refs {
            let Some(target) = local_path(&path, &reference, server.port) else {
                continue;
            };
            assert!(
                target.starts_with("/annuaire/"),
                "{path} links to {reference}, outside the sub-path"
            );
            if seen.insert(target.clone()) {
                queue.push_back(target);
            }
        }
    }
    assert!(pages > 500, "only {pages} pages reached: the crawl is broken");
    assert!(assets >= 5, "only {assets} assets reached");
}

/// `url(…)` references of a style sheet.
fn css_urls(css: &str) -> Vec<String> {
    let re = regex::Regex::new(r#"url\(\s*['"]?([^'")]+)['"]?\s*\)"#).unwrap();
    re.captures_iter(css)
        .map(|c| c[1].to_string())
        .filter(|u| !u.starts_with("data:"))
        .collect()
}

/// The path on this server a reference from `page` points to, or `None`
/// for another site, `mailto:`, `tel:`.
fn local_path(page: &str, reference: &str, port: u16) -> Option<String> {
    let origin = format!("http://127.0.0.1:{port}");
    let reference = reference.split('#').next().unwrap();
    if reference.is_empty() {
        return None;
    }
    let absolute = if let Some(rest) = reference.strip_prefix(&origin) {
        rest.to_string()
    } else if reference.contains(':') || reference.starts_with("//") {
        return None;
    } else if reference.starts_with('/') {
        reference.to_string()
    } else {
        let dir = &page[..page.rfind('/').unwrap() + 1];
        let joined = format!("{dir}{reference}");
        let mut parts: Vec<&str> = Vec::new();
        for part in joined.split('/') {
            match part {
                ".." => {
                    parts.pop();
                }
                "." => {}
                p => parts.push(p),
            }
        }
        parts.join("/")
    };
    Some(absolute.split('?').next().unwrap().to_string())
}
