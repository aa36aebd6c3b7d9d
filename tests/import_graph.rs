//! The files of `src/` import each other without a cycle (issue 14): the
//! exchange is the protocol, the endpoints are leaves behind one dispatch,
//! and no grant imports the exchange.
//!
//! The graph is read from the `use` declarations: each imported name is
//! followed through re-exports (`pub use`, `pub(crate) use`) to the file
//! that defines it, so `use crate::Step` ties a file to `src/exchange.rs`,
//! not to `src/lib.rs`; a re-export itself is no tie (it hands a name on).
//! An import of a module itself (`use crate::bearer`, `self`, a glob) ties
//! to that module's file. Imports inside inline modules
//! (`mod tests { use super::*; }`) are read too, and so are paths written
//! out in code (`crate::a::B`, `child::B`). A module's use of its own
//! submodules (a `mod.rs` and the files it is split into) is the folder's
//! structure and no tie.
//!
//! Run it on another revision's tree with `QSCOPE_IMPORT_GRAPH_SRC=DIR`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module path from the crate root (`["endpoint", "token"]`).
type ModPath = Vec<String>;

/// Every module of the crate under `root`, by module path: its file, and
/// the `use` declarations it holds.
struct Crate {
    modules: BTreeMap<ModPath, Module>,
}

struct Module {
    file: String,
    uses: Vec<Use>,
}

/// One imported path, as written, from one `use` declaration.
struct Use {
    /// Written at the start of a line (the file's own module), not inside
    /// an inline module.
    top_level: bool,
    /// `pub` or `pub(crate)`: a re-export other files may name.
    reexport: bool,
    segments: Vec<String>,
    /// The name it is known by here (`as` alias, else the last segment).
    name: String,
}

impl Crate {
    fn read(root: &Path) -> Self {
        let mut modules = BTreeMap::new();
        let mut files = Vec::new();
        rust_files(root, &mut files);
        for file in files {
            let relative = file.strip_prefix(root).expect("under the root");
            let mut path: ModPath =
                relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
            let last = path.pop().expect("a file name");
            match last.as_str() {
                "lib.rs" | "mod.rs" => {}
                other => path.push(other.trim_end_matches(".rs").to_owned()),
            }
            let source = fs::read_to_string(&file).expect("readable source");
            let name = format!("src/{}", relative.display());
            modules.insert(path, Module { file: name, uses: parse_uses(&source) });
        }
        Self { modules }
    }

