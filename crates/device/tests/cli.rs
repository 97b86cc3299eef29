//! The `moderno-device` binary against a customer server on loopback that answers as Ping's
//! Moderno sample does (status codes and operations of `shimshof/shimshof.github.io`,
//! `HostingServer/src/com/pingidentity/moderno/handlers/Status.java` and `RequestType.java`):
//! each answer is printed at wire level, exit codes say how the login ended, and nothing
//! printed holds the password, the passcode, the session id or the session token.

use std::process::Output;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use moderno_wire::moderno::{MfaOutcome, ModernoRequest, ModernoResponse, Status};
use serde_json::Value;

const PASSWORD: &str = "correct-horse-7";
const PASSCODE: &str = "482913";
const SESSION_ID: &str = "sess-8f2c61";
const SESSION_TOKEN: &str = "tok-5d0e77";

/// The operations the fake server was sent, in order.
type Seen = Arc<Mutex<Vec<String>>>;

/// Ping's offline branch: `auth_user` answers 1015 (the approving device is offline), then
/// `auth_offline_user` with the right passcode answers 0 with a session token.
async fn moderno(State(seen): State<Seen>, Json(request): Json<ModernoRequest>) -> Json<ModernoResponse> {
    seen.lock().expect("seen").push(request.operation.clone());
    let answer = match request.operation.as_str() {
        "auth_user" if request.password.as_deref() != Some(PASSWORD) => {
            ModernoResponse::new(Status::NotAuthenticated, "wrong username or password")
        }
        "auth_user" => ModernoResponse {
            session_id: Some(SESSION_ID.into()),
            ..ModernoResponse::new(Status::OtpRequired, "the approving device is offline: type its passcode")
        },
        "auth_offline_user"
            if request.session_id.as_deref() == Some(SESSION_ID) && request.otp.as_deref() == Some(PASSCODE) =>
        {
            ModernoResponse {
                session_id: Some(SESSION_ID.into()),
                session_token: Some(SESSION_TOKEN.into()),
                mfa: Some(MfaOutcome::OfflineOtp),
                ..ModernoResponse::new(Status::Ok, "logged in")
            }
        }
        "auth_offline_user" => ModernoResponse {
            session_id: Some(SESSION_ID.into()),
            otp_attempts_left: Some(2),
            ..ModernoResponse::new(Status::InvalidOtp, "wrong passcode")
        },
        _ => ModernoResponse::new(Status::Failed, "not expected here"),
    };
    Json(answer)
}

async fn customer_server() -> (String, Seen) {
    let seen = Seen::default();
    let app = Router::new().route("/pingidsdk", post(moderno)).with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

async fn device(server: &str, args: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_moderno-device"));
    command.args(["--store", "memory", "--profile", "cli-test", "--server", server, "--json"]).args(args);
    command.env_remove("MODERNO_PASSWORD").stdin(std::process::Stdio::null());
    // Off the async workers: the fake server answers on them meanwhile.
    tokio::task::spawn_blocking(move || command.output()).await.expect("joined").expect("moderno-device runs")
}

/// Each stdout line as the JSON object `--json` promises.
fn steps(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?} is no JSON object: {e}")))
        .collect()
}

