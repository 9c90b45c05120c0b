//! Finds the app's `catalog!` from inside an attribute macro, and names it
//! for the const-evaluated backstop.
//!
//! Looked at, in order: the file being expanded, then `main.rs`, `lib.rs`,
//! `mod.rs` and the parent-module file in each directory above it, stopping
//! at the package root (the directory with `Cargo.toml`). So a catalog at
//! the crate root covers every module; a catalog in a handler's own file
//! covers that file (tests, examples). A `catalog!(use path)` found there
//! stands for the catalog of that module: read from its file when `path`
//! is a module of this crate, checked by the backstop alone when it is
//! another crate.
//!
//! The module holding the catalog is named from the file layout
//! ([`module_of`]): `src/main.rs` is `crate`, `src/api/mod.rs` and
//! `src/api.rs` are `crate::api`, `src/lib.rs` seen from a binary of the
//! same package is `::<package>`, any file outside `src/`, `tests/`,
//! `examples/` and `benches/` layouts is taken as a crate root.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use proc_macro2::TokenStream;
use quote::quote;

use super::scan::find_catalog;
use super::{Catalog, CatalogInput};

/// Where `#[protect]`'s names are checked.
pub(crate) struct Located {
    /// The declared names, when the scan could read them: checked during
    /// expansion, with a did-you-mean at the literal.
    pub(crate) catalog: Option<Catalog>,
    /// The path of the `__CLERK_CATALOG` const `catalog!` emitted, for
    /// the const-evaluated backstop (which runs whether or not the scan
    /// could read the names).
    pub(crate) names: TokenStream,
    /// The files read, for `include_str!` (so a change rebuilds).
    pub(crate) files: Vec<PathBuf>,
}

/// What the search for the catalog found.
pub(crate) enum Lookup {
    Found(Located),
    /// The scan ran and found no `catalog!`; the files it read.
    NotFound {
        looked: Vec<String>,
    },
}

/// A `catalog!` read from one file.
#[derive(Debug, Clone)]
enum Parsed {
    /// `catalog! { roles: [..], .. }`.
    Lists(Catalog),
    /// `catalog!(use path)`.
    Use(UsePath),
}

/// The path of a `catalog!(use path)`, as plain strings (the cache
/// outlives any one expansion, so it holds no tokens).
#[derive(Debug, Clone, PartialEq, Eq)]
struct UsePath {
    leading_colon: bool,
    segments: Vec<String>,
}

/// Parsed catalogs by file, with the file's modification time: one compile
/// expands many `#[protect]`s, and rust-analyzer keeps this process alive
/// across edits, so an entry is reused only while the file is unchanged.
type Cache = HashMap<PathBuf, (Option<SystemTime>, Option<Parsed>)>;
static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// How many `catalog!(use ..)` a lookup follows before giving up on
/// reading names (the backstop still checks): a chain longer than this
/// is a cycle in practice.
const MAX_USE_HOPS: usize = 4;

/// The catalog in scope of the current macro invocation.
/// Must only be called while a macro is expanding.
pub(crate) fn locate() -> Lookup {
    // A doctest's spans point into the documented file, whose catalogs (if
    // any) are not the doctest's: its own items are what it can see.
    if is_doctest() {
        return Lookup::Found(without_file());
    }
    let Some(file) = call_site_file() else {
        return Lookup::Found(without_file());
    };
    let Some(package_root) = package_root(&file) else {
        return Lookup::NotFound {
            looked: vec![file.display().to_string()],
        };
    };
    let mut looked = Vec::new();
    for candidate in candidate_files(&file) {
        if !candidate.is_file() {
            continue;
        }
        looked.push(shown(&candidate, &package_root));
        if let Some(parsed) = cached_catalog(&candidate, &package_root) {
            let mut located = located(&file, &candidate, parsed, &package_root);
            located.files.retain(|read| needs_include(read, &file));
            return Lookup::Found(located);
        }
    }
    Lookup::NotFound { looked }
}

/// Catalog files whose `include_str!` this compilation has already emitted.
static INCLUDED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Whether the expansion in `call_site` must `include_str!` the catalog
/// file `read` so that editing it rebuilds the crate: not when `read` is
/// the file being expanded (its edits rebuild anyway), and once per
/// compilation otherwise. One include does the job; one per handler made
/// rustc hash and store a copy of the file per `#[protect]` (issue 19's
/// compile-time profile: a quarter of the incremental bookkeeping at 1000
/// handlers). The proc macro is loaded once per rustc session, so the
/// list lives as long as the compilation it serves.
fn needs_include(read: &Path, call_site: &Path) -> bool {
    if read == call_site {
        return false;
    }
    let mut included = INCLUDED.lock().unwrap_or_else(|poison| poison.into_inner());
    if included.iter().any(|done| done == read) {
        return false;
    }
    included.push(read.to_path_buf());
    true
}

