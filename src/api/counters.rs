//! The service's own counters, recorded where things happen (rate limits, logins, statement
//! timeouts, imports) and rendered by `metrics` at `/metrics`. A leaf: it depends on nothing of
//! the HTTP layer, so every part of it can count.

use metrics::{counter, histogram};

use crate::config::protection::Class;

pub fn rate_limited(class: Class) {
    counter!("gwf_rate_limited_total", "class" => class.as_str()).increment(1);
}

/// `reason`: `wrong` (password or address) or `locked`.
pub fn login_refused(reason: &'static str) {
    counter!("gwf_login_refused_total", "reason" => reason).increment(1);
}

pub fn statement_timeout() {
    counter!("gwf_db_statement_timeouts_total").increment(1);
}

/// An import that ran to its end (written or refused). Units: seconds, features, bytes.
pub fn import_done(seconds: f64, features: usize, bytes: usize) {
    histogram!("gwf_import_duration_seconds").record(seconds);
    histogram!("gwf_import_features").record(features as f64);
    counter!("gwf_import_bytes_total").increment(bytes as u64);
}

/// One webhook delivery attempt. `outcome`: `delivered`, `failed` or `dead`. Units: seconds.
pub fn webhook_attempt(outcome: &'static str, seconds: f64) {
    counter!("gwf_webhook_deliveries_total", "outcome" => outcome).increment(1);
    histogram!("gwf_webhook_delivery_seconds").record(seconds);
}

/// An inquiry whose hidden field was filled (a robot): answered like any other, dropped.
pub fn inquiry_dropped() {
    counter!("gwf_inquiries_dropped_total").increment(1);
}

/// A saved search whose hidden field was filled (a robot): answered like any other, dropped.
pub fn alert_dropped() {
    counter!("gwf_alert_dropped_total").increment(1);
}

/// A search saved, with an address to confirm or as a feed only.
pub fn alert_subscribed(with_email: bool) {
    let kind = if with_email { "email" } else { "feed" };
    counter!("gwf_alert_subscriptions_total", "kind" => kind).increment(1);
}

pub fn alert_confirmed() {
    counter!("gwf_alert_confirmations_total").increment(1);
}

pub fn alert_unsubscribed() {
    counter!("gwf_alert_unsubscriptions_total").increment(1);
}

/// Plots that newly matched a saved search (feed entries made by the worker).
pub fn alert_entries(n: u64) {
    counter!("gwf_alert_entries_total").increment(n);
}

/// One alert mail. `kind`: `confirmation` or `digest`; `outcome`: `sent`, `failed` (tried
/// again) or `refused` (the address is refused for good: the subscription is deleted).
pub fn alert_mail(kind: &'static str, outcome: &'static str) {
    counter!("gwf_alert_mails_total", "kind" => kind, "outcome" => outcome).increment(1);
}

/// A shortlist made (`POST /shortlists`).
pub fn shortlist_created() {
    counter!("gwf_shortlists_created_total").increment(1);
}
