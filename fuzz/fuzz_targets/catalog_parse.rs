//! The macros' `catalog!` locator and parser on arbitrary source text
//! (clerk-macros' `scan`, `parse` and `names` modules, included by path).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        clerk_fuzz::catalog::check_source(text);
    }
});
