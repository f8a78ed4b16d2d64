//! Numbers as JavaScript prints them: `JSON.stringify`'s form (shortest
//! round-trip digits, `null` for NaN and the infinities) and `String()`'s.
//! The reference's numbers are doubles, so every number the server writes
//! where the reference wrote one goes through here.

/// Appends a number as JavaScript's `JSON.stringify` prints it: `null` for
/// NaN and the infinities, shortest round-trip digits otherwise, `0` for -0.
pub fn write_number(out: &mut Vec<u8>, n: f64) {
    if !n.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    // Whole numbers of up to 15 digits print as integers (a cast, not
    // `trunc`, which is a libm call without SSE4.1).
    let i = n as i64;
    if i as f64 == n && (-1e15..1e15).contains(&n) {
        write_int(out, i);
        return;
    }
    let mut buf = ryu_js::Buffer::new();
    out.extend_from_slice(buf.format_finite(n).as_bytes());
}

/// Two-digit pairs "00".."99" for [`write_int`].
static DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[i * 2] = b'0' + (i / 10) as u8;
        t[i * 2 + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Appends a whole number in decimal without going through `fmt`.
pub fn write_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    let mut v = n.unsigned_abs();
    if v < 10 {
        out.push(b'0' + v as u8);
        return;
    }
    let mut digits = [0u8; 20];
    let mut pos = digits.len();
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        pos -= 2;
        digits[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        let pair = v as usize * 2;
        pos -= 2;
        digits[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        pos -= 1;
        digits[pos] = b'0' + v as u8;
    }
    out.extend_from_slice(&digits[pos..]);
}

/// JavaScript `String(n)`: [`write_number`]'s digits, but `NaN`,
/// `Infinity` and `-Infinity` by name.
pub fn to_js_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let mut buf = Vec::with_capacity(24);
    write_number(&mut buf, n);
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: f64) -> String {
        let mut v = Vec::new();
        write_number(&mut v, n);
        String::from_utf8(v).unwrap_or_default()
    }

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(2.0 / 3.0), "0.6666666666666666");
        assert_eq!(num(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(num(1e21), "1e+21");
        assert_eq!(num(1e-7), "1e-7");
        assert_eq!(num(123456789012345680000.0), "123456789012345680000");
        assert_eq!(num(f64::NAN), "null");
        assert_eq!(num(f64::INFINITY), "null");
        assert_eq!(num(1750000000000.0), "1750000000000");
    }

    #[test]
    fn string_conversion_names_what_json_prints_as_null() {
        assert_eq!(to_js_string(f64::NAN), "NaN");
        assert_eq!(to_js_string(f64::INFINITY), "Infinity");
        assert_eq!(to_js_string(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(to_js_string(-0.0), "0");
        assert_eq!(to_js_string(0.5), "0.5");
    }

    #[test]
    fn integers_print_with_every_digit_count() {
        for n in [
            0i64,
            7,
            10,
            99,
            100,
            101,
            999,
            1000,
            65535,
            1_750_000_000_000,
            -1,
            -42,
            -100,
        ] {
            let mut v = Vec::new();
            write_int(&mut v, n);
            assert_eq!(String::from_utf8(v).unwrap_or_default(), n.to_string());
        }
    }
}
