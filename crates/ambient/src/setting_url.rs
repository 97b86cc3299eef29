//! A URL setting read once, where the configuration enters a service: an http(s) URL with a
//! host, or an error naming the setting (its field, flag and environment variable) so the start
//! stops there instead of the first request that uses it. And the two ways every client here
//! reads and extends such a URL: [`http_url`] and [`under`].

use url::Url;

/// A URL setting that is not one; its text names the setting and what was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError(String);

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingError {}

/// `text` (surrounding space forgiven) as an http(s) URL with a host. `setting` names it as the
/// operator sets it, e.g. `"public_url (--public-url, PINGONE_MFA_PUBLIC_URL)"`.
pub fn setting_url(setting: &str, text: &str) -> Result<Url, SettingError> {
    let url = Url::parse(text.trim()).map_err(|e| SettingError(format!("{setting} is not a URL: {text:?} ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(SettingError(format!("{setting} is not an http(s) URL with a host: {text:?}")));
    }
    Ok(url)
}

/// `text` (surrounding space forgiven) as an http(s) URL with a host, the only kind a server or
/// a device API may be; `None` for anything else.
pub fn http_url(text: &str) -> Option<Url> {
    Url::parse(text.trim()).ok().filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
}

/// `base` with `segments` appended, each one path segment (percent-encoded), after dropping the
/// base's trailing `/`. An http(s) URL always takes a path.
pub fn under(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTING: &str = "public_url (--public-url, PINGONE_MFA_PUBLIC_URL)";

    #[test]
    fn an_http_url_with_a_host_is_read_as_given() {
        let url = setting_url(SETTING, " https://sso.example:9031/pf/ ").expect("a URL");
        assert_eq!(url.as_str(), "https://sso.example:9031/pf/");
        assert_eq!(setting_url(SETTING, "http://127.0.0.1:7001").expect("a URL").host_str(), Some("127.0.0.1"));
    }

    #[test]
    fn anything_else_is_refused_naming_the_setting_and_the_text() {
        for bad in ["", "not a url", "127.0.0.1:7001", "/pf-ws/authn/app", "ftp://127.0.0.1/", "file:///etc/passwd"] {
            let error = setting_url(SETTING, bad).expect_err(bad).to_string();
            assert!(error.starts_with(SETTING), "{bad}: {error}");
            assert!(error.contains(&format!("{bad:?}")), "{bad}: {error}");
        }
    }

    #[test]
    fn segments_are_appended_one_each_and_escaped() {
        let base = Url::parse("http://127.0.0.1:7003/").expect("a URL");
        assert_eq!(
            under(&base, &["v1", "environments", "env-1"]).as_str(),
            "http://127.0.0.1:7003/v1/environments/env-1"
        );
        let prefixed = Url::parse("https://p1.example/base/").expect("a URL");
        assert_eq!(under(&prefixed, &["users", "a/b?c"]).as_str(), "https://p1.example/base/users/a%2Fb%3Fc");
    }

    #[test]
    fn only_http_urls_with_a_host_are_server_urls() {
        assert!(http_url(" http://127.0.0.1:7002 ").is_some());
        assert!(http_url("localhost:7002").is_none(), "scheme `localhost`");
        assert!(http_url("file:///etc/passwd").is_none());
        assert!(http_url("nope").is_none());
    }
}
