//! axe-core in the page the browser shows: [`Axe::find`] reads
//! `axe.min.js` (`QSCOPE_AXE_JS`, or `target/axe/node_modules/axe-core/`
//! where `.ci/run` installs the pinned npm package), [`Axe::audit`] runs it
//! through WebDriver (the script is the driver's, so the pages' CSP, which
//! allows no script, does not apply) and fails on any violation axe rates
//! serious or critical.

use std::path::PathBuf;

use serde_json::Value;

use super::Chromium;

/// The axe-core script, loaded once.
pub struct Axe {
    source: String,
}

impl Axe {
    /// The script, or why it is not there.
    pub fn find() -> Result<Self, String> {
        let path = std::env::var_os("QSCOPE_AXE_JS").map_or_else(
            || {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("target/axe/node_modules/axe-core/axe.min.js")
            },
            PathBuf::from,
        );
        let source = std::fs::read_to_string(&path).map_err(|error| {
            format!(
                "no axe-core at {} ({error}): npm install --prefix target/axe axe-core@4.10.3, \
                 or set QSCOPE_AXE_JS",
                path.display()
            )
        })?;
        Ok(Self { source })
    }

    /// Runs axe on the page the browser shows (called `page` in the
    /// failure); panics listing every serious or critical violation.
    pub async fn audit(&self, browser: &Chromium, page: &str) {
        browser.client.execute(&self.source, Vec::new()).await.expect("axe-core loads");
        let run = "const done = arguments[arguments.length - 1];\
                   axe.run(document, { resultTypes: ['violations'] })\
                   .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact,\
                   help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) }))))\
                   .catch(e => done({ error: String(e) }));";
        let found = browser.client.execute_async(run, Vec::new()).await.expect("axe runs");
        assert!(found.get("error").is_none(), "axe failed on {page}: {found}");
        let serious: Vec<&Value> = found
            .as_array()
            .expect("a list of violations")
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(serious.is_empty(), "axe: serious or critical violations on {page}: {serious:?}");
    }
}
