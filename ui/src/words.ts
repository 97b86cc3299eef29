// Plain words for what the servers and the device crate say. Branches on codes, never on text.
import type { CommandError } from "./generated/CommandError";
import type { DeviceSummaryView } from "./generated/DeviceSummaryView";
import type { Granted } from "./generated/Granted";
import type { IgnoreFor } from "./generated/IgnoreFor";
import type { LoginView } from "./generated/LoginView";
import type { PushChoice } from "./generated/PushChoice";
import type { PushContextView } from "./generated/PushContextView";
import type { PfPairing } from "./generated/PfPairing";
import type { IntervalUnit } from "./generated/IntervalUnit";
import type { Mfa } from "./generated/Mfa";
import type { Role } from "./generated/Role";
import type { TrustLevel } from "./generated/TrustLevel";

export function roleName(role: Role | null | undefined): string {
  switch (role) {
    case "PRIMARY":
      return "Primary device";
    case "TRUSTED":
      return "Trusted device";
    default:
      return "Not paired";
  }
}

export const trustLevelText: Record<TrustLevel, { title: string; detail: string }> = {
  PRIMARY: {
    title: "Primary device",
    detail: "This device approves your sign-ins on other devices and can add new ones.",
  },
  TRUSTED: { title: "Trusted device", detail: "Sign in here without a second step. It can also approve sign-ins." },
  IGNORE: { title: "Not now", detail: "Do not pair this device, and do not ask again for a while." },
};

export const unitNames: Record<IntervalUnit, string> = {
  MINUTES: "minutes",
  HOURS: "hours",
  DAYS: "days",
  WEEKS: "weeks",
  MONTHS: "months",
  YEARS: "years",
  ALWAYS: "always (never ask again)",
};

/** How the second factor was satisfied — honest when it was skipped. */
export function mfaText(mfa: Mfa | null | undefined): { label: string; detail: string; skipped: boolean } {
  switch (mfa) {
    case "TRUSTED_DEVICE":
      return { label: "Paired device", detail: "This device is paired with you: its signed key was the second factor.", skipped: false };
    case "PUSH_APPROVED":
      return { label: "Approved on another device", detail: "Your other device approved this sign-in.", skipped: false };
    case "OFFLINE_OTP":
      return { label: "Passcode", detail: "You typed the passcode shown on your trusted device.", skipped: false };
    case "PAIRING":
      return {
        label: "Password only (first device)",
        detail: "You had no paired device yet, so only your password was checked; this device was offered pairing.",
        skipped: true,
      };
    case "SKIPPED_IGNORED_DEVICE":
      return {
        label: "Skipped: device ignored",
        detail: "You chose not to pair this device for a while, so no second factor was asked. Only your password was checked.",
        skipped: true,
      };
    case "SKIPPED_APPLICATION_DISABLED":
      return {
        label: "Skipped: MFA switched off",
        detail: "Multi-factor sign-in is switched off for this application at PingID. Only your password was checked.",
        skipped: true,
      };
    case "BYPASSED":
      return { label: "Bypassed", detail: "An administrator lets you skip the second factor for now.", skipped: true };
    default:
      return { label: "Password", detail: "Only your password was checked.", skipped: true };
  }
}

/**
 * A device type as the wire names it in words: PingOne's (`MOBILE`, `EMAIL`), and Ping's adapter
 * and PingID SDK names (`iPhone`, `Android`, `Email`, `Voice`).
 */
export function deviceKind(deviceType: string): string {
  const kinds: Record<string, string> = {
    MOBILE: "Mobile app", iPhone: "Mobile app", Android: "Mobile app", SMS: "SMS", EMAIL: "E-mail", Email: "E-mail",
    Voice: "Voice call", TOTP: "Authenticator app",
  };
  return kinds[deviceType] ?? deviceType;
}

/** A device of the user, as a person names it: "SMS · Carol's phone (+1 555 0100)". */
export function deviceName(device: DeviceSummaryView): string {
  const kind = deviceKind(device.deviceType);
  // A nickname that is the name says nothing more: the name once.
  return device.nickname && device.nickname !== device.name ? `${kind} · ${device.nickname} (${device.name})` : `${kind} · ${device.name}`;
}

