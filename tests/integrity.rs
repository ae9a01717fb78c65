//! Build integrity: a build killed at the worst moment leaves the previous
//! site byte-identical, the next build cleans up after it, and the output
//! does not depend on the time zone, the locale or the order files were
//! written on disk.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".annuaire-"))
        .collect()
}

#[test]
fn a_build_killed_before_the_swap_leaves_the_previous_site_untouched() {
    let (_guard, root) = site_copy("minimal");
    let output = root.join("public");
    assert_eq!(build(&root, &output).code, 0);
    let before = tree_fingerprint(&output);

    // Change a place, then start a build that pauses with everything written.
    let place = root.join("content/lieux/ccas-anglet.md");
    let text = std::fs::read_to_string(&place).unwrap();
    std::fs::write(&place, text.replace("CCAS", "Centre communal")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_annuaire"))
        .args([
            "build",
            "--root",
            path_arg(&root),
            "--output",
            path_arg(&output),
            "--base-url",
            BASE_URL,
        ])
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("ANNUAIRE_PAUSE_AVANT_ECHANGE", "60000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let staged = leftovers(&root)
            .iter()
            .any(|n| n.starts_with(".annuaire-construction-") && root.join(n).join("sitemap.xml").exists());
        if staged {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the build never reached the pause"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    assert_eq!(tree_fingerprint(&output), before, "the killed build changed public/");
    assert!(
        !leftovers(&root).is_empty(),
        "the killed build left its staging folder, as expected"
    );

    // The next build succeeds, shows the change and leaves nothing behind.
    assert_eq!(build(&root, &output).code, 0);
    assert_ne!(tree_fingerprint(&output), before);
    assert_eq!(leftovers(&root), Vec::<String>::new());
}

#[test]
fn output_does_not_depend_on_time_zone_locale_or_file_order() {
    let run_with = |root: &Path, output: &Path, tz: &str, lang: &str| {
        let status = Command::new(env!("CARGO_BIN_EXE_annuaire"))
            .args([
                "build",
                "--root",
                path_arg(root),
                "--output",
                path_arg(output),
                "--base-url",
                BASE_URL,
            ])
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            .env("TZ", tz)
            .env("LANG", lang)
            .env("LC_ALL", lang)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    };
    let (_a, first) = site_copy("minimal");
    // Same files, written to disk in the reverse order.
    let dir = tempdir();
    let second = dir.path().join("autre-chemin");
    std::fs::create_dir_all(second.join("content/lieux")).unwrap();
    std::fs::create_dir_all(second.join("content/pages")).unwrap();
    std::fs::copy(first.join("annuaire.yaml"), second.join("annuaire.yaml")).unwrap();
    for sub in ["content/pages", "content/lieux"] {
        let mut names: Vec<_> = std::fs::read_dir(first.join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names.reverse();
        for n in names {
            std::fs::copy(first.join(sub).join(&n), second.join(sub).join(&n)).unwrap();
        }
    }
    let out_a = first.join("public");
    let out_b = second.join("public");
    run_with(&first, &out_a, "UTC", "C.UTF-8");
    run_with(&second, &out_b, "Pacific/Kiritimati", "fr_FR.UTF-8");
    assert_eq!(tree_fingerprint(&out_a), tree_fingerprint(&out_b));
}
