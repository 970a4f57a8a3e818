//! Outgoing e-mail: one SMTP transport (`GWF_SMTP_URL`, sender `GWF_MAIL_FROM`) and one place
//! that turns a [`MailContent`] into a message — plain text with an HTML alternative, marked
//! as sent automatically (RFC 3834) so that out-of-office replies stay away. What a mail says
//! is decided in `domain` (`domain::reminders`, `domain::inquiry::mails`,
//! `domain::alerts::mails`).
//!
//! Neither addresses nor the password reach a log line or an error: [`MailError`] keeps only
//! what kind of failure it was and the SMTP code (a server's own words may quote an address).

use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

use crate::domain::mail::MailContent;

/// Longest wait for the SMTP server per command.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a mail was not sent. Safe to log: no address, no password, no server text.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum MailError {
    /// `GWF_SMTP_URL` or `GWF_MAIL_FROM` cannot be used.
    #[error("mail configuration: {0}")]
    Config(String),
    /// The recipient's address is not one.
    #[error("the recipient's address is not a valid e-mail address")]
    BadRecipient,
    /// The server refused for good (5xx): retrying the same mail will not help.
    #[error("the SMTP server refused the mail ({0})")]
    Refused(String),
    /// The server refused for now (4xx), or the connection failed or timed out.
    #[error("the SMTP server could not be reached or asked to try later ({0})")]
    Unavailable(String),
}

impl MailError {
    fn from_smtp(e: &lettre::transport::smtp::Error) -> MailError {
        let code = e.status().map(|c| c.to_string());
        if e.is_permanent() {
            MailError::Refused(code.unwrap_or_else(|| "5xx".into()))
        } else if e.is_transient() {
            MailError::Unavailable(code.unwrap_or_else(|| "4xx".into()))
        } else if e.is_timeout() {
            MailError::Unavailable("timeout".into())
        } else if e.is_tls() {
            MailError::Unavailable("TLS handshake or certificate failed".into())
        } else {
            MailError::Unavailable("connection failed".into())
        }
    }
}

/// `Content-Language` (RFC 3282).
#[derive(Debug, Clone)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no auto-replies to these mails.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// `List-Unsubscribe: <https://…>` (RFC 2369): mail programs show an unsubscribe button.
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the button POSTs to the
/// link, which unsubscribes at once (a GET, which scanners also send, only shows a page).
#[derive(Debug, Clone)]
struct OneClick;

impl Header for OneClick {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(OneClick)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// Whether an SMTP URL may be used: credentials only over TLS (`smtps://`, or `smtp://` with
/// `tls=required`), except to this machine (a local relay or test sink).
pub fn smtp_url_problem(smtp_url: &str) -> Option<String> {
    let Ok(url) = url::Url::parse(smtp_url) else {
        return Some(
            "GWF_SMTP_URL is not a URL like smtp://user:pass@host:587?tls=required".into(),
        );
    };
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    match (url.scheme(), tls.as_deref()) {
        ("smtps", None) | ("smtp", None | Some("required" | "opportunistic")) => {}
        ("smtp" | "smtps", Some(other)) => {
            return Some(format!(
                "GWF_SMTP_URL: tls={other} is not one of required, opportunistic"
            ))
        }
        (scheme, _) => {
            return Some(format!(
                "GWF_SMTP_URL: the scheme is smtp or smtps, not {scheme}"
            ))
        }
    }
    let host = url.host_str().unwrap_or("");
    if host.is_empty() {
        return Some("GWF_SMTP_URL names no host".into());
    }
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let encrypted = url.scheme() == "smtps" || tls.as_deref() == Some("required");
    if !url.username().is_empty() && !encrypted && !loopback {
        return Some(
            "GWF_SMTP_URL would send the password unencrypted: use smtps:// or ?tls=required"
                .into(),
        );
    }
    None
}

/// The configured SMTP transport and sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mailer(***)")
    }
}

