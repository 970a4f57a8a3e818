//! Text for XML documents the service writes by hand (Atom feeds, the sitemap): small,
//! fixed-shape documents, where a writer crate would add a dependency for four replacements.

/// `text` as XML character data or an attribute value (quoted with `"` or `'`).
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            super::escape(r#"<a href="x">Tom's & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom&apos;s &amp; Jerry&apos;s&lt;/a&gt;"
        );
    }
}
