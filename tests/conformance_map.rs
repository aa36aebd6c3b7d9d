//! The conformance map (`rfc-vectors/CONFORMANCE.md`) cannot claim coverage
//! the tree lacks: every test it names exists as a `#[test]` function in the
//! named file, every vector it names exists, every MUST row says what covers
//! it, and no MUST row is a `GAP`.

use std::path::Path;

const MAP: &str = "rfc-vectors/CONFORMANCE.md";

/// The RFCs issue 7 asks the map to cover, each under its own heading.
const REQUIRED: [&str; 12] = [
    "RFC 6749", "RFC 6750", "RFC 7009", "RFC 7591", "RFC 7592", "RFC 7636", "RFC 7662", "RFC 8414",
    "RFC 8628", "RFC 9126", "RFC 9207", "RFC 9700",
];

const LEVELS: [&str; 5] = ["MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY"];

/// One requirement row.
struct Row {
    line: usize,
    rfc: String,
    level: String,
    covered: String,
}

/// How many rows of each level an RFC has.
#[derive(Default)]
struct Counts {
    must: usize,
    should: usize,
    may: usize,
}

/// Reads the map's rows; malformed tables are problems.
fn rows(text: &str, problems: &mut Vec<String>) -> Vec<Row> {
    let mut rfc = String::new();
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if let Some(heading) = line.strip_prefix("## ") {
            rfc = heading.split(" — ").next().unwrap_or(heading).trim().to_owned();
            continue;
        }
        let Some(inner) = line.trim().strip_prefix('|').and_then(|l| l.strip_suffix('|')) else {
            continue;
        };
        let cells: Vec<&str> = inner.split('|').map(str::trim).collect();
        if cells.first() == Some(&"§") || cells.iter().all(|c| c.chars().all(|ch| ch == '-')) {
            continue;
        }
        let [section, requirement, level, covered] = cells.as_slice() else {
            problems.push(format!("line {line_no}: a row needs 4 cells, has {}", cells.len()));
            continue;
        };
        if rfc.is_empty() {
            problems.push(format!("line {line_no}: a row outside an RFC section"));
        }
        if section.is_empty() || requirement.is_empty() {
            problems.push(format!("line {line_no}: empty section or requirement"));
        }
        if !LEVELS.contains(level) {
            problems.push(format!("line {line_no}: level {level:?} is not one of {LEVELS:?}"));
        }
        rows.push(Row {
            line: line_no,
            rfc: rfc.clone(),
            level: (*level).to_owned(),
            covered: (*covered).to_owned(),
        });
    }
    rows
}

/// The code spans of `cell` (between backticks), and the text outside them.
fn spans(cell: &str) -> (Vec<&str>, String) {
    let mut inside = Vec::new();
    let mut outside = String::new();
    for (i, piece) in cell.split('`').enumerate() {
        if i % 2 == 1 { inside.push(piece) } else { outside.push_str(piece) }
    }
    (inside, outside)
}

/// Whether `source` defines `name` as a test that runs: `fn name(` preceded
/// by `#[test]` (or `#[tokio::test]`) among its attributes, and not
/// `#[ignore]`.
fn is_test_fn(source: &str, name: &str) -> Result<(), String> {
    let lines: Vec<&str> = source.lines().collect();
    let needle = format!("fn {name}(");
    let defines = |line: &str| {
        let line = line.trim_start();
        let line = line.strip_prefix("pub ").unwrap_or(line);
        let line = line.strip_prefix("async ").unwrap_or(line);
        line.starts_with(&needle)
    };
    let Some(at) = lines.iter().position(|l| defines(l)) else {
        return Err(format!("has no `fn {name}(`"));
    };
    let attributes: Vec<&str> = lines[..at]
        .iter()
        .rev()
        .map(|l| l.trim())
        .take_while(|l| l.starts_with("#[") || l.starts_with("//"))
        .collect();
    if attributes.iter().any(|a| a.starts_with("#[ignore")) {
        return Err(format!("`{name}` is ignored"));
    }
    if !attributes.iter().any(|a| *a == "#[test]" || a.starts_with("#[tokio::test")) {
        return Err(format!("`{name}` is not a #[test] function"));
    }
    Ok(())
}

/// Checks one reference; `Ok(true)` when it is one the map vouches for.
fn check_reference(root: &Path, reference: &str) -> Result<bool, String> {
    if reference.starts_with("tests/") || reference.starts_with("src/") {
        let Some((file, name)) = reference.split_once("::") else {
            return Err(format!("`{reference}` names a file but no test function"));
        };
        if !file.ends_with(".rs") {
            return Err(format!("`{reference}` is not a Rust file"));
        }
        let source = std::fs::read_to_string(root.join(file))
            .map_err(|_| format!("`{file}` does not exist"))?;
        is_test_fn(&source, name).map_err(|why| format!("`{file}` {why}"))?;
        return Ok(true);
    }
    if reference.starts_with("rfc-vectors/") {
        if !reference.ends_with(".json") {
            return Err(format!("`{reference}` is not a vector file"));
        }
        if !root.join(reference).is_file() {
            return Err(format!("`{reference}` does not exist"));
        }
        return Ok(true);
    }
    Ok(false)
}

