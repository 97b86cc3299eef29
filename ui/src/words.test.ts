import { describe, expect, it } from "vitest";
import { deviceName, durationText, errorText, laneOrder, mfaText, passcodeSource, pingOneStatusText, statusText } from "./words";
import type { DeviceSummaryView } from "./generated/DeviceSummaryView";
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
    expect(statusText(1014, "denied")).toMatch(/denied on your other device/);
    expect(statusText(1029, "")).toMatch(/passcodes are blocked/);
    expect(statusText(4242, "the server's own words")).toBe("the server's own words");
  });

  it("tells the person what to do about a locked keyring", () => {
    const locked = errorText({ code: "keyring_unavailable", message: "D-Bus said no", status: null });
    expect(locked.title).toBe("Your keyring is locked");
    expect(locked.detail).toMatch(/Unlock it/);
    expect(errorText({ code: "something_new", message: "as the server said", status: 500 }).detail).toBe("as the server said");
  });

  it("names PingOne devices and where their passcode went", () => {
    const sms: DeviceSummaryView = { id: "d1", deviceType: "SMS", name: "+1 555 0100", nickname: "Carol's phone", role: null, isDefault: true, enrolled: "", lastUsed: null, canMakePrimary: false, canRemove: false };
    expect(deviceName(sms)).toBe("SMS · Carol's phone (+1 555 0100)");
    expect(passcodeSource(sms).lead).toMatch(/text message .* \+1 555 0100/);
    expect(passcodeSource({ ...sms, deviceType: "EMAIL", name: "dave@example.com" }).lead).toMatch(/e-mail .* dave@example\.com/);
    expect(passcodeSource(null).lead).toMatch(/Open Moderno there/);
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

  it("orders the inspector's lanes as a flow travels, keeping only the parties present", () => {
    expect(laneOrder(["PingID SDK", "App", "Customer server", "App"])).toEqual(["App", "Customer server", "PingID SDK"]);
    expect(laneOrder(["PingOne MFA", "PingFederate", "Somebody"])).toEqual(["PingFederate", "PingOne MFA", "Somebody"]);
  });
});
