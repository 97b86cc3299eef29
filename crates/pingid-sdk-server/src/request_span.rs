//! The trace layer's span for each request: method and path, with the secrets that Ping's API
//! puts in paths masked. A pairing key is its own id ([D-PK]: "Retrieve PairingKey" is
//! `GET .../pairingkeys/{key}`), and no secret is ever logged (security numbers).

use axum::body::Body;
use axum::http::Request;
use tracing::Span;

const HIDDEN: &str = "•••";

pub fn make_span(request: &Request<Body>) -> Span {
    let uri = request.uri();
    let path = masked_path(uri.path());
    let shown = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    tracing::debug_span!("request", method = %request.method(), uri = %shown, version = ?request.version())
}

/// The path with the segment after `pairingkeys` replaced by `•••`.
pub fn masked_path(path: &str) -> String {
    let mut after_keys = false;
    let segments: Vec<&str> = path
        .split('/')
        .map(|segment| {
            let shown = if after_keys { HIDDEN } else { segment };
            after_keys = segment.eq_ignore_ascii_case("pairingkeys");
            shown
        })
        .collect();
    segments.join("/")
}

#[cfg(test)]
mod tests {
    use super::masked_path;

    #[test]
    fn a_pairing_key_in_a_path_is_masked_and_other_paths_are_kept() {
        assert_eq!(
            masked_path("/pingid/v1/accounts/a/applications/b/pairingkeys/BCDF-GHJK-LMNP"),
            "/pingid/v1/accounts/a/applications/b/pairingkeys/•••"
        );
        assert_eq!(masked_path("/pingid/v1/accounts/a/pairingkeys"), "/pingid/v1/accounts/a/pairingkeys");
        assert_eq!(
            masked_path("/pingid/v1/accounts/a/applications/b/users/alice"),
            "/pingid/v1/accounts/a/applications/b/users/alice"
        );
    }
}
