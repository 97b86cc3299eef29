//! What a transfer asks for: the amount (Ping's `sum`, as its sample's page sends it) and the
//! recipient, checked; and how the approving device is told about it (`clientContext`, money
//! written as Ping's sample writes it).

use moderno_wire::moderno::ModernoRequest;
use serde::Serialize;

use super::invalid;
use crate::error::Failure;
use crate::protocol::required;

/// The largest transfer: €100,000.00.
pub(crate) const MAX_TRANSFER_CENTS: u64 = 10_000_000;
pub(crate) const MAX_RECIPIENT_CHARS: usize = 64;
const CURRENCY: &str = "EUR";

/// What the user asked for, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TransferOrder {
    pub(super) amount_cents: u64,
    pub(super) recipient: String,
}

/// The approving device reads the transfer from `clientContext`: Ping's keys (`msg`, the sum as
/// the sample formats it, and `transactionType: STEP_UP`) and the transfer itself.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientContext<'a> {
    msg: String,
    transaction_type: &'static str,
    amount: String,
    currency: &'static str,
    recipient: &'a str,
}

impl TransferOrder {
    pub(super) fn from_request(request: &ModernoRequest) -> Result<Self, Failure> {
        let sum = required(&request.sum, "sum")?;
        let recipient = required(&request.recipient, "recipient")?;
        Self::parse(sum, recipient)
    }

    pub(super) fn parse(sum: &str, recipient: &str) -> Result<Self, Failure> {
        let amount_cents = parse_cents(sum).map_err(|why| invalid(&format!("the field `sum` {why}")))?;
        let recipient = recipient.trim();
        if recipient.is_empty() || recipient.chars().count() > MAX_RECIPIENT_CHARS || recipient.chars().any(char::is_control) {
            let text = format!("the field `recipient` must be 1 to {MAX_RECIPIENT_CHARS} characters, none of them control characters");
            return Err(invalid(&text).into());
        }
        Ok(Self { amount_cents, recipient: recipient.to_owned() })
    }

    /// As Ping's sample formats money (`#,###.00`), with a leading zero: `1,000.00`, `0.50`.
    pub(super) fn formatted(&self) -> String {
        let whole = (self.amount_cents / 100).to_string();
        let mut grouped = String::new();
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("{grouped}.{:02}", self.amount_cents % 100)
    }

    pub(super) fn euros(&self) -> String {
        format!("€{}", self.formatted())
    }

    pub(super) fn client_context(&self) -> String {
        let context = ClientContext {
            msg: self.formatted(),
            transaction_type: "STEP_UP",
            amount: format!("{}.{:02}", self.amount_cents / 100, self.amount_cents % 100),
            currency: CURRENCY,
            recipient: &self.recipient,
        };
        serde_json::to_string(&context).unwrap_or_default()
    }
}

/// Cents from `250`, `250.5`, `250.50`, `1,000` or `1,000.00`: positive, at most two decimals,
/// at most [`MAX_TRANSFER_CENTS`]. The error completes "the field `sum` ...".
pub(super) fn parse_cents(text: &str) -> Result<u64, String> {
    let malformed = || "must be an amount such as 250, 250.50 or 1,000.00".to_string();
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let text = text.trim();
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) if (1..=2).contains(&fraction.len()) && all_digits(fraction) => (whole, fraction),
        Some(_) => return Err(malformed()),
        None => (text, ""),
    };
    // Thousands separated by commas, as Ping's sample writes money, or none.
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped = groups.len() == 1 || ((1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3));
    if whole.is_empty() || !grouped || !groups.iter().all(|g| all_digits(g)) {
        return Err(malformed());
    }
    let digits = groups.concat();
    let digits = digits.trim_start_matches('0');
    // Anything longer is over the maximum anyway.
    let whole: u64 = if digits.len() > 12 { u64::MAX / 100 } else { digits.parse().unwrap_or(0) };
    let cents = format!("{fraction:0<2}").parse::<u64>().map_err(|_| malformed())?;
    let total = whole.saturating_mul(100).saturating_add(cents);
    if total == 0 {
        return Err("must be more than 0".into());
    }
    if total > MAX_TRANSFER_CENTS {
        return Err("must be at most 100,000.00".into());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use moderno_wire::moderno::Status;

    use super::*;

    #[test]
    fn sums_are_read_as_pings_page_sends_them_and_as_apps_do() {
        for (text, cents) in [("250", 25_000), ("250.5", 25_050), ("250.50", 25_050), ("1,000", 100_000), ("1,000.00", 100_000), ("0.01", 1), (" 7 ", 700), ("100,000.00", 10_000_000)] {
            assert_eq!(parse_cents(text), Ok(cents), "{text:?}");
        }
    }

    #[test]
    fn bad_sums_are_refused_with_a_reason() {
        for text in ["", "0", "0.00", "-5", "+5", "1.234", "1.", ".5", "1e3", "1,00", "12,345,67", ",100", "abc", "100,000.01", "99999999999999999999"] {
            assert!(parse_cents(text).is_err(), "{text:?} should be refused");
        }
        assert_eq!(parse_cents("0").unwrap_err(), "must be more than 0");
        assert_eq!(parse_cents("200000").unwrap_err(), "must be at most 100,000.00");
    }

    #[test]
    fn recipients_are_one_to_sixty_four_characters_without_control_characters() {
        assert_eq!(TransferOrder::parse("1", " bob ").unwrap().recipient, "bob");
        assert!(TransferOrder::parse("1", &"é".repeat(64)).is_ok(), "counted in characters");
        for bad in ["", "   ", "bob\nApprove anyway", &"x".repeat(65)] {
            let refused = TransferOrder::parse("1", bad).unwrap_err();
            assert!(matches!(refused, Failure::Answer(a) if a.status == Status::InvalidInput), "{bad:?}");
        }
    }

    #[test]
    fn the_client_context_keeps_pings_keys_and_names_the_transfer() {
        let order = TransferOrder { amount_cents: 123_456, recipient: "Bob".into() };
        assert_eq!(order.formatted(), "1,234.56");
        assert_eq!(order.euros(), "€1,234.56");
        assert_eq!(
            order.client_context(),
            r#"{"msg":"1,234.56","transactionType":"STEP_UP","amount":"1234.56","currency":"EUR","recipient":"Bob"}"#
        );
        assert_eq!(TransferOrder { amount_cents: 50, recipient: "x".into() }.formatted(), "0.50");
        assert_eq!(TransferOrder { amount_cents: 10_000_000, recipient: "x".into() }.formatted(), "100,000.00");
    }
}
