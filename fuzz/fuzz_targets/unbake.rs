//! Fuzzes unbaking: any bytes, as PNG, SVG or neither, must give a result or an error with the
//! default limits, never a panic, a hang or an unbounded allocation.
#![no_main]

use badges::bake::{BakeLimits, unbake};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = unbake(data, &BakeLimits::default());
});
