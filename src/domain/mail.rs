//! What an e-mail says: a subject, a plain-text body and the same as HTML (sent together as
//! `multipart/alternative` by `crate::mail`). Built by the rules of each kind of mail
//! (`domain::reminders`; inquiries and alerts next), never by the transport.

/// The content of one e-mail, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailContent {
    pub subject: String,
    /// The plain-text body (what text-only clients and screen readers get).
    pub text: String,
    /// The HTML alternative: a complete document.
    pub html: String,
    /// `de` or `en` (the message's `Content-Language`).
    pub language: &'static str,
}

/// `text` escaped for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
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

/// A subject on one line: line breaks (which would start a new header) become spaces.
pub fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_subjects_cannot_be_broken_out_of() {
        assert_eq!(
            escape_html(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            one_line("Grabow\r\nBcc: x@example.org"),
            "Grabow Bcc: x@example.org"
        );
    }
}
