//! SQLite's numbered parameters (`?1`, or `?` for the next number) written as PostgreSQL's
//! (`$1`): the services write their SQL once, in the subset both databases read alike.

use std::borrow::Cow;

/// `sql` with every `?N` as `$N` and every bare `?` numbered as SQLite numbers it (one more than
/// the largest number so far); text in quotes is left as it is.
pub fn for_postgres(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut largest = 0u32;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let number = match digits.parse::<u32>() {
                    Ok(n) => n,
                    Err(_) => largest + 1,
                };
                largest = largest.max(number);
                out.push('$');
                out.push_str(&number.to_string());
            }
            (None, c) => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::for_postgres;

    #[test]
    fn numbered_and_bare_parameters_become_dollar_numbers_outside_quotes() {
        assert_eq!(for_postgres("SELECT 1"), "SELECT 1");
        assert_eq!(
            for_postgres("UPDATE t SET a = ?2 WHERE b = ?1 AND c = ?12"),
            "UPDATE t SET a = $2 WHERE b = $1 AND c = $12"
        );
        assert_eq!(for_postgres("INSERT INTO t VALUES (?, ?, ?)"), "INSERT INTO t VALUES ($1, $2, $3)");
        assert_eq!(for_postgres("SELECT ?3, ?"), "SELECT $3, $4");
        assert_eq!(for_postgres("SELECT '?1', \"a?\" FROM t WHERE x = ?1"), "SELECT '?1', \"a?\" FROM t WHERE x = $1");
    }
}
