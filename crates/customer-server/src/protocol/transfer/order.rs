//! What a transfer asks for: the amount (Ping's `sum`, as its sample's page sends it) and,
//! beyond Ping, the recipient, checked; and how the approving device is told about it (the push's
//! title and body and `clientContext`, money written as Ping's sample writes it).
//!
//! Without a recipient the transfer is Ping's: between the user's own accounts, told with Ping's
//! words exactly ([S-MOD] `TransferHandler`).

use moderno_wire::moderno::ModernoRequest;
use serde::Serialize;

use super::invalid;
use crate::error::Failure;
use crate::protocol::required;

/// The largest transfer: €100,000.00.
pub(crate) const MAX_TRANSFER_CENTS: u64 = 10_000_000;
pub(crate) const MAX_RECIPIENT_CHARS: usize = 64;
const CURRENCY: &str = "EUR";

/// Ping's sample moves money between the user's own accounts, and says so in the push.
const PING_TITLE: &str = "Transfer Between Accounts";
const PING_BODY: &str = "Checking -> Savings";

/// What the user asked for, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TransferOrder {
    pub(super) amount_cents: u64,
    /// Beyond Ping: the payee. `None`: Ping's transfer from checking to savings.
    pub(super) recipient: Option<String>,
}

/// The approving device reads the transfer from `clientContext`: Ping's keys (`msg`, the sum as
/// the sample formats it, and `transactionType: STEP_UP`), then, for a transfer to a recipient,
/// the transfer itself.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientContext<'a> {
    msg: String,
    transaction_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    currency: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<&'a str>,
}

impl TransferOrder {
    /// `sum` is required; `recipient` may be left out (Ping's request), but when sent it must be
    /// one: a blank one is refused rather than taken for a transfer between own accounts.
    pub(super) fn from_request(request: &ModernoRequest) -> Result<Self, Failure> {
        let sum = required(&request.sum, "sum")?;
        Self::parse(sum, request.recipient.as_deref())
    }