/// The absolute path of the file the current macro call is in, if it is a
/// real file (not a doctest, not an IDE buffer without one).
fn call_site_file() -> Option<PathBuf> {
    let file = proc_macro::Span::call_site().local_file()?;
    // Relative to rustc's working directory, as cargo passed it.
    std::path::absolute(file).ok()
}

/// `path:line of package `name``: where a `catalog!` is, for the
/// backstop's message (which may be read from another crate).
pub(crate) fn call_site_origin() -> String {
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let span = proc_macro::Span::call_site();
    match call_site_file() {
        Some(file) => {
            let root = package_root(&file).unwrap_or_default();
            format!(
                "{}:{} of package `{package}`",
                shown(&file, &root),
                span.line()
            )
        }
        None => format!("the root of package `{package}`"),
    }
}

/// Whether rustdoc is compiling a doctest: it sets this variable then.
fn is_doctest() -> bool {
    std::env::var_os("UNSTABLE_RUSTDOC_TEST_PATH").is_some()
}

/// Without a source file the scan cannot follow modules. The backstop
/// names the catalog at the crate root (or, in a doctest, where the
/// doctest declares it); the crate roots are read for the names when
/// they are there, so an IDE still shows the did-you-mean.
fn without_file() -> Located {
    // rustdoc sets this while compiling a doctest, whose items live in a
    // generated `fn main`: a bare name finds a `catalog!` written there.
    let doctest = is_doctest();
    let names = if doctest {
        quote!(__CLERK_CATALOG)
    } else {
        quote!(crate::__CLERK_CATALOG)
    };
    let mut located = Located {
        catalog: None,
        names,
        files: Vec::new(),
    };
    if doctest {
        return located;
    }
    let Some(root) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        return located;
    };
    for file in [root.join("src/main.rs"), root.join("src/lib.rs")] {
        if let Some(Parsed::Lists(catalog)) = cached_catalog(&file, &root) {
            located.catalog = Some(catalog);
            located.files.push(file);
            break;
        }
    }
    located
}

