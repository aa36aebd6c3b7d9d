//! Text that a page shows to a user (client names, contacts, scope
//! descriptions): the characters it may not hold because they change how
//! it is shown rather than what it says.

/// The bidirectional-text controls (the Unicode `Bidi_Control` property):
/// ALM, LRM, RLM, the embeddings and overrides LRE, RLE, PDF, LRO, RLO, and
/// the isolates LRI, RLI, FSI, PDI.
const BIDI_CONTROLS: [char; 12] = [
    '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

/// Why a text cannot be shown as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unshowable {
    /// It holds a control character (Unicode `Cc`).
    Control,
    /// It holds a bidirectional-text control, with which a client named
    /// `"Bank\u{202E}ppa"` shows as "Bankapp" (the trick of "Trojan Source",
    /// CVE-2021-42574).
    BidiControl,
}

impl Unshowable {
    /// What a refusal says after the field's name.
    pub(crate) const fn description(self) -> &'static str {
        match self {
            Self::Control => "must not contain control characters",
            Self::BidiControl => "must not contain bidirectional text controls",
        }
    }
}

/// The first reason `text` cannot be shown as it is, if any.
pub(crate) fn unshowable(text: &str) -> Option<Unshowable> {
    if text.chars().any(char::is_control) {
        Some(Unshowable::Control)
    } else if text.chars().any(|c| BIDI_CONTROLS.contains(&c)) {
        Some(Unshowable::BidiControl)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_controls_are_unshowable() {
        assert_eq!(unshowable("My Example Client \u{e9}\u{30AF}"), None);
        assert_eq!(unshowable("a\u{7}b"), Some(Unshowable::Control));
        assert_eq!(unshowable("tab\there"), Some(Unshowable::Control));
        for c in BIDI_CONTROLS {
            assert_eq!(unshowable(&format!("Bank{c}ppa")), Some(Unshowable::BidiControl));
        }
        // Neighbours of the controls are ordinary text.
        for c in ['\u{2029}', '\u{202F}', '\u{2065}', '\u{206A}', '\u{200D}', '\u{061B}'] {
            assert_eq!(unshowable(&format!("a{c}b")), None, "U+{:04X}", u32::from(c));
        }
    }
}
