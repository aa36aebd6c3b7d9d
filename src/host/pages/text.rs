//! Text a client supplied, made safe to show beside the page's own.

/// Whether `c` is a bidirectional formatting character: the embeddings
/// and overrides U+202A–U+202E, the isolates U+2066–U+2069 and the marks
/// U+200E, U+200F and U+061C (Unicode Standard Annex #9, Table 4), which
/// could reorder what a page shows around them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Text a client supplied (its name, id, home page or redirect URI),
/// without bidirectional formatting characters; the templates escape it
/// and isolate it in a `<bdi>`, so that its direction cannot reorder the
/// page's text around it.
pub(crate) fn client_text(text: &str) -> String {
    text.chars().filter(|&c| !is_bidi_control(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::client_text;

    #[test]
    fn every_bidi_control_goes_and_nothing_else() {
        assert_eq!(client_text("a\u{202E}b\u{2066}c\u{2069}\u{200E}<d>"), "abc<d>");
        let all: String =
            ('\u{2000}'..='\u{206F}').chain(['\u{061B}', '\u{061C}', '\u{061D}']).collect();
        let kept = client_text(&all);
        assert_eq!(all.chars().count() - kept.chars().count(), 12);
        assert!(
            kept.contains(['\u{2029}', '\u{202F}', '\u{2065}', '\u{206A}', '\u{200D}', '\u{061B}'])
        );
    }
}
