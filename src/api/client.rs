//! Who a request comes from, and which host it was sent to, as far as the service can trust it.
//!
//! Headers a client sets itself are believed only when the request comes from a reverse proxy
//! named in `GWF_TRUSTED_PROXIES`: `X-Forwarded-For` for the client's address (what rate limits
//! count), and `Forwarded` or `X-Forwarded-Host`/`-Proto` for the host of absolute links
//! (actix-web's reading). Otherwise anyone could pick the address the limits count, or make the
//! service write links to another host into responses a shared cache keeps.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header;
use actix_web::HttpRequest;
use ipnet::IpNet;

fn trusted(address: IpAddr, proxies: &[IpNet]) -> bool {
    proxies.iter().any(|net| net.contains(&address))
}

/// The peer's address as the socket saw it (`None` only in unit tests without a peer); IPv4
/// arriving on an IPv6 socket (`::ffff:a.b.c.d`) as IPv4, so it matches IPv4 proxy networks.
fn peer(req: &HttpRequest) -> Option<IpAddr> {
    req.peer_addr().map(|a| a.ip().to_canonical())
}

/// One hop of `X-Forwarded-For`: an address, perhaps with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`) as some proxies write it.
fn hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|a| a.to_canonical())
}

/// The client's address: the peer, or, behind trusted proxies, the nearest address in
/// `X-Forwarded-For` that is not itself a trusted proxy. The hops are read from the nearest
/// back; one that cannot be read (`unknown`, garbage) ends the walk at the last trusted hop, so
/// what a client wrote further left never counts.
pub fn address(req: &HttpRequest, proxies: &[IpNet]) -> IpAddr {
    let Some(peer) = peer(req) else {
        return IpAddr::from([0, 0, 0, 0]);
    };
    if !trusted(peer, proxies) {
        return peer;
    }
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut nearest = peer;
    for text in hops.into_iter().rev() {
        match hop(text) {
            Some(address) if trusted(address, proxies) => nearest = address,
            Some(address) => return address,
            None => return nearest,
        }
    }
    nearest
}

/// Whether the client reached us over HTTPS, as `scheme_and_host` tells, without its two
/// strings (asked on every response: `protection::headers`).
pub fn is_https(req: &HttpRequest, proxies: &[IpNet]) -> bool {
    peer(req).is_some_and(|p| trusted(p, proxies)) && req.connection_info().scheme() == "https"
}

/// Scheme and host the client addressed, for absolute links: from the forwarding headers when a
/// trusted proxy sent the request, else from the request itself (`Host`, plain HTTP: the service
/// terminates no TLS itself).
pub fn scheme_and_host(req: &HttpRequest, proxies: &[IpNet]) -> (String, String) {
    if peer(req).is_some_and(|p| trusted(p, proxies)) {
        let info = req.connection_info();
        return (info.scheme().to_owned(), info.host().to_owned());
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".to_owned());
    ("http".to_owned(), host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::protection::parse_proxies;
    use actix_web::test::TestRequest;

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxies = parse_proxies("10.0.0.0/8 192.0.2.7").unwrap();
        let direct = TestRequest::default()
            .peer_addr("203.0.113.5:1000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "198.51.100.1"))
            .insert_header(("X-Forwarded-Host", "evil.example"))
            .insert_header((header::HOST, "flaechen.example"))
            .to_http_request();
        assert_eq!(address(&direct, &proxies).to_string(), "203.0.113.5");
        assert_eq!(scheme_and_host(&direct, &proxies).1, "flaechen.example");

        let proxied = TestRequest::default()
            .peer_addr("10.1.2.3:1000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "198.51.100.1, 203.0.113.9, 192.0.2.7"))
            .insert_header(("X-Forwarded-Host", "flaechen.example"))
            .to_http_request();
        assert_eq!(address(&proxied, &proxies).to_string(), "203.0.113.9");
        assert_eq!(scheme_and_host(&proxied, &proxies).1, "flaechen.example");

        // A hop that cannot be read stops the walk: what stands left of it is the client's.
        let garbled = TestRequest::default()
            .peer_addr("10.1.2.3:1000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "198.51.100.1, unknown, 192.0.2.7"))
            .to_http_request();
        assert_eq!(address(&garbled, &proxies).to_string(), "192.0.2.7");
        // Ports are read, and IPv4 on an IPv6 socket is IPv4.
        let ported = TestRequest::default()
            .peer_addr("[::ffff:10.1.2.3]:1000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "203.0.113.9:4711"))
            .to_http_request();
        assert_eq!(address(&ported, &proxies).to_string(), "203.0.113.9");
    }
}
