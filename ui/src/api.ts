// One typed function per Tauri command. Types come from Rust (ts-rs) in ./generated.
import { invoke } from "@tauri-apps/api/core";
import type { Backend } from "./generated/Backend";
import type { CommandError } from "./generated/CommandError";
import type { ConnectionView } from "./generated/ConnectionView";
import type { DeviceStateView } from "./generated/DeviceStateView";
import type { LoginView } from "./generated/LoginView";
import type { MessageView } from "./generated/MessageView";
import type { NoticeView } from "./generated/NoticeView";
import type { OfflineCodeView } from "./generated/OfflineCodeView";
import type { IgnoreFor } from "./generated/IgnoreFor";
import type { PushChoice } from "./generated/PushChoice";
import type { PushAnsweredView } from "./generated/PushAnsweredView";
import type { PushView } from "./generated/PushView";
import type { ExportView } from "./generated/ExportView";
import type { HopsView } from "./generated/HopsView";
import type { QaChange } from "./generated/QaChange";
import type { QaStateView } from "./generated/QaStateView";
import type { ScenarioRunView } from "./generated/ScenarioRunView";
import type { ScenarioSummaryView } from "./generated/ScenarioSummaryView";
import type { TrustChoice } from "./generated/TrustChoice";
import type { TransferView } from "./generated/TransferView";

/** Every command rejects with a `{code, message, status}`; anything else is a bug, shown as such. */
export function asCommandError(e: unknown): CommandError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as CommandError;
  return { code: "internal", message: String(e), status: null };
}

export const api = {
  connection: () => invoke<ConnectionView>("connection"),
  connect: (profile: string, backend: Backend, serverUrl: string | null, adminUrl: string | null = null) =>
    invoke<ConnectionView>("connect", { request: { profile, backend, serverUrl, adminUrl } }),
  login: (username: string, password: string, pairingKey: string | null) =>
    invoke<LoginView>("login", { request: { username, password, pairingKey } }),
  submitPairingKey: (code: string) => invoke<LoginView>("submit_pairing_key", { request: { code } }),
  chooseTrustLevel: (choice: TrustChoice) => invoke<LoginView>("choose_trust_level", { request: choice }),
  pairDevice: (pair: boolean) => invoke<LoginView>("pair_device", { request: { pair } }),
  demoMessages: () => invoke<MessageView[]>("demo_messages"),
  pollPush: () => invoke<LoginView>("poll_push"),
  retryPush: () => invoke<LoginView>("retry_push"),
  cancelLogin: () => invoke<null>("cancel_login"),
  submitOtp: (code: string, trust = true) => invoke<LoginView>("submit_otp", { request: { code, trust } }),
  selectDevice: (deviceId: string) => invoke<LoginView>("select_device", { request: { deviceId } }),
  deviceNotices: (waitSeconds: number) => invoke<NoticeView[]>("device_notices", { request: { waitSeconds } }),
  incomingPushes: (waitSeconds: number) => invoke<PushView[]>("incoming_pushes", { request: { waitSeconds } }),
  answerPush: (authenticationId: string, choice: PushChoice, ignoreFor: IgnoreFor | null = null, number: number | null = null) =>
    invoke<PushAnsweredView>("answer_push", { request: { authenticationId, choice, ignoreFor, number } }),
  deviceState: () => invoke<DeviceStateView>("device_state"),
  offlineCode: () => invoke<OfflineCodeView>("offline_code"),
  unpair: () => invoke<null>("unpair"),
  manageDevice: (deviceId: string, nickname: string | null, makePrimary: boolean) =>
    invoke<DeviceStateView>("manage_device", { request: { deviceId, nickname, makePrimary } }),
  removeDevice: (deviceId: string) => invoke<DeviceStateView>("remove_device", { request: { deviceId } }),
  sendTransfer: (amount: string, recipient: string, approver: string | null = null) =>
    invoke<TransferView>("send_transfer", { request: { amount, recipient, approver } }),
  pollTransfer: () => invoke<TransferView>("poll_transfer"),
  transferPasscode: (code: string) => invoke<TransferView>("transfer_passcode", { request: { code } }),
  cancelTransfer: () => invoke<null>("cancel_transfer"),
  qaState: () => invoke<QaStateView>("qa_state"),
  qaChange: (change: QaChange) => invoke<QaStateView>("qa_change", { request: change }),
  inspectorHops: (after: number) => invoke<HopsView>("inspector_hops", { request: { after } }),
  inspectorClear: () => invoke<HopsView>("inspector_clear"),
  inspectorExport: () => invoke<ExportView>("inspector_export"),
  openInspectorWindow: () => invoke<null>("open_inspector_window"),
  scenariosList: () => invoke<ScenarioSummaryView[]>("scenarios_list"),
  scenarioStart: (file: string) => invoke<ScenarioRunView>("scenario_start", { request: { file } }),
  scenarioStep: () => invoke<ScenarioRunView>("scenario_step"),
  scenarioStop: () => invoke<null>("scenario_stop"),
};
