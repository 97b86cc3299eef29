//! The checking account's balance, as Ping's sample keeps it per session ([S-MOD]
//! `SessionData.getSubAccountChecking`): a login answered 0 carries it in `sum` (formatted
//! `#,###.00`, `AuthenticateOfflineWithPingIDSdk`), and an approved transfer moves its amount from
//! checking to savings only when checking covers it (`TransferHandler`). Here the balance is the
//! user's: a demo opening balance less the approved transfers that it covered, in order.

use moderno_sql::params;

use super::order::TransferOrder;
use crate::state::CustomerState;

/// Every demo user's opening checking balance (the sample's starting value is not published).
pub(crate) const OPENING_BALANCE_CENTS: i64 = 1_000_000; // 10,000.00

/// The user's checking balance, as Ping's sample writes money (`#,###.00`).
pub(crate) async fn checking_balance(state: &CustomerState, username: &str) -> anyhow::Result<String> {
    let user = username.to_owned();
    let amounts: Vec<i64> = state
        .store
        .read(move |c| {
            c.query_map(
                "SELECT amount_cents FROM transfers WHERE username = ?1 AND status = 'approved' ORDER BY created_ms, authentication_id",
                params![user],
                |r| r.get(0),
            )
        })
        .await?;
    let cents = balance_after(&amounts);
    Ok(TransferOrder { amount_cents: u64::try_from(cents).unwrap_or(0), recipient: None }.java_formatted())
}

/// The opening balance less each approved amount it covered when approved.
fn balance_after(approved_cents: &[i64]) -> i64 {
    approved_cents
        .iter()
        .fold(OPENING_BALANCE_CENTS, |balance, amount| if *amount <= balance { balance - amount } else { balance })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approved_transfer_moves_money_only_when_checking_covers_it() {
        assert_eq!(balance_after(&[]), OPENING_BALANCE_CENTS);
        assert_eq!(balance_after(&[25_000, 100_000]), 875_000);
        assert_eq!(balance_after(&[900_000, 200_000, 100_000]), 0, "the 2,000.00 was not covered; the 1,000.00 was");
    }
}
