//! Bytes → place file → validated place → rendered page. Any input must
//! give a page or diagnostics; a panic, or a page holding a script that is
//! not the site's own, is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(html) = annuaire::pipeline::place_page_from_bytes(data) {
        let lower = html.to_ascii_lowercase();
        for forbidden in ["<iframe", "<object", "<embed", "<svg", "<math", "<form"] {
            assert!(!lower.contains(forbidden), "{forbidden} in a rendered page");
        }
    }
});
