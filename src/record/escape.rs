//! JSON strings escaped eight bytes at a time, byte for byte as
//! `serde_json` escapes them.
//!
//! `serde_json` looks every byte of every string up in its escape table;
//! with ~1.1 KB of strings per exchange record that loop was over half of
//! the record writer's instructions. Here a string is scanned a word at a
//! time for the only bytes JSON must escape (`"`, `\` and the controls
//! below U+0020), clean runs are copied whole, and each byte found is
//! escaped exactly as `serde_json` escapes it (the short forms `\b \t \n
//! \f \r`, else `\u00XX` in lower-case hex; non-ASCII, DEL and U+2028 stay
//! as they are). `json.rs`'s tests compare it with `serde_json`.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// A mask whose lowest set high bit marks the first byte of `w` (little
/// endian: the first in memory) that JSON must escape. Bits above the first
/// may be spurious (a borrow runs upwards); only the lowest is used.
#[inline]
pub(super) fn escapes(w: u64) -> u64 {
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    let quote = w ^ (ONES * b'"' as u64);
    let backslash = w ^ (ONES * b'\\' as u64);
    (control | (quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash)) & HIGH
}

/// `s` as a JSON string, quotes included. Each word is copied whole as it
/// is checked (an 8-byte store, no `memcpy` call per string); where it
/// holds a byte to escape, the copy is cut back to that byte.
pub(super) fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // The quotes, and room for the padding of the last word.
    out.reserve(bytes.len() + 10);
    out.push(b'"');
    let mut i = 0;
    while i < bytes.len() {
        let w = word(bytes, i);
        out.extend_from_slice(&w.to_le_bytes());
        let mask = escapes(w);
        if mask == 0 {
            i += 8;
            continue;
        }
        let k = (mask.trailing_zeros() / 8) as usize;
        out.truncate(out.len() - 8 + k);
        escape(out, bytes[i + k]);
        i += k + 1;
    }
    // The last word's padding, past the end of the string.
    out.truncate(out.len() - (i - bytes.len()));
    out.push(b'"');
}

/// The eight bytes of `bytes` from `at`; past its end, spaces (which need
/// no escape), so a short string or a tail is one word too: most strings
/// of a record are its field names, shorter than a word.
#[inline]
fn word(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(w) => u64::from_le_bytes(w.try_into().unwrap_or([b' '; 8])),
        None => {
            // Fewer than eight bytes, copied in pieces of fixed size (4, 2,
            // 1): a copy of variable length would be a `memcpy` call.
            let rest = &bytes[at..];
            let mut w = [b' '; 8];
            let mut j = 0;
            if rest.len() >= 4 {
                w[..4].copy_from_slice(&rest[..4]);
                j = 4;
            }
            if rest.len() - j >= 2 {
                w[j..j + 2].copy_from_slice(&rest[j..j + 2]);
                j += 2;
            }
            if rest.len() > j {
                w[j] = rest[j];
            }
            u64::from_le_bytes(w)
        }
    }
}

/// One byte as `serde_json` escapes it.
fn escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x09 => b't',
        0x0A => b'n',
        0x0C => b'f',
        0x0D => b'r',
        _ => 0,
    };
    if short != 0 {
        out.extend_from_slice(&[b'\\', short]);
    } else {
        out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xF) as usize]]);
    }
}
