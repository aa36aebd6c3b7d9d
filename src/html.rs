//! Escaping text for HTML: the one escaper of the core's direct error page
//! and of hosts' own pages (the demo server's login, consent and device
//! pages use it).

/// `text` with the five HTML-significant characters escaped (`&`, `<`,
/// `>`, `"`, `'`), safe in element content and in quoted attribute values.
///
/// ```
/// assert_eq!(
///     qscope::html::escape("<a href=\"x\">'&'</a>"),
///     "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
/// );
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes_only() {
        assert_eq!(
            escape("<script>alert(\"x\" & 'y')</script>"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("plain é ✓"), "plain é ✓");
    }
}