    /// The absolute path `segments` names when written in `module`, or
    /// `None` for another crate's.
    fn absolute(&self, module: &ModPath, top_level: bool, segments: &[String]) -> Option<ModPath> {
        let (first, rest) = segments.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => module.clone(),
            "super" if !top_level => module.clone(),
            "super" => module[..module.len().saturating_sub(1)].to_vec(),
            child => {
                let mut relative = module.clone();
                relative.push(child.to_owned());
                if !self.modules.contains_key(&relative) {
                    return None;
                }
                relative.pop();
                relative.push(child.to_owned());
                return Some(relative.into_iter().chain(rest.iter().cloned()).collect());
            }
        };
        let mut rest = rest;
        while let Some(("super", tail)) = rest.split_first().map(|(s, t)| (s.as_str(), t)) {
            base.pop();
            rest = tail;
        }
        Some(base.into_iter().chain(rest.iter().cloned()).collect())
    }

    /// The file that defines what `path` names (following re-exports).
    fn defining_file(&self, path: &[String], depth: usize) -> Option<String> {
        let split = (0..=path.len()).rev().find(|&n| self.modules.contains_key(&path[..n]))?;
        let (module_path, rest) = path.split_at(split);
        let module = &self.modules[module_path];
        let Some(name) = rest.first().filter(|name| *name != "*" && *name != "self") else {
            return Some(module.file.clone());
        };
        if depth < 16 {
            let module_path = module_path.to_vec();
            for reexport in module.uses.iter().filter(|u| u.reexport && &u.name == name) {
                if let Some(target) =
                    self.absolute(&module_path, reexport.top_level, &reexport.segments)
                {
                    return self.defining_file(&target, depth + 1);
                }
            }
        }
        Some(module.file.clone())
    }

    /// File → the files it imports from.
    fn edges(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (path, module) in &self.modules {
            let targets = edges.entry(module.file.clone()).or_default();
            // A re-export hands a name on; the files that name it depend on
            // the file that defines it, not on the one that re-exports it.
            for import in module.uses.iter().filter(|import| !import.reexport) {
                let Some(absolute) = self.absolute(path, import.top_level, &import.segments) else {
                    continue;
                };
                // A module's use of its own submodules is its folder's
                // structure (a `mod.rs` and the files it is split into),
                // not a tie between independent files.
                let own_submodule = absolute.len() > path.len() && absolute.starts_with(path);
                if own_submodule {
                    continue;
                }
                if let Some(file) = self.defining_file(&absolute, 0)
                    && file != module.file
                {
                    targets.insert(file);
                }
            }
        }
        edges
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Every path imported by the `use` declarations of `source`.
fn parse_uses(source: &str) -> Vec<Use> {
    let code: String = source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut uses = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = find_use(rest) {
        let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
        let prefix = &rest[line_start..at];
        let top_level = !prefix.starts_with(char::is_whitespace);
        let reexport = prefix.contains("pub");
        let body_start = at + "use ".len();
        let Some(end) = rest[body_start..].find(';') else { break };
        let body = normalize(&rest[body_start..body_start + end]);
        for (segments, name) in expand(&body) {
            uses.push(Use { top_level, reexport, segments, name });
        }
        rest = &rest[body_start + end..];
    }
    uses.extend(qualified_paths(&code));
    uses
}

/// The paths written out in code rather than imported: `crate::a::B` and
/// `child::B` for a module `child` the file declares (`mod child;`).
fn qualified_paths(code: &str) -> Vec<Use> {
    let children: Vec<&str> = code
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let line = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub "))
                .unwrap_or(line);
            line.strip_prefix("mod ")?.strip_suffix(';')
        })
        .collect();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = Vec::new();
    for root in std::iter::once("crate").chain(children.iter().copied()) {
        let needle = format!("{root}::");
        for (at, _) in code.match_indices(&needle) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| is_ident(c) || c == ':') {
                continue;
            }
            let tail = &code[at + needle.len()..];
            let len = tail.find(|c: char| !(is_ident(c) || c == ':')).unwrap_or(tail.len());
            let path = tail[..len].trim_end_matches(':');
            if path.is_empty() {
                continue;
            }
            let mut segments = vec![root.to_owned()];
            segments.extend(segments_of(path));
            let name = segments.last().cloned().unwrap_or_default();
            found.push(Use { top_level: true, reexport: false, segments, name });
        }
    }
    found
}

/// The offset of the next `use` declaration: `use ` at the start of a
/// line, after an optional visibility.
fn find_use(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let after_visibility = ["pub(crate) ", "pub(super) ", "pub "]
            .iter()
            .find_map(|vis| trimmed.strip_prefix(vis).map(|_| vis.len()))
            .unwrap_or(0);
        if trimmed[after_visibility..].starts_with("use ") {
            return Some(offset + indent + after_visibility);
        }
        offset += line.len();
    }
    None
}

/// `a::{b, c::{d as e, self}}` → `[a, b]`, `[a, c, d]` (known as `e`),
/// `[a, c]` (known as `c`).
fn expand(tree: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    expand_into(&[], tree, &mut out);
    out
}

fn expand_into(prefix: &[String], tree: &str, out: &mut Vec<(Vec<String>, String)>) {
    if let Some(open) = tree.find('{') {
        let mut base = prefix.to_vec();
        base.extend(segments_of(tree[..open].trim_end_matches("::")));
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        for part in split_top_level(inner).into_iter().map(str::trim) {
            if part == "self" {
                let name = base.last().cloned().unwrap_or_default();
                out.push((base.clone(), name));
            } else if !part.is_empty() {
                expand_into(&base, part, out);
            }
        }
        return;
    }
    let (path, alias) = tree.split_once(" as ").unwrap_or((tree, ""));
    let mut segments = prefix.to_vec();
    segments.extend(segments_of(path));
    let name = if alias.is_empty() {
        segments.last().cloned().unwrap_or_default()
    } else {
        alias.to_owned()
    };
    out.push((segments, name));
}