/** Where a passcode comes from, for the passcode screen. */
export function passcodeSource(device: DeviceSummaryView | null): { lead: string; hint: string } {
  switch (device?.deviceType) {
    case "SMS":
      return { lead: `We sent a text message with a passcode to ${device.name}.`, hint: "6 digits, from the text message." };
    case "EMAIL":
    case "Email":
      return { lead: `We sent an e-mail with a passcode to ${device.name}.`, hint: "6 digits, from the e-mail." };
    case "TOTP":
      return { lead: "Open your authenticator app and type the code it shows for Moderno.", hint: "6 digits; the code changes every 30 seconds." };
    case "MOBILE":
    case "iPhone":
    case "Android":
      return { lead: `Type the passcode your paired device ${device.name} shows.`, hint: "6 digits." };
    default:
      return {
        lead: "Your other device cannot be reached right now. Open Moderno there and type the passcode it shows.",
        hint: "6 digits, shown under “Offline passcode” on your trusted device.",
      };
  }
}

/** PingOne MFA's contract attribute `pingone.mfa.status`, explained. */
export function pingOneStatusText(status: string | null): string {
  switch (status) {
    case "com.pingidentity.pingone.device_paired":
      return "The device that signed in is paired with your account.";
    case "com.pingidentity.pingone.device_not_paired":
      return "You signed in without pairing this device.";
    case "com.pingidentity.pingone.pairing_error":
      return "Pairing this device failed; PingFederate let the sign-in succeed anyway, as the adapter does.";
    default:
      return "Nothing about pairing happened in this sign-in.";
  }
}

/** What became of this device's PingOne pairing. */
export const pfPairingText: Record<PfPairing, string> = {
  NOT_OFFERED: "No pairing was offered: this device was already paired.",
  PAIRED: "Paired just now with PingOne MFA.",
  SKIPPED: "Not paired: you chose to go on without pairing.",
  FAILED: "Pairing failed",
};

/** A refused sign-in (Moderno status) in plain words. 1014 is every refusal on the approving
 * device (denied, blocked, a wrong number: Ping's sample maps them all to it), and 1000 every
 * failure Ping's sample has no code for (too many attempts, an expired session: 1032/1033 only
 * beyond Ping), so their own words say which. */
export function statusText(status: number, description: string): string {
  if ((status === 1014 || status === 1000) && description.trim()) return sentence(description);
  const known: Record<number, string> = {
    1000: "The sign-in was cancelled or could not go on.",
    1010: "Wrong username or password.",
    1014: "The sign-in was refused on your other device.",
    1016: "Nobody answered the approval request in time.",
    1020: "The server could not read the request.",
    1024: "This account has no paired device yet: sign in from the Moderno app to pair one.",
    1027: "This device is blocked from signing in to this account.",
    1028: "This device looks rooted or jailbroken, so it cannot be used.",
    1029: "Too many wrong passcodes: passcodes are blocked for this sign-in. Start again later.",
    1032: "Too many attempts. Wait a little, then try again.",
    1033: "This sign-in took too long and expired. Start again.",
    1034: "You have reached the maximum number of devices. Remove one first.",
  };
  return known[status] ?? description;
}

/** A command error in plain words, and what to do about it. */
export function errorText(error: CommandError): { title: string; detail: string } {
  switch (error.code) {
    case "keyring_unavailable":
    case "keyring_timed_out":
      return {
        title: "Your keyring is locked",
        detail:
          "Moderno keeps this device's key in your system keyring (GNOME Keyring, KWallet or KeePassXC), and it did not answer. Unlock it — usually by signing in to your desktop session or opening your keyring app — then choose Try again.",
      };
    case "keyring_corrupt":
      return { title: "The stored device key cannot be read", detail: error.message };
    case "server_unreachable":
      return { title: "The server cannot be reached", detail: `${error.message}. Check the server address, or use the built-in server.` };
    case "embedded_stack_failed":
      return { title: "The built-in server did not start", detail: error.message };
    case "invalid_server_url":
      return { title: "That server address is not valid", detail: error.message };
    case "pairing_expired":
    case "no_pairing_in_progress":
    case "no_login_in_progress":
      return { title: "This sign-in has expired", detail: "Start again from the sign-in screen." };
    case "paired_with_other_user":
      return { title: "This device belongs to someone else", detail: error.message };
    case "sdk_error":
      return { title: "PingID refused", detail: error.message };
    case "pingfederate_error":
      return { title: "PingFederate refused", detail: error.message };
    case "pingone_error":
      return { title: "PingOne MFA refused", detail: error.message };
    case "wrong_backend":
    case "not_asked":
    case "no_admin_api":
      return { title: "Not available here", detail: error.message };
    default:
      return { title: "Something went wrong", detail: error.message };
  }
}

