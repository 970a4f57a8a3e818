//! Rate limits per client (an address, or an account) and overall, for the requests an abuser
//! would repeat: logins, anonymous heavy requests (drawn-area searches, CSV exports, tiles that
//! are not cached) and changes by accounts. A refused request gets 429 with `Retry-After`.
//!
//! The limiter is GCRA (the generic cell rate algorithm, as `governor` implements it): each key
//! keeps one instant, the earliest time the next request would be within the rate, so it costs a
//! few bytes and no timers. It is written here rather than taken from `governor` because its
//! keyed store grows with every client address until swept by hand; these keys live in a
//! `quick_cache` of bounded size (already used by the tile cache), so a client cycling through
//! addresses cannot grow memory. Forgetting a rarely seen key only gives it a fresh allowance;
//! the overall limit still holds.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;

use super::error::ApiError;
use crate::config::protection::{Class, Rate};

/// Whom a limit counts: a client address, or an account (changes are counted per account, so
/// anonymous traffic cannot use up the allowance of staff).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Address(IpAddr),
    Account(i64),
}

impl From<IpAddr> for Key {
    /// IPv6 clients are counted by their /64, the smallest block a provider hands out (one
    /// machine can use all of its 2^64 addresses); IPv4 inside IPv6 counts as IPv4.
    fn from(address: IpAddr) -> Key {
        match address.to_canonical() {
            IpAddr::V6(v6) => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                Key::Address(IpAddr::V6(bits.into()))
            }
            v4 => Key::Address(v4),
        }
    }
}

/// How many client addresses are remembered per class.
const CLIENTS: usize = 100_000;

/// A GCRA limit: `per_minute` requests a minute, all of them at once at most (the burst).
struct Gcra {
    /// Time one request uses up.
    interval: Duration,
    /// How far ahead of now the next allowed instant may run.
    burst: Duration,
    /// Requests a minute (the most one request can cost).
    requests: u32,
}

impl Gcra {
    fn new(per_minute: u32) -> Option<Gcra> {
        (per_minute > 0).then(|| {
            let interval = Duration::from_secs(60) / per_minute;
            Gcra {
                interval,
                burst: interval * per_minute.saturating_sub(1),
                requests: per_minute,
            }
        })
    }

    /// Takes `cost` requests' worth from the allowance whose next allowed instant is `next`;
    /// returns the new instant, or how long to wait. A cost above the whole burst is taken as
    /// the whole burst, so no request is refused for ever.
    fn take(&self, next: Option<Instant>, now: Instant, cost: u32) -> Result<Instant, Duration> {
        let next = next.map_or(now, |n| n.max(now));
        let cost = cost.clamp(1, self.requests);
        let last = next + self.interval * (cost - 1);
        if last > now + self.burst {
            return Err(last - now - self.burst);
        }
        Ok(last + self.interval)
    }
}

struct Limit {
    gcra: Gcra,
    /// Per client: the next allowed instant.
    clients: Cache<Key, Instant>,
    overall: std::sync::Mutex<Option<Instant>>,
    total: Option<Gcra>,
}

pub struct RateLimits {
    limits: Vec<(Class, Limit)>,
}

impl RateLimits {
    pub fn new(rates: &[(Class, Rate)]) -> RateLimits {
        let limits = rates
            .iter()
            .filter_map(|(class, rate)| {
                let gcra = Gcra::new(rate.per_client)?;
                Some((
                    *class,
                    Limit {
                        gcra,
                        clients: Cache::new(CLIENTS),
                        overall: std::sync::Mutex::new(None),
                        total: Gcra::new(rate.total),
                    },
                ))
            })
            .collect();
        RateLimits { limits }
    }

    /// One request of `class` from `client`: 429 when the client or everyone together is over
    /// the rate.
    pub fn check(&self, class: Class, client: impl Into<Key>) -> Result<(), ApiError> {
        self.check_at(class, client.into(), Instant::now(), 1)
    }

    /// A request that costs as much as `cost` ordinary ones (a large drawn area, say).
    pub fn check_cost(
        &self,
        class: Class,
        client: impl Into<Key>,
        cost: u32,
    ) -> Result<(), ApiError> {
        self.check_at(class, client.into(), Instant::now(), cost)
    }

