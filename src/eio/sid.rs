//! Random session ids, shaped like engine.io's `base64id`: 15 random bytes as
//! 20 URL-safe base64 characters.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A fresh id from the operating system's random source.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut raw = [0u8; 15];
    getrandom::fill(&mut raw)?;
    Ok(URL_SAFE_NO_PAD.encode(raw))
}

#[cfg(test)]
mod tests {
    #[test]
    fn twenty_url_safe_chars_and_distinct() {
        let a = super::generate().unwrap();
        let b = super::generate().unwrap();
        assert_eq!(a.len(), 20);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
    }
}
