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
        assert!(sync_url("127.0.0.1:8760").is_err());
    }
}