/// Every problem with `text` as a conformance map of the tree at `root`,
/// and the level counts per RFC.
fn check(root: &Path, text: &str) -> (Vec<String>, Vec<(String, Counts)>) {
    let mut problems = Vec::new();
    let rows = rows(text, &mut problems);
    let mut counts: Vec<(String, Counts)> = Vec::new();
    for row in &rows {
        let line = row.line;
        let (references, prose) = spans(&row.covered);
        for path in ["tests/", "src/", "rfc-vectors/"] {
            if prose.contains(path) {
                problems.push(format!("line {line}: a `{path}…` reference outside backticks"));
            }
        }
        let (mut checked, mut dangling) = (0, 0);
        for reference in references {
            match check_reference(root, reference) {
                Ok(true) => checked += 1,
                Ok(false) => {}
                Err(why) => {
                    dangling += 1;
                    problems.push(format!("line {line}: {why}"));
                }
            }
        }
        let covered = row.covered.as_str();
        if covered.contains("GAP") && !covered.starts_with("GAP:") {
            problems.push(format!("line {line}: a GAP is written `GAP: why`, first"));
        }
        if row.level.starts_with("MUST") {
            if covered.is_empty() {
                problems.push(format!("line {line}: a {} row covered by nothing", row.level));
            } else if covered.contains("GAP") {
                problems.push(format!("line {line}: a {} row is a GAP", row.level));
            } else if checked == 0
                && dangling == 0
                && !covered.starts_with("n/a:")
                && !covered.starts_with("host:")
            {
                problems.push(format!(
                    "line {line}: a {} row names no test or vector and is neither n/a: nor host:",
                    row.level
                ));
            }
        }
        let index = match counts.iter().position(|(rfc, _)| *rfc == row.rfc) {
            Some(index) => index,
            None => {
                counts.push((row.rfc.clone(), Counts::default()));
                counts.len() - 1
            }
        };
        let entry = &mut counts[index].1;
        match row.level.as_str() {
            "MUST" | "MUST NOT" => entry.must += 1,
            "SHOULD" | "SHOULD NOT" => entry.should += 1,
            _ => entry.may += 1,
        }
    }
    for rfc in REQUIRED {
        if !counts.iter().any(|(name, _)| name == rfc) {
            problems.push(format!("{rfc} has no rows"));
        }
    }
    (problems, counts)
}

#[test]
fn every_reference_of_the_conformance_map_exists_and_every_must_is_covered() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(MAP)).expect("the conformance map");
    let (problems, counts) = check(root, &text);
    for (rfc, c) in &counts {
        println!("{rfc}: {} MUST, {} SHOULD, {} MAY", c.must, c.should, c.may);
    }
    assert!(problems.is_empty(), "{MAP}:\n{}", problems.join("\n"));
    let readme = std::fs::read_to_string(root.join("rfc-vectors/README.md")).unwrap();
    assert!(readme.contains("](CONFORMANCE.md)"), "rfc-vectors/README.md links the map");
}

/// The checker itself: each kind of false claim is reported.
#[test]
fn false_claims_are_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = "\
## RFC 6749 — OAuth 2.0

| § | requirement | level | covered by |
|---|---|---|---|
| 1 | a | MUST | `tests/conformance_map.rs::no_such_test` |
| 2 | b | MUST | `tests/no_such_file.rs::false_claims_are_reported` |
| 3 | c | MUST | `rfc-vectors/rfc6749/no-such-vector.json` |
| 4 | d | MUST |  |
| 5 | e | MUST NOT | GAP: not done |
| 6 | f | MUST | see the tests |
| 7 | g | SHOULD | tests/conformance_map.rs::check |
| 8 | h | MUST | `tests/conformance_map.rs::check` |
| 9 | i | SHOULD | GAP: not done |
| 10 | j | may | n/a: x |
| 11 | k | MUST | `tests/conformance_map.rs::false_claims_are_reported`; `rfc-vectors/rfc6749/6-refresh.json` |
| 12 | l | MUST | host: TLS |
";
    let (problems, counts) = check(root, map);
    let expected = [
        "line 14: level \"may\" is not one of [\"MUST\", \"MUST NOT\", \"SHOULD\", \"SHOULD NOT\", \"MAY\"]",
        "line 5: `tests/conformance_map.rs` has no `fn no_such_test(`",
        "line 6: `tests/no_such_file.rs` does not exist",
        "line 7: `rfc-vectors/rfc6749/no-such-vector.json` does not exist",
        "line 8: a MUST row covered by nothing",
        "line 9: a MUST NOT row is a GAP",
        "line 10: a MUST row names no test or vector and is neither n/a: nor host:",
        "line 11: a `tests/…` reference outside backticks",
        "line 12: `tests/conformance_map.rs` `check` is not a #[test] function",
    ];
    let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    for rfc in &REQUIRED[1..] {
        expected.push(format!("{rfc} has no rows"));
    }
    assert_eq!(problems, expected);
    assert_eq!(counts.len(), 1);
    let (rfc, c) = &counts[0];
    assert_eq!((rfc.as_str(), c.must, c.should, c.may), ("RFC 6749", 9, 2, 1));
}
