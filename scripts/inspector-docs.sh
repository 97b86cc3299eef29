#!/usr/bin/env bash
# Writes docs/inspector/ again: three scenario runs exported by the flow inspector, each as
# <scenario>.html (the sequence diagram and every exchange, drawn by the stack's one renderer,
# crates/stack/src/inspector/diagram.rs) and <scenario>.json (the record it was drawn from).
# Run it after a change to the drawing, the flow steps or these runs, and commit docs/inspector;
# `cargo test -p moderno-stack` fails while a committed page is not what the renderer draws from
# the record beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=(scenarios/pf-additional-device-push.toml scenarios/pingid-approver-offline-otp.toml
  scenarios/pingid-wrong-number.toml)
cargo run -q --locked -p moderno-scenarios --bin moderno-scenario -- --inspector-dir docs/inspector "${runs[@]}"