fn printed(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[tokio::test]
async fn a_passcode_login_prints_each_server_answer_and_ends_signed_in_with_no_secret_shown() {
    let (server, seen) = customer_server().await;
    let output = device(&server, &["login", "--user", "alice", "--password", PASSWORD, "--otp", PASSCODE]).await;
    let all = printed(&output);
    assert!(output.status.success(), "exit {:?}: {all}", output.status.code());

    let steps = steps(&output);
    let answers: Vec<(&str, u64)> = steps
        .iter()
        .filter(|s| s["step"] == "server_answer")
        .map(|s| (s["request"].as_str().unwrap_or_default(), s["status"].as_u64().unwrap_or_default()))
        .collect();
    assert_eq!(answers, [("auth_user", 1015), ("auth_offline_user", 0)], "{all}");
    let last = steps.last().expect("a last step");
    assert_eq!(
        (&last["step"], &last["signedIn"], &last["mfa"]),
        (&"signed_in".into(), &true.into(), &"OFFLINE_OTP".into())
    );
    assert_eq!(*seen.lock().expect("seen"), ["auth_user", "auth_offline_user"]);

    for secret in [PASSWORD, PASSCODE, SESSION_ID, SESSION_TOKEN] {
        assert!(!all.contains(secret), "{secret:?} was printed: {all}");
    }
}

#[tokio::test]
async fn a_wrong_password_is_the_servers_1010_printed_as_such_and_exits_1_with_nothing_more_sent() {
    let (server, seen) = customer_server().await;
    let output = device(&server, &["login", "--user", "alice", "--password", "not-it"]).await;
    let all = printed(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    let steps = steps(&output);
    let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap_or_default()).collect();
    assert_eq!(names, ["signing_in", "server_answer", "refused"], "{all}");
    assert_eq!((&steps[2]["status"], &steps[2]["signedIn"]), (&1010.into(), &false.into()));
    assert_eq!(*seen.lock().expect("seen"), ["auth_user"], "a refused login sends nothing after it");
}

#[tokio::test]
async fn a_wrong_passcode_is_asked_again_and_without_a_terminal_the_run_ends_naming_the_flag() {
    let (server, seen) = customer_server().await;
    let output = device(&server, &["login", "--user", "alice", "--password", PASSWORD, "--otp", "111111"]).await;
    let all = printed(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    let steps = steps(&output);
    let last = steps.last().expect("a last step");
    assert_eq!((&last["step"], &last["code"]), (&"error".into(), &"invalid_input".into()), "{all}");
    assert!(last["message"].as_str().unwrap_or_default().contains("--otp"), "{all}");
    assert!(all.contains("wrong passcode, 2 tries left"), "the question says how many tries are left: {all}");
    assert_eq!(*seen.lock().expect("seen"), ["auth_user", "auth_offline_user"]);
}

#[tokio::test]
async fn a_server_url_that_is_none_is_bad_usage_naming_its_flag_before_anything_is_sent() {
    let (server, seen) = customer_server().await;
    let output =
        device(&server, &["pf-login", "--pingfederate", "not a url", "--user", "bob", "--password", "x"]).await;
    let all = printed(&output);
    assert_eq!(output.status.code(), Some(2), "clap's exit code for bad usage: {all}");
    assert!(all.contains("--pingfederate"), "{all}");
    let output = device("127.0.0.1:7002", &["login", "--user", "alice", "--password", "x"]).await;
    assert_eq!(output.status.code(), Some(2), "a server without its scheme: {}", printed(&output));
    let output =
        device(&server, &["--device-api", "pingid/v1/device", "login", "--user", "alice", "--password", "x"]).await;
    let all = printed(&output);
    assert_eq!(output.status.code(), Some(2), "a device API that is no URL: {all}");
    assert!(all.contains("--device-api"), "{all}");
    assert!(seen.lock().expect("seen").is_empty());
}

/// The PingFederate actions the fake was sent (by content type), in order.
async fn pingfederate_flows(
    State(seen): State<Seen>,
    headers: axum::http::HeaderMap,
) -> Result<Json<Value>, (axum::http::StatusCode, Json<Value>)> {
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let action = content_type.trim_start_matches("application/vnd.pingidentity.").trim_end_matches("+json");
    seen.lock().expect("seen").push(action.to_string());
    match action {
        "checkUsernamePassword" => Ok(Json(serde_json::json!({
            "id": "flow-1", "pluginTypeId": "pingOneMfa", "status": "MFA_FAILED",
            "code": "NO_DEVICE", "message": "the user has no MFA device",
            "userMessage": "You have no device for the second factor yet.", "_links": {}
        }))),
        // An action the flow does not offer: 400 INVALID_ACTION_ID (the PingOne MFA Integration
        // Kit's error codes; PingFederate 10.3 SDK guide, `CommonErrorSpec.INVALID_ACTION_ID`,
        // https://docs.pingidentity.com/r/en-us/pingfederate-103/zgt1597188136256).
        _ => Err((
            axum::http::StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"code": "INVALID_ACTION_ID", "message": "Something went wrong."})),
        )),
    }
}

/// A PingFederate that opens a redirectless flow (`response_mode=pi.flow`) asking for the
/// username and password, fails MFA after them (`MFA_FAILED`, the user has no device), and
/// refuses any other action.
async fn pingfederate() -> (String, Seen) {
    let seen = Seen::default();
    let opened = || async {
        Json(serde_json::json!({
            "id": "flow-1", "pluginTypeId": "htmlForm", "status": "USERNAME_PASSWORD_REQUIRED",
            "_links": {"checkUsernamePassword": {"href": "x"}, "cancelAuthentication": {"href": "x"}}
        }))
    };
    let app = Router::new()
        .route("/as/authorization.oauth2", axum::routing::get(opened))
        .route("/pf-ws/authn/flows/{id}", post(pingfederate_flows))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn pf_login_prints_each_flow_state_and_a_probed_action_pingfederate_refuses_then_ends_refused() {
    let (pf, seen) = pingfederate().await;
    let args = ["pf-login", "--pingfederate", &pf, "--user", "bob", "--password", PASSWORD, "--action", "poll"];
    let output = device("http://127.0.0.1:9", &args).await;
    let all = printed(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    let steps = steps(&output);
    let shown: Vec<String> = steps
        .iter()
        .map(|s| {
            let detail = s["action"].as_str().or(s["status"].as_str()).or(s["code"].as_str()).unwrap_or_default();
            format!("{} {detail}", s["step"].as_str().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        shown,
        [
            "signing_in ",
            "action authorize",
            "flow USERNAME_PASSWORD_REQUIRED",
            "action checkUsernamePassword",
            "flow MFA_FAILED",
            "action poll",
            "error pingfederate_error",
            "refused NO_DEVICE",
        ],
        "{all}"
    );
    assert_eq!(steps[6]["service"]["code"], "INVALID_ACTION_ID", "{all}");
    assert_eq!(*seen.lock().expect("seen"), ["checkUsernamePassword", "poll"], "the probe is sent after the password");
    assert!(!all.contains(PASSWORD), "{all}");
}
