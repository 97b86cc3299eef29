#[tokio::main]
async fn main() -> anyhow::Result<()> {
    pingid_sdk_server::cli::run().await
}
