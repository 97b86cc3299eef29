// The web sign-in page: Ping's Authentication API widget (pf-authn-js-widget 1.11.0, unmodified)
// in redirectless mode, with PKCE done here. The widget starts the flow itself
// (GET /as/authorization.oauth2?...&response_mode=pi.flow, built from the configuration's
// attributes: pingidentity/pf-authn-js-widget v1.11.0 src/utils/redirectless.js
// generateAuthorizationUrl), drives every state, and at COMPLETED hands us `authorizeResponse`
// ({code, state}: redirectless.js completeStateCallback); this page checks the state, redeems the
// code at /as/token.oauth2 with the verifier and shows the ID token's claims.
// Nothing secret is logged: the verifier never leaves this closure, tokens are not printed.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("moderno-config").textContent);
  const outcome = document.getElementById("outcome");
  const title = document.getElementById("outcome-title");
  const text = document.getElementById("outcome-text");
  const claimsTable = document.getElementById("claims");
  document.getElementById("client-id").textContent = config.clientId;
  document.getElementById("again").addEventListener("click", () => window.location.reload());

  const b64url = (bytes) =>
    btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const randomText = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));

  const fromB64url = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const jsonOf = (part) => JSON.parse(new TextDecoder().decode(fromB64url(part)));

  // WebCrypto's names for the JWS algorithms PingFederate may sign with (import, verify).
  const ALGORITHMS = {
    EdDSA: [{ name: "Ed25519" }, { name: "Ed25519" }],
    RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
  };

  /**
   * The JWT's claims once its signature verifies with the key PingFederate publishes at /pf/JWKS
   * (the token's `kid`); `verified` is false only when this browser cannot check that algorithm.
   */
  async function claimsOf(jwt) {
    const [header64, payload64, signature64] = jwt.split(".");
    const header = jsonOf(header64);
    const algorithm = ALGORITHMS[header.alg];
    if (!algorithm) throw new Error(`the token is signed with ${header.alg}, which this page does not check`);
    const jwks = await (await fetch("/pf/JWKS", { cache: "no-store" })).json();
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    if (!jwk) throw new Error("PingFederate publishes no key with the token's kid");
    const { alg: _alg, use: _use, ...bare } = jwk;
    let key;
    try {
      key = await crypto.subtle.importKey("jwk", bare, algorithm[0], false, ["verify"]);
    } catch (error) {
      if (error.name === "NotSupportedError") return { claims: jsonOf(payload64), verified: false };
      throw error;
    }
    const signed = new TextEncoder().encode(`${header64}.${payload64}`);
    if (!(await crypto.subtle.verify(algorithm[1], key, fromB64url(signature64), signed))) {
      throw new Error("the ID token's signature does not verify with PingFederate's key");
    }
    return { claims: jsonOf(payload64), verified: true };
  }

  function show(kind, heading, message) {
    outcome.hidden = false;
    outcome.dataset.outcome = kind;
    title.textContent = heading;
    text.textContent = message;
  }

  function showClaims(claims) {
    const body = claimsTable.tBodies[0];
    body.replaceChildren();
    for (const name of Object.keys(claims).sort()) {
      const row = body.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = name;
      row.appendChild(th);
      const value = claims[name];
      row.insertCell().textContent = typeof value === "string" ? value : JSON.stringify(value);
    }
    claimsTable.hidden = false;
  }

  async function redeem(response, pkce) {
    if (!response || !response.code) {
      show("failed", "No authorization code", "PingFederate completed the flow without a code.");
      return;
    }
    if (response.state !== pkce.state) {
      show("failed", "State mismatch", "The authorization response does not belong to this page's request.");
      return;
    }
    const form = new URLSearchParams({
      grant_type: "authorization_code",
      code: response.code,
      client_id: config.clientId,
      code_verifier: pkce.verifier,
    });
    if (config.redirectUri) form.set("redirect_uri", config.redirectUri);
    let answer;
    try {
      answer = await fetch("/as/token.oauth2", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: form,
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (error) {
      show("failed", "Token endpoint unreachable", String(error.message || error));
      return;
    }
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok || !body.id_token) {
      show("failed", "The code was not redeemed", `${answer.status} ${body.error || ""}: ${body.error_description || ""}`);
      return;
    }
    let token;
    try {
      token = await claimsOf(body.id_token);
    } catch (error) {
      show("failed", "The ID token does not verify", String(error.message || error));
      return;
    }
    const { claims, verified } = token;
    if (claims.nonce !== pkce.nonce || claims.aud !== config.clientId || claims.iss !== window.location.origin) {
      show("failed", "The ID token is not this page's", "Its nonce, audience or issuer is not this request's.");
      return;
    }
    const mfa = claims["pingone.mfa.status"];
    const checked = verified ? "its signature verified with /pf/JWKS" : "its signature not checked (this browser lacks the algorithm)";
    show("signed-in", `Signed in as ${claims.sub}`,
      `The authorization code was redeemed; ${checked}.${mfa ? ` pingone.mfa.status: ${mfa}.` : ""}`);
    showClaims(claims);
  }

  function failed(state) {
    // The flow's FAILED state (redirectless.js failedStateCallback), e.g. after cancelAuthentication.
    // Its `message` first: without a `userMessage` the widget writes one of its own into the state
    // ("The server returned … code", src/store.js).
    const code = (state && state.code) || "FAILED";
    const message = (state && (state.message || state.userMessage)) || "";
    show(code === "AUTHENTICATION_CANCELED" ? "canceled" : "failed",
      code === "AUTHENTICATION_CANCELED" ? "Sign-in canceled" : "Sign-in failed", `${code}${message ? ": " + message : ""}`);
  }

  async function start() {
    if (!window.crypto || !crypto.subtle) {
      show("failed", "Not a secure context", "Open this page on https, localhost or 127.0.0.1: PKCE needs Web Crypto.");
      return;
    }
    if (typeof window.PfAuthnWidget !== "function") {
      show("failed", "Ping's widget did not load", "pf.authn-widget.js is missing; see docs/web-widget.md.");
      return;
    }
    const pkce = { verifier: randomText(32), state: randomText(16), nonce: randomText(16) };
    const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(pkce.verifier)));
    const widget = new window.PfAuthnWidget(window.location.origin, { divId: "authnwidget", logo: "logo.svg" });
    const request = {
      client_id: config.clientId,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
      scope: config.scope,
      state: pkce.state,
      nonce: pkce.nonce,
      onAuthorizationSuccess: (response) => redeem(response, pkce),
      onAuthorizationFailed: failed,
    };
    if (config.redirectUri) request.redirect_uri = config.redirectUri;
    widget.initRedirectless(request);
  }

  start();
})();
