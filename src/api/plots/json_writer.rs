//! serde_json's compact output, written with fewer instructions: the writer of the search pages
//! (issue 20 item 4).
//!
//! Why our own `Serializer` (measured, bench/RESULTS.md "second step"): on a 19-plot GeoJSON
//! page, serde_json's scan of every key and string byte by byte for characters to escape
//! (`format_escaped_str_contents`) was 23 % of the API's instructions. Here a string is checked
//! eight bytes at a time and, as nearly always, copied in one piece; strings with something to
//! escape are handed to serde_json itself. It stays schema-agnostic: it serializes whatever
//! `Serialize` the views derive (`Plot` with its flattened facts), so no member is listed twice.
//! Numbers and `null` go through serde_json's own `CompactFormatter`, so floats and integers
//! are its digits whatever its version. Anything it does not know (non-string map keys,
//! serde_json-private tokens other than `RawValue`) is an error, and the caller then writes the
//! value with serde_json (`write_or_fallback`): the bytes are serde_json's in every case.
//!
//! sonic-rs was considered and not taken: it does not know serde_json's `RawValue` (a plot's
//! geometry in JSON pages), so it would write it as an object, and it adds its own SIMD and
//! number crates to the tree for what is, here, a string scan.

use std::fmt::{self, Display};

use serde::ser::{self, Serialize};
use serde_json::ser::{CompactFormatter, Formatter};

mod text;
use text::Text;

/// serde_json's name for the struct a `RawValue` serializes as (its `raw::TOKEN`): the text
/// inside is JSON, written as it is.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Something this writer does not write: the caller falls back to serde_json.
#[derive(Debug)]
pub struct Unsupported(String);

impl Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not written by the fast JSON writer: {}", self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: Display>(msg: T) -> Self {
        Unsupported(msg.to_string())
    }
}

type Result<T = ()> = std::result::Result<T, Unsupported>;

/// Appends `value` as serde_json's compact form would, or fails leaving `out` as it was.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result {
    let at = out.len();
    value.serialize(Json(out)).inspect_err(|_| out.truncate(at))
}

/// Appends `value` as serde_json's compact form: through this writer where it can, else
/// through serde_json.
pub fn write_or_fallback<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> serde_json::Result<()> {
    match write(out, value) {
        Ok(()) => Ok(()),
        Err(_) => serde_json::to_writer(out, value),
    }
}

/// True when `bytes` hold a byte serde_json escapes: a control character, `"` or `\`.
/// Eight bytes at a time ("has less than" and "has zero byte" bit tricks: exact for the
/// question "any byte?", which is all that is asked); the last word overlaps the one before,
/// and short strings are read in overlapping pieces, so no byte is copied to be checked.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// Bytes that never need escaping, to fill a short string's word.
    const PAD: u64 = ONES * b'a' as u64;
    #[inline(always)]
    fn word(x: u64) -> bool {
        let control = x.wrapping_sub(ONES * 0x20) & !x;
        let q = x ^ (ONES * b'"' as u64);
        let quote = q.wrapping_sub(ONES) & !q;
        let b = x ^ (ONES * b'\\' as u64);
        let backslash = b.wrapping_sub(ONES) & !b;
        (control | quote | backslash) & HIGH != 0
    }
    #[inline(always)]
    fn u64_at(bytes: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
    }
    #[inline(always)]
    fn u32_at(bytes: &[u8], at: usize) -> u64 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as u64
    }
    let n = bytes.len();
    match n {
        0 => false,
        1..=3 => {
            let x = bytes[0] as u64 | (bytes[n / 2] as u64) << 8 | (bytes[n - 1] as u64) << 16;
            word(x | PAD << 24)
        }
        4..=7 => word(u32_at(bytes, 0) | u32_at(bytes, n - 4) << 32),
        _ => {
            let mut at = 0;
            while at + 8 <= n {
                if word(u64_at(bytes, at)) {
                    return true;
                }
                at += 8;
            }
            at < n && word(u64_at(bytes, n - 8))
        }
    }
}

/// A JSON string: quoted, escaped exactly as serde_json escapes.
#[inline]
fn string(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        return escaped(out, s);
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// A string with something to escape, by serde_json itself (rare: out of the hot path).
#[cold]
#[inline(never)]
fn escaped(out: &mut Vec<u8>, s: &str) {
    // serde_json's escaping of a `&str` cannot fail on a Vec.
    let _ = serde_json::to_writer(out, s);
}

/// `fmt::Write` straight into the output buffer.
struct Bytes<'a>(&'a mut Vec<u8>);

impl fmt::Write for Bytes<'_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The `Display` of `value` as a JSON string (what serde_json's `collect_str` writes): written
/// in place, escaped afterwards only if it has to be.
fn display_string<T: Display + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result {
    use fmt::Write as _;
    out.push(b'"');
    let start = out.len();
    write!(Bytes(out), "{value}").map_err(|_| Unsupported("a failing Display".into()))?;
    if needs_escape(&out[start..]) {
        let text = String::from_utf8(out.split_off(start)).expect("written from str");
        out.pop();
        string(out, &text);
    } else {
        out.push(b'"');
    }
    Ok(())
}

/// Numbers and `null` by serde_json's own formatter: its digits, whatever its version.
macro_rules! number {
    ($($method:ident: $ty:ty => $write:ident,)*) => {$(
        #[inline]
        fn $method(self, value: $ty) -> Result {
            let _ = CompactFormatter.$write(self.0, value);
            Ok(())
        }
    )*};
}

