//! The `annuaire` command line: a thin layer over the library.

use annuaire::diagnostics::{self, Format};
use annuaire::pipeline::{self, BuildOptions};
use annuaire::{Error, import, scaffold, serve};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "annuaire",
    version,
    about = "Génère le site de l'annuaire des lieux de médiation numérique d'un département"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Construit le site dans DOSSIER/public (ou --output).
    Build {
        /// Racine du site (où se trouve annuaire.yaml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Dossier de sortie (par défaut : RACINE/public).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Adresse de publication, qui remplace url_de_base (par exemple https://exemple.fr/annuaire/).
        #[arg(long)]
        base_url: Option<String>,
        /// Nombre de fils de rendu (par défaut : tous les cœurs). Avec 1, la sortie est la même, octet pour octet.
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
    },
    /// Vérifie le contenu sans rien écrire et liste tous les problèmes.
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// human (lisible), github (annotations de pull request), gitlab (rapport Code Quality) ou json.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Compare les lieux d'une version git (branche, étiquette, commit) avec le dossier de travail.
    Diff {
        /// Version de référence, par exemple origin/main.
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// text (terminal), markdown (résumé de pull request) ou json.
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
    },
    /// Construit, sert le site sur 127.0.0.1 et le reconstruit à chaque modification.
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, default_value_t = 1111)]
        port: u16,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Importe des lieux au standard national (CSV ou JSON, v1 ou ancien v0.1) dans content/lieux/.
    Import {
        /// Fichier à importer.
        fichier: PathBuf,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Ne garder que les lieux de ce département (répétable). Par défaut : ceux du site.
        #[arg(long = "departement")]
        departements: Vec<String>,
        /// Affiche le rapport sans rien écrire.
        #[arg(long)]
        dry_run: bool,
        /// Remplace aussi les fiches modifiées depuis la source.
        #[arg(long)]
        force: bool,
    },
    /// Crée un fichier à remplir.
    New {
        #[command(subcommand)]
        what: NewCommand,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Subcommand)]
enum NewCommand {
    /// Crée content/lieux/<identifiant>.md à partir du nom du lieu.
    Lieu {
        /// Nom du lieu, par exemple "Médiathèque de Pau".
        nom: String,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

fn main() -> ExitCode {
    pipeline::seed_hash_maps_per_thread();
    let cli = Cli::parse();
    let code = match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            match &error {
                Error::Content(diags) => eprint!("{}", diagnostics::render_human(diags)),
                other => eprintln!("erreur : {other}"),
            }
            error.exit_code()
        }
    };
    ExitCode::from(code as u8)
}

fn run(command: Command) -> Result<i32, Error> {
    match command {
        Command::Build {
            root,
            output,
            base_url,
            jobs,
        } => {
            // A build ends soon after its peak: memory it frees is better
            // kept for its next pages than handed back and faulted in again
            // (see keep_freed_memory).
            pipeline::keep_freed_memory();
            let options = BuildOptions {
                root,
                output,
                base_url,
                threads: jobs,
                ..Default::default()
            };
            let report = pipeline::build(&options)?;
            eprint!("{}", diagnostics::render_human(&report.diagnostics));
            eprintln!(
                "Site construit dans {} : {} lieux, {} fichiers.",
                options.output_dir().display(),
                report.places,
                report.files
            );
            Ok(0)
        }
        Command::Check { root, format } => {
            let diags = match pipeline::check(&root) {
                Ok(report) => report.diagnostics,
                Err(Error::Content(diags)) => diags,
                Err(other) => return Err(other),
            };
            print!("{}", diagnostics::render(&diags, format));
            Ok(if diags.iter().any(|d| d.is_error()) { 1 } else { 0 })
        }
        Command::Diff {
            reference,
            root,
            format,
        } => {
            let diff = annuaire::git::diff_with_working_tree(&root, &reference, pipeline::today())?;
            print!(
                "{}",
                match format {
                    DiffFormat::Text => annuaire::diff::render_text(&diff),
                    DiffFormat::Markdown => annuaire::diff::render_markdown(&diff),
                    DiffFormat::Json => annuaire::diff::render_json(&diff),
                }
            );
            Ok(0)
        }
        Command::Serve { root, port, output } => {
            // An option of the allocator chosen above: see keep_freed_memory.
            pipeline::keep_freed_memory();
            serve::serve(serve::ServeOptions { root, port, output })?;
            Ok(0)
        }
        Command::Import {
            fichier,
            root,
            departements,
            dry_run,
            force,
        } => {
            let site_departements = match annuaire::load::load_site(&root) {
                Ok(source) => source.config.departements,
                Err(_) if !departements.is_empty() => Vec::new(),
                Err(e) => return Err(e),
            };
            let options = import::ImportOptions {
                root,
                input: fichier,
                departements,
                dry_run,
                force,
                today: pipeline::today(),
            };
            let report = import::import(&options, &site_departements)?;
            print!("{}", report.render(dry_run));
            Ok(if report.imported_anything() { 0 } else { 1 })
        }
        Command::New {
            what: NewCommand::Lieu { nom, root },
        } => {
            let path = scaffold::new_place(&root, &nom, pipeline::today())?;
            println!("Fiche créée : {}", path.display());
            println!("Remplissez-la, puis vérifiez-la avec : annuaire check");
            Ok(0)
        }
    }
}
