//! What a push asks the approving device to approve, read from its `clientContext`: a transfer
//! (Ping's Moderno sample sends `transactionType` STEP_UP with the amount and recipient), a web
//! sign-in from a browser, or something this app does not know (shown as sent).

use serde::Deserialize;

/// Where Ping's own transfer (no recipient) sends the money: between the user's accounts.
pub const BETWEEN_ACCOUNTS: &str = "your savings account (from checking)";

/// What a push approves, for the approval dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushContext {
    /// Money leaving the account: `amount` as people read it (`€1,250.50`).
    Transfer { amount: String, recipient: String },
    /// The customer server's web page signing the user in from `browser`.
    WebSignIn { browser: String },
    /// A context this app does not read: its text as sent.
    Other(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    transaction_type: Option<String>,
    msg: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
    recipient: Option<String>,
    kind: Option<String>,
    browser: Option<String>,
}

impl PushContext {
    /// Reads a push's `clientContext`; `None` when the push has none (or only blanks).
    pub fn read(client_context: Option<&str>) -> Option<Self> {
        let text = client_context.map(str::trim).filter(|t| !t.is_empty())?;
        let other = || Some(Self::Other(text.to_owned()));
        let Ok(fields) = serde_json::from_str::<Fields>(text) else {
            return other();
        };
        let given = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if fields.transaction_type.as_deref() == Some("STEP_UP") {
            // `msg` is the sum as Ping's sample formats it (`1,250.50`); `amount` the plain one.
            // Without a recipient it is Ping's own transfer between the user's accounts
            // ([S-MOD] `TransferHandler`: "Checking -> Savings").
            let Some(sum) = given(fields.msg).or(given(fields.amount)) else {
                return other();
            };
            let recipient = given(fields.recipient).unwrap_or_else(|| BETWEEN_ACCOUNTS.to_owned());
            let amount = match given(fields.currency).as_deref() {
                None | Some("EUR") => format!("€{sum}"),
                Some(code) => format!("{code} {sum}"),
            };
            return Some(Self::Transfer { amount, recipient });
        }
        if fields.kind.as_deref() == Some("web_sign_in") {
            return Some(Self::WebSignIn { browser: given(fields.browser).unwrap_or_else(|| "a browser".into()) });
        }
        other()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_reads_as_its_amount_and_recipient() {
        let sent =
            r#"{"msg":"1,250.50","transactionType":"STEP_UP","amount":"1250.50","currency":"EUR","recipient":"Bob"}"#;
        assert_eq!(
            PushContext::read(Some(sent)),
            Some(PushContext::Transfer { amount: "€1,250.50".into(), recipient: "Bob".into() })
        );
        let dollars = r#"{"transactionType":"STEP_UP","amount":"3.00","currency":"USD","recipient":"Ann"}"#;
        assert_eq!(
            PushContext::read(Some(dollars)),
            Some(PushContext::Transfer { amount: "USD 3.00".into(), recipient: "Ann".into() }),
            "without msg the plain amount, with its currency code"
        );
    }

    #[test]
    fn pings_own_transfer_between_accounts_reads_as_one() {
        let sent = r#"{"msg":"1,000.00","transactionType":"STEP_UP"}"#;
        assert_eq!(
            PushContext::read(Some(sent)),
            Some(PushContext::Transfer { amount: "€1,000.00".into(), recipient: BETWEEN_ACCOUNTS.into() })
        );
    }

    #[test]
    fn a_web_sign_in_reads_as_its_browser() {
        let sent = r#"{"kind":"web_sign_in","browser":"Firefox on Linux"}"#;
        assert_eq!(PushContext::read(Some(sent)), Some(PushContext::WebSignIn { browser: "Firefox on Linux".into() }));
        assert_eq!(
            PushContext::read(Some(r#"{"kind":"web_sign_in"}"#)),
            Some(PushContext::WebSignIn { browser: "a browser".into() })
        );
    }

    #[test]
    fn anything_else_is_shown_as_sent_and_nothing_is_nothing() {
        for text in
            ["plain words", r#"{"transactionType":"STEP_UP","recipient":"Bob"}"#, r#"{"kind":"other"}"#, "[1,2]"]
        {
            assert_eq!(PushContext::read(Some(text)), Some(PushContext::Other(text.into())), "{text}");
        }
        assert_eq!(PushContext::read(None), None);
        assert_eq!(PushContext::read(Some("  ")), None);
    }
}
