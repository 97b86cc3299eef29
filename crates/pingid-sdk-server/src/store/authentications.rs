//! Authentications: who asks (the requesting device), who approves, and where it stands.
//! An IN_PROGRESS push past its lifetime is settled to TIMEOUT whenever it is read.

use moderno_ambient::NumberChallenge;
use moderno_sql::{Conn, OptionalExtension as _, Row};
use moderno_wire::sdk::{
    AccessingDevice, Authentication, AuthenticationLevel, AuthenticationReason, AuthenticationStatus,
    AuthenticationType, DeviceType, SignInContext,
};

use super::Text;
use crate::timestamps::rfc3339;

/// The device the user logs in on, from its mobile payload.
#[derive(Debug, Clone)]
pub struct Requester {
    pub fingerprint: String,
    /// Its Ed25519 public key (base64url): a pairing the approver grants is bound to it.
    pub public_key: Option<String>,
    pub name: String,
    pub device_type: DeviceType,
    pub os_version: String,
}

/// What an approval granted the requesting device (Ping's network of trusted devices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Paired as PRIMARY (the user had no primary; registration token `pairing_token_id`).
    Primary,
    /// Paired as TRUSTED (registration token `pairing_token_id`).
    Trusted,
    /// This sign-in only.
    OneTime,
    /// Let in, and ignored until `ignored_until` (None: always).
    Ignored,
}

impl Grant {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "PRIMARY",
            Self::Trusted => "TRUSTED",
            Self::OneTime => "ONE_TIME",
            Self::Ignored => "IGNORED",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Primary, Self::Trusted, Self::OneTime, Self::Ignored].into_iter().find(|g| g.as_str() == text)
    }
}

#[derive(Debug, Clone)]
pub struct AuthRow {
    pub id: String,
    pub username: String,
    pub application_id: String,
    pub requester: Option<Requester>,
    pub approving_device_id: Option<String>,
    pub status: AuthenticationStatus,
    pub reason: Option<AuthenticationReason>,
    pub level: AuthenticationLevel,
    pub otp_failures: u32,
    /// Any of the user's devices may give the OTP (after SELECT_DEVICE or a push timeout).
    pub otp_any_device: bool,
    pub push_title: Option<String>,
    pub push_body: Option<String>,
    pub client_context: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created: i64,
    pub push_expires: Option<i64>,
    pub session_expires: i64,
    pub decided_at: Option<i64>,
    /// Number matching: the number the signing-in device shows while the push waits.
    pub match_number: Option<u8>,
    /// Number matching: what the approving device offers (`match_number` among them).
    pub number_choices: Vec<u8>,
    /// Set with an approval of a new device.
    pub grant: Option<Grant>,
    pub pairing_token_id: Option<String>,
    pub ignored_until: Option<i64>,
}

impl AuthRow {
    /// Turns an unanswered push past its lifetime into TIMEOUT. True when it changed.
    pub fn settle(&mut self, now_ms: i64) -> bool {
        let timed_out = self.status == AuthenticationStatus::InProgress
            && self.push_expires.is_some_and(|expires| now_ms >= expires);
        if timed_out {
            self.status = AuthenticationStatus::Timeout;
            self.otp_any_device = true;
        }
        timed_out
    }

    pub fn decide(
        &mut self,
        status: AuthenticationStatus,
        reason: Option<AuthenticationReason>,
        level: AuthenticationLevel,
        now_ms: i64,
    ) {
        self.status = status;
        self.reason = reason;
        self.level = level;
        self.decided_at = Some(now_ms);
    }

    pub fn requesting_fingerprint(&self) -> Option<&str> {
        self.requester.as_ref().map(|r| r.fingerprint.as_str())
    }

    pub fn otp_attempts_left(&self, max_failures: u32) -> u32 {
        max_failures.saturating_sub(self.otp_failures)
    }

