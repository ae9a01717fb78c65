//! Time to render one kind of page, on one thread, without writing it:
//! what a page costs apart from the disk and the other core.
//!
//! `cargo run --release --example pages -- DOSSIER SORTE [chaud]`, where
//! SORTE is a kind of page as `ANNUAIRE_ETAPES=1` names it (`Place`,
//! `Commune`, `EmbedCommune`, `OrientationResults`…). With `chaud`, every
//! other page is rendered first, so that the cards and lines the pages
//! share are already rendered, as they mostly are during a build.

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(root), Some(kind)) = (args.get(1), args.get(2)) else {
        eprintln!("usage : pages DOSSIER SORTE [chaud]");
        std::process::exit(2);
    };
    let warm = args.get(3).is_some_and(|a| a == "chaud");
    if let Err(e) = run(Path::new(root), kind, warm) {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

fn kind_of(key: annuaire::render::PageKey) -> String {
    let name = format!("{key:?}");
    name.split('(').next().unwrap_or_default().to_string()
}

fn run(root: &Path, kind: &str, warm: bool) -> Result<(), annuaire::error::Error> {
    let ((site, _), _theme, compiled) =
        annuaire::pipeline::with_theme_beside(root, |source| annuaire::pipeline::prepare_source(source, None))?;
    let renderer = annuaire::render::Renderer::with_templates(
        &site,
        std::sync::Arc::new(compiled.tera),
        compiled.preminified,
        &Default::default(),
    )?;
    let all = renderer.page_keys();
    let keys: Vec<_> = all.iter().copied().filter(|&k| kind_of(k) == kind).collect();
    if keys.is_empty() {
        eprintln!("aucune page de la sorte « {kind} »");
        std::process::exit(2);
    }
    if warm {
        // The dashboard's pages are left out: they do not list places.
        for &key in all.iter().filter(|&&k| !kind_of(k).starts_with("Dashboard")) {
            renderer.render(key, &mut Default::default())?;
        }
    }
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for &key in &keys {
        bytes += renderer.render(key, &mut Default::default())?.len();
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{kind} : {} pages, {:.1} Mo, {:.1} µs par page",
        keys.len(),
        bytes as f64 / 1e6,
        elapsed * 1e6 / keys.len() as f64
    );
    Ok(())
}
