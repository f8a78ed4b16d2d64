//! What the server writes about clients into its log: bounded, so that a
//! client cannot fill the log (or a log shipper) with what it sends.

/// At most this many bytes of client input go into one log line.
pub const EXCERPT_BYTES: usize = 200;

/// `text` cut to [`EXCERPT_BYTES`] on a character boundary, with the
/// length it had when cut.
pub fn excerpt(text: &str) -> String {
    if text.len() <= EXCERPT_BYTES {
        return text.to_owned();
    }
    let mut end = EXCERPT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_input_is_cut_on_a_character_boundary() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(150); // 300 bytes
        let cut = excerpt(&long);
        assert!(cut.starts_with(&"é".repeat(100)));
        assert!(cut.ends_with("… (300 bytes)"), "{cut}");
    }
}
