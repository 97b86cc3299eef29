//! A URL setting read once, where the configuration enters a service: an http(s) URL with a
//! host, or an error naming the setting (its field, flag and environment variable) so the start
//! stops there instead of the first request that uses it.

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
}