/// A `use` tree with whitespace kept only where it separates words
/// (`a::b as c`).
fn normalize(tree: &str) -> String {
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut out = words.join(" ");
    for token in ["::", "{", "}", ","] {
        out = out.replace(&format!(" {token}"), token).replace(&format!("{token} "), token);
    }
    out
}

fn segments_of(path: &str) -> Vec<String> {
    path.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// `a, b::{c, d}, e` → `a`, `b::{c, d}`, `e`.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The strongly connected components of more than one file (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'g> {
        edges: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, node: &'g str) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.edges.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.to_owned());
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.found
}

/// The graph of this crate's `src/`, or of the source tree that
/// `QSCOPE_IMPORT_GRAPH_SRC` names (to measure another revision).
fn src_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = std::env::var_os("QSCOPE_IMPORT_GRAPH_SRC")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), PathBuf::from);
    Crate::read(&root).edges()
}

#[test]
fn no_file_of_src_imports_itself_through_others() {
    let found = cycles(&src_graph());
    assert!(found.is_empty(), "import cycles between files of src/: {found:#?}");
}

#[test]
fn no_grant_imports_the_exchange_or_an_endpoint() {
    for (file, targets) in src_graph().iter().filter(|(file, _)| file.starts_with("src/grant/")) {
        for target in targets {
            assert!(
                target != "src/exchange.rs" && !target.starts_with("src/endpoint/"),
                "{file} imports {target}"
            );
        }
    }
}

#[test]
fn the_exchange_knows_only_the_dispatch_and_the_endpoints_are_leaves() {
    let graph = src_graph();
    let endpoints: BTreeSet<&str> = graph["src/exchange.rs"]
        .iter()
        .map(String::as_str)
        .filter(|target| target.starts_with("src/endpoint/"))
        .collect();
    assert_eq!(endpoints, BTreeSet::from(["src/endpoint/flow.rs", "src/endpoint/mod.rs"]));
    // The endpoints are leaves: each imports only what every endpoint
    // shares (the flow, the client-form pipeline), never another endpoint,
    // the dispatch or the exchange.
    let shared: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::from([
        ("src/endpoint/flow.rs", BTreeSet::new()),
        ("src/endpoint/client_form.rs", BTreeSet::from(["src/endpoint/flow.rs"])),
    ]);
    for (file, targets) in graph.iter().filter(|(file, _)| file.starts_with("src/endpoint/")) {
        assert!(!targets.contains("src/exchange.rs"), "{file} imports the exchange");
        if file == "src/endpoint/mod.rs" {
            continue;
        }
        let allowed = shared.get(file.as_str()).cloned().unwrap_or_else(|| {
            BTreeSet::from(["src/endpoint/flow.rs", "src/endpoint/client_form.rs"])
        });
        for target in targets.iter().filter(|target| target.starts_with("src/endpoint/")) {
            assert!(allowed.contains(target.as_str()), "{file} imports {target}");
        }
    }
}

#[test]
fn the_reader_follows_reexports_and_finds_a_cycle() {
    let dir = std::env::temp_dir().join(format!("qscope-import-graph-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("a")).unwrap();
    fs::write(dir.join("lib.rs"), "mod a;\nmod b;\npub use a::Thing;\n").unwrap();
    fs::write(dir.join("a/mod.rs"), "mod inner;\npub(crate) use inner::Thing;\n").unwrap();
    fs::write(dir.join("a/inner.rs"), "use crate::b::{self, Other};\npub struct Thing;\n").unwrap();
    fs::write(dir.join("b.rs"), "use crate::{\n    Thing,\n};\npub struct Other;\n").unwrap();
    let edges = Crate::read(&dir).edges();
    assert!(edges["src/b.rs"].contains("src/a/inner.rs"), "{edges:?}");
    assert_eq!(cycles(&edges), vec![vec!["src/a/inner.rs".to_owned(), "src/b.rs".to_owned()]]);
    fs::write(dir.join("a/inner.rs"), "pub struct Thing;\n").unwrap();
    assert!(cycles(&Crate::read(&dir).edges()).is_empty());
    let _ = fs::remove_dir_all(&dir);
}