    fn check_at(&self, class: Class, client: Key, now: Instant, cost: u32) -> Result<(), ApiError> {
        let Some((_, limit)) = self.limits.iter().find(|(c, _)| *c == class) else {
            return Ok(());
        };
        let refused = |wait: Duration, whom: &str| {
            crate::api::counters::rate_limited(class);
            ApiError::TooManyRequests {
                detail: format!(
                    "too many {} requests {whom}; wait {} s",
                    class.as_str(),
                    wait.as_secs() + 1
                ),
                retry_after_secs: wait.as_secs() as i64 + 1,
            }
        };
        // One lock per class around the read and the update of a client's instant: parallel
        // requests of one client cannot all read the same allowance. It is held for two cache
        // operations, and only requests of a limited class take it.
        let mut overall = limit.overall.lock().unwrap_or_else(|p| p.into_inner());
        let next = limit
            .gcra
            .take(limit.clients.get(&client), now, cost)
            .map_err(|wait| {
                refused(
                    wait,
                    match client {
                        Key::Address(_) => "from this address",
                        Key::Account(_) => "by this account",
                    },
                )
            })?;
        if let Some(total) = &limit.total {
            *overall = Some(
                total
                    .take(*overall, now, cost)
                    .map_err(|wait| refused(wait, "to this service"))?,
            );
        }
        limit.clients.insert(client, next);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_client: u32, total: u32) -> RateLimits {
        RateLimits::new(&[(Class::Login, Rate { per_client, total })])
    }

    #[test]
    fn a_burst_then_one_per_interval() {
        let l = limits(6, 0);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let t = Instant::now();
        for _ in 0..6 {
            assert!(l.check_at(Class::Login, a.into(), t, 1).is_ok());
        }
        let refused = l.check_at(Class::Login, a.into(), t, 1).unwrap_err();
        assert!(matches!(
            refused,
            ApiError::TooManyRequests {
                retry_after_secs: 10..=11,
                ..
            }
        ));
        // Another address has its own allowance; ten seconds later there is one more.
        assert!(l
            .check_at(
                Class::Login,
                Key::from("192.0.2.2".parse::<IpAddr>().unwrap()),
                t,
                1
            )
            .is_ok());
        assert!(l
            .check_at(Class::Login, a.into(), t + Duration::from_secs(10), 1)
            .is_ok());
        assert!(l
            .check_at(Class::Login, a.into(), t + Duration::from_secs(10), 1)
            .is_err());
        assert!(
            l.check_at(Class::Heavy, a.into(), t, 1).is_ok(),
            "no limit configured"
        );
    }

    #[test]
    fn everyone_together_is_limited_too() {
        let l = limits(100, 3);
        let t = Instant::now();
        for i in 0..3 {
            let client = IpAddr::from([192, 0, 2, i]);
            assert!(l.check_at(Class::Login, client.into(), t, 1).is_ok());
        }
        assert!(l
            .check_at(Class::Login, IpAddr::from([192, 0, 2, 9]).into(), t, 1)
            .is_err());
    }

    #[test]
    fn a_costly_request_takes_more_of_the_allowance() {
        let l = limits(10, 0);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let t = Instant::now();
        assert!(l.check_at(Class::Login, a.into(), t, 7).is_ok());
        assert!(
            l.check_at(Class::Login, a.into(), t, 4).is_err(),
            "7 + 4 > 10"
        );
        assert!(l.check_at(Class::Login, a.into(), t, 3).is_ok());
        assert!(l.check_at(Class::Login, a.into(), t, 1).is_err());
        // More than the whole burst costs the whole burst, a minute later.
        let later = t + Duration::from_secs(120);
        assert!(l.check_at(Class::Login, a.into(), later, 1_000).is_ok());
        assert!(l.check_at(Class::Login, a.into(), later, 1).is_err());
    }

    #[test]
    fn an_ipv6_client_is_its_64_and_mapped_ipv4_is_ipv4() {
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let next: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Key::from(one), Key::from(other));
        assert_ne!(Key::from(one), Key::from(next));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            Key::from(mapped),
            Key::Address("192.0.2.7".parse().unwrap())
        );
    }
}
