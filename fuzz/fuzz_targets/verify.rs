//! Fuzzes the verification entry point: any bytes (JSON, JWT, PNG, SVG or noise) must give a
//! report, never a panic, without touching the network.
#![no_main]

use badges::resolve::OfflineResolver;
use badges::verify::{Options, verify_bytes};
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let resolver = OfflineResolver::new();
    let options = Options {
        resolver: &resolver,
        now: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        recipient: None,
    };
    let _ = verify_bytes(data, &options);
});