/** 90061 -> "1 day 1 hour 1 minute". */
export function durationText(seconds: number): string {
  const parts: string[] = [];
  for (const [unit, size] of [["day", 86400], ["hour", 3600], ["minute", 60]] as [string, number][]) {
    const n = Math.floor(seconds / size);
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? "" : "s"}`);
    seconds -= n * size;
  }
  return parts.length ? parts.join(" ") : `${seconds} seconds`;
}

/** "the server's words" -> "The server's words." */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** Beyond Ping: the small tag on what the PingID SDK itself does not have. */
export const beyondPing = "beyond Ping";

/**
 * The approving device's choices about a new device (Ping's network of trusted devices), as the
 * approval dialog words them. PRIMARY is offered only while the user has no primary. APPROVE is
 * "this sign-in only" for a new device, and plain "Approve" for a sign-in that comes from no
 * device (a web sign-in, PingOne MFA).
 */
export const pushChoiceText: Record<PushChoice, { button: string; detail: string }> = {
  TRUST: { button: "Trust this device", detail: "Let it in and add it to your devices as trusted: it signs in without asking you next time." },
  PRIMARY: {
    button: "Make it your primary device",
    detail: "You have no primary device: let it in and add it as your primary. It then approves your sign-ins on other devices and can add new ones.",
  },
  APPROVE: { button: "Allow this sign-in only", detail: "Let it in this once. It is not added, and its next sign-in asks you again." },
  IGNORE: { button: "Ignore this device for…", detail: "Let it in and ask it for no second factor for that long. It is not added." },
  DENY: { button: "Deny", detail: "Deny refuses this sign-in." },
  BLOCK: { button: "Block this device", detail: "Block also keeps this device from signing in to your account again." },
  REPORT_FRAUD: { button: "Report fraud", detail: "Refuses this sign-in and tells PingOne you did not start it." },
};

/** The approval dialog's other words. */
export const pushWords = {
  title: "Approve sign-in?",
  /** A push asking to approve a transfer (its summary says what and to whom). */
  transferTitle: "Approve transfer?",
  /** A sign-in from no device (a web sign-in, PingOne MFA): approve or deny only. */
  approve: "Approve",
  pickCaption: "First pick the number the signing-in device shows. Not you? Deny.",
  pickFirst: "Pick the number the signing-in device shows first.",
  beyondPingTitle: "Ping's PingID SDK has no number matching: a switch of this demo",
  refusedTitle: "Sign-in refused",
  wrongNumber: (picked: number | null) =>
    `${picked ?? "That"} was not the number the signing-in device shows, so that sign-in was refused. If it was you, start it again and pick the number on its screen.`,
};

/** The intervals the approval dialog offers for "Ignore this device for…". */
export const ignoreIntervals: { label: string; interval: IgnoreFor }[] = [
  { label: "1 hour", interval: { value: 1, unit: "HOURS" } },
  { label: "1 day", interval: { value: 1, unit: "DAYS" } },
  { label: "1 week", interval: { value: 1, unit: "WEEKS" } },
  { label: "30 days", interval: { value: 30, unit: "DAYS" } },
  { label: "always", interval: { value: 0, unit: "ALWAYS" } },
];

type SignedIn = Extract<LoginView, { screen: "SIGNED_IN" }>;

/**
 * What the approving device decided about this (new) device, for the result screen: let in once,
 * ignored until a time, trusted or made the primary (the device crate paired it behind the
 * scenes: a role without a pairing of its own, after another device's approval or passcode). Null when nobody decided.
 */
export function approverOutcome(view: SignedIn): { title: string; detail: string } | null {
  if (view.granted) return grantedText(view.granted);
  const byAnotherDevice = view.mfa === "PUSH_APPROVED" || view.mfa === "OFFLINE_OTP";
  if (view.role === "PRIMARY" && view.pairing === null && byAnotherDevice) {
    return {
      title: "Paired as your primary device",
      detail: "Your other device made this one your primary device: it now approves your sign-ins on other devices and signs in without asking next time.",
    };
  }
  if (view.role === "TRUSTED" && view.pairing === null && byAnotherDevice) {
    return {
      title: "Paired as a trusted device",
      detail: "Your other device trusted this one: it is now one of your devices and signs in without asking next time.",
    };
  }
  return null;
}

export function grantedText(granted: Granted): { title: string; detail: string } {
  switch (granted.access) {
    case "ONE_TIME":
      return {
        title: "Signed in once (not added)",
        detail: "Your other device allowed this sign-in only. This device was not added to your devices: its next sign-in asks again.",
      };
    case "IGNORED":
      return granted.until
        ? {
          title: `Ignored until ${new Date(granted.until).toLocaleString()}`,
          detail: "Your other device lets this one in without a second factor until then. It was not added to your devices.",
        }
        : {
          title: "Ignored for good",
          detail: "Your other device lets this one in without a second factor from now on. It was not added to your devices.",
        };
  }
}

/** The passcode screen's choice (PingID SDK's offline passcode). */
export const trustAfterPasscodeText = {
  title: "Trust this device after the passcode",
  detail: "The passcode also adds this device to your devices as trusted. Untick it to sign in this once without adding it.",
};

/** The QA panel's switch for number matching at the PingID SDK (beyond Ping). */
export const numberMatchingSwitchText = {
  title: "Number matching at the PingID SDK",
  detail: "Pushes ask the approving device for the number the signing-in device shows. Ping's PingID SDK has no number matching, so it is off by default (PingOne MFA has its own).",
  unknown: "The PingID SDK's settings could not be read just now.",
};

/**
 * What a push asks to approve, in one line for the approval dialog; null for a context the app
 * does not read (the dialog then shows it as sent).
 */
export function pushSummary(context: PushContextView | null): string | null {
  switch (context?.kind) {
    case "TRANSFER":
      return `Transfer ${context.amount} to ${context.recipient}`;
    case "WEB_SIGN_IN":
      return `Web sign-in from ${context.browser}`;
    default:
      return null;
  }
}

/** The "Send money" screens' words. */
export const transferWords = {
  formTitle: "Send money",
  formLead: (username: string) => `From ${username}'s account. Your primary device approves every transfer before the money leaves.`,
  amountHint: "In euros, such as 250 or 250.00.",
  recipientHint: "Who receives the money (up to 64 characters).",
  waitingTitle: "Approve the transfer on your other device",
  waitingLead: (where: string) => `We asked ${where} to approve this transfer. Open Moderno there and approve it.`,
  someDevice: "your primary device",
  approvedTitle: "Transfer sent",
  approvedLead: "The money is on its way.",
  approvedBy: (mfa: Mfa | null) => (mfa === "OFFLINE_OTP" ? "Approved with the passcode of your approving device." : "Approved on your approving device."),
  deniedTitle: "Transfer denied",
  denied: "The transfer was denied on your approving device. No money was sent.",
  passcodeTitle: "Approve with a passcode",
  offline: "Your approving device cannot be reached right now (status 1015). Open Moderno there and type the passcode it shows under “Offline passcode”.",
  timedOut: "Your approving device did not answer in time (status 1016). Type the passcode it shows under “Offline passcode”, or send the transfer again.",
  wrongPasscode: (left: number | null) => `That passcode is wrong (status 1025).${left === null ? "" : ` ${left} ${left === 1 ? "try" : "tries"} left.`}`,
  chooseTitle: "Which device approves?",
  chooseLead: "You have several devices and none is the default: choose the one that should approve this transfer.",
  refusedTitle: "Transfer not made",
};
