//! The floor no RS256 verifier can go under: split, base64url, header and
//! claims parse, aws-lc-rs RSA verify with a pre-parsed key, and no other
//! check. Shared by the criterion bench (`auth_path`) and the load bench
//! (`bench/`, its `raw` mode), so both measure the same floor.

use aws_lc_rs::signature::{self, ParsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde::de::DeserializeOwned;

#[derive(Deserialize)]
struct RawHeader {
    alg: String,
}

/// The RSA public key of a PEM (SubjectPublicKeyInfo), parsed once.
pub fn parse_key(pem: &str) -> ParsedPublicKey {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = STANDARD.decode(body).expect("PEM body");
    ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der).expect("RSA key")
}

/// Split, base64url, header parse, RSA verify, claims parse into `T`.
pub fn verify_and_parse<T: DeserializeOwned>(key: &ParsedPublicKey, token: &str) -> Option<T> {
    let (h, rest) = token.split_once('.')?;
    let (p, s) = rest.split_once('.')?;
    let header: RawHeader = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    if header.alg != "RS256" {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
    key.verify_sig(&token.as_bytes()[..h.len() + 1 + p.len()], &sig)
        .ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
}