    /// The level the authentication asks for: the device's own payload when it is paired, else
    /// a push or, offline, a passcode.
    pub fn required_level(&self) -> AuthenticationLevel {
        use AuthenticationStatus as S;
        match (self.level, self.status) {
            (AuthenticationLevel::MobilePayload, _) => AuthenticationLevel::MobilePayload,
            (_, S::BypassedDevice | S::IgnoredDevice) => AuthenticationLevel::None,
            (_, S::Rejected) if self.approving_device_id.is_none() => AuthenticationLevel::None,
            _ if self.push_expires.is_some() => AuthenticationLevel::Push,
            (_, S::SelectDevice) => AuthenticationLevel::Push,
            _ => AuthenticationLevel::Otp,
        }
    }

    /// Ping's resource, without what needs the server (`payload`, `device`, `devices`): the
    /// caller adds those.
    pub fn to_wire(&self, otp_max_failures: u32) -> Authentication {
        use AuthenticationStatus as S;
        let in_otp_mode = matches!(self.status, S::Otp | S::InvalidOtp | S::Locked) || self.otp_failures > 0;
        Authentication {
            id: self.id.clone(),
            authentication_type: AuthenticationType::Authenticate,
            status: self.status,
            reason: self.reason,
            level: self.level,
            required_level: self.required_level(),
            device_id: self.approving_device_id.clone(),
            device: None,
            accessing_device: self.requester.as_ref().map(|r| AccessingDevice {
                device_fingerprint: r.fingerprint.clone(),
                device_type: r.device_type,
                device_name: r.name.clone(),
                os_version: r.os_version.clone(),
            }),
            payload: None,
            context: SignInContext {
                push_message_title: self.push_title.clone(),
                push_message_body: self.push_body.clone(),
                client_context: self.client_context.clone(),
                ip_address: self.ip_address.clone(),
                user_agent: self.user_agent.clone(),
            },
            devices: None,
            otp_attempts_left: in_otp_mode.then(|| self.otp_attempts_left(otp_max_failures)),
            match_number: self.match_number.filter(|_| self.status == S::InProgress),
            expires_at: Some(rfc3339(self.session_expires)),
        }
    }
}

const COLUMNS: &str = "id, username, application_id, requesting_fp, requesting_name, requesting_type, requesting_os,
    approving_device_id, status, reason, level, otp_failures, otp_any_device, push_title, push_body,
    client_context, ip_address, created, push_expires, session_expires, decided_at, match_number, number_choices,
    requesting_key, approval, pairing_token_id, ignored_until, user_agent";

