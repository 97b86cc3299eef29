//! One address for several instances: the URL clients reach each service at when a load balancer
//! stands in front of the instances (`StackConfig::sdk_url`, ...). Read once at start; a service
//! without one is reached where it listens.

use moderno_ambient::setting_url;

use crate::StackConfig;

/// Each service's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUrls {
    pub sdk: String,
    pub customer: String,
    pub pingone: String,
    pub pingfederate: String,
}

impl ServiceUrls {
    /// Each URL with the service's name.
    pub fn named(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PingID SDK server", self.sdk.clone()),
            ("customer server", self.customer.clone()),
            ("PingOne MFA", self.pingone.clone()),
            ("PingFederate", self.pingfederate.clone()),
        ]
    }
}

/// The public URLs given, checked (an http(s) URL with a host) and without a trailing `/`.
#[derive(Debug, Default)]
pub(crate) struct Public {
    pub sdk: Option<String>,
    pub customer: Option<String>,
    pub pingone: Option<String>,
    pub pingfederate: Option<String>,
    hosts: Vec<String>,
}

impl Public {
    pub fn read(config: &StackConfig) -> anyhow::Result<Self> {
        let mut public = Self::default();
        let mut read = |given: &Option<String>, setting: &str| -> anyhow::Result<Option<String>> {
            let Some(text) = given else { return Ok(None) };
            let url = setting_url(setting, text)?;
            if let Some(host) = url.host_str() {
                public.hosts.push(host.trim_start_matches('[').trim_end_matches(']').to_owned());
            }
            Ok(Some(url.as_str().trim_end_matches('/').to_owned()))
        };
        let sdk = read(&config.sdk_url, "sdk_url (--sdk-url, MODERNO_SDK_URL)")?;
        let customer = read(&config.customer_url, "customer_url (--customer-url, MODERNO_CUSTOMER_URL)")?;
        let pingone = read(&config.pingone_url, "pingone_url (--pingone-url, MODERNO_PINGONE_URL)")?;
        let pingfederate =
            read(&config.pingfederate_url, "pingfederate_url (--pingfederate-url, MODERNO_PINGFEDERATE_URL)")?;
        Ok(Self { sdk, customer, pingone, pingfederate, ..public })
    }

    /// `public_hosts` and the public URLs' host names: a load balancer passes the name clients
    /// asked for (`Host`), and each service must answer it.
    pub fn served_hosts(&self, public_hosts: &[String]) -> Vec<String> {
        let mut hosts = public_hosts.to_vec();
        hosts.extend(self.hosts.iter().filter(|host| !public_hosts.contains(host)).cloned());
        hosts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> StackConfig {
        StackConfig::loopback(std::env::temp_dir().join("moderno-public-urls-unused"))
    }

    #[test]
    fn public_urls_are_checked_trimmed_and_their_hosts_served() {
        let mut config = config();
        config.sdk_url = Some(" https://qa.example/ ".into());
        config.pingone_url = Some("http://10.0.0.9:7003".into());
        let public = Public::read(&config).expect("read");
        assert_eq!(public.sdk.as_deref(), Some("https://qa.example"));
        assert_eq!(public.pingone.as_deref(), Some("http://10.0.0.9:7003"));
        assert_eq!((public.customer, public.pingfederate), (None, None));
        let hosts = Public::read(&config).expect("read").served_hosts(&["qa.example".into()]);
        assert_eq!(hosts, vec!["qa.example".to_owned(), "10.0.0.9".to_owned()]);
    }

    #[test]
    fn a_public_url_that_is_no_http_url_stops_the_start_naming_its_setting() {
        let mut config = config();
        config.customer_url = Some("localhost:7002".into());
        let refused = Public::read(&config).expect_err("refused").to_string();
        assert!(refused.contains("--customer-url") && refused.contains("localhost:7002"), "{refused}");
        assert!(Public::read(&StackConfig::loopback(config.data_dir)).expect("none given").sdk.is_none());
    }
}
