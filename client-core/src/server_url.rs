use url::Url;

use crate::error::ClientError;

/// The sync socket's URL from what a person types: `http://host:port` (→ `ws://host:port/sync`),
/// `https://…` (→ `wss://…/sync`), or a `ws://`/`wss://` URL taken as it is.
pub fn sync_url(server: &str) -> Result<Url, ClientError> {
    let bad = || ClientError::BadServerUrl(server.to_owned());
    let mut url = Url::parse(server.trim()).map_err(|_| bad())?;
    match url.scheme() {
        "ws" | "wss" => return Ok(url),
        "http" => url.set_scheme("ws").map_err(|_| bad())?,
        "https" => url.set_scheme("wss").map_err(|_| bad())?,
        _ => return Err(bad()),
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{path}/sync"));
    Ok(url)
}

/// The HTTP base (`http://host:port/prefix/`) of a sync socket URL: the inverse of `sync_url`.
pub fn http_base(sync: &Url) -> Url {
    let mut url = sync.clone();
    let scheme = if url.scheme() == "wss" { "https" } else { "http" };
    // Switching between special schemes always succeeds.
    let _ = url.set_scheme(scheme);
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/sync").unwrap_or(path).to_owned();
    url.set_path(&format!("{path}/"));
    url.set_query(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_socket_url() {
        let cases = [
            ("http://127.0.0.1:8760", "ws://127.0.0.1:8760/sync"),
            ("http://127.0.0.1:8760/", "ws://127.0.0.1:8760/sync"),
            ("https://duty.example/zhiban", "wss://duty.example/zhiban/sync"),
            ("ws://127.0.0.1:9/sync", "ws://127.0.0.1:9/sync"),
        ];
        for (given, expected) in cases {
            assert_eq!(sync_url(given).expect("valid").as_str(), expected);
        }
        assert!(sync_url("ftp://x").is_err());
        let base = http_base(&sync_url("https://duty.example/zhiban").expect("valid"));
        assert_eq!(base.as_str(), "https://duty.example/zhiban/");
        assert_eq!(http_base(&sync_url("http://127.0.0.1:8760").expect("valid")).as_str(), "http://127.0.0.1:8760/");
        assert!(sync_url("127.0.0.1:8760").is_err());
    }
}
