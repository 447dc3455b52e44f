//! Where the server may send requests of its own. A push endpoint is a URL a device gives, so without a rule
//! anyone with a login could make the server POST to its own loopback, the cloud's metadata service
//! (169.254.169.254) or the office's intranet: server-side request forgery. By default only `https` to
//! public addresses is allowed, judged on the addresses the host resolves to (a name that resolves to
//! 127.0.0.1 is refused like 127.0.0.1), when a subscription is registered and again at every connection:
//! `CheckingResolver` is the HTTP client's resolver, so the address connected to is the address checked,
//! whatever the name resolves to by then. An operator may allow named hosts or networks
//! (`--allow-outbound`, for an intranet push service or a UnifiedPush distributor); plain `http` is
//! allowed to those only.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;

/// How long a name may take to resolve before the endpoint is taken as unreachable.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// One entry of `--allow-outbound`: a network (or one address), or a host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOutbound {
    Network(IpNet),
    /// Lower case, without a trailing dot; every address it resolves to is allowed.
    Host(String),
}

impl FromStr for AllowedOutbound {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(network) = text.parse::<IpNet>() {
            return Ok(Self::Network(canonical_network(network.trunc())));
        }
        if let Ok(address) = text.parse::<IpAddr>() {
            return Ok(Self::Network(IpNet::from(address.to_canonical())));
        }
        let host = text.trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if host.len() <= 253 && host.split('.').all(label_ok) {
            Ok(Self::Host(host))
        } else {
            Err(format!(
                "{text:?} is neither a network (10.20.0.0/16, fd00::/8), an address (10.20.0.5) nor a host name \
                 (push.intranet.example)"
            ))
        }
    }
}

impl fmt::Display for AllowedOutbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Network(network) => write!(f, "{network}"),
            Self::Host(host) => f.write_str(host),
        }
    }
}

/// `::ffff:10.0.0.0/104` is `10.0.0.0/8`: addresses are compared in their IPv4 form.
fn canonical_network(network: IpNet) -> IpNet {
    match network {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map(IpNet::V4).unwrap_or(network),
            None => network,
        },
        other => other,
    }
}

/// Why the server will not send to an endpoint; said to the device that registers it, and recorded with a
/// delivery refused at send time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the push endpoint must be an http(s) URL with a host")]
    NotHttp,
    #[error("{}; an operator may allow it with --allow-outbound", where_it_points(host, address, why))]
    Address { host: String, address: IpAddr, why: &'static str },
    #[error(
        "the push endpoint {host} must use https; plain http is only for hosts and networks an operator allows \
         with --allow-outbound"
    )]
    PlainHttp { host: String },
    #[error("the push endpoint's host {host} cannot be resolved: {reason}")]
    Unresolved { host: String, reason: String },
}

/// "the push endpoint is at 10.0.0.5, a private address", or for a name, what it resolves to.
fn where_it_points(host: &str, address: &IpAddr, why: &str) -> String {
    if host.parse::<IpAddr>().is_ok_and(|literal| literal.to_canonical() == *address) {
        format!("the push endpoint is at {address}, {why}")
    } else {
        format!("the push endpoint's host {host} resolves to {address}, {why}")
    }
}

impl Refused {
    /// Whether trying again later may help: a name that did not resolve may resolve later; an address the
    /// policy refuses stays refused until the operator says otherwise.
    pub fn may_pass_later(&self) -> bool {
        matches!(self, Refused::Unresolved { .. })
    }
}

/// The host of an endpoint and how it is reached.
enum Host {
    Name(String),
    Address(IpAddr),
}

struct Target {
    host: Host,
    plain_http: bool,
}

impl Target {
    fn of(url: &url::Url) -> Result<Self, Refused> {
        let plain_http = match url.scheme() {
            "https" => false,
            "http" => true,
            _ => return Err(Refused::NotHttp),
        };
        let host = match url.host() {
            Some(url::Host::Domain(name)) => Host::Name(name.trim_end_matches('.').to_ascii_lowercase()),
            Some(url::Host::Ipv4(address)) => Host::Address(IpAddr::V4(address)),
            Some(url::Host::Ipv6(address)) => Host::Address(IpAddr::V6(address)),
            None => return Err(Refused::NotHttp),
        };
        Ok(Self { host, plain_http })
    }

    fn name(&self) -> String {
        match &self.host {
            Host::Name(name) => name.clone(),
            Host::Address(address) => address.to_string(),
        }
    }
}