impl Mailer {
    /// A mailer for `GWF_SMTP_URL` (e.g. `smtps://user:pass@mail.example.org`,
    /// `smtp://user:pass@mail.example.org:587?tls=required`, `smtp://127.0.0.1:2525`) and
    /// `GWF_MAIL_FROM` (`Gewerbeflächen <noreply@example.org>` or a bare address). Connects
    /// only when sending; call it on the Tokio runtime (the connection pool runs there).
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, MailError> {
        if let Some(problem) = smtp_url_problem(smtp_url) {
            return Err(MailError::Config(problem));
        }
        let from: Mailbox = from.parse().map_err(|_| {
            MailError::Config(
                "GWF_MAIL_FROM is not an address like Name <noreply@example.org>".into(),
            )
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|_| MailError::Config("GWF_SMTP_URL cannot be used".into()))?
            .timeout(Some(TIMEOUT))
            .build();
        Ok(Mailer { transport, from })
    }

    /// The message to `to`: the text with the HTML as its alternative.
    pub fn message(&self, to: &str, content: &MailContent) -> Result<Message, MailError> {
        self.message_with(to, content, None)
    }

    /// The message, with `unsubscribe` (an https link that unsubscribes on POST) in the
    /// `List-Unsubscribe` headers of RFC 2369 and RFC 8058.
    pub fn message_with(
        &self,
        to: &str,
        content: &MailContent,
        unsubscribe: Option<&str>,
    ) -> Result<Message, MailError> {
        let to: Mailbox = to.parse().map_err(|_| MailError::BadRecipient)?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(content.subject.clone())
            .message_id(None)
            .header(ContentLanguage(content.language.to_owned()))
            .header(AutoSubmitted);
        if let Some(link) = unsubscribe {
            builder = builder
                .header(ListUnsubscribe(link.to_owned()))
                .header(OneClick);
        }
        builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(content.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(content.html.clone()),
                    ),
            )
            .map_err(|_| MailError::BadRecipient)
    }

    /// Sends one mail; `Ok` once the server accepted it.
    pub async fn send(&self, to: &str, content: &MailContent) -> Result<(), MailError> {
        self.send_with(to, content, None).await
    }

    /// Sends one mail with an unsubscribe link in its headers (`message_with`).
    pub async fn send_with(
        &self,
        to: &str,
        content: &MailContent,
        unsubscribe: Option<&str>,
    ) -> Result<(), MailError> {
        let message = self.message_with(to, content, unsubscribe)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::from_smtp(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_travel_only_encrypted_or_to_this_machine() {
        for ok in [
            "smtps://u:p@mail.example.org",
            "smtp://u:p@mail.example.org:587?tls=required",
            "smtp://u:p@127.0.0.1:2525",
            "smtp://mail.example.org:25",
            "smtp://[::1]:2525",
        ] {
            assert_eq!(smtp_url_problem(ok), None, "{ok}");
        }
        for bad in [
            "smtp://u:p@mail.example.org:25",
            "smtp://u:p@mail.example.org:587?tls=opportunistic",
            "http://mail.example.org",
            "smtp://mail.example.org?tls=sometimes",
            "no url",
        ] {
            assert!(smtp_url_problem(bad).is_some(), "{bad}");
        }
    }

    // The transport's connection pool lives on the Tokio runtime.
    #[tokio::test]
    async fn a_message_is_text_with_an_html_alternative_and_hides_nothing_in_debug() {
        let mailer = Mailer::new(
            "smtp://secret-user:secret-pass@127.0.0.1:2525",
            "Gewerbeflächen <noreply@example.org>",
        )
        .unwrap();
        assert!(!format!("{mailer:?}").contains("secret"));
        let content = MailContent {
            subject: "Flächendaten Grabow: 2 veraltet".into(),
            text: "Guten Tag,".into(),
            html: "<p>Guten Tag,</p>".into(),
            language: "de",
        };
        let raw = String::from_utf8(
            mailer
                .message("staff@grabow.example", &content)
                .unwrap()
                .formatted(),
        )
        .unwrap();
        for want in [
            "multipart/alternative",
            "text/plain",
            "text/html",
            "Content-Language: de",
            "Auto-Submitted: auto-generated",
            "To: staff@grabow.example",
            "Message-ID: <",
        ] {
            assert!(raw.contains(want), "{want} in {raw}");
        }
        let listed = String::from_utf8(
            mailer
                .message_with(
                    "staff@grabow.example",
                    &content,
                    Some("https://flaechen.example.org/saved-searches/gwf_x/unsubscribe"),
                )
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(listed.contains(
            "List-Unsubscribe: <https://flaechen.example.org/saved-searches/gwf_x/unsubscribe>"
        ));
        assert!(listed.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(!raw.contains("List-Unsubscribe"));
        assert_eq!(
            mailer.message("not an address", &content).unwrap_err(),
            MailError::BadRecipient
        );
    }
}