    pub(super) fn parse(sum: &str, recipient: Option<&str>) -> Result<Self, Failure> {
        let amount_cents = parse_cents(sum).map_err(|why| invalid(&format!("the field `sum` {why}")))?;
        let Some(recipient) = recipient.map(str::trim) else {
            return Ok(Self { amount_cents, recipient: None });
        };
        if recipient.is_empty()
            || recipient.chars().count() > MAX_RECIPIENT_CHARS
            || recipient.chars().any(char::is_control)
        {
            let text = format!(
                "the field `recipient` must be 1 to {MAX_RECIPIENT_CHARS} characters, none of them control characters"
            );
            return Err(invalid(&text).into());
        }
        Ok(Self { amount_cents, recipient: Some(recipient.to_owned()) })
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

    /// Exactly as Java's `DecimalFormat("#,###.00")` writes it, as Ping's push does: no leading
    /// zero below one (`.50`).
    pub(super) fn java_formatted(&self) -> String {
        let formatted = self.formatted();
        match formatted.strip_prefix('0') {
            Some(rest) if rest.starts_with('.') => rest.to_owned(),
            _ => formatted,
        }
    }

    pub(super) fn euros(&self) -> String {
        format!("€{}", self.formatted())
    }

    /// The transfer in a sentence: "€5.00 to Bob", "€5.00 from checking to savings".
    pub(super) fn described(&self) -> String {
        match &self.recipient {
            Some(recipient) => format!("{} to {recipient}", self.euros()),
            None => format!("{} from checking to savings", self.euros()),
        }
    }

    /// The push's title: Ping's for its transfer, the project's for one to a recipient.
    pub(super) fn push_title(&self) -> String {
        match self.recipient {
            Some(_) => "Moderno transfer".into(),
            None => PING_TITLE.into(),
        }
    }

    /// The push's body: Ping's ("Checking -> Savings", a new line, the sum) or the project's.
    pub(super) fn push_body(&self) -> String {
        match &self.recipient {
            Some(recipient) => format!("Approve a transfer of {} to {recipient}?", self.euros()),
            None => format!("{PING_BODY}\n{}", self.java_formatted()),
        }
    }

    pub(super) fn client_context(&self) -> String {
        let context = match &self.recipient {
            None => ClientContext {
                msg: self.java_formatted(),
                transaction_type: "STEP_UP",
                amount: None,
                currency: None,
                recipient: None,
            },
            Some(recipient) => ClientContext {
                msg: self.formatted(),
                transaction_type: "STEP_UP",
                amount: Some(format!("{}.{:02}", self.amount_cents / 100, self.amount_cents % 100)),
                currency: Some(CURRENCY),
                recipient: Some(recipient),
            },
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
        for (text, cents) in [
            ("250", 25_000),
            ("250.5", 25_050),
            ("250.50", 25_050),
            ("1,000", 100_000),
            ("1,000.00", 100_000),
            ("0.01", 1),
            (" 7 ", 700),
            ("100,000.00", 10_000_000),
        ] {
            assert_eq!(parse_cents(text), Ok(cents), "{text:?}");
        }
    }

    #[test]
    fn bad_sums_are_refused_with_a_reason() {
        for text in [
            "",
            "0",
            "0.00",
            "-5",
            "+5",
            "1.234",
            "1.",
            ".5",
            "1e3",
            "1,00",
            "12,345,67",
            ",100",
            "abc",
            "100,000.01",
            "99999999999999999999",
        ] {
            assert!(parse_cents(text).is_err(), "{text:?} should be refused");
        }
        assert_eq!(parse_cents("0").unwrap_err(), "must be more than 0");
        assert_eq!(parse_cents("200000").unwrap_err(), "must be at most 100,000.00");
    }

    #[test]
    fn recipients_are_one_to_sixty_four_characters_without_control_characters() {
        assert_eq!(TransferOrder::parse("1", Some(" bob ")).unwrap().recipient.as_deref(), Some("bob"));
        assert!(TransferOrder::parse("1", Some(&"é".repeat(64))).is_ok(), "counted in characters");
        assert_eq!(TransferOrder::parse("1", None).unwrap().recipient, None, "Ping's transfer between own accounts");
        for bad in ["", "   ", "bob\nApprove anyway", &"x".repeat(65)] {
            let refused = TransferOrder::parse("1", Some(bad)).unwrap_err();
            assert!(matches!(refused, Failure::Answer(a) if a.status == Status::InvalidInput), "{bad:?}");
        }
    }

    #[test]
    fn the_client_context_keeps_pings_keys_and_names_the_transfer() {
        let order = TransferOrder { amount_cents: 123_456, recipient: Some("Bob".into()) };
        assert_eq!(order.formatted(), "1,234.56");
        assert_eq!(order.euros(), "€1,234.56");
        assert_eq!(
            order.client_context(),
            r#"{"msg":"1,234.56","transactionType":"STEP_UP","amount":"1234.56","currency":"EUR","recipient":"Bob"}"#
        );
        assert_eq!(
            (order.push_title().as_str(), order.push_body().as_str()),
            ("Moderno transfer", "Approve a transfer of €1,234.56 to Bob?")
        );
        assert_eq!(TransferOrder { amount_cents: 50, recipient: None }.formatted(), "0.50");
        assert_eq!(TransferOrder { amount_cents: 10_000_000, recipient: None }.formatted(), "100,000.00");
    }

    #[test]
    fn without_a_recipient_the_push_is_pings_exactly() {
        let order = TransferOrder { amount_cents: 123_456, recipient: None };
        assert_eq!(order.push_title(), "Transfer Between Accounts");
        assert_eq!(order.push_body(), "Checking -> Savings\n1,234.56");
        assert_eq!(order.client_context(), r#"{"msg":"1,234.56","transactionType":"STEP_UP"}"#);
        assert_eq!(order.described(), "€1,234.56 from checking to savings");
        // Java's DecimalFormat("#,###.00") writes no leading zero.
        let small = TransferOrder { amount_cents: 50, recipient: None };
        assert_eq!(
            (small.push_body().as_str(), small.client_context().as_str()),
            ("Checking -> Savings\n.50", r#"{"msg":".50","transactionType":"STEP_UP"}"#)
        );
    }
}