/// The hosts and networks the server may send to beyond public `https` addresses; empty by default.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    allowed: Vec<AllowedOutbound>,
}

impl OutboundPolicy {
    /// Public `https` only, and these.
    pub fn allowing(allowed: impl IntoIterator<Item = AllowedOutbound>) -> Self {
        Self { allowed: allowed.into_iter().collect() }
    }

    pub fn allow(&mut self, entry: AllowedOutbound) {
        if !self.allowed.contains(&entry) {
            self.allowed.push(entry);
        }
    }

    pub fn allowed(&self) -> &[AllowedOutbound] {
        &self.allowed
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.allowed.iter().any(|entry| matches!(entry, AllowedOutbound::Host(h) if h.eq_ignore_ascii_case(host)))
    }

    fn network_allowed(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.allowed.iter().any(|entry| matches!(entry, AllowedOutbound::Network(n) if n.contains(&address)))
    }

    /// Checks an endpoint as a device registers it: its scheme, and every address its host resolves to.
    pub async fn check_endpoint(&self, url: &url::Url) -> Result<(), Refused> {
        let target = Target::of(url)?;
        let addresses = match &target.host {
            Host::Address(address) => vec![*address],
            Host::Name(name) => lookup(name).await?,
        };
        self.check_target(&target, &addresses)
    }

    /// Checks an endpoint just before sending to it. An address in the URL is checked here, as the HTTP
    /// client connects to it without asking the resolver; a name is checked by `CheckingResolver` when the
    /// client connects, except that plain `http` to a name needs its addresses to be judged here too.
    pub async fn check_before_sending(&self, url: &url::Url) -> Result<(), Refused> {
        let target = Target::of(url)?;
        match &target.host {
            Host::Address(address) => self.check_target(&target, &[*address]),
            Host::Name(name) if target.plain_http && !self.host_allowed(name) => {
                self.check_target(&target, &lookup(name).await?)
            }
            Host::Name(_) => Ok(()),
        }
    }

    fn check_target(&self, target: &Target, addresses: &[IpAddr]) -> Result<(), Refused> {
        let host = target.name();
        self.check_addresses(&host, addresses)?;
        let allowed_by_name = matches!(&target.host, Host::Name(name) if self.host_allowed(name));
        if target.plain_http && !allowed_by_name && !addresses.iter().all(|a| self.network_allowed(*a)) {
            return Err(Refused::PlainHttp { host });
        }
        Ok(())
    }

    /// Whether the server may connect to `host` at these addresses (what it resolved to): an allowed host
    /// at any of them; any other only if every one is public or in an allowed network. One refused address
    /// refuses the name, as a name that resolves partly inwards is not to be trusted with the rest.
    pub fn check_addresses(&self, host: &str, addresses: &[IpAddr]) -> Result<(), Refused> {
        if addresses.is_empty() {
            return Err(Refused::Unresolved { host: host.to_owned(), reason: "no addresses".into() });
        }
        if self.host_allowed(host) {
            return Ok(());
        }
        for &address in addresses {
            if self.network_allowed(address) {
                continue;
            }
            if let Some(why) = non_public(address) {
                return Err(Refused::Address { host: host.to_owned(), address: address.to_canonical(), why });
            }
        }
        Ok(())
    }
}

/// The addresses `host` resolves to, without duplicates.
async fn lookup(host: &str) -> Result<Vec<IpAddr>, Refused> {
    let unresolved = |reason: String| Refused::Unresolved { host: host.to_owned(), reason };
    let found = tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((host, 0)))
        .await
        .map_err(|_| unresolved(format!("no answer within {} s", LOOKUP_TIMEOUT.as_secs())))?
        .map_err(|e| unresolved(e.to_string()))?;
    let mut addresses: Vec<IpAddr> = Vec::new();
    for address in found.map(|a| a.ip()) {
        if !addresses.contains(&address) {
            addresses.push(address);
        }
    }
    Ok(addresses)
}

/// The push client's resolver: resolves a name and hands the client its addresses only if the policy
/// allows every one, so the connection goes to an address that was checked (no second lookup between the
/// check and the connection for a name to change its answer in).
#[derive(Debug, Clone)]
pub struct CheckingResolver {
    policy: Arc<OutboundPolicy>,
}

impl CheckingResolver {
    pub fn new(policy: Arc<OutboundPolicy>) -> Self {
        Self { policy }
    }
}

