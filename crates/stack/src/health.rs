//! The admin API's `GET /health`: this instance as a whole, for a load balancer or an operator.
//! Each service answers its own `GET /health` (its database answers and holds this release's
//! schema); the stack is ready when all four are, and the shared controls' database answers.

use std::time::Duration;

use crate::shared::controls::Controls;

/// How long one service's health check may take before it counts as down (a database that
/// stopped answering would otherwise hold the check for the pool's whole connect patience).
const PATIENCE: Duration = Duration::from_secs(3);

/// Where this instance's services listen (their own addresses, not a load balancer's).
#[derive(Debug, Clone)]
pub struct Instance {
    pub services: Vec<(&'static str, String)>,
    http: reqwest::Client,
}

impl Instance {
    /// `services`: each service's name and the URL this instance serves it on.
    pub fn new(services: Vec<(&'static str, String)>) -> Self {
        let http = reqwest::Client::builder().no_proxy().timeout(PATIENCE).build().unwrap_or_default();
        Self { services, http }
    }
}

/// Ready when every service of `instance` answers 200 and `controls`' database answers; else
/// what is not (logged by the caller, never answered).
pub async fn ready(instance: Option<&Instance>, controls: &Controls) -> Result<(), String> {
    let services = async {
        let Some(instance) = instance else { return Vec::new() };
        futures_util::future::join_all(instance.services.iter().map(|(name, url)| instance.check(name, url))).await
    };
    let (services, controls) = tokio::join!(services, tokio::time::timeout(PATIENCE, controls.ready()));
    let mut down: Vec<String> = services.into_iter().filter_map(Result::err).collect();
    match controls {
        Ok(Ok(())) => {}
        Ok(Err(error)) => down.push(format!("the shared controls: {error}")),
        Err(_) => down.push("the shared controls: no answer in time".into()),
    }
    if down.is_empty() {
        Ok(())
    } else {
        Err(down.join("; "))
    }
}

impl Instance {
    async fn check(&self, name: &str, url: &str) -> Result<(), String> {
        match self.http.get(format!("{url}/health")).send().await {
            Ok(answer) if answer.status().is_success() => Ok(()),
            Ok(answer) => Err(format!("{name}: {}", answer.status())),
            Err(error) => Err(format!("{name}: {error}")),
        }
    }
}
