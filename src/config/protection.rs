//! The settings that protect the service on the open internet: whom to believe about client
//! addresses, rate limits, how many password checks run at once, and where `/metrics` is served.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use super::Secret;

/// What a limit is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Login,
    /// Drawn-area searches, CSV exports and uncached tiles of anonymous callers.
    Heavy,
    /// Changes by accounts (everything but reads and logins).
    Write,
    /// Inquiries sent by anyone (`POST /inquiries`), per client address.
    Inquiry,
    /// Saved searches (`POST /saved-searches`): each may send a confirmation mail.
    Alert,
    /// Shortlists made by anyone (`POST /shortlists`), per client address.
    Shortlist,
}

impl Class {
    pub const ALL: [Class; 6] = [
        Class::Login,
        Class::Heavy,
        Class::Write,
        Class::Inquiry,
        Class::Alert,
        Class::Shortlist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Login => "login",
            Class::Heavy => "heavy",
            Class::Write => "write",
            Class::Inquiry => "inquiry",
            Class::Alert => "alert",
            Class::Shortlist => "shortlist",
        }
    }
}

/// Requests per minute, per client address and in all; 0 turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_client: u32,
    pub total: u32,
}

#[derive(Debug, Clone)]
pub struct Protection {
    /// `GWF_TRUSTED_PROXIES`: reverse proxies (addresses or networks) whose `X-Forwarded-For`
    /// (the client's address) and `Forwarded` or `X-Forwarded-Host`/`-Proto` (the host of links)
    /// are believed. Default: none, so the peer address counts and links use the `Host` the
    /// client sent.
    pub trusted_proxies: Vec<IpNet>,
    /// Requests per minute per client address and in all, per class:
    /// `GWF_RATE_LOGIN_PER_MIN` (10) / `GWF_RATE_LOGIN_TOTAL_PER_MIN` (100),
    /// `GWF_RATE_HEAVY_PER_MIN` (300) / `GWF_RATE_HEAVY_TOTAL_PER_MIN` (3,000),
    /// `GWF_RATE_WRITE_PER_MIN` (300) / `GWF_RATE_WRITE_TOTAL_PER_MIN` (3,000),
    /// `GWF_RATE_INQUIRY_PER_MIN` (5) / `GWF_RATE_INQUIRY_TOTAL_PER_MIN` (60),
    /// `GWF_RATE_SHORTLIST_PER_MIN` (10) / `GWF_RATE_SHORTLIST_TOTAL_PER_MIN` (300). 0 = off.
    pub rates: Vec<(Class, Rate)>,
    /// `GWF_ARGON2_CONCURRENCY` (default: number of CPUs): password checks at once.
    pub argon2_concurrency: usize,
    /// `GWF_METRICS_BIND`: serve `/metrics` on this address too (e.g. an internal interface),
    /// without a token.
    pub metrics_bind: Option<SocketAddr>,
    /// `GWF_METRICS_TOKEN`: serve `/metrics` on the main address to `Authorization: Bearer
    /// <this>`. Without it (and without `GWF_METRICS_BIND`) there is no `/metrics`.
    pub metrics_token: Option<Secret>,
}

/// Reads the variables above; `number(key, default, min, max)` and `get(key)` are those of
/// `Settings::from_map`, so every problem is reported together.
pub(super) fn parse(
    get: &dyn Fn(&str) -> Option<String>,
    number: &mut dyn FnMut(&str, u64, u64, u64) -> u64,
    problems: &mut Vec<String>,
) -> Protection {
    let trusted_proxies = match parse_proxies(&get("GWF_TRUSTED_PROXIES").unwrap_or_default()) {
        Ok(list) => list,
        Err(problem) => {
            problems.push(format!("GWF_TRUSTED_PROXIES: {problem}"));
            Vec::new()
        }
    };
    let mut rate = |class: Class, client: u64, total: u64| {
        let name = class.as_str().to_ascii_uppercase();
        let per_client = number(&format!("GWF_RATE_{name}_PER_MIN"), client, 0, 1_000_000);
        let total = number(
            &format!("GWF_RATE_{name}_TOTAL_PER_MIN"),
            total,
            0,
            10_000_000,
        );
        (
            class,
            Rate {
                per_client: per_client as u32,
                total: total as u32,
            },
        )
    };
    let rates = vec![
        rate(Class::Login, 10, 100),
        rate(Class::Heavy, 300, 3_000),
        rate(Class::Write, 300, 3_000),
        rate(Class::Inquiry, 5, 60),
        rate(Class::Alert, 5, 60),
        rate(Class::Shortlist, 10, 300),
    ];
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let argon2_concurrency = number("GWF_ARGON2_CONCURRENCY", cpus, 1, 256) as usize;
    let metrics_bind = get("GWF_METRICS_BIND").and_then(|text| match text.parse() {
        Ok(address) => Some(address),
        Err(_) => {
            problems.push(format!(
                "GWF_METRICS_BIND={text} is not an address like 127.0.0.1:9100"
            ));
            None
        }
    });
    let metrics_token = get("GWF_METRICS_TOKEN").and_then(|token| {
        if token.len() < 16 {
            problems.push("GWF_METRICS_TOKEN must have at least 16 characters".to_owned());
            None
        } else {
            Some(Secret::new(token))
        }
    });
    Protection {
        trusted_proxies,
        rates,
        argon2_concurrency,
        metrics_bind,
        metrics_token,
    }
}

/// `GWF_TRUSTED_PROXIES`: addresses or networks, separated by commas or spaces.
pub fn parse_proxies(text: &str) -> Result<Vec<IpNet>, String> {
    text.split([',', ' '])
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<IpNet>()
                .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{p}` is not an address or network like 10.0.0.0/8"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_are_addresses_or_networks() {
        assert_eq!(parse_proxies("10.0.0.0/8, 192.0.2.7").unwrap().len(), 2);
        assert!(parse_proxies("").unwrap().is_empty());
        assert!(parse_proxies("10.0.0.0/33").is_err());
        assert!(parse_proxies("proxy.example").is_err());
    }
}