fn from_row(r: &Row) -> moderno_sql::Result<AuthRow> {
    let fingerprint: Option<String> = r.get(3)?;
    let requester = match fingerprint {
        Some(fingerprint) => Some(Requester {
            fingerprint,
            public_key: r.get(23)?,
            name: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            device_type: r.get::<_, Option<Text<DeviceType>>>(5)?.map_or(DeviceType::Desktop, |t| t.0),
            os_version: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(AuthRow {
        id: r.get(0)?,
        username: r.get(1)?,
        application_id: r.get(2)?,
        requester,
        approving_device_id: r.get(7)?,
        status: r.get::<_, Text<_>>(8)?.0,
        reason: r.get::<_, Option<Text<_>>>(9)?.map(|t| t.0),
        level: r.get::<_, Text<_>>(10)?.0,
        otp_failures: r.get(11)?,
        otp_any_device: r.get(12)?,
        push_title: r.get(13)?,
        push_body: r.get(14)?,
        client_context: r.get(15)?,
        ip_address: r.get(16)?,
        created: r.get(17)?,
        push_expires: r.get(18)?,
        session_expires: r.get(19)?,
        decided_at: r.get(20)?,
        match_number: r.get(21)?,
        number_choices: NumberChallenge::parse_choices(r.get::<_, Option<String>>(22)?.as_deref()),
        grant: r.get::<_, Option<String>>(24)?.as_deref().and_then(Grant::parse),
        pairing_token_id: r.get(25)?,
        ignored_until: r.get(26)?,
        user_agent: r.get(27)?,
    })
}

pub fn insert(conn: &Conn<'_>, a: &AuthRow) -> moderno_sql::Result<()> {
    let q = a.requester.as_ref();
    conn.execute(
        &format!(
            "INSERT INTO authentications ({COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23,
                     ?24, ?25, ?26, ?27, ?28)"
        ),
        moderno_sql::params![
            a.id,
            a.username,
            a.application_id,
            q.map(|q| &q.fingerprint),
            q.map(|q| &q.name),
            q.map(|q| Text(q.device_type)),
            q.map(|q| &q.os_version),
            a.approving_device_id,
            Text(a.status),
            a.reason.map(Text),
            Text(a.level),
            a.otp_failures,
            a.otp_any_device,
            a.push_title,
            a.push_body,
            a.client_context,
            a.ip_address,
            a.created,
            a.push_expires,
            a.session_expires,
            a.decided_at,
            a.match_number,
            (!a.number_choices.is_empty()).then(|| NumberChallenge::choices_text(&a.number_choices)),
            q.and_then(|q| q.public_key.as_ref()),
            a.grant.map(Grant::as_str),
            a.pairing_token_id,
            a.ignored_until,
            a.user_agent
        ],
    )?;
    Ok(())
}

/// An APPROVED authentication: the user's last login and the approving device's last use.
pub fn record_approval(conn: &Conn<'_>, a: &AuthRow, now_ms: i64) -> moderno_sql::Result<()> {
    super::users::set_last_login(conn, &a.username, now_ms)?;
    if let Some(device_id) = &a.approving_device_id {
        super::devices::set_last_used(conn, device_id, now_ms)?;
    }
    Ok(())
}

/// Writes back what can change after creation.
pub fn update(conn: &Conn<'_>, a: &AuthRow) -> moderno_sql::Result<()> {
    conn.execute(
        "UPDATE authentications SET status = ?2, reason = ?3, level = ?4, otp_failures = ?5, otp_any_device = ?6,
           decided_at = ?7, approving_device_id = ?8, approval = ?9, pairing_token_id = ?10, ignored_until = ?11
         WHERE id = ?1",
        moderno_sql::params![
            a.id,
            Text(a.status),
            a.reason.map(Text),
            Text(a.level),
            a.otp_failures,
            a.otp_any_device,
            a.decided_at,
            a.approving_device_id,
            a.grant.map(Grant::as_str),
            a.pairing_token_id,
            a.ignored_until
        ],
    )?;
    Ok(())
}

pub fn get(conn: &Conn<'_>, id: &str) -> moderno_sql::Result<Option<AuthRow>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM authentications WHERE id = ?1"), [id], from_row).optional()
}

/// Pushes waiting for `device_id`'s answer.
pub fn pending_pushes(conn: &Conn<'_>, device_id: &str, now_ms: i64) -> moderno_sql::Result<Vec<AuthRow>> {
    conn.query_map(
        &format!(
            "SELECT {COLUMNS} FROM authentications
             WHERE approving_device_id = ?1 AND status = 'IN_PROGRESS' AND push_expires > ?2 ORDER BY created, id"
        ),
        (device_id, now_ms),
        from_row,
    )
}

/// Whether a push waits for `device_id`'s answer (a long poll's look between wake-ups).
pub fn has_pending_push(conn: &Conn<'_>, device_id: &str, now_ms: i64) -> moderno_sql::Result<bool> {
    conn.query_row(
        "SELECT COUNT(*) FROM authentications
         WHERE approving_device_id = ?1 AND status = 'IN_PROGRESS' AND push_expires > ?2",
        (device_id, now_ms),
        |r| Ok(r.get::<_, i64>(0)? > 0),
    )
}

/// When the `n`-th latest push to this user (0 = the latest) since `since_ms` was started, if
/// there were that many.
pub fn nth_latest_push(
    conn: &Conn<'_>,
    username: &str,
    application_id: &str,
    since_ms: i64,
    n: u32,
) -> moderno_sql::Result<Option<i64>> {
    conn.query_row(
        "SELECT created FROM authentications
           WHERE username = ?1 AND application_id = ?2 AND push_expires IS NOT NULL AND created > ?3
           ORDER BY created DESC LIMIT 1 OFFSET ?4",
        (username, application_id, since_ms, n),
        |r| r.get(0),
    )
    .optional()
}