/// The catalog `parsed`, found in `catalog_file` while expanding in `file`.
fn located(file: &Path, catalog_file: &Path, parsed: Parsed, package_root: &Path) -> Located {
    let module = module_tokens(file, catalog_file, package_root);
    let mut located = Located {
        catalog: None,
        names: quote!(#module::__CLERK_CATALOG),
        files: vec![catalog_file.to_path_buf()],
    };
    let mut current = (catalog_file.to_path_buf(), parsed);
    for _ in 0..MAX_USE_HOPS {
        match current.1 {
            Parsed::Lists(catalog) => {
                located.catalog = Some(catalog);
                break;
            }
            Parsed::Use(path) => {
                // Another crate: its source is not ours to read; the backstop checks.
                let Some(next) = resolve_use(&current.0, &path, package_root) else {
                    break;
                };
                let Some(parsed) = cached_catalog(&next, package_root) else {
                    break;
                };
                located.files.push(next.clone());
                current = (next, parsed);
            }
        }
    }
    located
}

/// The package directory above `file`: the nearest with a `Cargo.toml`.
fn package_root(file: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .find(|dir| dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

fn shown(file: &Path, package_root: &Path) -> String {
    file.strip_prefix(package_root)
        .unwrap_or(file)
        .display()
        .to_string()
}

/// `file`, then the module-root files of each directory above it, up to
/// (not including) the package root.
fn candidate_files(file: &Path) -> Vec<PathBuf> {
    let mut files = vec![file.to_path_buf()];
    for dir in file.ancestors().skip(1) {
        if dir.as_os_str().is_empty() || dir.join("Cargo.toml").is_file() {
            break;
        }
        for name in ["main.rs", "lib.rs", "mod.rs"] {
            files.push(dir.join(name));
        }
        // `src/api.rs` is the parent module of `src/api/`; `src` itself has none.
        if dir
            .parent()
            .is_some_and(|parent| !parent.join("Cargo.toml").is_file())
        {
            files.push(dir.with_extension("rs"));
        }
    }
    let mut seen = Vec::new();
    files.retain(|file| {
        let new = !seen.contains(file);
        seen.push(file.clone());
        new
    });
    files
}

/// Where a file sits in its crate's module tree, from the package layout.
#[derive(Debug, PartialEq, Eq)]
struct ModuleLoc {
    /// The directory the crate root's child modules live in.
    root_dir: PathBuf,
    /// The module path below the crate root; empty for the root.
    segments: Vec<String>,
    /// The crate root file, when the layout says which it is.
    root_file: Option<PathBuf>,
}

/// The module `file` is, by Cargo's target layout; `None` when a path
/// component is not a Rust identifier.
fn module_of(file: &Path, package_root: &Path) -> Option<ModuleLoc> {
    let rel = file.strip_prefix(package_root).ok()?;
    let parts: Vec<&str> = rel
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    let root = |dir: &[&str], root_file: &Path| ModuleLoc {
        root_dir: join(package_root, dir),
        segments: Vec::new(),
        root_file: Some(root_file.to_path_buf()),
    };
    let below = |dir: &[&str], rest: &[&str], root_file: Option<PathBuf>| {
        Some(ModuleLoc {
            root_dir: join(package_root, dir),
            segments: segments(rest)?,
            root_file,
        })
    };
    match parts.as_slice() {
        ["src", "main.rs" | "lib.rs"] | ["src", "bin", _] => {
            Some(root(&parts[..parts.len() - 1], file))
        }
        [target @ ("tests" | "examples" | "benches"), _] => Some(root(&[target], file)),
        ["src", "bin", _, "main.rs"] | ["tests" | "examples" | "benches", _, "main.rs"] => {
            Some(root(&parts[..parts.len() - 1], file))
        }
        ["src", "bin", dir, rest @ ..] => {
            let dir = ["src", "bin", dir];
            below(&dir, rest, Some(join(package_root, &dir).join("main.rs")))
        }
        [target @ ("tests" | "examples" | "benches"), dir, rest @ ..]
            if join(package_root, &[target, dir]).join("main.rs").is_file() =>
        {
            let dir = [*target, *dir];
            below(&dir, rest, Some(join(package_root, &dir).join("main.rs")))
        }
        // `tests/common/mod.rs`: a module of each test that declares it.
        [target @ ("tests" | "examples" | "benches"), rest @ ..] => below(&[target], rest, None),
        // A module of `src/main.rs` or `src/lib.rs` (which one, the layout does not say).
        ["src", rest @ ..] => below(&["src"], rest, None),
        // Outside Cargo's layout (a trybuild case, a `[[bin]] path`): a crate root.
        _ => Some(ModuleLoc {
            root_dir: file.parent()?.to_path_buf(),
            segments: Vec::new(),
            root_file: Some(file.to_path_buf()),
        }),
    }
}

fn join(base: &Path, parts: &[&str]) -> PathBuf {
    parts
        .iter()
        .fold(base.to_path_buf(), |dir, part| dir.join(part))
}

/// `["api", "items.rs"]` → `api::items`, `["api", "mod.rs"]` → `api`.
fn segments(rest: &[&str]) -> Option<Vec<String>> {
    let (last, dirs) = rest.split_last()?;
    let mut segments: Vec<String> = dirs.iter().map(|dir| (*dir).to_owned()).collect();
    if *last != "mod.rs" {
        segments.push(last.strip_suffix(".rs")?.to_owned());
    }
    segments
        .iter()
        .all(|segment| syn::parse_str::<syn::Ident>(segment).is_ok())
        .then_some(segments)
}

/// The module holding the `catalog!` of `catalog_file`, as seen from a
/// macro expanding in `file`.
fn module_tokens(file: &Path, catalog_file: &Path, package_root: &Path) -> TokenStream {
    let Some(catalog) = module_of(catalog_file, package_root) else {
        return quote!(crate);
    };
    let library = package_root.join("src").join("lib.rs");
    let in_library = catalog.root_file.as_deref() == Some(library.as_path());
    let from_other_root = module_of(file, package_root)
        .and_then(|loc| loc.root_file)
        .is_some_and(|root| root != library);
    let mut tokens = match std::env::var("CARGO_PKG_NAME") {
        // A binary of the package using the package's library's catalog.
        Ok(package) if in_library && from_other_root => {
            match syn::parse_str::<syn::Ident>(&package.replace('-', "_")) {
                Ok(name) => quote!(::#name),
                Err(_) => quote!(crate),
            }
        }
        _ => quote!(crate),
    };
    for segment in &catalog.segments {
        // Checked to be identifiers by `module_of`.
        if let Ok(ident) = syn::parse_str::<syn::Ident>(segment) {
            tokens = quote!(#tokens::#ident);
        }
    }
    tokens
}

/// The file of the module a `catalog!(use path)` in `file` names, when it
/// is a module of this crate that the layout locates.
fn resolve_use(file: &Path, path: &UsePath, package_root: &Path) -> Option<PathBuf> {
    if path.leading_colon {
        return None;
    }
    let here = module_of(file, package_root)?;
    let (first, rest) = path.segments.split_first()?;
    let mut target = match first.as_str() {
        "crate" => Vec::new(),
        "self" | "super" => here.segments.clone(),
        // `use authz` names a child module if there is one, else a crate.
        _ => {
            let mut target = here.segments.clone();
            target.push(first.clone());
            target
        }
    };
    let mut rest = rest;
    if first == "super" {
        target.pop()?;
        while let Some((next, tail)) = rest.split_first()
            && next == "super"
        {
            target.pop()?;
            rest = tail;
        }
    }
    target.extend(rest.iter().cloned());
    if target.is_empty() {
        return here.root_file;
    }
    let base = target
        .iter()
        .fold(here.root_dir.clone(), |dir, segment| dir.join(segment));
    [base.with_extension("rs"), base.join("mod.rs")]
        .into_iter()
        .find(|file| file.is_file())
}

fn cached_catalog(file: &Path, package_root: &Path) -> Option<Parsed> {
    let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok();
    // A poisoned lock only means another expansion panicked; the map is still usable.
    let mut guard = CACHE.lock().unwrap_or_else(|poison| poison.into_inner());
    let cache = guard.get_or_insert_with(HashMap::new);
    if let Some((time, parsed)) = cache.get(file)
        && *time == modified
    {
        return parsed.clone();
    }
    let parsed = read_catalog(file, package_root);
    cache.insert(file.to_path_buf(), (modified, parsed.clone()));
    parsed
}

/// The catalog declared in `file`. A catalog that does not parse counts as
/// found with no lists: the `catalog!` invocation itself reports the
/// mistake, and a second "no catalog" error would mislead.
fn read_catalog(file: &Path, package_root: &Path) -> Option<Parsed> {
    let text = std::fs::read_to_string(file).ok()?;
    let found = find_catalog(&text)?;
    let origin = format!("{}:{}", shown(file, package_root), found.line);
    let input = found
        .body
        .parse::<TokenStream>()
        .ok()
        .and_then(|tokens| syn::parse2::<CatalogInput>(tokens).ok());
    let Some(input) = input else {
        return Some(Parsed::Lists(Catalog::unreadable(origin)));
    };
    Some(match input.uses.first() {
        Some((_, path)) => Parsed::Use(UsePath {
            leading_colon: path.leading_colon.is_some(),
            segments: path.segments.iter().map(|s| s.ident.to_string()).collect(),
        }),
        None => Parsed::Lists(Catalog::from_input(&input, origin)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch package directory, removed on drop.
    struct Package(PathBuf);

    impl Package {
        fn new(name: &str, files: &[(&str, &str)]) -> Self {
            let dir =
                std::env::temp_dir().join(format!("clerk-macros-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("Cargo.toml"), "").unwrap();
            for (path, text) in files {
                let file = dir.join(path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(file, text).unwrap();
            }
            Self(dir)
        }
    }

    impl Drop for Package {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn module(package: &Package, file: &str) -> Option<Vec<String>> {
        module_of(&package.0.join(file), &package.0).map(|loc| loc.segments)
    }

    #[test]
    fn candidates_climb_module_roots_up_to_the_package() {
        let package = Package::new("locate", &[("src/api/items.rs", "")]);
        let dir = &package.0;
        let files = candidate_files(&dir.join("src/api/items.rs"));
        assert_eq!(files[0], dir.join("src/api/items.rs"));
        assert!(files.contains(&dir.join("src/api/mod.rs")));
        assert!(files.contains(&dir.join("src/api.rs")));
        assert!(files.contains(&dir.join("src/main.rs")));
        assert!(files.contains(&dir.join("src/lib.rs")));
        assert!(!files.iter().any(|f| f.parent() == Some(dir.as_path())));
    }

    #[test]
    fn catalog_is_read_with_its_origin_relative_to_the_package() {
        let package = Package::new(
            "read",
            &[("src/main.rs", "\ncatalog! { roles: [\"org:admin\"] }\n")],
        );
        let Some(Parsed::Lists(catalog)) = read_catalog(&package.0.join("src/main.rs"), &package.0)
        else {
            panic!("no catalog read");
        };
        assert_eq!(
            catalog.origin,
            format!("src{}main.rs:2", std::path::MAIN_SEPARATOR)
        );
        assert_eq!(
            catalog.list(super::super::Kind::Role),
            Some(&["org:admin".to_owned()][..])
        );
        assert_eq!(catalog.list(super::super::Kind::Plan), None);
    }

    #[test]
    fn module_paths_follow_cargo_layout() {
        let package = Package::new("layout", &[("examples/big/main.rs", "")]);
        let none: Vec<String> = Vec::new();
        assert_eq!(module(&package, "src/main.rs"), Some(none.clone()));
        assert_eq!(module(&package, "src/lib.rs"), Some(none.clone()));
        assert_eq!(module(&package, "src/api.rs"), Some(vec!["api".to_owned()]));
        assert_eq!(
            module(&package, "src/api/mod.rs"),
            Some(vec!["api".to_owned()])
        );
        assert_eq!(
            module(&package, "src/api/items.rs"),
            Some(vec!["api".to_owned(), "items".to_owned()])
        );
        assert_eq!(module(&package, "src/bin/tool.rs"), Some(none.clone()));
        assert_eq!(module(&package, "tests/flows.rs"), Some(none.clone()));
        assert_eq!(
            module(&package, "tests/common/mod.rs"),
            Some(vec!["common".to_owned()])
        );
        assert_eq!(
            module(&package, "examples/big/authz.rs"),
            Some(vec!["authz".to_owned()])
        );
        assert_eq!(module(&package, "ui/pass/case.rs"), Some(none));
        assert_eq!(module(&package, "src/not-an-ident.rs"), None);
        assert_eq!(module(&package, "src/type.rs"), None);
    }

    #[test]
    fn use_of_a_local_module_resolves_to_its_file() {
        let package = Package::new(
            "use",
            &[
                ("src/main.rs", "catalog!(use crate::authz);"),
                ("src/authz.rs", "catalog! { roles: [] }"),
                ("src/api/mod.rs", ""),
            ],
        );
        let path = |text: &str| UsePath {
            leading_colon: false,
            segments: text.split("::").map(str::to_owned).collect(),
        };
        let main = package.0.join("src/main.rs");
        let authz = package.0.join("src/authz.rs");
        assert_eq!(
            resolve_use(&main, &path("crate::authz"), &package.0),
            Some(authz.clone())
        );
        assert_eq!(
            resolve_use(&main, &path("authz"), &package.0),
            Some(authz.clone())
        );
        let api = package.0.join("src/api/mod.rs");
        assert_eq!(
            resolve_use(&api, &path("super::authz"), &package.0),
            Some(authz)
        );
        assert_eq!(resolve_use(&main, &path("shared_authz"), &package.0), None);
        let external = UsePath {
            leading_colon: true,
            ..path("authz")
        };
        assert_eq!(resolve_use(&main, &external, &package.0), None);
    }

    #[test]
    fn a_use_is_followed_to_the_lists() {
        let package = Package::new(
            "follow",
            &[
                ("src/main.rs", "catalog!(use crate::authz);"),
                (
                    "src/authz.rs",
                    "catalog! { permissions: [\"org:data:read\"] }",
                ),
            ],
        );
        let main = package.0.join("src/main.rs");
        let parsed = read_catalog(&main, &package.0).unwrap();
        let located = located(&main, &main, parsed, &package.0);
        assert_eq!(located.names.to_string(), "crate :: __CLERK_CATALOG");
        assert_eq!(located.files.len(), 2);
        let catalog = located.catalog.unwrap();
        assert_eq!(
            catalog.list(super::super::Kind::Permission),
            Some(&["org:data:read".to_owned()][..])
        );
    }

    #[test]
    fn a_catalog_in_a_module_is_named_by_its_module_path() {
        let package = Package::new("named", &[("src/api/mod.rs", "")]);
        let tokens = module_tokens(
            &package.0.join("src/api/items.rs"),
            &package.0.join("src/api/mod.rs"),
            &package.0,
        );
        assert_eq!(tokens.to_string(), "crate :: api");
    }
}