/// Floats as serde_json writes them: `null` when not finite.
macro_rules! float {
    ($($method:ident: $ty:ty => $write:ident,)*) => {$(
        #[inline]
        fn $method(self, value: $ty) -> Result {
            if value.is_finite() {
                let _ = CompactFormatter.$write(self.0, value);
            } else {
                self.0.extend_from_slice(b"null");
            }
            Ok(())
        }
    )*};
}

/// The serializer: writes one value into the buffer.
struct Json<'a>(&'a mut Vec<u8>);

impl<'a> Json<'a> {
    /// `{"variant":` — the opening of serde_json's externally tagged variants.
    fn variant_key(self, variant: &str) -> Self {
        self.0.push(b'{');
        string(self.0, variant);
        self.0.push(b':');
        self
    }
}

impl<'a> ser::Serializer for Json<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    #[inline]
    fn serialize_bool(self, value: bool) -> Result {
        self.0
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    number! {
        serialize_i8: i8 => write_i8,
        serialize_i16: i16 => write_i16,
        serialize_i32: i32 => write_i32,
        serialize_i64: i64 => write_i64,
        serialize_i128: i128 => write_i128,
        serialize_u8: u8 => write_u8,
        serialize_u16: u16 => write_u16,
        serialize_u32: u32 => write_u32,
        serialize_u64: u64 => write_u64,
        serialize_u128: u128 => write_u128,
    }

    float! {
        serialize_f32: f32 => write_f32,
        serialize_f64: f64 => write_f64,
    }

    fn serialize_char(self, value: char) -> Result {
        string(self.0, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    #[inline]
    fn serialize_str(self, value: &str) -> Result {
        string(self.0, value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result {
        let _ = CompactFormatter.write_byte_array(self.0, value);
        Ok(())
    }

    #[inline]
    fn serialize_none(self) -> Result {
        self.0.extend_from_slice(b"null");
        Ok(())
    }

    #[inline]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_none()
    }

    #[inline]
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        string(self.0, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        let json = self.variant_key(variant);
        let out = &mut *json.0;
        value.serialize(Json(out))?;
        out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a>> {
        Ok(Compound::open(self.0, b'[', b']', len))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>> {
        let mut compound = self.variant_key(variant).serialize_seq(Some(len))?;
        compound.variant = true;
        Ok(compound)
    }

    #[inline]
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a>> {
        Ok(Compound::open(self.0, b'{', b'}', len))
    }

    #[inline]
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'a>> {
        if name == RAW_VALUE_TOKEN {
            return Ok(Compound {
                out: self.0,
                first: true,
                closed: true,
                close: b'}',
                variant: false,
                raw: true,
            });
        }
        if name.starts_with("$serde_json::private::") {
            return Err(Unsupported(name.into()));
        }
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>> {
        let mut compound = self.variant_key(variant).serialize_map(Some(len))?;
        compound.variant = true;
        Ok(compound)
    }

    #[inline]
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result {
        display_string(self.0, value)
    }
}

/// An array or object being written.
struct Compound<'a> {
    out: &'a mut Vec<u8>,
    /// Nothing written yet (no comma before the next element).
    first: bool,
    /// Empty by its length: already closed, as serde_json does.
    closed: bool,
    close: u8,
    /// Inside `{"variant":…}`: one more brace to close.
    variant: bool,
    /// A `RawValue`: its one field is JSON text, written as it is.
    raw: bool,
}

impl<'a> Compound<'a> {
    #[inline]
    fn open(out: &'a mut Vec<u8>, open: u8, close: u8, len: Option<usize>) -> Self {
        let closed = len == Some(0);
        out.push(open);
        if closed {
            out.push(close);
        }
        Compound {
            out,
            first: true,
            closed,
            close,
            variant: false,
            raw: false,
        }
    }

    #[inline]
    fn comma(&mut self) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
    }

    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.comma();
        value.serialize(Json(self.out))
    }

    #[inline]
    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result {
        self.comma();
        string(self.out, key);
        self.out.push(b':');
        value.serialize(Json(self.out))
    }

    #[inline]
    fn finish(self) -> Result {
        if !self.closed {
            self.out.push(self.close);
        }
        if self.variant {
            self.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }

    #[inline]
    fn end(self) -> Result {
        self.finish()
    }
}

/// Tuples are arrays, as in serde_json.
macro_rules! tuple {
    ($($trait:ident::$method:ident,)*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Unsupported;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
                self.element(value)
            }

            fn end(self) -> Result {
                self.finish()
            }
        }
    )*};
}

tuple! {
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.comma();
        key.serialize(Text {
            out: self.out,
            raw: false,
        })
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.out.push(b':');
        value.serialize(Json(self.out))
    }

    /// Every member of a flattened struct arrives here (`#[serde(flatten)]` makes `Plot` a map).
    #[inline]
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result {
        self.serialize_key(key)?;
        self.serialize_value(value)
    }

    #[inline]
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        if self.raw {
            return value.serialize(Text {
                out: self.out,
                raw: true,
            });
        }
        self.entry(key, value)
    }

    #[inline]
    fn end(self) -> Result {
        // A `RawValue` is `closed`: nothing to add.
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.entry(key, value)
    }

    fn end(self) -> Result {
        self.finish()
    }
}

#[cfg(test)]
mod tests;
