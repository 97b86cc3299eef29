//! Questions on the terminal, read off the async runtime.

use std::io::BufRead as _;

use moderno_device::DeviceError;

use crate::output::Output;

/// Asks and reads one trimmed line from stdin. A closed stdin is an error naming the flag that
/// would have answered the question.
pub async fn ask(out: &Output, question: &str, flag: &str) -> Result<String, DeviceError> {
    out.ask(question);
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|n| (n, line))
    })
    .await
    .map_err(|e| DeviceError::InvalidInput(format!("reading stdin failed: {e}")))?;
    match line {
        Ok((0, _)) => Err(DeviceError::InvalidInput(format!("no answer on stdin: pass {flag}"))),
        Ok((_, text)) => Ok(text.trim().to_string()),
        Err(e) => Err(DeviceError::InvalidInput(format!("reading stdin failed: {e}"))),
    }
}

/// The flag's value the first time; afterwards (a retry) the terminal is asked.
pub async fn flag_or_ask(
    out: &Output,
    flag_value: &mut Option<String>,
    question: &str,
    flag: &str,
) -> Result<String, DeviceError> {
    match flag_value.take() {
        Some(value) => Ok(value),
        None => ask(out, question, flag).await,
    }
}
