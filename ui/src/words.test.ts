import { describe, expect, it } from "vitest";
import { approverOutcome, deviceKind, deviceName, durationText, errorText, ignoreIntervals, mfaText, passcodeSource, pingOneStatusText, pushChoiceText, pushSummary, sentence, statusText, transferWords } from "./words";
import type { ErrorCode } from "./generated/ErrorCode";
import type { DeviceSummaryView } from "./generated/DeviceSummaryView";
import type { LoginView } from "./generated/LoginView";
import type { Mfa } from "./generated/Mfa";

describe("the words the UI shows", () => {
  it("says plainly when the second factor was skipped, and only then", () => {
    const skipped: Mfa[] = ["PAIRING", "SKIPPED_IGNORED_DEVICE", "SKIPPED_APPLICATION_DISABLED", "BYPASSED"];
    const satisfied: Mfa[] = ["TRUSTED_DEVICE", "PUSH_APPROVED", "OFFLINE_OTP"];
    for (const mfa of skipped) expect(mfaText(mfa).skipped, mfa).toBe(true);
    for (const mfa of satisfied) expect(mfaText(mfa).skipped, mfa).toBe(false);
    expect(mfaText("SKIPPED_IGNORED_DEVICE").detail).toMatch(/no second factor was asked/);
  });

  it("turns Moderno statuses into sentences, keeping the server's words for unknown ones", () => {
    expect(statusText(1014, "")).toMatch(/refused on your other device/);
    expect(statusText(1029, "")).toMatch(/passcodes are blocked/);
    expect(statusText(4242, "the server's own words")).toBe("the server's own words");
  });

  it("says which refusal a 1014 was in the server's own words (denied and blocked share the status)", () => {
    expect(statusText(1014, "the sign-in was denied on the approving device")).toBe("The sign-in was denied on the approving device.");
    expect(statusText(1014, "the approving device blocked this device: it cannot sign in as this user any more"))
      .toMatch(/^The approving device blocked this device/);
    expect(sentence("already a sentence.")).toBe("Already a sentence.");
  });

  it("says what a 1000 was in the server's words: Ping's sample has no code for too many attempts", () => {
    expect(statusText(1000, "too many attempts: try again in 3 s")).toBe("Too many attempts: try again in 3 s.");
    expect(statusText(1000, "")).toMatch(/could not go on/);
  });

  it("words the approver's choices as Ping's network of trusted devices offers them, primary among them", () => {
    expect(Object.values(pushChoiceText).map((c) => c.button)).toEqual([
      "Trust this device", "Make it your primary device", "Allow this sign-in only", "Ignore this device for…", "Deny", "Block this device", "Report fraud",
    ]);
    expect(pushChoiceText.REPORT_FRAUD.detail).toMatch(/did not start it/);
    expect(pushChoiceText.PRIMARY.detail).toMatch(/^You have no primary device/);
    expect(ignoreIntervals.map((i) => i.label)).toEqual(["1 hour", "1 day", "1 week", "30 days", "always"]);
    expect(ignoreIntervals.find((i) => i.label === "30 days")?.interval).toEqual({ value: 30, unit: "DAYS" });
  });

  it("tells the new device what the approver decided: trusted, primary, once, ignored until a time or for good", () => {
    const signedIn: Extract<LoginView, { screen: "SIGNED_IN" }> = {
      screen: "SIGNED_IN", username: "alice", mfa: "PUSH_APPROVED", role: null, pairing: null, granted: null, pingone: null,
    };
    expect(approverOutcome({ ...signedIn, role: "TRUSTED" })?.title).toBe("Paired as a trusted device");
    expect(approverOutcome({ ...signedIn, role: "PRIMARY" })?.title).toBe("Paired as your primary device");
    expect(approverOutcome({ ...signedIn, granted: { access: "ONE_TIME" } })?.title).toBe("Signed in once (not added)");
    expect(approverOutcome({ ...signedIn, granted: { access: "IGNORED", until: "2030-01-02T03:04:05Z" } })?.title).toMatch(/^Ignored until /);
    expect(approverOutcome({ ...signedIn, granted: { access: "IGNORED", until: null } })?.title).toBe("Ignored for good");
    expect(approverOutcome({ ...signedIn, mfa: "TRUSTED_DEVICE", role: "TRUSTED" }), "a paired device signing in by its key").toBeNull();
    expect(approverOutcome(signedIn)).toBeNull();
  });

  it("tells the person what to do about a locked keyring", () => {
    const locked = errorText({ code: "keyring_unavailable", message: "D-Bus said no", status: null });
    expect(locked.title).toBe("Your keyring is locked");
    expect(locked.detail).toMatch(/Unlock it/);
    expect(errorText({ code: "something_new" as ErrorCode, message: "as the server said", status: 500 }).detail).toBe("as the server said");
  });

  it("names PingOne devices and where their passcode went", () => {
    const sms: DeviceSummaryView = { id: "d1", deviceType: "SMS", name: "+1 555 0100", nickname: "Carol's phone", role: null, isDefault: true, enrolled: "", lastUsed: null, canMakePrimary: false, canRemove: false };
    expect(deviceName(sms)).toBe("SMS · Carol's phone (+1 555 0100)");
    expect(deviceName({ ...sms, deviceType: "Android", name: "Moderno Desktop on demo", nickname: "Moderno Desktop on demo" }))
      .toBe("Mobile app · Moderno Desktop on demo");
    expect(passcodeSource(sms).lead).toMatch(/text message .* \+1 555 0100/);
    expect(passcodeSource({ ...sms, deviceType: "EMAIL", name: "dave@example.com" }).lead).toMatch(/e-mail .* dave@example\.com/);
    expect(passcodeSource(null).lead).toMatch(/Open Moderno there/);
  });

  it("names the devices PingFederate's adapter sends by Ping's type names, with their masked targets", () => {
    // Ping's adapter types: pingidentity/pf-authn-js-widget src/partials/device_selection.hbs.
    const email: DeviceSummaryView = { id: "d2", deviceType: "Email", name: "d***@example.com", nickname: "", role: null, isDefault: false, enrolled: "", lastUsed: null, canMakePrimary: false, canRemove: false };
    expect(deviceName(email)).toBe("E-mail · d***@example.com");
    expect(passcodeSource(email).lead).toBe("We sent an e-mail with a passcode to d***@example.com.");
    expect(deviceName({ ...email, deviceType: "Android", name: "Dave's laptop" })).toBe("Mobile app · Dave's laptop");
    expect(deviceKind("iPhone")).toBe("Mobile app");
    expect(deviceKind("Voice")).toBe("Voice call");
  });

  it("explains each pingone.mfa.status value of the seed", () => {
    expect(pingOneStatusText("com.pingidentity.pingone.device_paired")).toMatch(/is paired/);
    expect(pingOneStatusText("com.pingidentity.pingone.device_not_paired")).toMatch(/without pairing/);
    expect(pingOneStatusText("com.pingidentity.pingone.pairing_error")).toMatch(/failed.*succeed anyway/);
    expect(pingOneStatusText(null)).toMatch(/Nothing about pairing/);
  });

  it("reads the QA panel's clock offset as days, hours and minutes", () => {
    expect(durationText(90061)).toBe("1 day 1 hour 1 minute");
    expect(durationText(7200)).toBe("2 hours");
    expect(durationText(45)).toBe("45 seconds");
  });

  it("sums up what a push approves in one line, and leaves unknown contexts to the raw text", () => {
    expect(pushSummary({ kind: "TRANSFER", amount: "€250.00", recipient: "Bob" })).toBe("Transfer €250.00 to Bob");
    expect(pushSummary({ kind: "WEB_SIGN_IN", browser: "Firefox on Linux" })).toBe("Web sign-in from Firefox on Linux");
    expect(pushSummary({ kind: "OTHER", text: "{\"a\":1}" })).toBeNull();
    expect(pushSummary(null)).toBeNull();
  });

  it("counts the passcode tries left on a transfer in plain words", () => {
    expect(transferWords.wrongPasscode(1)).toMatch(/1 try left/);
    expect(transferWords.wrongPasscode(null)).not.toMatch(/left/);
  });
});