impl reqwest::dns::Resolve for CheckingResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = lookup(&host).await?;
            policy.check_addresses(&host, &addresses)?;
            // Port 0: the client puts the URL's port in.
            let addresses: reqwest::dns::Addrs = Box::new(addresses.into_iter().map(|a| SocketAddr::new(a, 0)));
            Ok(addresses)
        })
    }
}

/// Why `address` is not a public address the server may reach on a device's word, or `None` when it is.
pub fn non_public(address: IpAddr) -> Option<&'static str> {
    match address.to_canonical() {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(address: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = address.octets();
    let why = match (a, b, c) {
        (0, ..) => "an unspecified (\"this network\") address",
        _ if address.is_loopback() => "a loopback address",
        _ if address.is_private() => "a private address",
        (100, 64..=127, _) => "a shared (carrier-grade NAT) address",
        _ if address.is_link_local() => "a link-local address",
        _ if address.is_broadcast() => "the broadcast address",
        _ if address.is_multicast() => "a multicast address",
        (192, 0, 0) => "an IETF protocol address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18 | 19, _) => "a benchmarking address",
        (240..=255, ..) => "a reserved address",
        _ => return None,
    };
    Some(why)
}

fn non_public_v6(address: Ipv6Addr) -> Option<&'static str> {
    let s = address.segments();
    let embedded = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    let why = match s[0] {
        _ if address.is_unspecified() => "the unspecified address",
        _ if address.is_loopback() => "a loopback address",
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address a gateway would connect to: that
        // one is judged. (An IPv6-only office reaches public push services through NAT64.)
        0x64 if s[1..6] == [0xff9b, 0, 0, 0, 0] => return non_public_v4(embedded(s[6], s[7])),
        0x2002 => return non_public_v4(embedded(s[1], s[2])),
        0xfc00..=0xfdff => "a unique local (private) address",
        0xfe80..=0xfebf => "a link-local address",
        0xfec0..=0xfeff => "a site-local address",
        0xff00..=0xffff => "a multicast address",
        0x2001 if s[1] == 0x0db8 => "a documentation address",
        0x3fff if s[1] < 0x1000 => "a documentation address",
        // 2001::/23: Teredo, benchmarking, ORCHID and other protocol assignments.
        0x2001 if s[1] < 0x0200 => "an IETF protocol address",
        // Everything outside 2000::/3 (global unicast): IPv4-compatible, discard, local NAT64 and the rest.
        _ if s[0] & 0xe000 != 0x2000 => "not a global unicast address",
        _ => return None,
    };
    Some(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(text: &str) -> Option<&'static str> {
        non_public(text.parse().expect("an address"))
    }

    #[test]
    fn addresses_inside_the_servers_networks_are_not_public() {
        for (address, expected) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("10.0.0.5", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("::ffff:192.168.1.1", "private"),
            ("fc00::1", "private"),
            ("fd12:3456::1", "private"),
            ("169.254.169.254", "link-local"),
            ("::ffff:169.254.169.254", "link-local"),
            ("fe80::1", "link-local"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.254", "carrier-grade NAT"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("::", "unspecified"),
            ("255.255.255.255", "broadcast"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("ff02::1", "multicast"),
            ("192.0.2.10", "documentation"),
            ("198.51.100.1", "documentation"),
            ("203.0.113.7", "documentation"),
            ("2001:db8::1", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.1", "benchmarking"),
            ("192.0.0.8", "IETF"),
            ("240.0.0.1", "reserved"),
            ("2001::1", "IETF"),
            ("fec0::1", "site-local"),
            // A gateway would connect to the IPv4 address inside.
            ("64:ff9b::7f00:1", "loopback"),
            ("64:ff9b::a00:5", "private"),
            ("2002:a00:5::1", "private"),
            ("2002:a9fe:a9fe::1", "link-local"),
            ("::127.0.0.1", "global unicast"),
            ("100::1", "global unicast"),
        ] {
            let why = why(address).unwrap_or_else(|| panic!("{address} passed as public"));
            assert!(why.contains(expected), "{address}: {why}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "223.255.255.255",
            "::ffff:8.8.8.8",
            "2606:4700::1111",
            "2a00:1450:4001::1",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(why(address), None, "{address}");
        }
    }

    #[test]
    fn allowed_entries_are_networks_addresses_or_host_names() {
        let parse = |text: &str| text.parse::<AllowedOutbound>();
        assert_eq!(parse("127.0.0.1/32"), Ok(AllowedOutbound::Network("127.0.0.1/32".parse().expect("net"))));
        assert_eq!(parse("10.20.3.4/16"), Ok(AllowedOutbound::Network("10.20.0.0/16".parse().expect("net"))));
        assert_eq!(parse("10.20.3.4"), Ok(AllowedOutbound::Network("10.20.3.4/32".parse().expect("net"))));
        assert_eq!(parse("fd00::/8"), Ok(AllowedOutbound::Network("fd00::/8".parse().expect("net"))));
        assert_eq!(parse("::ffff:10.0.0.0/104"), Ok(AllowedOutbound::Network("10.0.0.0/8".parse().expect("net"))));
        assert_eq!(parse(" Push.Intranet.Example. "), Ok(AllowedOutbound::Host("push.intranet.example".into())));
        for bad in ["", "10.0.0.0/33", "http://push.example", "push example", "-bad.example", "a..b"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    async fn check(policy: &OutboundPolicy, url: &str) -> Result<(), Refused> {
        policy.check_endpoint(&url.parse().expect("url")).await
    }

    #[tokio::test]
    async fn by_default_only_https_to_public_addresses() {
        let policy = OutboundPolicy::default();
        assert_eq!(check(&policy, "https://8.8.8.8/push/1").await, Ok(()));
        assert_eq!(check(&policy, "http://8.8.8.8/push/1").await, Err(Refused::PlainHttp { host: "8.8.8.8".into() }));
        let refused = check(&policy, "https://10.0.0.5/push").await.expect_err("private");
        assert_eq!(
            refused.to_string(),
            "the push endpoint is at 10.0.0.5, a private address; an operator may allow it with --allow-outbound"
        );
        for url in [
            "https://127.0.0.1:8443/push",
            "https://[::1]/push",
            "https://[::ffff:127.0.0.1]/push",
            "https://[::ffff:a9fe:a9fe]/latest/meta-data",
            "https://169.254.169.254/latest/meta-data",
            // The URL parser reads these as 127.0.0.1, as the HTTP client would.
            "https://2130706433/push",
            "https://0x7f.1/push",
        ] {
            assert!(matches!(check(&policy, url).await, Err(Refused::Address { .. })), "{url}");
        }
        assert_eq!(check(&policy, "ftp://8.8.8.8/").await, Err(Refused::NotHttp));
    }

    #[tokio::test]
    async fn an_operator_allows_networks_and_hosts_and_plain_http_to_them_only() {
        let policy =
            OutboundPolicy::allowing(["127.0.0.1/32".parse().expect("entry"), "10.20.0.0/16".parse().expect("entry")]);
        assert_eq!(check(&policy, "http://127.0.0.1:9000/push/1").await, Ok(()));
        assert_eq!(check(&policy, "http://[::ffff:127.0.0.1]:9000/push/1").await, Ok(()));
        assert_eq!(check(&policy, "https://10.20.3.4/push").await, Ok(()));
        assert!(matches!(check(&policy, "https://10.21.0.1/push").await, Err(Refused::Address { .. })));
        assert!(matches!(check(&policy, "https://127.0.0.2/push").await, Err(Refused::Address { .. })));
        assert!(matches!(check(&policy, "http://8.8.8.8/push").await, Err(Refused::PlainHttp { .. })));

        let by_name = OutboundPolicy::allowing(["push.intranet.example".parse().expect("entry")]);
        assert_eq!(by_name.check_addresses("push.intranet.example", &["10.1.2.3".parse().expect("ip")]), Ok(()));
        assert_eq!(by_name.check_addresses("PUSH.intranet.example.", &["127.0.0.1".parse().expect("ip")]), Ok(()));
        let other =
            by_name.check_addresses("evil.example", &["1.1.1.1".parse().expect("ip"), "10.1.2.3".parse().expect("ip")]);
        assert!(matches!(other, Err(Refused::Address { .. })), "one inward address refuses the name: {other:?}");
    }

    #[tokio::test]
    async fn a_name_is_judged_by_what_it_resolves_to() {
        let refused = check(&OutboundPolicy::default(), "https://localhost/push").await.expect_err("loopback");
        assert!(matches!(&refused, Refused::Address { host, .. } if host == "localhost"), "{refused}");
        assert!(refused.to_string().contains("a loopback address"), "{refused}");
        let allowed = OutboundPolicy::allowing(["localhost".parse().expect("entry")]);
        assert_eq!(check(&allowed, "http://localhost:9000/push").await, Ok(()));
    }
}
