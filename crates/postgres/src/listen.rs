//! Wake-ups across instances: PostgreSQL `LISTEN`/`NOTIFY`.
//!
//! One connection per process listens on a service's channels and hands each notification to
//! every waiter through a broadcast channel. A notification can be lost (the connection drops
//! between a `NOTIFY` and our `LISTEN` on reconnect): a waiter therefore treats a wake-up as a
//! hint to look again, and still looks again on its own at a bounded interval.

use std::str::FromStr as _;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::broadcast;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::PgError;

/// One wake-up: the channel and the payload (an id; never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    Notified {
        channel: String,
        payload: String,
    },
    /// The listening connection was re-established: anything may have happened meanwhile, so
    /// every waiter looks again.
    Reconnected,
}

/// A running listener. Dropping it stops the listening task.
#[derive(Debug)]
pub struct Listener {
    wakes: broadcast::Sender<Wake>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How long the listener waits before connecting again after losing its connection.
const RECONNECT_PAUSE: Duration = Duration::from_millis(200);

impl Listener {
    /// Listens on `channels` at `url`; returns once the first `LISTEN` is in place, so a
    /// `NOTIFY` sent after this returns is seen.
    pub async fn start(url: &str, channels: &[&str]) -> Result<Self, PgError> {
        let config = tokio_postgres::Config::from_str(url).map_err(|e| PgError::BadUrl(e.to_string()))?;
        let channels: Vec<String> = channels.iter().map(|c| (*c).to_owned()).collect();
        let (wakes, _) = broadcast::channel(1024);
        let first = listen_once(&config, &channels, wakes.clone()).await?;
        let task = tokio::spawn(keep_listening(config, channels, wakes.clone(), first));
        Ok(Self { wakes, task })
    }

    /// A receiver of every wake-up from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Wake> {
        self.wakes.subscribe()
    }
}

/// Connects and listens; the returned task ends when the connection does.
async fn listen_once(
    config: &tokio_postgres::Config,
    channels: &[String],
    wakes: broadcast::Sender<Wake>,
) -> Result<tokio::task::JoinHandle<()>, PgError> {
    let (client, mut connection) = config.connect(NoTls).await.map_err(|e| PgError::Unreachable(e.to_string()))?;
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    let pump = tokio::spawn(async move {
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    let _ =
                        wakes.send(Wake::Notified { channel: n.channel().to_owned(), payload: n.payload().to_owned() });
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "the LISTEN connection failed");
                    break;
                }
            }
        }
    });
    for channel in channels {
        client.batch_execute(&format!("LISTEN {}", quote_ident(channel))).await?;
    }
    // The client must outlive the LISTENs: keep it with the pump.
    Ok(tokio::spawn(async move {
        let _client = client;
        let _ = pump.await;
    }))
}

async fn keep_listening(
    config: tokio_postgres::Config,
    channels: Vec<String>,
    wakes: broadcast::Sender<Wake>,
    mut current: tokio::task::JoinHandle<()>,
) {
    loop {
        let _ = (&mut current).await;
        loop {
            tokio::time::sleep(RECONNECT_PAUSE).await;
            match listen_once(&config, &channels, wakes.clone()).await {
                Ok(task) => {
                    current = task;
                    let _ = wakes.send(Wake::Reconnected);
                    break;
                }
                Err(error) => tracing::warn!(%error, "listening again failed; retrying"),
            }
        }
    }
}

/// A channel name as a quoted SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
