//! Finds the app's `catalog!` from inside an attribute macro.
//!
//! Looked at, in order: the file being expanded, then `main.rs`, `lib.rs`,
//! `mod.rs` and the parent-module file in each directory above it, stopping
//! at the package root (the directory with `Cargo.toml`). So a catalog at
//! the crate root covers every module; a catalog in a handler's own file
//! covers that file (tests, examples).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use super::scan::find_catalog;
use super::{Catalog, CatalogInput};

/// Parsed catalogs by file, with the file's modification time: one compile
/// expands many `#[protect]`s, and rust-analyzer keeps this process alive
/// across edits, so an entry is reused only while the file is unchanged.
type Cache = HashMap<PathBuf, (Option<SystemTime>, Option<Catalog>)>;
static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// The catalog in scope of the current macro invocation, if any.
/// Must only be called while a macro is expanding.
pub(crate) fn locate() -> Option<Catalog> {
    let files = match proc_macro::Span::call_site().local_file() {
        Some(file) => candidate_files(&file),
        // No file (some IDE expanders): fall back to the crate roots.
        None => {
            let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
            vec![root.join("src/main.rs"), root.join("src/lib.rs")]
        }
    };
    let package_root = files
        .first()
        .and_then(|file| package_root(file))
        .unwrap_or_default();
    files
        .iter()
        .find_map(|file| cached_catalog(file, &package_root))
}

/// The package directory above `file`: the nearest with a `Cargo.toml`.
fn package_root(file: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .find(|dir| dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
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
    files.dedup();
    files
}

fn cached_catalog(file: &Path, package_root: &Path) -> Option<Catalog> {
    let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok();
    // A poisoned lock only means another expansion panicked; the map is still usable.
    let mut guard = CACHE.lock().unwrap_or_else(|poison| poison.into_inner());
    let cache = guard.get_or_insert_with(HashMap::new);
    if let Some((time, catalog)) = cache.get(file)
        && *time == modified
    {
        return catalog.clone();
    }
    let catalog = read_catalog(file, package_root);
    cache.insert(file.to_path_buf(), (modified, catalog.clone()));
    catalog
}

/// The catalog declared in `file`. A catalog that does not parse counts as
/// absent here: the `catalog!` invocation itself reports the mistake.
fn read_catalog(file: &Path, package_root: &Path) -> Option<Catalog> {
    let text = std::fs::read_to_string(file).ok()?;
    let found = find_catalog(&text)?;
    let tokens: proc_macro2::TokenStream = found.body.parse().ok()?;
    let input: CatalogInput = syn::parse2(tokens).ok()?;
    let shown = file.strip_prefix(package_root).unwrap_or(file);
    Some(Catalog::from_input(
        &input,
        format!("{}:{}", shown.display(), found.line),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_climb_module_roots_up_to_the_package() {
        let dir = std::env::temp_dir().join(format!("clerk-macros-locate-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src/api")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "").unwrap();
        let files = candidate_files(&dir.join("src/api/items.rs"));
        assert_eq!(files[0], dir.join("src/api/items.rs"));
        assert!(files.contains(&dir.join("src/api/mod.rs")));
        assert!(files.contains(&dir.join("src/api.rs")));
        assert!(files.contains(&dir.join("src/main.rs")));
        assert!(files.contains(&dir.join("src/lib.rs")));
        assert!(!files.iter().any(|f| f.parent() == Some(dir.as_path())));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn catalog_is_read_with_its_origin_relative_to_the_package() {
        let dir = std::env::temp_dir().join(format!("clerk-macros-read-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let file = dir.join("src/main.rs");
        std::fs::write(&file, "\ncatalog! { roles: [\"org:admin\"] }\n").unwrap();
        let catalog = read_catalog(&file, &dir).unwrap();
        assert_eq!(
            catalog.origin,
            format!("src{}main.rs:2", std::path::MAIN_SEPARATOR)
        );
        assert_eq!(
            catalog.list(super::super::Kind::Role),
            Some(&["org:admin".to_owned()][..])
        );
        assert_eq!(catalog.list(super::super::Kind::Plan), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
